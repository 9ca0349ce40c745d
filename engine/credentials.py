"""Who an API token belongs to, remembered per process and never trusted past a change.

Every API request starts by finding its caller: the token's user, their roles, whether they act
for an official now (Plt/Plh). Asking the database for all that on every request was a third of an
empty-inbox request (docs/benchmarks.md, issue 12). A process (a gunicorn worker) remembers the
answer per token, and before using it asks one thing: the value of ``credentials_generation``
(one row, by primary key). Database triggers (migration a4c7e2d91f30) set that value to a new
random number in the same transaction as any change to a user's row, their roles, a role, a
token's owner, hash or expiry, a revoked token, or a delegation. So a revoked token, a deactivated
user, a removed role or an ended delegation counts from the very next request in every worker:
the value that request reads is no longer the one the memory was filled with.

What no write announces, time does: a token's expiry and the next moment a delegation naming the
caller begins or ends are kept with the memory, which is not used past them. A memory is also
renewed every few minutes whatever happens (defence in depth), and none is kept at all where the
triggers are missing (a schema built without the migrations, or a later migration that rebuilt one
of the tables on SQLite, which drops its triggers): the caller is then read every time, as before.
"""
from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from .models import CredentialsGeneration, Role, User

#: The triggers the migration creates, by database; the memory is used only where all are present.
TABLES = ("users", "user_roles", "roles", "api_tokens", "delegations")
SQLITE_TRIGGERS = frozenset({
    "credentials_users_update", "credentials_users_delete", "credentials_user_roles_insert",
    "credentials_user_roles_update", "credentials_user_roles_delete", "credentials_roles_update",
    "credentials_roles_delete", "credentials_api_tokens_update", "credentials_api_tokens_delete",
    "credentials_delegations_insert", "credentials_delegations_update", "credentials_delegations_delete"})
POSTGRES_TRIGGERS = frozenset(f"credentials_{t}" for t in TABLES)
#: A remembered caller is read again after this long even if nothing changed.
RENEW_EVERY = timedelta(minutes=5)
#: Tokens remembered per process at most (the oldest is forgotten first).
MAX_CALLERS = 10_000

GENERATION = select(CredentialsGeneration.value).where(CredentialsGeneration.id == 1)
#: The same, as a column of the statement that reads a caller: both from one snapshot.
GENERATION_NOW = GENERATION.scalar_subquery()


@dataclass
class Caller:
    """What a process remembers of a token: a detached copy of its user (roles loaded), whether
    they may act for an official, and until when (and under which generation) that holds."""

    user: User
    token_id: int
    acting: bool
    generation: int
    valid_until: datetime
    last_used: datetime | None


class Callers:
    """The memory of one database engine (one per process and database): token hash → caller."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._callers: dict[str, Caller] = {}
        self._lock = threading.Lock()

    def get(self, token_hash: str, now: datetime) -> Caller | None:
        caller = self._callers.get(token_hash)
        if caller is None or now >= caller.valid_until:
            return None
        return caller

    def put(self, token_hash: str, caller: Caller) -> None:
        with self._lock:
            self._callers.pop(token_hash, None)
            while len(self._callers) >= MAX_CALLERS:
                self._callers.pop(next(iter(self._callers)))
            self._callers[token_hash] = caller

    def forget(self, token_hash: str) -> None:
        self._callers.pop(token_hash, None)


_BY_ENGINE: "weakref.WeakKeyDictionary[Engine, Callers]" = weakref.WeakKeyDictionary()
_BY_ENGINE_LOCK = threading.Lock()


def callers_of(session: Session) -> Callers:
    """The memory for the session's database, created (after checking the triggers) on first use."""
    engine = session.get_bind()
    engine = getattr(engine, "engine", engine)  # a Connection bound session: its engine
    callers = _BY_ENGINE.get(engine)
    if callers is None:
        with _BY_ENGINE_LOCK:
            callers = _BY_ENGINE.get(engine)
            if callers is None:
                with engine.connect() as conn:
                    callers = Callers(triggers_in_place(conn))
                _BY_ENGINE[engine] = callers
    return callers


def triggers_in_place(conn: Connection) -> bool:
    """Whether every trigger that announces a change of credentials exists, and the row they change."""
    try:
        if conn.dialect.name == "postgresql":
            found = set(conn.scalars(text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE 'credentials%' "
                "AND tgrelid = ANY (ARRAY[" + ", ".join(f"to_regclass('{t}')" for t in TABLES) + "])")))
            wanted = POSTGRES_TRIGGERS
        elif conn.dialect.name == "sqlite":
            found = set(conn.scalars(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'credentials%'")))
            wanted = SQLITE_TRIGGERS
        else:
            return False
        return wanted <= found and conn.scalar(GENERATION) is not None
    except Exception:  # no such table yet (a schema being built): read the caller every time
        return False
    finally:
        conn.rollback()


def detached_copy(user: User) -> User:
    """A copy of a loaded user and their roles that belongs to no session: what a process keeps,
    merged into each request's session without a query (``Session.merge(load=False)``)."""
    roles = []
    for role in user.roles:
        kept = Role(**{c.key: getattr(role, c.key) for c in Role.__mapper__.column_attrs})
        make_transient_to_detached(kept)
        roles.append(kept)
    copy = User(**{c.key: getattr(user, c.key) for c in User.__mapper__.column_attrs})
    make_transient_to_detached(copy)
    set_committed_value(copy, "roles", roles)
    return copy

