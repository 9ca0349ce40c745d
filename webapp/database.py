"""Database wiring: SQLite pragmas on Flask-SQLAlchemy's engine, schema upgrades."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from engine.db import configure_engine

from .extensions import db

MIGRATIONS = Path(__file__).parent / "migrations"


def init_app(app: Flask) -> None:
    with app.app_context():
        configure_engine(db.engine)


def upgrade_schema() -> None:
    """Create or upgrade the schema to the newest migration (Alembic via Flask-Migrate)."""
    from flask_migrate import upgrade

    upgrade(directory=str(MIGRATIONS))
