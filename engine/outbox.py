"""Writing notifications into the outbox, in the transaction of the change that causes them.

Who hears of a step: the person who took it; else the people appointed to it; else everyone
holding its lane's role. How: each person's preference per channel (immediately, in the daily
digest, or not at all; an admin sets the office default). Other office systems: the webhooks
subscribed to the event. Every row carries an idempotency key, and rows whose key exists are
skipped, so an event written twice (two workers, a retry) reaches nobody twice.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import bindparam, insert, literal, null, or_, select, type_coerce, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, lazyload

from .models import Instance, Role, TaskRecord, User, task_assignees, user_roles
from .notification_models import PENDING, SENT, Notification, NotificationPreference, Webhook

#: What happens to whom. Webhooks may subscribe to any of these.
EVENTS = ("step_ready", "sent_back", "claimed", "reassigned", "near_due", "overdue", "escalated",
          "case_completed", "case_withdrawn", "case_terminated", "mention", "digest")
WEBHOOK_EVENTS = tuple(e for e in EVENTS if e != "digest")
CHANNELS = ("email", "app")
MODES = ("immediate", "digest", "off")
#: Modes each channel offers: a digest is a daily email; the app shows everything as it happens.
CHANNEL_MODES = {"email": MODES, "app": ("immediate", "off")}
#: Events that are news, not a call to act: told in the app only, never by email.
APP_ONLY = frozenset({"claimed"})


#: The outbox's INSERT by dialect, skipping a key already written (built once: a completion writes
#: a batch for every step it opens).
_INSERTS = {"postgresql": pg_insert(Notification.__table__).on_conflict_do_nothing(index_elements=["key"]),
            "sqlite": sqlite_insert(Notification.__table__).on_conflict_do_nothing(index_elements=["key"])}
_PLAIN_INSERT = insert(Notification.__table__)


def _insert(session: Session):
    return _INSERTS.get(session.get_bind().dialect.name, _PLAIN_INSERT)


def write(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert outbox rows at once (same transaction), skipping keys already written."""
    if rows:
        session.execute(_insert(session), rows)


def preferences(session: Session, user_ids: Iterable[int]) -> dict[tuple[int | None, str], NotificationPreference]:
    """(user id or None for the office default, channel) → preference, for these people."""
    ids = list(set(user_ids))
    found = session.scalars(select(NotificationPreference).where(
        or_(NotificationPreference.user_id.is_(None), NotificationPreference.user_id.in_(ids))))
    return {(p.user_id, p.channel): p for p in found}


_PREFS = NotificationPreference.__table__.c
_HOOKS = Webhook.__table__.c
# Built once: the preferences of some people and the office defaults, and the active webhooks, in
# one statement (a completion that opens a step asks both; one round trip, not two).
_PREFERENCES_AND_WEBHOOKS = union_all(
    select(literal("p").label("kind"), _PREFS.user_id, _PREFS.channel, _PREFS.mode,
           type_coerce(null(), _HOOKS.id.type).label("hook_id"), type_coerce(null(), _HOOKS.events.type).label("events"))
    .where(or_(_PREFS.user_id.is_(None), _PREFS.user_id.in_(bindparam("ids", expanding=True)))),
    select(literal("w"), null(), null(), null(), _HOOKS.id, _HOOKS.events).where(_HOOKS.active.is_(True)))
_WEBHOOKS = select(_HOOKS.id, _HOOKS.events).where(_HOOKS.active.is_(True))


def preferences_and_webhooks(session: Session, user_ids: Iterable[int]) -> tuple[dict, list]:
    """What :func:`preferences` answers (each value having the ``mode`` a :func:`mode_of` reads),
    and the active webhooks as (id, events), read together."""
    prefs, hooks = {}, []
    for row in session.execute(_PREFERENCES_AND_WEBHOOKS, {"ids": list(set(user_ids))}):
        if row.kind == "p":
            prefs[(row.user_id, row.channel)] = row
        else:
            hooks.append((row.hook_id, row.events))
    return prefs, hooks


def mode_of(prefs: dict, user_id: int, channel: str) -> str:
    pref = prefs.get((user_id, channel)) or prefs.get((None, channel))
    return pref.mode if pref is not None else "immediate"


