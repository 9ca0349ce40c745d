"""Timers and due times, users, holidays and reports: the administrative side of the service."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import Any, Iterable

from sqlalchemy import func, select, text, true, tuple_

from . import audit, delivery, kpi_tally, reminders, reports, runtime
from .errors import Conflict, Invalid, NotAllowed, NotFound, Problem
from .models import AuditEvent, CalendarChange, Holiday, Instance, TaskRecord, User, task_assignees, utcnow
from .paging import Cursor, Page, bounded_count
from .task_index import ASSIGNEES_ON_DEMAND
from .case_lookups import CaseLookups
from .unit_of_work import bounded_page, forget_holidays, rolls_back_on_refusal, valid_id as _valid_id


#: Each next kind is the least one after the last: a few index probes however long the log is.
_AUDIT_KINDS = text("""
WITH RECURSIVE kinds(kind) AS (
    SELECT (SELECT kind FROM audit_events ORDER BY kind LIMIT 1)
    UNION ALL
    SELECT (SELECT e.kind FROM audit_events e WHERE e.kind > kinds.kind ORDER BY e.kind LIMIT 1)
    FROM kinds WHERE kinds.kind IS NOT NULL
)
SELECT kind FROM kinds""")


class AdministrationOperations(CaseLookups):
    # ---- timers and due times -----------------------------------------------------------
    def tick(self, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
        """One pass of the clock: fire due timers, recompute due times after a holiday change,
        mark overdue and near-due steps (telling who may do them), queue daily digests. Safe with
        several workers (and concurrent ``alur tick`` runs) on one database: each timer fires once
        and each step is marked once."""
        now = now or utcnow()
        fired = self._fire_due_timers(now, limit)
        rescheduled = 0
        while True:
            forget_holidays(self.session)
            self._calendar = None
            looked_at = self._in_own_transaction(
                lambda: reminders.reschedule_batch(self.session, self.calendar, now, self.config.reminder_share))
            if not looked_at:
                break
            rescheduled += looked_at
        overdue = near = 0
        while True:  # batches of 1,000, each in its own short transaction
            marked = self._in_own_transaction(lambda: reminders.mark_overdue(self.session, now))
            overdue += marked
            if marked < 1000:
                break
        while True:
            marked = self._in_own_transaction(lambda: reminders.mark_near_due(self.session, now))
            near += marked
            if marked < 1000:
                break
        digests = self._in_own_transaction(lambda: reminders.queue_digests(self.session, self.calendar, now))
        return {"timers_fired": fired, "tasks_marked_overdue": overdue, "tasks_marked_near_due": near,
                "digests_queued": digests}

    def _in_own_transaction(self, work) -> int:
        """Run ``work`` and commit; losing a race to another worker (a locked SQLite database,
        a row changed meanwhile) counts as nothing done: the other worker did it."""
        self.session.commit()
        try:
            result = work()
            self._commit()
        except Conflict:
            return 0
        return result or 0

    def _fire_due_timers(self, now: datetime, limit: int) -> int:
        """Each due case in a transaction of its own, taken with a row lock that other workers
        skip (PostgreSQL) and written under its version column: a case another worker fired
        meanwhile is left to it, never fired twice and never a crash."""
        fired, skipped = 0, set()
        postgres = self.session.get_bind().dialect.name == "postgresql"
        for _ in range(limit):
            self.session.commit()
            query = (select(Instance.id).where(Instance.status == "running", Instance.next_timer_at <= now,
                                               Instance.id.not_in(skipped) if skipped else true())
                     .order_by(Instance.next_timer_at).limit(1))
            if postgres:
                query = query.with_for_update(skip_locked=True)
            instance_id = self.session.scalar(query)
            if instance_id is None:
                break
            try:
                instance = self.instance(instance_id)
                self.session.refresh(instance)
                if instance.status != "running" or instance.next_timer_at is None or instance.next_timer_at > now:
                    skipped.add(instance_id)
                    continue
                cd = runtime.compiled(instance.definition)
                wf = self._load_or_mark_error(instance, cd)
                if wf is None:  # unreadable state: marked error (alur check), the others go on
                    self._commit()
                    skipped.add(instance_id)
                    continue
                error = runtime.fire_timers(wf)
                self._write_case(instance, self._outcome(wf, error, now))
                self._index_tasks(instance, wf, cd, now)
                audit.record(self.session, "timer", None, instance_id=instance.id)
                if error:
                    audit.record(self.session, "error", None, instance_id=instance.id, message=error)
                self._commit()
                fired += 1
            except Conflict:  # another worker fired it first
                skipped.add(instance_id)
        self.session.commit()
        return fired

    def deliver_notifications(self, renderer, *, now: datetime | None = None, limit: int = 20,
                              stop=lambda: False, budget: float | None = None) -> dict[str, int]:
        """Send what the outbox holds, batch after batch, until nothing is due (or ``stop()``, or
        ``budget`` seconds have passed: checked between batches, so a call always sends one)."""
        total = {"sent": 0, "failed": 0}
        started = monotonic()
        while not stop():
            counts = delivery.deliver(self.session, self.config, renderer, now=now, limit=limit, stop=stop)
            total = {k: total[k] + counts[k] for k in total}
            if counts["sent"] + counts["failed"] < limit:
                break
            if budget is not None and monotonic() - started >= budget:
                break
        return total

    # ---- users (admin) -----------------------------------------------------------------
    def create_user(self, admin: User | None, username: str, password: str, roles: Iterable[str] = (),
                    **fields: Any) -> User:
        """An administrator (``None``: the server's command line) creates a user (audited)."""
        if admin is not None and not admin.is_admin:
            raise NotAllowed("user.admins_only")
        user = self.users.create(username, password, roles, **fields)
        audit.record(self.session, "user_create", admin.username if admin else None, username=user.username,
                     roles=user.role_names, is_admin=user.is_admin)
        self._commit()
        return user

    @rolls_back_on_refusal
    def update_user(self, admin: User, user: User, *, roles: Iterable[str] | None = None,
                    password: str | None = None, **fields: Any) -> User:
        """An administrator edits a user: profile, roles (lanes), admin flag, password (audited)."""
        if not admin.is_admin:
            raise NotAllowed("user.admins_only")
        if user.id == admin.id and (fields.get("is_admin") is False or fields.get("active") is False):
            raise Invalid("user.invalid", [Problem("user.not_yourself", field="is_admin")])
        before = {"roles": user.role_names, **{k: getattr(user, k) for k in fields}}
        self.users.update(user, roles=roles, password=password, **fields)
        after = {"roles": user.role_names, **{k: getattr(user, k) for k in fields}}
        changed = {k: after[k] for k in after if after[k] != before[k] and (after[k] or before[k])}
        released = self._release_claims(user, admin) if changed.get("active") is False else 0
        audit.record(self.session, "user_update", admin.username, username=user.username,
                     changed=changed or None, password_reset=bool(password) or None, released=released or None)
        self._commit()
        return user

    def change_own_password(self, user: User, current: str, new: str) -> None:
        """A person changes their own password: the current one first (audited, never logged)."""
        if not self.users.check_password(user, current):
            raise Invalid("password.invalid", [Problem("password.wrong", field="current")])
        if new == current:
            raise Invalid("password.invalid", [Problem("password.unchanged", field="password")])
        self.users.update(user, password=new)
        audit.record(self.session, "password_change", user.username)
        self._commit()

    def _release_claims(self, user: User, admin: User) -> int:
        """A deactivated user's taken steps go back to their lanes (audited as releases), so a
        colleague can take them; steps appointed to them wait for an admin to reassign them."""
        rows = list(self.session.scalars(select(TaskRecord).where(
            TaskRecord.state == "ready", TaskRecord.claimed_by == user.username)))
        for row in rows:
            row.claimed_by = None
            audit.record(self.session, "unclaim", admin.username, instance_id=row.instance_id, task_id=row.id,
                         reason="deactivated", user=user.username)
        return len(rows)

    def open_steps_of(self, user: User) -> dict[str, list[TaskRecord]]:
        """The waiting steps a person holds: ``claimed`` (taken by them) and ``appointed`` (named
        for them, so only they or an admin's reassignment can move them on)."""
        ready_running = (TaskRecord.state == "ready") & TaskRecord.instance_id.in_(
            select(Instance.id).where(Instance.status.in_(("running", "suspended"))))
        claimed = list(self.session.scalars(select(TaskRecord).where(
            ready_running, TaskRecord.claimed_by == user.username).order_by(TaskRecord.created_at)))
        appointed = list(self.session.scalars(select(TaskRecord).join(
            task_assignees, task_assignees.c.task_id == TaskRecord.id).where(
            ready_running, task_assignees.c.user_id == user.id).order_by(TaskRecord.created_at)))
        return {"claimed": claimed, "appointed": appointed}

    # ---- holidays -------------------------------------------------------------------------
    def holidays(self) -> list[Holiday]:
        """The extra non-working dates an admin added, in date order."""
        return list(self.session.scalars(select(Holiday).order_by(Holiday.day)))

    def add_holiday(self, day: str, name: str, actor: User) -> Holiday:
        if not actor.is_admin:
            raise NotAllowed("holiday.admins_only")
        try:
            day = datetime.fromisoformat(day.strip()).date().isoformat()
        except ValueError:
            raise Invalid("date.invalid", [Problem("date.format", field="day")]) from None
        if self.session.scalar(select(Holiday.id).where(Holiday.day == day)) is not None:
            raise Conflict("holiday.exists", api_code="duplicate", day=day)
        holiday = Holiday(day=day, name=name)
        self.session.add(holiday)
        self._flush()  # a colleague adding the same day at once: 409
        self._calendar_changed(f"holiday_add {day}", actor)
        audit.record(self.session, "holiday_add", actor.username, day=day, name=name or None)
        self._commit()
        return holiday

    def remove_holiday(self, holiday_id: int, actor: User) -> None:
        if not actor.is_admin:
            raise NotAllowed("holiday.admins_only")
        holiday = self.session.get(Holiday, holiday_id) if _valid_id(holiday_id) else None
        if holiday is None:
            raise NotFound("holiday.not_found", id=holiday_id)
        day, name = holiday.day, holiday.name
        self.session.delete(holiday)
        self._flush()  # a colleague adding the same day at once: 409
        self._calendar_changed(f"holiday_remove {day}", actor)
        audit.record(self.session, "holiday_remove", actor.username, day=day, name=name or None)
        self._commit()

    def _calendar_changed(self, what: str, actor: User) -> None:
        """Only record the change: the worker recomputes open steps' due times in batches
        (engine/reminders.py), so an admin's request stays short however many cases run."""
        self._calendar = None
        forget_holidays(self.session)
        self.session.add(CalendarChange(what=what, requested_by=actor.username, requested_at=utcnow()))

    def calendar_changes_pending(self) -> int:
        return self.session.scalar(select(func.count()).select_from(CalendarChange).where(
            CalendarChange.done_at.is_(None))) or 0

    # ---- the audit log ----------------------------------------------------------------------
    def audit_log(self, reader: User, *, kind: str | None = None, actor: str | None = None,
                  since: date | None = None, until: date | None = None, limit: int = 50,
                  before: Cursor | None = None, after: Cursor | None = None) -> Page[AuditEvent]:
        """Every audited event, newest first, for administrators, a page at a time: the events
        older than ``before`` (or, going back, newer than ``after``). ``since``/``until`` are
        office days (both included, in the office's time zone). Each page reads an index range of
        its own size, whatever the size of the log; the count stops at a thousand."""
        if not reader.is_admin:
            raise NotAllowed("audit.admins_only")
        limit = bounded_page(limit, 0)[0]
        query = select(AuditEvent)
        if kind:
            query = query.where(AuditEvent.kind == kind)
        if actor:
            query = query.where(AuditEvent.actor == actor)
        tz = self.calendar.tz
        if since:
            query = query.where(AuditEvent.at >= datetime.combine(since, time.min, tz))
        if until:
            query = query.where(AuditEvent.at < datetime.combine(until + timedelta(days=1), time.min, tz))
        count = bounded_count(self.session, query, AuditEvent.id)
        key = tuple_(AuditEvent.at, AuditEvent.id)
        if after is not None:  # the page before this one: the oldest rows newer than ``after``
            rows = list(self.session.scalars(query.where(key > tuple_(after.at, after.id))
                                             .order_by(AuditEvent.at, AuditEvent.id).limit(limit + 1)))
            more_newer = len(rows) > limit
            rows = rows[:limit][::-1]
            more_older = bool(rows)
        else:
            if before is not None:
                query = query.where(key < tuple_(before.at, before.id))
            rows = list(self.session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                             .limit(limit + 1)))
            more_older = len(rows) > limit
            rows = rows[:limit]
            more_newer = before is not None and bool(rows)
        return Page(rows, older=Cursor(rows[-1].at, rows[-1].id) if more_older else None,
                    newer=Cursor(rows[0].at, rows[0].id) if more_newer else None, count=count)

    def audit_kinds(self) -> list[str]:
        """The kinds of event the log holds, for a filter: one index probe per kind (a loose
        index scan of ``ix_audit_events_kind_at_id``), not a DISTINCT over every event."""
        return [k for k in self.session.scalars(_AUDIT_KINDS) if k is not None]

    # ---- reports ----------------------------------------------------------------------------
    def kpi(self, process_key: str | None = None, *, since: date | None = None, until: date | None = None,
            version: int | None = None, lane: str | None = None) -> list[dict[str, Any]]:
        """Laporan Kinerja per step (see :func:`engine.reports.kpi_by_step`), in this office's hours,
        of the completions between ``since`` and ``until`` (office days, both included) if given,
        of one version of the process and one lane if given."""
        self._check_period(since, until)
        return reports.kpi_by_step(self.session, self.calendar, process_key, since, until,
                                   version=version, lane=lane)

    def kpi_cases(self, process_key: str | None = None, *, since: date | None = None, until: date | None = None,
                  version: int | None = None, limit: int = reports.CASES_PER_PAGE, offset: int = 0
                  ) -> list[dict[str, Any]]:
        """Laporan Kinerja per case: one page of the cases that ended in the period."""
        self._check_period(since, until)
        return reports.kpi_by_case(self.session, self.calendar, process_key, since, until, version=version,
                                   limit=limit, offset=offset)

    def case_realisation(self, instance_id: int) -> dict[str, str]:
        """The map of one case: each step's last realisation against its standard time."""
        rows = {}
        for row in self.session.scalars(select(TaskRecord).where(
                TaskRecord.instance_id == instance_id, TaskRecord.state == "completed")
                .order_by(TaskRecord.completed_at).options(*ASSIGNEES_ON_DEMAND)):
            rows[row.bpmn_id] = {"bpmn_id": row.bpmn_id, "median_minutes": row.actual_minutes,
                                 "target_minutes": row.target_minutes}
        return reports.realisation_marks(list(rows.values()))

    def rebuild_kpi(self) -> int:
        """Recount the report's tallies from the task index; returns the completions counted."""
        counted = kpi_tally.rebuild(self.session, self.calendar)
        self._commit()
        return counted

    @staticmethod
    def _check_period(since: date | None, until: date | None) -> None:
        if since and until and since > until:
            raise Invalid("period.invalid", [Problem("period.reversed", field="until")])
