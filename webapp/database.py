"""Database wiring: SQLite pragmas on Flask-SQLAlchemy's engine, schema upgrades."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from engine.db import configure_engine, end_reading

from .extensions import db

MIGRATIONS = Path(__file__).parent / "migrations"


def init_app(app: Flask) -> None:
    with app.app_context():
        configure_engine(db.engine)

    @app.teardown_request
    def _end_reading(exc: BaseException | None) -> None:
        """A request that only read ends its transaction with a commit (engine.db.end_reading: on
        PostgreSQL a rollback drops the statements psycopg prepared); before Flask-SQLAlchemy
        closes the session, which rolls back whatever else is left."""
        if exc is not None or not db.session.registry.has():
            return
        try:
            end_reading(db.session())
        except SQLAlchemyError:
            app.logger.warning("ending a read-only transaction failed; it is rolled back", exc_info=True)


def upgrade_schema() -> None:
    """Create or upgrade the schema to the newest migration (Alembic via Flask-Migrate)."""
    from flask_migrate import upgrade

    upgrade(directory=str(MIGRATIONS))
