"""The unit of work every service operation shares: session, settings, calendar, commit."""
from __future__ import annotations

import functools
import time
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any, Callable, Iterator, ParamSpec, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from . import audit, case_numbers, message_waits, outbox, runtime, search, task_index
from .calendar import WorkingCalendar
from .config import EngineConfig
from .errors import AlurError, Conflict
from .expressions import RestrictedScriptEngine
from .files import FileStore
from .models import Delegation, Holiday, Instance, ProcessDefinition, User, utcnow
from .state import SERIALIZER_VERSION
from .stored_messages import stored
from .users import UserDirectory

#: Extra holidays change a few times a year; each worker re-reads them at most this often
#: (an admin's change applies at once in the worker that made it).
HOLIDAY_CACHE_SECONDS = 60.0
_holiday_cache: dict[str, tuple[float, frozenset[date]]] = {}

# Statements built once (building one costs more than running it); SET comes from the parameters.
_UPDATE_INSTANCE = update(Instance.__table__).where(Instance.__table__.c.id == bindparam("b_id"),
                                                    Instance.__table__.c.row_version == bindparam("b_version"))
_update_by_key: dict[str, Any] = {}

_CURRENT_DELEGATIONS = select(Delegation).where(
    Delegation.delegate_id == bindparam("delegate_id"), Delegation.ends_at > bindparam("now"),
    Delegation.starts_at <= bindparam("now"), Delegation.ended_at.is_(None)).order_by(Delegation.id)

#: Ids are INTEGER columns on every database (2,147,483,647 rows a table is ample for an office);
#: a larger id cannot exist, so it is "not found" before the driver casts it and overflows.
MAX_ID = 2**31 - 1


def valid_id(value: int) -> bool:
    return isinstance(value, int) and 0 < value <= MAX_ID


#: Every list answers at most this many rows at once and skips at most MAX_OFFSET: a page number
#: of twenty digits becomes a far (empty) page, never an integer the database cannot hold.
MAX_LIMIT = 1000
MAX_OFFSET = 10**9


def bounded_page(limit: int, offset: int) -> tuple[int, int]:
    """``limit`` and ``offset`` clamped to what any list and any database accept."""
    return min(max(int(limit), 1), MAX_LIMIT), min(max(int(offset), 0), MAX_OFFSET)


def _database_key(session: Session) -> str:
    return session.get_bind().url.render_as_string(hide_password=True)


def extra_holidays(session: Session) -> frozenset[date]:
    """The admin-added non-working dates, cached per database for HOLIDAY_CACHE_SECONDS."""
    key = _database_key(session)
    now = time.monotonic()
    hit = _holiday_cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    days = frozenset(date.fromisoformat(d) for d in session.scalars(select(Holiday.day)))
    _holiday_cache[key] = (now + HOLIDAY_CACHE_SECONDS, days)
    return days


def forget_holidays(session: Session) -> None:
    _holiday_cache.pop(_database_key(session), None)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def rolls_back_on_refusal(operation: Callable[_P, _R]) -> Callable[_P, _R]:
    """The operation's boundary owns rollback: when it refuses (raises an ``AlurError``), nothing
    it began stays in the session, so the caller may catch the refusal and answer from the same
    session at once (a page showing the form again with the problems) without rolling back itself."""
    @functools.wraps(operation)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return operation(*args, **kwargs)
        except AlurError:
            args[0].session.rollback()  # type: ignore[attr-defined]
            raise
    return run


