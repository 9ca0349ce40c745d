"""The append-only audit log."""
from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from .messages import UNREGISTERED, Message
from .models import AuditEvent, utcnow


_INSERT = insert(AuditEvent.__table__)


def record(session: Session, kind: str, actor: str | None, *, instance_id: int | None = None,
           task_id: str | None = None, **details: Any) -> None:
    """Append one event in the session's transaction. A plain insert, run at once: nothing reads
    the event back in the same unit of work, so the ORM's object bookkeeping would be waste.
    A registered :class:`Message` among the details (a case's error) keeps its English under its
    name and its code and params beside it (``message_code``, ``message_params``), so the case's
    timeline says it in its reader's language."""
    for name, value in list(details.items()):
        if isinstance(value, Message) and value.code != UNREGISTERED:
            details[f"{name}_code"], details[f"{name}_params"] = value.code, value.as_params()
    session.execute(_INSERT, {"kind": kind, "actor": actor, "instance_id": instance_id, "task_id": task_id,
                              "at": utcnow(), "details": details or None})
