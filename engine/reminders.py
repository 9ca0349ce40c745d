"""What the worker does to open steps as time passes: overdue and near-due marking, escalation,
the daily digest, and due times recomputed after the holidays changed.

Marking is set-based: one ``UPDATE … WHERE state = 'ready' AND NOT overdue AND due_at < now
RETURNING …`` per batch, on a partial index that holds only steps not yet marked (a tick never
re-reads what it marked before). Two workers marking at once cannot both mark a step: the
``NOT overdue`` condition is checked again on the row they both wanted (PostgreSQL re-evaluates
it after the first commits; SQLite runs one writer at a time), and the outbox keys are unique.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from . import access, outbox, runtime
from .calendar import WorkingCalendar
from .models import (OPEN_NOT_OVERDUE, OPEN_NOT_REMINDED, AuditEvent, Instance, ProcessDefinition, TaskRecord,
                     User)
from .notification_models import CalendarChange, Notification, NotificationPreference
from .task_index import near_due

_TASKS = TaskRecord.__table__
_MARKED = (_TASKS.c.id, _TASKS.c.instance_id, _TASKS.c.definition_id, _TASKS.c.bpmn_id, _TASKS.c.step,
           _TASKS.c.name, _TASKS.c.lane, _TASKS.c.due_at, _TASKS.c.claimed_by, _TASKS.c.has_assignees)
_SET_TIMES = update(_TASKS).where(_TASKS.c.id == bindparam("b_id"))
#: Open steps listed in one digest, at most (the count says how many there are in all).
DIGEST_ITEMS = 50


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _pick(session: Session, column, index: str, condition: str, now: datetime, limit: int):
    """The ids of at most ``limit`` steps to mark, read from the partial ``index`` only.

    PostgreSQL picks the small partial index by itself and skips rows another worker holds.
    SQLite's planner prefers ``ix_tasks_state_due`` (same estimate, and it walks every marked
    step), so it is told which index to use: ``INDEXED BY`` also fails loudly should the query
    ever stop matching the index."""
    if session.get_bind().dialect.name == "sqlite":
        return (text(f"SELECT id FROM tasks INDEXED BY {index} WHERE {condition} AND {column.name} < :now "
                     f"ORDER BY {column.name} LIMIT :limit")
                .bindparams(bindparam("now", now, type_=column.type), bindparam("limit", limit))
                .columns(_TASKS.c.id))
    pick = select(_TASKS.c.id).where(text(condition), column < now).order_by(column).limit(limit)
    return pick.with_for_update(skip_locked=True) if _postgres(session) else pick


def _mark(session: Session, column, index: str, condition: str, values: dict[str, Any], now: datetime,
          limit: int) -> list:
    """Set ``values`` on at most ``limit`` open steps whose ``column`` is past, that match
    ``condition`` (the text of the partial ``index``), and return the rows this call marked."""
    # Two statements: the ids (locked on PostgreSQL), then the update by primary key. In one
    # statement PostgreSQL's planner, its statistics stale after a burst of new steps, re-ran the
    # locking scan for every row it updated (minutes at 10,000 overdue steps).
    ids = list(session.scalars(_pick(session, column, index, condition, now, limit)))
    if not ids:
        return []
    statement = (update(_TASKS).where(_TASKS.c.id.in_(ids), text(condition), column < now)
                 .values(**values).returning(*_MARKED))
    rows = [row._asdict() for row in session.execute(statement)]
    _agree(session, [r["id"] for r in rows], values)
    return rows


def _agree(session: Session, task_ids: list[str], values: dict[str, Any]) -> None:
    """Rows this session already holds learn what the set-based statement wrote."""
    for task_id in task_ids:
        row = session.identity_map.get(identity_key(TaskRecord, task_id))
        if row is not None:
            for name, value in values.items():
                set_committed_value(row, name, value)


def _cases(session: Session, instance_ids: set[int]) -> dict[int, Instance]:
    if not instance_ids:
        return {}
    return {i.id: i for i in session.scalars(select(Instance).where(Instance.id.in_(instance_ids)))}


def mark_overdue(session: Session, now: datetime, limit: int = 1000) -> int:
    """Mark open steps past their due time (audited), tell who may do them, and escalate to the
    step's ``sop.escalate_to`` role. Returns how many this call marked."""
    rows = _mark(session, _TASKS.c.due_at, "ix_tasks_to_mark_overdue", OPEN_NOT_OVERDUE,
                 {"overdue": True, "near_due_sent": True}, now, limit)
    if not rows:
        return 0
    session.execute(insert(AuditEvent.__table__), [
        {"kind": "overdue", "actor": None, "instance_id": r["instance_id"], "task_id": r["id"], "at": now,
         "details": {"due_at": r["due_at"].isoformat() if r["due_at"] else None}} for r in rows])
    cases = _cases(session, {r["instance_id"] for r in rows})
    definitions: dict[int, Any] = {}
    writer = outbox.Writer(session, now)
    lanes: dict[str, list[User]] = {}
    for row in rows:
        instance = cases[row["instance_id"]]
        payload = outbox.step_payload(instance, row)
        writer.emit("overdue", f"task:{row['id']}:overdue", _people(session, row, lanes),
                    instance_id=instance.id, task_id=row["id"], payload=payload)
        if row["definition_id"] not in definitions:
            definitions[row["definition_id"]] = runtime.compiled(session.get(ProcessDefinition, row["definition_id"]))
        meta = definitions[row["definition_id"]].tasks.get(row["bpmn_id"])
        role = meta.escalate_to if meta is not None else None
        if role:
            if role not in lanes:
                lanes[role] = outbox.lane_members(session, role)
            writer.emit("escalated", f"task:{row['id']}:escalated", lanes[role], instance_id=instance.id,
                        task_id=row["id"], payload={**payload, "escalated_to": role})
    writer.flush()
    return len(rows)


