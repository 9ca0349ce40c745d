"""The look-ups every area of the service shares: a deployed version of a process (and the newest
of each), a step and its form, whose step a user would do, a case's submissions, a case (and
whether a user may see it or took part in it).

Each ``ops_*`` part that needs them derives from :class:`CaseLookups` (and imports it), so the
dependency shows in the part's own imports instead of arriving through the service's mixin order
(``engine/service.py``). What they cost is kept here too: a row looked up is pinned for the rest
of the unit of work, so a second look-up of the same case or version costs no query.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm.attributes import set_committed_value

from . import access, runtime
from .errors import NotAllowed, NotFound, Problem
from .forms import FormError, step_form as form_of_step, user_fields
from .models import Instance, ProcessDefinition, Submission, TaskRecord, User
from .state import DefinitionCache
from .stored_messages import stored
from .task_index import ASSIGNEES_ON_DEMAND
from .unit_of_work import UnitOfWork, valid_id as _valid_id

#: The serializer_version of an archived case: its state is a summary holding its final data.
ARCHIVED = "archived"


def archived_data(instance: Instance) -> dict | None:
    """The final data of an archived case (None for a case that is not archived)."""
    if instance.serializer_version != ARCHIVED:
        return None
    return json.loads(instance.state).get("data", {})


# The statements pages and completions send, built once: building one and its cache key cost more
# than running it (docs/benchmarks.md, "statements built once").
#: A case's newest submissions.
_LATEST_SUBMISSIONS = (select(Submission).where(Submission.instance_id == bindparam("instance_id"))
                       .order_by(Submission.completed_at.desc(), Submission.id.desc()).limit(bindparam("limit")))
_SUBMISSIONS = (select(Submission).where(Submission.instance_id == bindparam("instance_id"))
                .order_by(Submission.completed_at, Submission.id))
_LATEST_VERSION = (select(ProcessDefinition).where(ProcessDefinition.key == bindparam("key"))
                   .order_by(ProcessDefinition.version.desc()).limit(1))
_NEWEST = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
           .group_by(ProcessDefinition.key).subquery())
#: Each process's newest version, by name.
_NEWEST_VERSIONS = (select(ProcessDefinition).join(
    _NEWEST, (ProcessDefinition.key == _NEWEST.c.key) & (ProcessDefinition.version == _NEWEST.c.v))
    .order_by(ProcessDefinition.name))


#: A case's current data (as JSON) by what it is computed from: its version's content, its state's
#: format and a digest of its saved state. The same state always gives the same data, so a case
#: read again (its page viewed by several people, a finished case's record, the API read before
#: each step) restores its workflow once per process. Only states of at most CASE_DATA_STATE_BYTES
#: are kept, CASE_DATA_KEPT of them: a few megabytes at most.
CASE_DATA_KEPT, CASE_DATA_STATE_BYTES = 256, 64 * 1024
_CASE_DATA = DefinitionCache(CASE_DATA_KEPT)


class CaseLookups(UnitOfWork):
    """The shared look-ups; a part of the service derives from this to use them."""

    # ---- deployed versions ----------------------------------------------------------------
    def definition(self, definition_id: int) -> ProcessDefinition:
        # A version read once in this unit of work is that row (versions never change): a case's
        # answer asks once per step it shows, twice (its properties and its form).
        pinned = self._pinned.get((ProcessDefinition, definition_id))
        if pinned is not None:
            return pinned
        definition = self.session.get(ProcessDefinition, definition_id) if _valid_id(definition_id) else None
        if definition is None:
            raise NotFound("definition.not_found", id=definition_id)
        self._pinned[(ProcessDefinition, definition_id)] = definition
        return definition

    def latest_definition(self, key: str, *, required: bool = True) -> ProcessDefinition | None:
        definition = self.session.scalar(_LATEST_VERSION, {"key": key})
        if definition is None and required:
            raise NotFound("process.not_found", key=key)
        return definition

    def list_processes(self) -> list[ProcessDefinition]:
        return list(self.session.scalars(_NEWEST_VERSIONS))

    # ---- steps and their forms -------------------------------------------------------------
    def task(self, task_id: str) -> TaskRecord:
        row = self.session.get(TaskRecord, task_id, options=ASSIGNEES_ON_DEMAND) \
            if isinstance(task_id, str) and len(task_id) <= 36 else None
        if row is None:
            raise NotFound("task.not_found", id=task_id)
        return self.with_kept_data([row])[0]

    def with_kept_data(self, rows: list[TaskRecord]) -> list[TaskRecord]:
        """The rows, each completed one whose ``data`` archiving dropped (engine/ops_retention.py:
        it was its submission's, word for word) told it again from the submission, in one query
        (none for a case not archived), without marking the row changed."""
        missing = [r.id for r in rows if r.state == "completed" and r.data is None]
        if missing:
            kept = dict(self.session.execute(
                select(Submission.task_id, Submission.data).where(Submission.task_id.in_(missing))).all())
            for row in rows:
                if row.id in kept:
                    set_committed_value(row, "data", kept[row.id])
        return rows

    def task_form(self, row: TaskRecord) -> dict | None:
        return self.step_form(row.definition_id, row.bpmn_id)

    def step_form(self, definition_id: int, bpmn_id: str) -> dict | None:
        """The JSON Schema of a step of a deployed version, or None where it has no (readable) form;
        looked up once per step and unit of work (a case's answer shows each step of every round)."""
        key = (definition_id, bpmn_id)
        if key in self._step_forms:
            return self._step_forms[key]
        meta = runtime.compiled(self.definition(definition_id)).tasks.get(bpmn_id)
        try:
            form = form_of_step(meta, self.config.forms_dir) if meta is not None else None
        except FormError:
            form = None
        self._step_forms[key] = form
        return form

    def principal(self, user: User, row: TaskRecord) -> User | None:
        """Whose step ``user`` would do (themselves, or an official they act for), or None. The
        officials are looked up only when the step is not ``user``'s own (a completion by its own
        holder, the usual one, spares the query)."""
        if access.may_do(user, row):
            return user
        return access.principal(user, row, self.acting_for(user))

    def submissions(self, instance_id: int) -> list[Submission]:
        """Every completion's data in the case, oldest first (none overwritten)."""
        return list(self.session.scalars(_SUBMISSIONS, {"instance_id": instance_id}))

    def latest_submissions(self, instance_id: int, limit: int) -> tuple[list[Submission], int]:
        """A case's newest ``limit`` completions' data, oldest first, and how many older ones there
        are (counted only when the page is full: otherwise these are all)."""
        newest = list(self.session.scalars(_LATEST_SUBMISSIONS, {"instance_id": instance_id, "limit": limit}))
        total = len(newest) if len(newest) < limit else self.session.scalar(
            select(func.count()).where(Submission.instance_id == instance_id)) or 0
        return newest[::-1], total - len(newest)

    # ---- cases ----------------------------------------------------------------------------
    def instance(self, instance_id: int) -> Instance:
        instance = self.session.get(Instance, instance_id) if _valid_id(instance_id) else None
        if instance is None:
            raise NotFound("instance.not_found", id=instance_id)
        self._pinned[(Instance, instance_id)] = instance
        return instance

    def visible_instance(self, instance_id: int, user: User) -> Instance:
        instance = self.instance(instance_id)
        if not self.may_view_instance(user, instance):
            raise NotAllowed("instance.not_visible")
        return instance

    def may_view_instance(self, user: User, instance: Instance) -> bool:
        """Admins, Process Owners, holders of the process's lanes, and the case's participants
        (who started it, took or did a step of it, or were appointed to one), also through an
        official they act for (Plt/Plh)."""
        officials = self.acting_for(user)
        if access.may_view(user, instance, runtime.compiled(instance.definition).lanes, officials):
            return True
        return bool(self.session.scalar(select(exists().where(
            Instance.id == instance.id, access.took_part_clause([user, *officials])))))

    def is_participant(self, user: User, instance: Instance) -> bool:
        """Did ``user`` (or an official they act for) start or take part in the case?"""
        return bool(self.session.scalar(select(exists().where(
            Instance.id == instance.id, access.took_part_clause([user, *self.acting_for(user)])))))

    def instance_data(self, instance: Instance) -> dict[str, Any]:
        """The case's current data: the data of its newest ready (or last) task, plus workflow data
        (an archived case's final data).

        A case whose saved state cannot be read shows no data and, in this answer only, the status
        ``error`` with the reason: its pages and API answers keep working (``alur check`` finds it)."""
        if instance.archived_at is not None:
            return archived_data(instance) or {}
        state = instance.state
        try:
            if not isinstance(state, str) or len(state) > CASE_DATA_STATE_BYTES:
                return json.loads(self._restored_data(instance))
            key = (instance.definition.content_hash, instance.serializer_version,
                   hashlib.blake2b(state.encode("utf-8"), digest_size=16).digest())
            return json.loads(_CASE_DATA.get(key, lambda: self._restored_data(instance)))
        except runtime.StateUnreadable as exc:  # never kept: the next read tries again
            set_committed_value(instance, "status", "error")
            set_committed_value(instance, "error_message", stored(exc.message))
            return {}

    def _restored_data(self, instance: Instance) -> str:
        """:meth:`instance_data` from the case's restored workflow, as JSON text."""
        wf = runtime.load(instance, runtime.compiled(instance.definition), self.script_engine)
        ready = runtime.ready_human_tasks(wf)
        source = ready[0] if ready else (wf.last_task or wf.task_tree)
        data = dict(wf.data)
        data.update(source.data if source is not None else {})
        return json.dumps(data, default=str)

    def check_user_fields(self, schema: dict, data: dict) -> list[Problem]:
        """Appointed users exist, are active and hold the field's role: one query for all names."""
        problems: list[Problem] = []
        wanted: dict[str, tuple[list, str | None]] = {}
        for name, (is_list, role) in user_fields(schema).items():
            if name in data:
                value = data[name]
                wanted[name] = ((value if isinstance(value, list) else [value]) if is_list else [value], role)
        names = {u for values, _role in wanted.values() for u in values if isinstance(u, str)}
        known = self.users.find_many(names)
        for name, (values, role) in wanted.items():
            for username in values:
                user = known.get(username) if isinstance(username, str) else None
                if user is None or not user.active:
                    problems.append(Problem("user.inactive", field=name, u=username))
                elif role and role not in user.role_names:
                    problems.append(Problem("user.lacks_role", field=name, u=username, r=role))
                if len(problems) >= 20:
                    return problems
        return problems
