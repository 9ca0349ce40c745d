"""Models of notifications: the outbox, people's preferences, webhooks, calendar changes.

The outbox row is written in the same transaction as the change that causes it (a step became
ready, was sent back, is overdue …); the worker (engine/delivery.py) sends it afterwards. One row
per recipient and channel, with a unique idempotency ``key``: writing the same event twice (two
workers marking the same step, a retried transaction) adds nothing, and a row is marked sent once.
In-app notifications are outbox rows of the channel ``app``, sent the moment they are written.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from .models import Base, utcnow

#: BIGINT on PostgreSQL (an outbox grows); SQLite's rowid alias must stay INTEGER.
BigId = BigInteger().with_variant(Integer, "sqlite")

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The worker's queue: only rows still to send are in it.
        Index("ix_notifications_queue", "next_attempt_at",
              postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),
        # A person's notifications page and unread count.
        Index("ix_notifications_person", "user_id", "channel", "read_at"),
        Index("ix_notifications_failed", "status", "id"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    event: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(10))  # email | app | webhook
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    webhook_id: Mapped[Optional[int]] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    instance_id: Mapped[Optional[int]]
    task_id: Mapped[Optional[str]] = mapped_column(String(36))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: A worker that claimed the row holds it until then; a killed worker's rows come back after it.
    lease_until: Mapped[Optional[datetime]]
    lease_owner: Mapped[Optional[str]] = mapped_column(String(40))
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[Optional[datetime]]
    read_at: Mapped[Optional[datetime]]


class NotificationPreference(Base):
    """How a person hears of things on one channel; ``user_id`` NULL holds the office default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "channel"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(10))  # immediate | digest | off
    #: The office hour (0–23, office time zone) the daily digest goes out.
    digest_hour: Mapped[int] = mapped_column(Integer, default=8)


class Webhook(Base):
    """Another office system that wants to hear of events: JSON posts signed with ``secret``."""

    __tablename__ = "webhooks"
    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Failed attempts in a row; at the limit the webhook is disabled with ``disabled_reason``.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    disabled_reason: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[Optional[str]] = mapped_column(String(80))


class CalendarChange(Base):
    """The holidays changed: the worker recomputes open steps' due times in batches after
    ``cursor`` (task id), then sets ``done_at``. The admin's request only writes this row."""

    __tablename__ = "calendar_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    what: Mapped[str] = mapped_column(String(200), default="")
    requested_by: Mapped[Optional[str]] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    cursor: Mapped[Optional[str]] = mapped_column(String(36))
    moved: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[Optional[datetime]] = mapped_column(index=True)