class UnitOfWork:
    def __init__(self, session: Session, config: EngineConfig | None = None) -> None:
        self.session = session
        self.config = config or EngineConfig()
        self.users = UserDirectory(session, self.config.password_hash_method)
        self.files = FileStore(self.config.files_dir, self.config.max_upload_bytes)
        self.script_engine = RestrictedScriptEngine()
        self._calendar: WorkingCalendar | None = None
        # Rows this unit of work looked up, held so the session's (weak) identity map keeps them:
        # a second look-up of the same definition or case then costs no query.
        self._pinned: dict[tuple[type, int], Any] = {}
        # A task's attachments, once read in this unit of work (completion checks them, then the
        # answer lists them); attach/remove forget the entry.
        self._task_attachments: dict[str, list] = {}
        # Each step's form (definition id, BPMN id) once looked up in this unit of work.
        self._step_forms: dict[tuple[int, str], dict | None] = {}
        # The officials each user acts for now (Plt/Plh), looked up once per unit of work.
        self._acting_for: dict[int, list[User]] = {}

    # ---- time -------------------------------------------------------------------------
    @property
    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            extra = set(extra_holidays(self.session)) | set(self.config.extra_holidays)
            self._calendar = WorkingCalendar(self.config.timezone, self.config.office_start,
                                             self.config.office_end, frozenset(extra), self.config.office_week)
        return self._calendar

    # ---- acting officials (Plt/Plh) ----------------------------------------------------
    def acting_for(self, user: User) -> list[User]:
        """The active officials ``user`` acts for at this moment (their delegations' periods
        include now and were not ended early): one indexed query per unit of work."""
        found = self._acting_for.get(user.id)
        if found is None:
            now = utcnow()
            found = [d.delegator for d in self.session.scalars(_CURRENT_DELEGATIONS, {
                "delegate_id": user.id, "now": now}) if d.delegator.active and d.delegator.id != user.id]
            self._acting_for[user.id] = found
        return found

    # ---- unit of work -----------------------------------------------------------------
    def _flush(self) -> None:
        self._commit(flush_only=True)

    def _commit(self, flush_only: bool = False) -> None:
        """Write the unit of work; a lost optimistic-lock race becomes a :class:`Conflict`."""
        with self._losing_a_race_is_a_conflict():
            if flush_only:
                self.session.flush()
            else:
                self.session.commit()

    @contextmanager
    def _losing_a_race_is_a_conflict(self) -> Iterator[None]:
        """Turn what a concurrent writer of the same case causes into a :class:`Conflict` (409),
        rolled back: a stale row version, a row someone else just inserted (the task index rows of
        the next step carry SpiffWorkflow's task ids, the same in both racers), a locked database."""
        try:
            yield
        except StaleDataError:
            self.session.rollback()
            raise Conflict("instance.changed_meanwhile", api_code="changed_meanwhile") from None
        except OperationalError as exc:
            self.session.rollback()
            if "locked" in str(exc).lower():
                raise Conflict("instance.busy", api_code="changed_meanwhile") from None
            raise
        except IntegrityError:
            self.session.rollback()
            raise Conflict("instance.done_meanwhile", api_code="changed_meanwhile") from None

    @contextmanager
    def _sent_together(self) -> Iterator[None]:
        """On PostgreSQL, the statements run inside go to the server one after another without
        waiting for each answer (psycopg's pipeline mode): one round trip for the lot instead of
        one each, which is most of what a statement costs there. Only writes whose answers nobody
        reads belong inside: no SELECT, no INSERT fetching its new id (``insert(...).inline()``),
        no count of updated rows; the answers arrive as the block ends, and a failure shows there
        (a row a concurrent writer inserted first: :class:`Conflict` 409, rolled back). On SQLite
        (in-process, no round trip) the statements simply run."""
        connection = self.session.connection()
        if connection.dialect.name != "postgresql":
            yield
            return
        import psycopg  # the PostgreSQL driver; SQLite installs need not have it

        try:
            with connection.connection.driver_connection.pipeline():
                yield
        except psycopg.errors.IntegrityError:
            self.session.rollback()
            raise Conflict("instance.done_meanwhile", api_code="changed_meanwhile") from None

    # ---- writing a case: the one way ------------------------------------------------------
    def _write_case(self, instance: Instance, values: dict[str, Any], *,
                    definition: ProcessDefinition | None = None) -> None:
        """Write the case row: every operation that changes an existing case comes here (complete,
        timers, messages, withdraw, suspend/resume/terminate, migration, marking an unreadable
        case, archiving; ``tests/test_case_writes.py`` checks that no other code writes one).

        The optimistic-lock rule, in one place: one UPDATE guarded by the ``row_version`` the case
        was read at, bumping it (another writer since → :class:`Conflict` 409
        ``instance.changed_meanwhile``, rolled back). It runs at once, so a lost race ends before
        anything else is written. Then the loaded object agrees with the row (its columns, the new
        version the ORM's ``version_id_col`` checks at a later flush, and ``definition`` when a
        migration names the version it moves to): nothing is cleared or refreshed by hand.

        The statement goes straight to the connection, as the ORM's unit of work would cost more
        than the statement (docs/benchmarks.md); ORM changes still pending on *other* rows are
        flushed later in the same transaction, and nobody changes a case's attributes through
        the ORM (a new case is an INSERT, :meth:`_start_case`)."""
        values = {**values, "row_version": instance.row_version + 1}
        with self._losing_a_race_is_a_conflict():
            result = self.session.connection().execute(
                _UPDATE_INSTANCE, {**values, "b_id": instance.id, "b_version": instance.row_version})
            if result.rowcount != 1:
                raise StaleDataError(f"instance {instance.id} changed meanwhile")
        for name, value in values.items():
            set_committed_value(instance, name, value)
        if definition is not None:
            set_committed_value(instance, "definition", definition)

    def _outcome(self, wf, error: str | None, now: datetime) -> dict[str, Any]:
        """The instance row's new column values after running ``wf``; an error is kept by code
        (engine/stored_messages.py), for the case page to say in its reader's language."""
        values = runtime.snapshot(wf, self.config.compact_keep if self.config.compact_history else None)
        if error:
            values.update(status="error", error_message=stored(error))
        elif wf.completed:
            values.update(status="completed", ended_at=now)
        return values

    def _load_or_mark_error(self, instance: Instance, cd: runtime.CompiledDefinition):
        """The case's workflow, or None after marking the case ``error`` when its state cannot be
        read: the worker's round (timers, messages) carries on with the other cases."""
        try:
            return runtime.load(instance, cd, self.script_engine)
        except runtime.StateUnreadable as exc:
            self._write_case(instance, {"status": "error", "error_message": stored(exc.message)})
            audit.record(self.session, "error", None, instance_id=instance.id, message=exc.message)
            return None

    def _write_row(self, row: Any, values: dict[str, Any]) -> None:
        """UPDATE one row (not a case: :meth:`_write_case`) by primary key at once and let the
        loaded object agree; a completion writes its task row so, after its case row."""
        table = type(row).__table__
        (key,) = table.primary_key.columns
        statement = _update_by_key.get(table.name)
        if statement is None:
            statement = _update_by_key[table.name] = update(table).where(key == bindparam("b_key"))
        with self._losing_a_race_is_a_conflict():
            self.session.connection().execute(statement, {**values, "b_key": getattr(row, key.key)})
        for name, value in values.items():
            set_committed_value(row, name, value)

    def _index_tasks(self, instance, workflow, cd, now: datetime, cause: dict | None = None, *,
                     open_ids: set[str] | None = None, done_id: str | None = None) -> list[dict]:
        """Write the task index for ``instance`` (inserts run at once, in this transaction) and the
        notifications of the steps that became ready; returns their rows (``cause``, ``open_ids``,
        ``done_id``: see :func:`task_index.sync`; a row it sent back is told as such, with the
        reviewer's note)."""
        with self._losing_a_race_is_a_conflict(), self.session.no_autoflush:
            became_ready = task_index.sync(self.session, instance, workflow, cd, self.calendar, now, cause,
                                           self.config.reminder_share, open_ids=open_ids, done_id=done_id)
            outbox.steps_ready(self.session, instance, became_ready, now)
            if cd.catches_messages:
                message_waits.sync(self.session, instance, workflow)
        self._deliver_thrown(instance, workflow)
        return became_ready

    def _deliver_thrown(self, instance, workflow) -> None:
        """Messages the case threw go to the cases waiting for them (engine/ops_messages.py)."""

    def _start_case(self, definition: ProcessDefinition, username: str | None, title: str, data: dict | None,
                    *, message: tuple[str, dict] | None = None, correlation_key: str | None = None,
                    hops: int = 0) -> Instance:
        """Create and advance a case (not committed); ``message``: the (name, payload) that starts it."""
        cd = runtime.compiled(definition)
        now = utcnow()
        wf = runtime.new_workflow(cd, data, self.script_engine)
        error = runtime.advance(wf)
        if message is not None and not error:
            _caught, error = runtime.deliver(wf, *message)
        number = case_numbers.next_number(self.session, cd.prefix, now.astimezone(self.calendar.tz).year)
        instance = Instance(**{"status": "running", **self._outcome(wf, error, now)}, definition_id=definition.id,
                            title=(title or "").strip()[:300] or definition.name, number=number,
                            started_by=username, started_at=now, serializer_version=SERIALIZER_VERSION,
                            correlation_key=correlation_key)
        self.session.add(instance)
        self.session.flush()
        search.index_instance(self.session, instance.id, number, instance.title, *search.texts_of(data or {}))
        extra = {"message": message[0]} if message else {}
        audit.record(self.session, "start", username, instance_id=instance.id, number=number,
                     process=definition.key, version=definition.version, title=instance.title, **extra)
        if error:
            audit.record(self.session, "error", None, instance_id=instance.id, message=error)
        previous, self._hops = getattr(self, "_hops", 0), hops
        try:
            self._index_tasks(instance, wf, cd, now)
        finally:
            self._hops = previous
        return instance
