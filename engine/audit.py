"""The append-only audit log."""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from .models import AuditEvent, utcnow


def record(session: Session, kind: str, actor: str | None, *, instance_id: int | None = None,
           task_id: str | None = None, **details: Any) -> AuditEvent:
    event = AuditEvent(kind=kind, actor=actor, instance_id=instance_id, task_id=task_id,
                       at=utcnow(), details=details or None)
    session.add(event)
    return event
