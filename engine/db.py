"""Database engines and sessions outside Flask (CLI helpers, benchmarks, tests)."""
from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from .models import Base


def configure_engine(engine: Engine) -> Engine:
    """SQLite: WAL for concurrent readers, a busy timeout, and enforced foreign keys."""
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    return engine


def make_engine(url: str, **kwargs) -> Engine:
    return configure_engine(create_engine(url, **kwargs))


def make_session_factory(url: str, **kwargs) -> sessionmaker:
    return sessionmaker(bind=make_engine(url, **kwargs), expire_on_commit=False)


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)
