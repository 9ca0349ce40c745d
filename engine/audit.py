"""The append-only audit log."""
from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from .models import AuditEvent, utcnow


# inline: the new event's id is not fetched back (nobody reads it; on PostgreSQL it cost a RETURNING)
_INSERT = insert(AuditEvent.__table__).inline()


def record(session: Session, kind: str, actor: str | None, *, instance_id: int | None = None,
           task_id: str | None = None, **details: Any) -> None:
    """Append one event in the session's transaction. A plain insert, run at once: nothing reads
    the event back in the same unit of work, so the ORM's object bookkeeping would be waste."""
    session.execute(_INSERT, {"kind": kind, "actor": actor, "instance_id": instance_id, "task_id": task_id,
                              "at": utcnow(), "details": details or None})
