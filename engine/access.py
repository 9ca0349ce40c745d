"""Who may do what. Roles are lane names, resolved at query time so role changes reach open tasks.

An acting official (Plt/Plh, :mod:`engine.delegations`) may do the steps of the officials they act
for: functions that decide what a person may do take those officials as ``acting_for``.
"""
from __future__ import annotations

from typing import Sequence

from sqlalchemy import bindparam, exists, not_, or_, select, union_all

from .messages import Message
from .models import Instance, TaskRecord, User, task_assignees

PROCESS_OWNER = "Process Owner"


def is_process_owner(user: User) -> bool:
    return user.is_admin or PROCESS_OWNER in user.role_names


def may_do(user: User, row: TaskRecord) -> bool:
    """May ``user`` work on (claim, attach to, complete) this task, claims aside?"""
    if not user.active or row.state != "ready":
        return False
    if row.has_assignees:
        return any(a.id == user.id for a in row.assignees)
    return row.lane is not None and row.lane in user.role_names


def principal(user: User, row: TaskRecord, acting_for: Sequence[User] = ()) -> User | None:
    """Whose step ``user`` would do: their own (``user``), an official's they act for, or None."""
    if may_do(user, row):
        return user
    if user.active:
        for official in acting_for:
            if may_do(official, row):
                return official
    return None


def refusal(user: User, row: TaskRecord) -> Message:
    """Why ``may_do`` said no, in words the user can act on."""
    if row.has_assignees:
        return Message("task.appointed_refusal", names=", ".join(a.username for a in row.assignees))
    return Message("task.lane_refusal", lane=row.lane)


def sees_everything(user: User) -> bool:
    return user.is_admin or PROCESS_OWNER in user.role_names


def may_view(user: User, instance: Instance, lanes: list[str], acting_for: Sequence[User] = ()) -> bool:
    """The quick answer, without a query: admins, Process Owners, the starter, holders of the
    process's lanes (and those acting for them). A participant of the case who is none of these
    is found by :func:`took_part_clause`."""
    if sees_everything(user) or instance.started_by == user.username:
        return True
    roles = set(user.role_names).union(*(o.role_names for o in acting_for))
    return bool(roles & set(lanes))


def took_part_clause(users: Sequence[User]):
    """SQL on ``Instance.id``: cases any of ``users`` started, or took part in (took or did a
    step, had one done on their behalf, or was appointed to one). Each half is an indexed look-up."""
    names = [u.username for u in users]
    ids = [u.id for u in users]
    steps = union_all(
        select(TaskRecord.instance_id).where(TaskRecord.completed_by.in_(names)),
        select(TaskRecord.instance_id).where(TaskRecord.claimed_by.in_(names)),
        select(TaskRecord.instance_id).where(TaskRecord.on_behalf_of.in_(names)),
        select(TaskRecord.instance_id).join(task_assignees, task_assignees.c.task_id == TaskRecord.id)
        .where(task_assignees.c.user_id.in_(ids)))
    return or_(Instance.started_by.in_(names), Instance.id.in_(steps))


def may_do_clause(user: User, acting_for: Sequence[User] = ()):
    """SQL for ``may_do``: ready, and appointed to me, or in one of my lanes when nobody is appointed
    (and the same for every official I act for).

    Written as ``tasks.id IN (lane half UNION ALL appointed half)`` so that each half is one index
    range whatever the planner's statistics say: ``ix_tasks_state_lane`` for my lanes, and my rows
    of ``task_assignees`` (each checked by primary key) for appointments. The inbox then costs the
    same with 100 or 10,000 cases running; the ``OR`` of the two halves it replaces made SQLite and
    PostgreSQL walk every ready task of every case (see docs/benchmarks.md). The user's roles go in
    as values (loaded with the user, so a role change counts from the user's next request): the
    planner then knows how few ready tasks a lane holds; behind a sub-select PostgreSQL guessed a
    fifth of them and hashed through every ready task at 1,000 cases.
    """
    people = [user, *(o for o in acting_for if o.active)]
    roles = sorted(set().union(*(p.role_names for p in people)))
    lane_task, appointed_task = _LANE_TASK.c, _APPOINTED_TASK.c
    in_my_lanes = select(lane_task.id).where(
        lane_task.state == "ready", lane_task.lane.in_(roles), not_(lane_task.has_assignees))
    appointed = select(task_assignees.c.task_id).where(
        task_assignees.c.user_id.in_([p.id for p in people]) if len(people) > 1
        else task_assignees.c.user_id == user.id,
        exists().where(appointed_task.id == task_assignees.c.task_id, appointed_task.state == "ready",
                       appointed_task.has_assignees))
    return TaskRecord.id.in_(union_all(in_my_lanes, appointed))


def may_do_template(acting: bool):
    """:func:`may_do_clause` with its values as parameters (:func:`may_do_params` gives them), for
    a statement built once and run many times (the inbox, engine/inbox_query.py). ``acting``:
    the shape for a user acting for officials (their ids as a list), else for the user alone."""
    lane_task, appointed_task = _LANE_TASK.c, _APPOINTED_TASK.c
    in_my_lanes = select(lane_task.id).where(
        lane_task.state == "ready", lane_task.lane.in_(bindparam("may_roles", expanding=True)),
        not_(lane_task.has_assignees))
    appointed = select(task_assignees.c.task_id).where(
        task_assignees.c.user_id.in_(bindparam("may_people", expanding=True)) if acting
        else task_assignees.c.user_id == bindparam("may_user_id"),
        exists().where(appointed_task.id == task_assignees.c.task_id, appointed_task.state == "ready",
                       appointed_task.has_assignees))
    return TaskRecord.id.in_(union_all(in_my_lanes, appointed))


def may_do_params(user: User, acting_for: Sequence[User] = ()) -> dict:
    """The values of :func:`may_do_template` (``acting`` when ``acting_for`` holds an active official)."""
    people = [user, *(o for o in acting_for if o.active)]
    params = {"may_roles": sorted(set().union(*(p.role_names for p in people)))}
    if len(people) > 1:
        params["may_people"] = [p.id for p in people]
    else:
        params["may_user_id"] = user.id
    return params


def may_start(user: User, lanes: list[str]) -> bool:
    return is_process_owner(user) or bool(set(user.role_names) & set(lanes))


# Plain table aliases, built once (an ORM ``aliased()`` costs more to build than the query takes).
_LANE_TASK = TaskRecord.__table__.alias("lane_task")
_APPOINTED_TASK = TaskRecord.__table__.alias("appointed_task")
