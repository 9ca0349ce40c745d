"""Who may do what. Roles are lane names, resolved at query time so role changes reach open tasks."""
from __future__ import annotations

from sqlalchemy import and_, exists, not_, or_, select

from .models import Instance, Role, TaskRecord, User, task_assignees, user_roles

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


def refusal(user: User, row: TaskRecord) -> str:
    """Why ``may_do`` said no, in words the user can act on."""
    if row.has_assignees:
        names = ", ".join(a.username for a in row.assignees)
        return f"this step is appointed to {names}"
    return f"this step belongs to the lane '{row.lane}', and you do not hold that role"


def may_view(user: User, instance: Instance, lanes: list[str]) -> bool:
    if user.is_admin or PROCESS_OWNER in user.role_names or instance.started_by == user.username:
        return True
    return bool(set(user.role_names) & set(lanes))


def may_start(user: User, lanes: list[str]) -> bool:
    return is_process_owner(user) or bool(set(user.role_names) & set(lanes))


def may_do_clause(user: User):
    """SQL for ``may_do`` (state aside): appointed to me, or in one of my lanes when nobody is appointed."""
    my_roles = select(Role.name).join(user_roles, user_roles.c.role_id == Role.id).where(
        user_roles.c.user_id == user.id)
    appointed = exists().where(task_assignees.c.task_id == TaskRecord.id, task_assignees.c.user_id == user.id)
    return or_(and_(TaskRecord.has_assignees, appointed),
               and_(not_(TaskRecord.has_assignees), TaskRecord.lane.in_(my_roles)))
