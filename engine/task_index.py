"""The task index: one row per human task, written in the same transaction as the state.

Inboxes, overdue lists and the KPI report query these rows; nothing deserializes instances
to draw a list.
"""
from __future__ import annotations

import math
from datetime import datetime

from sqlalchemy import bindparam, case, func, insert, select
from sqlalchemy.orm import Session, lazyload, load_only
from sqlalchemy.orm.attributes import set_committed_value
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .calendar import WorkingCalendar
from .models import Instance, Role, TaskRecord, User, task_assignees
from .runtime import CompiledDefinition, find_task, ready_human_tasks


#: Appointed users load when first needed (only appointed tasks have any), not with every task, and
#: without their roles (deciding who may do a step needs their ids only).
ASSIGNEES_ON_DEMAND = [lazyload(TaskRecord.assignees).lazyload(User.roles)]  # built once
#: The people appointed to some steps: the API prints their usernames, the pages their full names;
#: not their roles.
_APPOINTED = (select(task_assignees.c.task_id, User)
              .join(User, User.id == task_assignees.c.user_id)
              .where(task_assignees.c.task_id.in_(bindparam("task_ids", expanding=True)))
              .order_by(task_assignees.c.task_id, User.id)
              .options(load_only(User.username, User.full_name), lazyload(User.roles)))
_OPEN_IDS = select(TaskRecord.id).where(TaskRecord.instance_id == bindparam("instance_id"),
                                       TaskRecord.state == "ready")
_INSERT_TASK = insert(TaskRecord.__table__)
# Per looped step of a case: its rows so far, and how many of them another completion than the
# one now running (``done_id``) completed (engine/kpi_tally.py counts a send-back by them).
_ROUNDS_SO_FAR = (select(TaskRecord.bpmn_id, func.count(), func.coalesce(func.sum(case(
    ((TaskRecord.state == "completed") & (TaskRecord.id != bindparam("done_id")), 1), else_=0)), 0)).where(
    TaskRecord.instance_id == bindparam("instance_id"), TaskRecord.bpmn_id.in_(bindparam("bpmn_ids", expanding=True)))
    .group_by(TaskRecord.bpmn_id))
_INSERT_APPOINTMENT = insert(task_assignees)
_USER_IDS_NAMED = select(User.id).where(User.username.in_(bindparam("usernames", expanding=True)))


def load_appointed(session: Session, rows: list[TaskRecord]) -> None:
    """Each appointed step's people (username and full name), in one statement for all of
    ``rows``, and none when no step has any: for rows read with :data:`ASSIGNEES_ON_DEMAND`."""
    appointed = {r.id: r for r in rows if r.has_assignees}
    if not appointed:
        return
    people: dict[str, list[User]] = {task_id: [] for task_id in appointed}
    for task_id, user in session.execute(_APPOINTED, {"task_ids": list(appointed)}):
        people[task_id].append(user)
    for task_id, row in appointed.items():
        set_committed_value(row, "assignees", people[task_id])