#: The people told of an event: their roles are not needed to tell them (loaded on access if ever
#: used), which spares a completion a query for every step it opens.
_PEOPLE = select(User).options(lazyload(User.roles))
# Who is told, in statements built once: a completion asks one or two of them per step it opens,
# and building a statement and its cache key cost more than running it (docs/benchmarks.md).
_LANE_MEMBERS = (_PEOPLE.join(user_roles, user_roles.c.user_id == User.id).join(Role, Role.id == user_roles.c.role_id)
                 .where(Role.name == bindparam("lane"), User.active.is_(True)).order_by(User.id))
_ACTIVE_NAMED = _PEOPLE.where(User.username == bindparam("username"), User.active.is_(True))
_APPOINTED = (_PEOPLE.join(task_assignees, task_assignees.c.user_id == User.id)
              .where(task_assignees.c.task_id == bindparam("task_id"), User.active.is_(True)).order_by(User.id))
_NAMED = select(User).where(User.username == bindparam("username"))


def lane_members(session: Session, lane: str | None) -> list[User]:
    if not lane:
        return []
    return list(session.scalars(_LANE_MEMBERS, {"lane": lane}))


def people_of_step(session: Session, row: TaskRecord | dict) -> list[User]:
    """Who may act on an open step now: its taker, else its appointed people, else its lane."""
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    if get("claimed_by"):
        user = session.scalar(_ACTIVE_NAMED, {"username": get("claimed_by")})
        return [user] if user is not None else []
    if get("has_assignees"):
        return list(session.scalars(_APPOINTED, {"task_id": get("id")}))
    return lane_members(session, get("lane"))


def case_payload(instance: Instance) -> dict[str, Any]:
    return {"case_id": instance.id, "case_title": instance.title,
            "process_key": instance.definition.key, "process": instance.definition.name}


def step_payload(instance: Instance, row: TaskRecord | dict) -> dict[str, Any]:
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    due = get("due_at")
    return {**case_payload(instance), "task_id": get("id"), "step": get("step"), "task_name": get("name"),
            "lane": get("lane"), "due_at": due.isoformat() if due else None}


class Writer:
    """Collects outbox rows of many events (a worker's pass marks hundreds of steps) and writes
    them in one statement; preferences and webhooks are read once per writer."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.rows: list[dict[str, Any]] = []
        self._prefs: dict = {}
        self._known: set[int] = set()
        self._hooks: list | None = None

    def _preferences(self, people: list[User]) -> dict:
        missing = [u.id for u in people if u.id not in self._known]
        if missing or not self._known:
            if self._hooks is None:  # the first people asked about: the webhooks come along
                prefs, self._hooks = preferences_and_webhooks(self.session, missing)
            else:
                prefs = preferences(self.session, missing)
            self._prefs.update(prefs)
            self._known.update(missing)
            self._known.add(0)  # office defaults are in
        return self._prefs

    def _webhooks(self) -> list:
        if self._hooks is None:
            self._hooks = self.session.execute(_WEBHOOKS).all()
        return self._hooks

    def emit(self, event: str, key: str, recipients: Iterable[User | None], *, instance_id: int | None = None,
             task_id: str | None = None, payload: dict[str, Any]) -> None:
        """One row per recipient and channel their preferences allow, plus one per webhook
        subscribed to ``event``. ``key`` names the event once; rows add recipient and channel."""
        people = list({u.id: u for u in recipients if u is not None and u.active}.values())
        prefs = self._preferences(people) if people else {}
        now = self.now
        for user in people:
            for channel in (("app",) if event in APP_ONLY else CHANNELS):
                if mode_of(prefs, user.id, channel) != "immediate" or (channel == "email" and not user.email):
                    continue
                self.rows.append({
                    "key": f"{key}:u{user.id}:{channel}", "event": event, "channel": channel, "user_id": user.id,
                    "webhook_id": None, "instance_id": instance_id, "task_id": task_id,
                    "payload": {**payload, "language": user.language or "id"},
                    "status": SENT if channel == "app" else PENDING, "attempts": 0, "next_attempt_at": now,
                    "created_at": now, "sent_at": now if channel == "app" else None})
        for hook_id, events in self._webhooks():
            if event in (events or []):
                self.rows.append({
                    "key": f"{key}:w{hook_id}", "event": event, "channel": "webhook", "user_id": None,
                    "webhook_id": hook_id, "instance_id": instance_id, "task_id": task_id,
                    "payload": {**payload, "recipients": [u.username for u in people]},
                    "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now, "sent_at": None})

    def flush(self) -> int:
        count = len(self.rows)
        write(self.session, self.rows)
        self.rows = []
        return count


def emit(session: Session, event: str, key: str, recipients: Iterable[User | None], *, now: datetime,
         instance_id: int | None = None, task_id: str | None = None, payload: dict[str, Any]) -> int:
    """Write one event's rows at once (see :meth:`Writer.emit`)."""
    writer = Writer(session, now)
    writer.emit(event, key, recipients, instance_id=instance_id, task_id=task_id, payload=payload)
    return writer.flush()


