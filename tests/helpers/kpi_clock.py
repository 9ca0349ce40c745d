"""Complete steps at chosen moments (a controlled clock), so report figures are known exactly.

The engine stamps a completion with ``engine.models.utcnow`` (imported by ``engine.ops_tasks``);
``clock`` replaces it there for one completion, and sets the step's ready and due times first, as
if it had become ready at ``ready_at``. Everything after that — realisation, on-time, the report's
tallies, the next step's ready time — is the engine's own work.
"""
from __future__ import annotations

import io
from datetime import datetime, timezone

import engine.ops_tasks
from .sop_walk import form_data, user_for, SOP_KEY  # noqa: F401  (re-exported for tests)

#: A Monday (no holiday) at 08:00 WIB: the office day starts.
MONDAY = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


def complete_at(svc, monkeypatch, task_id: str, username: str, data: dict, ready_at: datetime,
                minutes: int) -> None:
    """Complete ``task_id`` as if it became ready at ``ready_at`` and took ``minutes`` working minutes."""
    row = svc.task(task_id)
    row.created_at = ready_at
    row.due_at = svc.calendar.add(ready_at, row.target_minutes) if row.target_minutes is not None else None
    svc.session.commit()
    done = svc.calendar.add(ready_at, minutes)
    monkeypatch.setattr(engine.ops_tasks, "utcnow", lambda: done)
    try:
        user = svc.users.get(username)
        meta = svc.task_meta(row)
        if meta is not None and meta.output_required:
            svc.attach(task_id, user, f"langkah-{row.step}.pdf", io.BytesIO(b"%PDF-1.4 isi"))
        svc.complete(task_id, user, data)
    finally:
        monkeypatch.undo()


def walk_at(svc, monkeypatch, title: str, minutes_of, start: datetime = MONDAY) -> int:
    """Walk the SOP (both review loops once) with each step taking ``minutes_of(step, round)``
    working minutes, one after the other from ``start``. Returns the case's id."""
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), title)
    instance.started_at = start
    svc.session.commit()
    rounds: dict[int, int] = {}
    moment = start
    for _ in range(40):
        ready = [t for t in svc.instance_tasks(instance.id) if t.state == "ready"]
        if not ready:
            return instance.id
        row = ready[0]
        assignees = [u.username for u in row.assignees] if row.has_assignees else []
        username = user_for({"assignees": assignees, "lane": row.lane})
        minutes = minutes_of(row.step, rounds.get(row.step, 0) + 1)
        complete_at(svc, monkeypatch, row.id, username, form_data(svc.task_form(row), row.step, rounds),
                    moment, minutes)
        moment = svc.calendar.add(moment, minutes)
        rounds[row.step] = rounds.get(row.step, 0) + 1
    raise AssertionError("the walk did not end")