def appointed_usernames(value) -> list[str]:
    """A ``sop.assignee`` variable holds one username or a list of them."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []


def near_due(calendar: WorkingCalendar, start: datetime, target: int | None, share: float) -> datetime | None:
    """When a step with ``target`` working minutes, ready since ``start``, is near its due time:
    once ``share`` of its standard time has passed (never at the moment it becomes ready)."""
    if target is None or target <= 0:
        return None
    return calendar.add(start, max(1, min(target, math.ceil(target * share))))


def _appointed(session: Session, task, meta) -> list[int]:
    """Ids of the users a ready task is appointed to, in this order of precedence: the variable
    the diagram names (``sop.assignee``, Camunda's ``${x}``, Zeebe's ``=x``); SpiffArena's
    ``lane_owners`` in the case data; the users the diagram names (``candidateUsers``,
    ``assignee``), together with the holders of its candidate groups when it names several."""
    names: list[str] = []
    if meta.assignee_variable:
        names = appointed_usernames(task.data.get(meta.assignee_variable))
    if not names and meta.lane:
        owners = task.data.get("lane_owners")
        if isinstance(owners, dict):
            names = appointed_usernames(owners.get(meta.lane))
    if names:
        return list(session.scalars(_USER_IDS_NAMED, {"usernames": list(names[:1000])}))
    if meta.candidate_users or len(meta.candidate_roles) > 1:
        holders = select(User.id).where(User.username.in_(meta.candidate_users) | User.roles.any(
            Role.name.in_(meta.candidate_roles))) if meta.candidate_roles else \
            select(User.id).where(User.username.in_(meta.candidate_users))
        return list(session.scalars(holders.where(User.active.is_(True))))
    return []


def open_ids_of(workflow: BpmnWorkflow) -> set[str]:
    """The ids of the case's open task rows, read from its workflow instead of the database: the
    ready human tasks of the state as saved are exactly the rows in state ``ready`` (every write of
    a case's state is followed by :func:`sync` in the same transaction, or closes them all with
    :func:`cancel_open` as the case stops running; ``alur check`` reports a case where they differ).
    Call it on the workflow as loaded, before anything runs."""
    return {str(t.id) for t in ready_human_tasks(workflow)}


def sync(session: Session, instance: Instance, workflow: BpmnWorkflow, cd: CompiledDefinition,
         calendar: WorkingCalendar, now: datetime, cause: dict | None = None,
         reminder_share: float = 0.75, *, open_ids: set[str] | None = None,
         done_id: str | None = None) -> list[dict]:
    """Bring the instance's task rows in line with the workflow. Returns the rows (as dicts) of the
    tasks that became ready. Each carries its ``round``; one ready again (round 2 and on) carries
    ``cause`` as ``returned``: who, from which step and why it was sent back; ``reopened`` says
    whether a completion other than ``done_id`` (the one running now) had completed its step in
    this case before (the report's send-backs).

    ``open_ids``: the open rows' ids when the caller knows them (:func:`open_ids_of`, read before
    the workflow ran), sparing a query; else they are read from the database (``alur check``'s
    repair, which cannot trust them)."""
    if open_ids is None:  # ids only: the rows themselves are needed just for the few that stop being ready
        open_ids = set(session.scalars(_OPEN_IDS, {"instance_id": instance.id}))
    ready = ready_human_tasks(workflow)
    ready_ids = {str(t.id) for t in ready}
    rows: list[dict] = []
    appointments: list[dict] = []
    for task in ready:
        tid = str(task.id)
        if tid in open_ids:
            continue
        meta = cd.tasks.get(task.task_spec.bpmn_id)
        target = calendar.duration_minutes(meta.duration) if meta else None
        row = dict(
            id=tid, instance_id=instance.id, definition_id=cd.id, bpmn_id=task.task_spec.bpmn_id,
            step=meta.step if meta else None, name=(meta.name if meta else task.task_spec.bpmn_name) or tid,
            lane=meta.lane if meta else task.task_spec.lane, state="ready", created_at=now,
            target_minutes=target, due_at=calendar.add(now, target) if target is not None else None,
            near_due_at=near_due(calendar, now, target, reminder_share), has_assignees=False)
        user_ids = _appointed(session, task, meta) if meta else []
        if user_ids:
            appointments += [{"task_id": tid, "user_id": uid} for uid in user_ids]
            row["has_assignees"] = True
        rows.append(row)
    _number_rounds(session, instance.id, rows, cd, cause, done_id)
    # New rows are plain inserts, written at once on the unit of work's connection (same
    # transaction): the ORM's bookkeeping for objects nobody reads again cost more than the SQL.
    if rows:
        session.execute(_INSERT_TASK, rows)
    if appointments:
        session.execute(_INSERT_APPOINTMENT, appointments)
    for tid in open_ids - ready_ids:
        row = session.get(TaskRecord, tid, options=ASSIGNEES_ON_DEMAND)
        task = find_task(workflow, tid)
        if task is not None and task.has_state(TaskState.COMPLETED):
            if row.completed_at is None:
                row.state, row.completed_at = "completed", now
        elif task is None or task.has_state(TaskState.CANCELLED | TaskState.ERROR) or not task.has_state(TaskState.READY):
            row.state = "cancelled"
    return rows


def _number_rounds(session: Session, instance_id: int, rows: list[dict], cd: CompiledDefinition,
                   cause: dict | None, done_id: str | None = None) -> None:
    """Set each new row's round: one more than the rows its step already has in the case, and
    ``reopened`` (see :func:`sync`). Only steps on a loop can have any, so a case moving along a
    straight line asks nothing."""
    looped = sorted({r["bpmn_id"] for r in rows if r["bpmn_id"] in cd.repeatable})
    before = {bpmn_id: (count, completed) for bpmn_id, count, completed in session.execute(
        _ROUNDS_SO_FAR, {"instance_id": instance_id, "bpmn_ids": looped, "done_id": done_id or ""}).all()} \
        if looped else {}
    seen: dict[str, int] = {}
    for row in rows:
        bpmn_id = row["bpmn_id"]
        count, completed = before.get(bpmn_id, (0, 0))
        seen[bpmn_id] = seen.get(bpmn_id, count) + 1
        row["round"] = seen[bpmn_id]
        row["returned"] = dict(cause) if cause and row["round"] > 1 else None
        row["reopened"] = bool(completed)  # not a column: the insert takes only the table's keys


def cancel_open(session: Session, instance: Instance) -> None:
    for row in session.scalars(select(TaskRecord).where(
            TaskRecord.instance_id == instance.id, TaskRecord.state == "ready")):
        row.state = "cancelled"
