"""The task index: one row per human task, written in the same transaction as the state.

Inboxes, overdue lists and the KPI report query these rows; nothing deserializes instances
to draw a list.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .calendar import WorkingCalendar
from .models import Instance, TaskRecord, User
from .runtime import CompiledDefinition, find_task, ready_human_tasks


_ASSIGNEES_ON_DEMAND = [lazyload(TaskRecord.assignees)]  # built once; loaded only if needed
_NO_ROLES = lazyload(User.roles)  # the appointed users' roles are not needed to index a task


def appointed_usernames(value) -> list[str]:
    """A ``sop.assignee`` variable holds one username or a list of them."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []


def sync(session: Session, instance: Instance, workflow: BpmnWorkflow, cd: CompiledDefinition,
         calendar: WorkingCalendar, now: datetime) -> list[TaskRecord]:
    """Bring the instance's task rows in line with the workflow. Returns rows that became ready."""
    # ids only: the rows themselves are needed just for the few that stop being ready
    open_ids = set(session.scalars(
        select(TaskRecord.id).where(TaskRecord.instance_id == instance.id, TaskRecord.state == "ready")))
    ready = ready_human_tasks(workflow)
    ready_ids = {str(t.id) for t in ready}
    created: list[TaskRecord] = []
    for task in ready:
        tid = str(task.id)
        if tid in open_ids:
            continue
        meta = cd.tasks.get(task.task_spec.bpmn_id)
        target = calendar.duration_minutes(meta.duration) if meta else None
        row = TaskRecord(
            id=tid, instance_id=instance.id, definition_id=cd.id, bpmn_id=task.task_spec.bpmn_id,
            step=meta.step if meta else None, name=(meta.name if meta else task.task_spec.bpmn_name) or tid,
            lane=meta.lane if meta else task.task_spec.lane, state="ready", created_at=now,
            target_minutes=target, due_at=calendar.add(now, target) if target is not None else None)
        if meta and meta.assignee_variable:
            names = appointed_usernames(task.data.get(meta.assignee_variable))
            if names:
                users = list(session.scalars(select(User).where(User.username.in_(names))
                                             .options(_NO_ROLES)))
                row.assignees = users
                row.has_assignees = bool(users)
        session.add(row)
        created.append(row)
    for tid in open_ids - ready_ids:
        row = session.get(TaskRecord, tid, options=_ASSIGNEES_ON_DEMAND)
        task = find_task(workflow, tid)
        if task is not None and task.has_state(TaskState.COMPLETED):
            if row.completed_at is None:
                row.state, row.completed_at = "completed", now
        elif task is None or task.has_state(TaskState.CANCELLED | TaskState.ERROR) or not task.has_state(TaskState.READY):
            row.state = "cancelled"
    return created


def cancel_open(session: Session, instance: Instance) -> None:
    for row in session.scalars(select(TaskRecord).where(
            TaskRecord.instance_id == instance.id, TaskRecord.state == "ready")):
        row.state = "cancelled"
