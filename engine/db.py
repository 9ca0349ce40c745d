"""Database engines and sessions outside Flask (CLI helpers, benchmarks, tests)."""
from __future__ import annotations

import socket
import time

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from .models import Base

#: Seconds between two PRAGMA optimize runs on one SQLite connection.
OPTIMIZE_EVERY = 60.0
#: A database server's pooled connection idle for longer than this is pinged before it is used.
PING_AFTER_IDLE = 5.0


def configure_engine(engine: Engine) -> Engine:
    """SQLite: WAL for concurrent readers, a busy timeout, enforced foreign keys, and planner
    statistics kept current. A database server: idle connections pinged before use. Both: each
    transaction notes whether it sent anything but a SELECT (see ``end_reading``)."""
    _note_writes(engine)
    if engine.dialect.name != "sqlite":
        _ping_idle_connections(engine)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=10000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "checkin")
        def _optimize(dbapi_conn, record):
            # SQLite's advice: run PRAGMA optimize regularly on long-lived connections. It re-runs
            # ANALYZE only on tables that grew (25×) since they were last analyzed, so the planner
            # knows that "state = 'ready'" matches thousands of task rows and a user's lanes a few:
            # without statistics SQLite walks every ready task to draw one inbox (docs/benchmarks.md,
            # inbox flatness). Once a minute per connection is regular enough, and spares every
            # request its cost (a tenth of an empty-inbox API request).
            if dbapi_conn is None:
                return
            now = time.monotonic()
            if now - record.info.get("alur_optimized", -OPTIMIZE_EVERY) < OPTIMIZE_EVERY:
                return
            record.info["alur_optimized"] = now
            try:
                dbapi_conn.execute("PRAGMA optimize")
            except Exception:  # a busy or read-only database: statistics can wait for the next time
                pass
    return engine


#: ``Connection.info`` key: this transaction sent a statement other than a SELECT.
_WROTE = "alur_wrote"


def _note_writes(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _new_transaction(conn):
        conn.info.pop(_WROTE, None)

    @event.listens_for(engine, "before_cursor_execute")
    def _note(conn, _cursor, statement, _params, _context, _executemany):
        if _WROTE not in conn.info and not statement.lstrip()[:6].upper() == "SELECT":
            conn.info[_WROTE] = True  # conservative: anything else (WITH, SET, PRAGMA …) counts


def end_reading(session: Session) -> bool:
    """Commit ``session``'s transaction if all it did was read; True if it did.

    A unit of work that reads only ends the same whether it commits or rolls back, but not for
    psycopg: a ROLLBACK drops every statement it had prepared on the connection, and SQLAlchemy
    closes a session with one. So no statement of a page ever stayed prepared, and PostgreSQL
    planned each one anew on every request (0.3–0.6 ms for the inbox counts of the menu; some
    1.5 ms of a case's page). Anything else (a statement that was not a SELECT, changes not yet
    flushed) is left for ``close()`` to roll back, as before.
    """
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    if any(c.info.get(_WROTE) for c in session.info.get(_CONNECTIONS, ())):
        return False
    session.commit()
    return True


#: ``Session.info`` key: the connections its transaction uses (one per database it touched).
_CONNECTIONS = "alur_connections"


@event.listens_for(Session, "after_begin")
def _remember_connection(session: Session, _transaction, connection) -> None:
    session.info.setdefault(_CONNECTIONS, []).append(connection)


@event.listens_for(Session, "after_transaction_end")
def _forget_connections(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTIONS, None)


def _ping_idle_connections(engine: Engine) -> None:
    """Ping a pooled connection before use only when it sat idle for PING_AFTER_IDLE seconds: a
    database restarted (or a connection dropped by a firewall) while it idled shows there, and the
    pool replaces it before the request sees it. SQLAlchemy's ``pool_pre_ping`` pings at every
    checkout, a round trip per request for connections used a moment ago (docs/benchmarks.md,
    issue 12). A connection that dies while busy fails its statement once; SQLAlchemy then
    invalidates every connection of the pool, so the next requests get fresh ones."""
    @event.listens_for(engine, "checkin")
    def _note_idle(_dbapi_conn, record):
        record.info["alur_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy):
        since = record.info.get("alur_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return  # a new connection, or one used a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the pool discards it and tries another (SQLAlchemy's own recipe)
            raise DisconnectionError(str(exc)) from exc


def make_engine(url: str, **kwargs) -> Engine:
    return configure_engine(create_engine(url, **kwargs))


def make_session_factory(url: str, **kwargs) -> sessionmaker:
    return sessionmaker(bind=make_engine(url, **kwargs), expire_on_commit=False)


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)


def server_listening(url: str, timeout: float = 1.0) -> bool:
    """Whether something accepts TCP connections at the host and port of a database URL."""
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), timeout=timeout):
            return True
    except OSError:
        return False
