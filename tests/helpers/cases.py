"""Moving a case along through the engine service, as the tests do it: the ready step, the steps
ahead completed with the SOP walk's sample answers."""
from __future__ import annotations

import io

from .sop_walk import form_data, user_for


def ready(svc, instance_id):
    return next(t for t in svc.instance_tasks(instance_id) if t.state == "ready")


def advance(svc, instance, until_step):
    """Complete steps (reviews approve) until the case waits at ``until_step``."""
    while True:
        row = ready(svc, instance.id)
        if row.step == until_step:
            return row
        task = {"lane": row.lane, "assignees": [u.username for u in row.assignees] if row.has_assignees else []}
        user = svc.users.get(user_for(task))
        meta = svc.task_meta(row)
        if meta.output_required:
            svc.attach(row.id, user, "dokumen.pdf", io.BytesIO(b"%PDF-1.4 isi"))
        svc.complete(row.id, user, form_data(svc.task_form(row), row.step, {3: 1, 12: 1}))


def task_dict(svc, row):
    meta = svc.task_meta(row)
    return {"id": row.id, "step": row.step, "name": row.name, "lane": row.lane,
            "assignees": [u.username for u in row.assignees] if row.has_assignees else [],
            "output_required": meta.output_required, "form": svc.task_form(row)}


def all_ready(svc, instance_id):
    return [task_dict(svc, r) for r in svc.instance_tasks(instance_id) if r.state == "ready"]


def ready_row(svc, instance_id):
    rows = [r for r in svc.instance_tasks(instance_id) if r.state == "ready"]
    assert len(rows) == 1, [r.name for r in rows]
    return rows[0]


def do(svc, instance_id, step, data=None, *, rounds=None):
    """Complete the waiting step (it must be ``step``) with ``data`` (default: the walk's sample)."""
    row = ready_row(svc, instance_id)
    assert row.step == step, (row.step, step)
    task = {"lane": row.lane, "assignees": [u.username for u in row.assignees] if row.has_assignees else []}
    user = svc.users.get(user_for(task))
    if svc.task_meta(row).output_required and not svc.attachments(task_id=row.id):
        svc.attach(row.id, user, f"langkah-{step}.pdf", io.BytesIO(b"%PDF-1.4 isi"))
    svc.complete(row.id, user, data if data is not None else form_data(svc.task_form(row), step, rounds or {}))
    return row
