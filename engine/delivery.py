"""Delivering the outbox: claim rows with a lease, send each, mark it sent — once.

A worker claims a batch in one short transaction (``UPDATE … WHERE id IN (SELECT … FOR UPDATE
SKIP LOCKED) RETURNING id`` on PostgreSQL; SQLite runs one writer at a time), so no two workers
hold the same row. It then sends each row and marks it sent in a transaction of its own. A worker
killed mid-delivery leaves its rows claimed until the lease runs out; then any worker sends them.
Each email carries a Message-ID made from the row's key, each webhook post an ``X-Alur-Delivery``
header, so a receiver can recognise the one resend that a kill between "sent" and "marked" causes.
Failures are retried with growing pauses; what still fails after ``MAX_ATTEMPTS`` is listed for
admins (status ``failed``) and can be retried from there.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import or_, select, text, update
from sqlalchemy.orm import Session

from . import webhook_client
from .config import EngineConfig
from .mailer import Mailer, build_message
from .messages import Coded, Message
from .models import User, utcnow
from .notification_models import FAILED, PENDING, SENT, Notification, Webhook
from .stored_messages import loaded, stored

log = logging.getLogger(__name__)

#: subject, plain text, HTML of one email notification for its recipient, in their language.
Renderer = Callable[[Notification, User], tuple[str, str, str]]

MAX_ATTEMPTS = 8
FIRST_PAUSE = timedelta(seconds=30)
LONGEST_PAUSE = timedelta(hours=1)
#: A webhook whose deliveries failed this many times in a row is disabled, with the reason shown.
WEBHOOK_DISABLE_AFTER = 10

_N = Notification.__table__


def pause_after(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … at most an hour between attempts."""
    return min(FIRST_PAUSE * (2 ** max(attempts - 1, 0)), LONGEST_PAUSE)


def new_owner() -> str:
    return secrets.token_hex(8)


def message_id(key: str, domain: str = "alur") -> str:
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{domain}>"


def claim(session: Session, owner: str, now: datetime, lease: timedelta, limit: int) -> list[int]:
    """Take up to ``limit`` due rows for ``owner`` until ``now + lease``; returns their ids."""
    free = or_(_N.c.lease_until.is_(None), _N.c.lease_until < now)
    pick = (select(_N.c.id).where(text("status = 'pending'"), _N.c.next_attempt_at <= now, free)
            .order_by(_N.c.next_attempt_at, _N.c.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    statement = (update(_N).where(_N.c.id.in_(pick.scalar_subquery()), _N.c.status == PENDING, free)
                 .values(lease_until=now + lease, lease_owner=owner).returning(_N.c.id))
    ids = sorted(session.scalars(statement))
    session.commit()
    return ids


def release(session: Session, owner: str, ids: list[int]) -> None:
    if ids:
        session.execute(update(_N).where(_N.c.id.in_(ids), _N.c.lease_owner == owner, _N.c.status == PENDING)
                        .values(lease_until=None, lease_owner=None))
        session.commit()


def deliver(session: Session, config: EngineConfig, renderer: Renderer, *, now: datetime | None = None,
            owner: str | None = None, limit: int = 20, stop: Callable[[], bool] = lambda: False) -> dict[str, int]:
    """Claim and deliver one batch. Returns counts of ``sent`` and ``failed`` attempts."""
    now = now or utcnow()
    owner = owner or new_owner()
    lease = timedelta(seconds=config.delivery_lease_seconds)
    ids = claim(session, owner, now, lease, limit)
    counts = {"sent": 0, "failed": 0}
    if not ids:
        return counts
    rows = list(session.scalars(select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)))
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({r.user_id for r in rows if r.user_id})))}
    hooks = {h.id: h for h in session.scalars(select(Webhook).where(
        Webhook.id.in_({r.webhook_id for r in rows if r.webhook_id})))}
    mailer = Mailer(config.smtp_url, config.mail_dir)
    started = utcnow()
    try:
        for index, row in enumerate(rows):
            # Stop early rather than send on a lease about to run out (another worker may take it).
            if stop() or utcnow() - started > lease * 0.8:
                release(session, owner, [r.id for r in rows[index:]])
                break
            try:
                _send(row, users.get(row.user_id), hooks.get(row.webhook_id), config, renderer, mailer)
            except Exception as exc:  # noqa: BLE001 - any failure of one row is that row's error, retried
                log.warning("delivery of notification %s failed: %s", row.id, exc)
                _failed(session, row, owner, now, hooks.get(row.webhook_id), _describe(exc))
                counts["failed"] += 1
            else:
                _sent(session, row, owner, hooks.get(row.webhook_id))
                counts["sent"] += 1
            session.commit()
    finally:
        mailer.close()
    return counts


