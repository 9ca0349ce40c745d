"""The inbox's statements, built once per shape and run with the caller's values as parameters.

Every API client polls its inbox, and an empty inbox is the cheapest request there is; building
its SELECT (the may-do clause's two halves, the tab's filter, the order) cost more than running
it, and a statement built anew also pays for its cache key on every run (docs/benchmarks.md,
issue 12). The SQL the database sees is the same: the roles, people, names and page were bound
parameters before too. A text search (``q``) adds its own clause to the shape, built per call.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Sequence

from sqlalchemy import Select, bindparam, func, select

from . import access
from .models import Instance, ProcessDefinition, TaskRecord, User
from .notification_models import Notification
from .task_index import ASSIGNEES_ON_DEMAND

TABS = ("ready", "mine", "lanes", "done")
ORDERS = {"created": TaskRecord.created_at.asc(), "due": TaskRecord.due_at.asc(), "step": TaskRecord.step.asc(),
          "newest": TaskRecord.created_at.desc(), "completed": TaskRecord.completed_at.desc()}


def _claimed_by_me(claimed_by, acting: bool):
    """Claimed by the caller (or, acting for officials, by one of them)."""
    return (claimed_by.in_(bindparam("inbox_names", expanding=True)) if acting
            else claimed_by == bindparam("inbox_username"))


def _in_mine(claimed_by, has_assignees, acting: bool):
    """The ``mine`` tab: claimed by me, or appointed (to me: the may-do clause says) and unclaimed."""
    return _claimed_by_me(claimed_by, acting) | (has_assignees & claimed_by.is_(None))


@lru_cache(maxsize=None)
def base(tab: str, acting: bool, by_process: bool, overdue: bool) -> Select:
    """The tab's rows, unordered (parameters: see :func:`params`)."""
    query = select(TaskRecord).options(*ASSIGNEES_ON_DEMAND)  # task_index.load_appointed after
    if tab == "done":
        query = query.where(TaskRecord.completed_by == bindparam("inbox_username"))
    else:
        query = query.join(Instance, Instance.id == TaskRecord.instance_id).where(
            TaskRecord.state == "ready", Instance.status == "running", access.may_do_template(acting))
        if tab == "mine":
            query = query.where(_in_mine(TaskRecord.claimed_by, TaskRecord.has_assignees, acting))
        elif tab == "lanes":
            query = query.where(TaskRecord.claimed_by.is_(None))
        else:
            query = query.where(TaskRecord.claimed_by.is_(None) | _claimed_by_me(TaskRecord.claimed_by, acting))
    if by_process:
        query = query.where(TaskRecord.definition_id.in_(
            select(ProcessDefinition.id).where(ProcessDefinition.key == bindparam("inbox_process_key"))))
    if overdue:
        query = query.where(TaskRecord.due_at < bindparam("inbox_now"))
    return query


def ordered(query: Select, tab: str, sort: str) -> Select:
    """A page of ``query`` in the tab's order (parameters ``inbox_limit``, ``inbox_offset``)."""
    order = ORDERS.get(sort, ORDERS["created"])
    if tab == "done" and sort == "created":
        order = ORDERS["completed"]
    return query.order_by(order, TaskRecord.id).limit(bindparam("inbox_limit")).offset(bindparam("inbox_offset"))


@lru_cache(maxsize=None)
def page(tab: str, acting: bool, by_process: bool, overdue: bool, sort: str) -> Select:
    return ordered(base(tab, acting, by_process, overdue), tab, sort)


@lru_cache(maxsize=None)
def count(tab: str, acting: bool, by_process: bool, overdue: bool) -> Select:
    return select(func.count()).select_from(base(tab, acting, by_process, overdue).subquery())


#: What :func:`counts` answers, in its columns' order.
COUNTS = ("ready", "mine", "lanes", "overdue", "overdue_mine")


@lru_cache(maxsize=None)
def counts(acting: bool) -> Select:
    """Every open tab's count in one statement (:data:`COUNTS`): the home page, the inbox's tabs
    and the menu's badge asked for them one at a time, five counts of the same rows. The ``mine``
    and ``lanes`` tabs are parts of ``ready`` (all one may do now), so each is a filtered count
    over its rows; ``overdue`` counts those due before ``inbox_now``."""
    ready = base("ready", acting, False, False).subquery()
    in_mine = _in_mine(ready.c.claimed_by, ready.c.has_assignees, acting)
    late = ready.c.due_at < bindparam("inbox_now")
    return select(func.count(), func.count().filter(in_mine), func.count().filter(ready.c.claimed_by.is_(None)),
                  func.count().filter(late), func.count().filter(in_mine & late)).select_from(ready)


#: What :func:`menu_counts` answers: :data:`COUNTS`, then the person's unread in-app notifications.
MENU_COUNTS = (*COUNTS, "unread")


@lru_cache(maxsize=None)
def menu_counts(acting: bool) -> Select:
    """:func:`counts` and the unread in-app notifications of ``menu_user_id`` in one statement:
    every page's menu shows the steps waiting and the unread notifications (one round trip, not two)."""
    tabs = counts(acting).subquery()
    unread = (select(func.count()).select_from(Notification)
              .where(Notification.user_id == bindparam("menu_user_id"), Notification.channel == "app",
                     Notification.read_at.is_(None)).scalar_subquery())
    return select(*tabs.c, unread)


def params(user: User, officials: Sequence[User], tab: str, process_key: str | None, now: datetime) -> dict:
    """The values of a shape: ``acting`` is ``"may_people" in params`` (an active official)."""
    if tab == "done":
        return {"inbox_username": user.username, "inbox_process_key": process_key, "inbox_now": now}
    values = access.may_do_params(user, officials)
    values.update(inbox_username=user.username, inbox_process_key=process_key, inbox_now=now)
    if "may_people" in values:
        values["inbox_names"] = [user.username, *(o.username for o in officials)]
    return values
