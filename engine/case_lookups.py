"""The look-ups every area of the service shares: a deployed version of a process (and the newest
of each), a step and its form, whose step a user would do, a case's submissions, a case (and
whether a user may see it or took part in it).

Each ``ops_*`` part that needs them derives from :class:`CaseLookups` (and imports it), so the
dependency shows in the part's own imports instead of arriving through the service's mixin order
(``engine/service.py``). What they cost is kept here too: a row looked up is pinned for the rest
of the unit of work, so a second look-up of the same case or version costs no query.
"""
from __future__ import annotations

from sqlalchemy import exists, func, select

from . import access, runtime
from .errors import NotAllowed, NotFound
from .forms import FormError, step_form as form_of_step
from .models import Instance, ProcessDefinition, Submission, TaskRecord, User
from .task_index import ASSIGNEES_ON_DEMAND
from .unit_of_work import UnitOfWork, valid_id as _valid_id


class CaseLookups(UnitOfWork):
    """The shared look-ups; a part of the service derives from this to use them."""

    # ---- deployed versions ----------------------------------------------------------------
    def definition(self, definition_id: int) -> ProcessDefinition:
        definition = self.session.get(ProcessDefinition, definition_id) if _valid_id(definition_id) else None
        if definition is None:
            raise NotFound("definition.not_found", id=definition_id)
        self._pinned[(ProcessDefinition, definition_id)] = definition
        return definition

    def latest_definition(self, key: str, *, required: bool = True) -> ProcessDefinition | None:
        definition = self.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                         .order_by(ProcessDefinition.version.desc()).limit(1))
        if definition is None and required:
            raise NotFound("process.not_found", key=key)
        return definition

    def list_processes(self) -> list[ProcessDefinition]:
        newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
                  .group_by(ProcessDefinition.key).subquery())
        return list(self.session.scalars(select(ProcessDefinition).join(
            newest, (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.v))
            .order_by(ProcessDefinition.name)))

    # ---- steps and their forms -------------------------------------------------------------
    def task(self, task_id: str) -> TaskRecord:
        row = self.session.get(TaskRecord, task_id, options=ASSIGNEES_ON_DEMAND) \
            if isinstance(task_id, str) and len(task_id) <= 36 else None
        if row is None:
            raise NotFound("task.not_found", id=task_id)
        return row

    def task_form(self, row: TaskRecord) -> dict | None:
        return self.step_form(row.definition_id, row.bpmn_id)

    def step_form(self, definition_id: int, bpmn_id: str) -> dict | None:
        """The JSON Schema of a step of a deployed version, or None where it has no (readable) form."""
        meta = runtime.compiled(self.definition(definition_id)).tasks.get(bpmn_id)
        if meta is None:
            return None
        try:
            return form_of_step(meta, self.config.forms_dir)
        except FormError:
            return None

    def principal(self, user: User, row: TaskRecord) -> User | None:
        """Whose step ``user`` would do (themselves, or an official they act for), or None."""
        return access.principal(user, row, self.acting_for(user))

    def submissions(self, instance_id: int) -> list[Submission]:
        """Every completion's data in the case, oldest first (none overwritten)."""
        return list(self.session.scalars(select(Submission).where(Submission.instance_id == instance_id)
                                         .order_by(Submission.completed_at, Submission.id)))

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