# ---- the events -----------------------------------------------------------------------------
def steps_ready(session: Session, instance: Instance, rows: list[dict[str, Any]], now: datetime) -> None:
    """New open steps: everyone who may do each is told. A step a decision sent back (its row
    carries ``returned``, see engine/task_index.py) says so, with who sent it back, from which
    step, and the reviewer's note."""
    if not rows:
        return
    writer = Writer(session, now)
    for row in rows:
        payload = step_payload(instance, row)
        returned = row.get("returned")
        if returned:
            payload.update(by=returned.get("by"), from_step=returned.get("from_step"),
                           from_name=returned.get("from_name"), note=returned.get("note"))
        writer.emit("sent_back" if returned else "step_ready", f"task:{row['id']}:ready",
                    people_of_step(session, row), instance_id=instance.id, task_id=row["id"], payload=payload)
    writer.flush()


def step_claimed(session: Session, instance: Instance, row: TaskRecord, by: User, now: datetime) -> None:
    """The others who could have done the step learn that ``by`` took it."""
    others = [u for u in (lane_members(session, row.lane) if not row.has_assignees else list(row.assignees))
              if u.id != by.id]
    emit(session, "claimed", f"task:{row.id}:claimed:{by.id}:{now.isoformat()}", others, now=now,
         instance_id=instance.id, task_id=row.id, payload={**step_payload(instance, row), "by": by.username})


def step_reassigned(session: Session, instance: Instance, row: TaskRecord, before: list[User], to: User,
                    by: User, now: datetime) -> None:
    """The new person is told the step is theirs; those who held it, that it moved on."""
    payload = {**step_payload(instance, row), "by": by.username, "to": to.username}
    stamp = now.isoformat()
    emit(session, "reassigned", f"task:{row.id}:reassigned:{stamp}:to", [to], now=now,
         instance_id=instance.id, task_id=row.id, payload={**payload, "yours": True})
    emit(session, "reassigned", f"task:{row.id}:reassigned:{stamp}:from", [u for u in before if u.id != to.id],
         now=now, instance_id=instance.id, task_id=row.id, payload={**payload, "yours": False})


def case_ended(session: Session, instance: Instance, event: str, now: datetime, reason: str | None = None,
               by: str | None = None) -> None:
    """The person who started the case hears it was completed, withdrawn or terminated."""
    submitter = session.scalar(_NAMED, {"username": instance.started_by}) \
        if instance.started_by else None
    emit(session, event, f"case:{instance.id}:{event}", [submitter], now=now, instance_id=instance.id,
         payload={**case_payload(instance), "reason": reason, "by": by})


def mentioned(session: Session, instance: Instance, comment_id: int, author: str, usernames: list[str],
              now: datetime) -> None:
    """The people a comment names with ``@username`` hear that they were named (not the author)."""
    people = list(session.scalars(select(User).where(User.username.in_(usernames), User.username != author))) \
        if usernames else []
    emit(session, "mention", f"comment:{comment_id}:mention", people, now=now, instance_id=instance.id,
         payload={**case_payload(instance), "by": author})
