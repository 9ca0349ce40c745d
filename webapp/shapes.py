"""The JSON shapes of API.md, built from engine objects (one function per shape)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import url_for

from engine.models import AuditEvent, CaseComment, Deliverable, Delegation, Instance, ProcessDefinition, Submission, TaskRecord
from engine.service import WorkflowService
from engine.stored_messages import english


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def process(d: ProcessDefinition) -> dict[str, Any]:
    return {"key": d.key, "name": d.name, "version": d.version, "id": d.id, "deployed_at": iso(d.deployed_at)}


def attachment(a: Deliverable) -> dict[str, Any]:
    return {"id": a.id, "filename": a.filename, "size": a.size, "sha256": a.sha256,
            "content_type": a.content_type, "uploaded_by": a.uploaded_by, "uploaded_at": iso(a.uploaded_at),
            "url": url_for("api.download", attachment_id=a.id)}


def task(svc: WorkflowService, row: TaskRecord, attachments: list[Deliverable] | None = None) -> dict[str, Any]:
    meta = svc.task_meta(row)
    assignees = [u.username for u in row.assignees] if row.has_assignees else []
    if attachments is None:
        attachments = svc.attachments(task_id=row.id)
    return {
        "id": row.id, "instance_id": row.instance_id, "bpmn_id": row.bpmn_id, "step": row.step,
        "name": row.name, "lane": row.lane, "state": row.state,
        # one appointed person as a string, several as a list; "assignees" is always a list
        "assignee": (assignees[0] if len(assignees) == 1 else assignees) if assignees else None,
        "assignees": assignees,
        "claimed_by": row.claimed_by,
        "candidates": list(meta.candidate_roles) if meta else ([row.lane] if row.lane else []),
        "created_at": iso(row.created_at), "due_at": iso(row.due_at), "completed_at": iso(row.completed_at),
        "completed_by": row.completed_by, "on_behalf_of": row.on_behalf_of, "form": svc.task_form(row),
        "output": meta.output if meta else None, "output_required": bool(meta and meta.output_required),
        "inputs": meta.inputs if meta else None, "documentation": meta.documentation if meta else "",
        "target_minutes": row.target_minutes, "actual_minutes": row.actual_minutes, "overdue": row.overdue,
        "data": row.data,
        "attachments": [attachment(a) for a in attachments],
        "round": row.round or 1, "returned": returned(row.returned),
    }


def returned(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Who sent a step back: ``{"from_step", "by", "at", "note"}`` (API.md), or None."""
    if not value:
        return None
    return {"from_step": value.get("from_step"), "by": value.get("by"), "at": value.get("at"),
            "note": value.get("note")}


def submission(s: Submission) -> dict[str, Any]:
    return {"task_id": s.task_id, "step": s.step, "bpmn_id": s.bpmn_id, "name": s.name, "round": s.round,
            "data": s.data, "completed_by": s.completed_by, "completed_at": iso(s.completed_at),
            "outcome": s.outcome}


def event(e: AuditEvent | Any) -> dict[str, Any]:
    """An audit event, from its ORM object or a row of its columns (a case's history)."""
    return {"id": e.id, "kind": e.kind, "actor": e.actor, "at": iso(e.at), "task_id": e.task_id,
            "details": e.details or {}}


def instance_summary(i: Instance, current: list[TaskRecord] | None = None) -> dict[str, Any]:
    """A case in a list; with ``current`` (its waiting steps) also where it stands and who holds it."""
    body = {"id": i.id, "number": i.number, "process_key": i.definition.key, "version": i.definition.version,
            "title": i.title, "status": i.status, "started_at": iso(i.started_at), "ended_at": iso(i.ended_at),
            "started_by": i.started_by, "error": english(i.error_message)}
    if current is not None:
        body["current"] = [current_step(t) for t in current]
    return body


def current_step(t: TaskRecord) -> dict[str, Any]:
    """A waiting step of a case, as a list of cases shows it: where, who holds it, until when."""
    return {"task_id": t.id, "step": t.step, "name": t.name, "lane": t.lane, "claimed_by": t.claimed_by,
            "assignees": [u.username for u in t.assignees] if t.has_assignees else [],
            "due_at": iso(t.due_at), "overdue": t.overdue}


def comment(c: CaseComment) -> dict[str, Any]:
    return {"id": c.id, "instance_id": c.instance_id, "task_id": c.task_id, "author": c.author, "body": c.body,
            "mentions": c.mentions or [], "created_at": iso(c.created_at)}


def delegation(d: Delegation) -> dict[str, Any]:
    return {"id": d.id, "delegator": d.delegator.username, "delegate": d.delegate.username, "kind": d.kind,
            "starts_at": iso(d.starts_at), "ends_at": iso(d.ends_at), "reason": d.reason,
            "created_by": d.created_by, "created_at": iso(d.created_at), "ended_at": iso(d.ended_at),
            "ended_by": d.ended_by}


#: A case's answer carries its newest steps (and every open one) and events, this many unless
#: asked for more (up to HISTORY_MAX): a whole SOP walk with its loops fits, and a case that looped
#: fifty times answers in the same ~95 KB as one that looped twenty-five (each step carries its form).
TASKS_DEFAULT, EVENTS_DEFAULT, HISTORY_MAX = 25, 60, 2000


def instance(svc: WorkflowService, i: Instance, tasks_limit: int = TASKS_DEFAULT,
             events_limit: int = EVENTS_DEFAULT) -> dict[str, Any]:
    """A case with its newest ``tasks_limit`` steps (and every open step) and ``events_limit``
    events, in time order (and the newest ``tasks_limit`` submissions); ``tasks_omitted`` /
    ``events_omitted`` / ``submissions_omitted`` count the older ones left out."""
    data = svc.instance_data(i)  # first: a case whose state cannot be read says so in its summary
    body = instance_summary(i)
    history = svc.instance_history(i.id, tasks=tasks_limit, events=events_limit)
    files = svc.attachments_by_task([t.id for t in history.tasks])
    body["tasks"] = [task(svc, t, files[t.id]) for t in history.tasks]
    body["events"] = [event(e) for e in history.events]
    body["tasks_omitted"], body["events_omitted"] = history.older_tasks, history.older_events
    body["data"] = data
    # every completion is kept; the answer carries the newest ``tasks_limit`` of them, as it does steps
    submissions, body["submissions_omitted"] = svc.latest_submissions(i.id, tasks_limit)
    body["submissions"] = [submission(s) for s in submissions]
    return body


def case_migration(m) -> dict[str, Any]:
    """A case's dry run or move to another version (engine.ops_migration.CaseMigration): each
    reason and change with its stable code, its parameters and its English words."""
    return {"instance_id": m.instance.id, "from_version": m.plan.from_version, "to_version": m.plan.to_version,
            "can_migrate": m.plan.can_migrate, "migrated": m.migrated,
            "reasons": [r.as_dict() for r in m.plan.reasons], "changes": [c.as_dict() for c in m.plan.changes]}