def mark_near_due(session: Session, now: datetime, limit: int = 1000) -> int:
    """Remind who may do an open step once the set share of its standard time has passed."""
    rows = _mark(session, _TASKS.c.near_due_at, "ix_tasks_to_remind", OPEN_NOT_REMINDED, {"near_due_sent": True},
                 now, limit)
    if not rows:
        return 0
    cases = _cases(session, {r["instance_id"] for r in rows})
    writer = outbox.Writer(session, now)
    lanes: dict[str, list[User]] = {}
    for row in rows:
        instance = cases[row["instance_id"]]
        writer.emit("near_due", f"task:{row['id']}:near_due", _people(session, row, lanes),
                    instance_id=instance.id, task_id=row["id"], payload=outbox.step_payload(instance, row))
    writer.flush()
    return len(rows)


def _people(session: Session, row: dict, lanes: dict[str, list[User]]) -> list[User]:
    """``outbox.people_of_step`` with each lane's members read once per batch."""
    if row["claimed_by"] or row["has_assignees"]:
        return outbox.people_of_step(session, row)
    lane = row["lane"] or ""
    if lane not in lanes:
        lanes[lane] = outbox.lane_members(session, lane)
    return lanes[lane]


# ---- the daily digest --------------------------------------------------------------------------
def queue_digests(session: Session, calendar: WorkingCalendar, now: datetime) -> int:
    """On office days, once the person's digest hour has come: one email listing the steps that
    wait for them (overdue first), to everyone whose email preference is the digest."""
    local = now.astimezone(calendar.tz)
    if not calendar.is_working_day(local.date()):
        return 0
    prefs = {(p.user_id, p.channel): p for p in session.scalars(
        select(NotificationPreference).where(NotificationPreference.channel == "email"))}
    default = prefs.get((None, "email"))
    if default is not None and default.mode == "digest":
        wanted = select(User).where(User.id.not_in(select(NotificationPreference.user_id).where(
            NotificationPreference.channel == "email", NotificationPreference.user_id.is_not(None),
            NotificationPreference.mode != "digest")))
    else:
        wanted = select(User).where(User.id.in_([uid for (uid, _c), p in prefs.items()
                                                  if uid is not None and p.mode == "digest"]))
    queued = 0
    writer = outbox.Writer(session, now)
    for user in session.scalars(wanted.where(User.active.is_(True), User.email != "")):
        pref = prefs.get((user.id, "email")) or default
        if local.hour < (pref.digest_hour if pref is not None else 8):
            continue
        key = f"digest:{user.id}:{local.date().isoformat()}"
        if session.scalar(select(Notification.id).where(Notification.key == f"{key}:email")) is not None:
            continue
        steps = _digest_steps(session, user, now)
        if not steps:
            continue
        overdue = sum(1 for s in steps if s["overdue"])
        row = {"key": f"{key}:email", "event": "digest", "channel": "email", "user_id": user.id, "webhook_id": None,
               "instance_id": None, "task_id": None, "status": "pending", "attempts": 0, "next_attempt_at": now,
               "created_at": now, "sent_at": None,
               "payload": {"language": user.language or "id", "day": local.date().isoformat(),
                           "count": len(steps), "overdue_count": overdue, "steps": steps[:DIGEST_ITEMS]}}
        writer.rows.append(row)
        queued += 1
    writer.flush()
    return queued