class Undeliverable(Coded, Exception):
    """Nothing to deliver to (no address, a disabled webhook)."""


def _describe(exc: Exception) -> Message:
    """Why a delivery failed, by code: ours, or the mail library's words (``delivery.failed``)."""
    if isinstance(exc, (Undeliverable, webhook_client.WebhookFailed)):
        return exc.msg
    return Message("delivery.failed", type=type(exc).__name__, detail=str(exc)[:1000])


def _send(row: Notification, user: User | None, hook: Webhook | None, config: EngineConfig,
          renderer: Renderer, mailer: Mailer) -> None:
    if row.channel == "email":
        if user is None or not user.active or not user.email:
            raise Undeliverable("delivery.no_address")
        subject, body_text, body_html = renderer(row, user)
        mailer.send(build_message(sender=config.mail_from, to=user.email, subject=subject, text=body_text,
                                  html=body_html, message_id=message_id(row.key)))
    elif row.channel == "webhook":
        if hook is None or not hook.active:
            if hook is not None and hook.disabled_reason:
                raise Undeliverable("delivery.webhook_disabled_because", why=loaded(hook.disabled_reason))
            raise Undeliverable("delivery.webhook_disabled")
        document = {"event": row.event, "delivery": row.key, "created_at": row.created_at.isoformat(),
                    **{k: v for k, v in row.payload.items() if k != "language"}}
        if row.task_id:
            document["task_url"] = f"{config.base_url.rstrip('/')}/tasks/{row.task_id}"
        if row.instance_id:
            document["case_url"] = f"{config.base_url.rstrip('/')}/instances/{row.instance_id}"
        webhook_client.post(hook.url, hook.secret, row.event, row.key, document)


def _sent(session: Session, row: Notification, owner: str, hook: Webhook | None) -> None:
    done = session.execute(update(_N).where(_N.c.id == row.id, _N.c.lease_owner == owner).values(
        status=SENT, sent_at=utcnow(), attempts=_N.c.attempts + 1, lease_until=None, lease_owner=None,
        last_error=None))
    if done.rowcount != 1:
        log.warning("notification %s was sent after its lease ran out", row.id)
    if hook is not None and hook.failures:
        hook.failures = 0


def _failed(session: Session, row: Notification, owner: str, now: datetime, hook: Webhook | None,
            error: Message) -> None:
    attempts = row.attempts + 1
    final = attempts >= MAX_ATTEMPTS or error.code == "delivery.no_address"
    session.execute(update(_N).where(_N.c.id == row.id, _N.c.lease_owner == owner).values(
        status=FAILED if final else PENDING, attempts=attempts, last_error=stored(error), lease_until=None,
        lease_owner=None, next_attempt_at=max(now, utcnow()) + pause_after(attempts)))
    if hook is not None and hook.active:
        hook.failures += 1
        if hook.failures >= WEBHOOK_DISABLE_AFTER:
            hook.active = False
            hook.disabled_reason = stored(Message("delivery.webhook_stopped", n=hook.failures, last=error))


def retry(session: Session, notification_ids: list[int] | None = None) -> int:
    """An admin sends failed rows again (all, or the ones given): back in the queue at once."""
    statement = update(_N).where(_N.c.status == FAILED)
    if notification_ids is not None:
        statement = statement.where(_N.c.id.in_(notification_ids))
    done = session.execute(statement.values(status=PENDING, next_attempt_at=utcnow(), lease_until=None,
                                            lease_owner=None, attempts=0))
    return done.rowcount