def _digest_steps(session: Session, user: User, now: datetime) -> list[dict[str, Any]]:
    query = (select(TaskRecord, Instance.title).join(Instance, Instance.id == TaskRecord.instance_id)
             .where(TaskRecord.state == "ready", Instance.status == "running", access.may_do_clause(user),
                    or_(TaskRecord.claimed_by.is_(None), TaskRecord.claimed_by == user.username))
             .order_by(TaskRecord.due_at.is_(None), TaskRecord.due_at, TaskRecord.created_at).limit(500))
    return [{"task_id": t.id, "step": t.step, "task_name": t.name, "case_id": t.instance_id, "case_title": title,
             "due_at": t.due_at.isoformat() if t.due_at else None,
             "overdue": bool(t.due_at is not None and t.due_at < now)}
            for t, title in session.execute(query)]


# ---- the holidays changed ----------------------------------------------------------------------
def reschedule_batch(session: Session, calendar: WorkingCalendar, now: datetime, share: float,
                     batch: int = 500) -> int:
    """Recompute due and reminder times of one batch of open steps on the current calendar, for
    the newest pending calendar change; when all are done, close every change up to it. Returns
    how many steps this batch looked at (0: nothing to do)."""
    query = select(CalendarChange).where(CalendarChange.done_at.is_(None)).order_by(CalendarChange.id.desc()).limit(1)
    if _postgres(session):
        query = query.with_for_update(skip_locked=True)
    change = session.scalar(query)
    if change is None:
        return 0
    open_steps = (select(_TASKS.c.id, _TASKS.c.created_at, _TASKS.c.target_minutes, _TASKS.c.due_at,
                         _TASKS.c.near_due_at, _TASKS.c.overdue)
                  .where(_TASKS.c.state == "ready", _TASKS.c.target_minutes.is_not(None))
                  .order_by(_TASKS.c.id).limit(batch))
    if change.cursor:
        open_steps = open_steps.where(_TASKS.c.id > change.cursor)
    rows = session.execute(open_steps).all()
    changes = []
    for task_id, created_at, target, due_at, near_at, overdue in rows:
        due = calendar.add(created_at, target)
        near = near_due(calendar, created_at, target, share)
        if due != due_at or near != near_at:
            changes.append({"b_id": task_id, "due_at": due, "near_due_at": near, "overdue": bool(overdue and due < now)})
    if changes:
        session.execute(_SET_TIMES, changes)
        for moved in changes:
            _agree(session, [moved["b_id"]], {k: v for k, v in moved.items() if k != "b_id"})
    change.moved += len(changes)
    if len(rows) < batch:
        session.execute(update(CalendarChange.__table__).where(
            CalendarChange.__table__.c.id <= change.id, CalendarChange.__table__.c.done_at.is_(None))
            .values(done_at=now))
        session.execute(insert(AuditEvent.__table__), [{
            "kind": "reschedule", "actor": None, "instance_id": None, "task_id": None, "at": now,
            "details": {"change": change.what, "rescheduled": change.moved}}])
    else:
        change.cursor = rows[-1][0]
    return max(len(rows), 1)
