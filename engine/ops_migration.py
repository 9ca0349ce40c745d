"""Running cases to another version of their process: dry runs, one case, all that can."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from . import access, audit, runtime
from .bpmn_loader import TaskMeta
from .case_migration import MigrationPlan, Version, plan_and_migrate
from .errors import Conflict, Invalid, NotAllowed, NotFound, Problem
from .forms import FormError, step_form
from .messages import Message
from .models import Instance, ProcessDefinition, TaskRecord, User, utcnow
from .task_index import near_due
from .case_lookups import CaseLookups

#: A batch ("all that can") moves at most this many cases in one request; the page says how many remain.
MAX_BATCH = 100


@dataclass
class CaseMigration:
    """One case's dry run or migration."""

    instance: Instance
    plan: MigrationPlan
    migrated: bool = False


@dataclass
class MigrationOverview:
    """The running cases of a process's older versions, each with its dry run to ``to_version``."""

    key: str
    to_version: int
    cases: list[CaseMigration] = field(default_factory=list)
    #: how many running cases older versions hold in all (the page shows the first MAX_BATCH)
    total: int = 0


class MigrationRefused(Conflict):
    """A case asked to move that cannot (HTTP 409); ``problems`` lists each reason."""

    api_code = "migration.refused"

    def __init__(self, instance_id: int, version: int, reasons: list[Message]) -> None:
        super().__init__("migration.refused", id=instance_id, version=version,
                         reasons="; ".join(r.message for r in reasons))
        self.reasons = reasons
        self.problems = [Problem(r, element=r.params.get("bpmn_id")) for r in reasons]


class MigrationOperations(CaseLookups):
    def _version_of(self, key: str, number: int | None) -> ProcessDefinition:
        query = select(ProcessDefinition).where(ProcessDefinition.key == key)
        query = query.where(ProcessDefinition.version == number) if number is not None else \
            query.order_by(ProcessDefinition.version.desc()).limit(1)
        definition = self.session.scalar(query)
        if definition is None:
            raise NotFound("migration.no_version", api_code="migration.no_version", key=key, number=number) \
                if number is not None else NotFound("process.not_found", api_code="migration.no_version", key=key)
        return definition

    def _form_fields(self, meta: TaskMeta) -> list[str]:
        try:
            return list(((step_form(meta, self.config.forms_dir) or {}).get("properties") or {}))
        except FormError:
            return []

    @staticmethod
    def _side(definition: ProcessDefinition) -> tuple[Version, runtime.CompiledDefinition]:
        cd = runtime.compiled(definition)
        return Version(definition.version, cd.spec, cd.subprocess_specs, cd.tasks), cd

    def _plan(self, instance: Instance, target: ProcessDefinition):
        """The dry run of ``instance`` to ``target``: (plan, migrated workflow or None)."""
        source = instance.definition
        plan = MigrationPlan(source.version, target.version)
        if instance.archived_at is not None:
            plan.reasons.append(Message("migration.archived"))
            return plan, None
        if instance.status != "running":
            plan.reasons.append(Message("migration.not_running", **{"status": instance.status}))
            return plan, None
        old, old_cd = self._side(source)
        new, _new_cd = self._side(target)
        workflow = runtime.load(instance, old_cd, self.script_engine)
        plan = plan_and_migrate(workflow, old, new, self._form_fields, runtime.advance, self.script_engine)
        return plan, (workflow if plan.can_migrate else None)

    def _target_for(self, instance: Instance, to_version: int | None) -> ProcessDefinition:
        source = instance.definition
        if to_version is None:
            return self._version_of(source.key, None)
        if isinstance(to_version, bool) or not isinstance(to_version, int) or not 0 < to_version < 2**31:
            raise Invalid("migration.invalid_version", [Problem("migration.bad_to_version", field="to_version")])
        if to_version <= source.version:
            raise Invalid("migration.invalid_version", [Problem("migration.not_later", field="to_version",
                                                                version=source.version)],
                          api_code="migration.not_later")
        return self._version_of(source.key, to_version)

    def migrate_instance(self, instance_id: int, user: User, to_version: int | None = None, *,
                         dry_run: bool = True) -> CaseMigration:
        """Dry run (admins and Process Owners) or move (admins) one case to ``to_version`` of its
        process (default: the latest). A move is audited and shows on the case's timeline; a case
        that cannot move stays where it is and the answer (a :class:`Conflict` when moving) says why."""
        if not (user.is_admin or (dry_run and access.is_process_owner(user))):
            raise NotAllowed("migration.admins_only", api_code="migration.admins_only")
        instance = self.instance(instance_id)
        target = self._target_for(instance, to_version)
        plan, workflow = self._plan(instance, target)
        if dry_run:
            return CaseMigration(instance, plan)
        if workflow is None:
            raise MigrationRefused(instance.id, target.version, plan.reasons)
        self._apply(instance, workflow, target, plan, user)
        self._commit()
        return CaseMigration(instance, plan, migrated=True)

    def _apply(self, instance: Instance, workflow, target: ProcessDefinition, plan: MigrationPlan,
               user: User) -> None:
        now = utcnow()
        cd = runtime.compiled(target)
        self._write_case(instance, {**self._outcome(workflow, None, now), "definition_id": target.id},
                         definition=target)
        self._retarget_open_rows(instance, cd, now)
        audit.record(self.session, "migrate", user.username, instance_id=instance.id,
                     from_version=plan.from_version, to_version=plan.to_version,
                     changes=[c.as_dict() for c in plan.changes])
        self._index_tasks(instance, workflow, cd, now)

    def _retarget_open_rows(self, instance: Instance, cd: runtime.CompiledDefinition, now: datetime) -> None:
        """The open steps' rows follow the new version: name, number, lane, standard time and the
        due time it gives from when the step became ready."""
        for row in self.session.scalars(select(TaskRecord).where(TaskRecord.instance_id == instance.id,
                                                                 TaskRecord.state == "ready")):
            meta = cd.tasks.get(row.bpmn_id)
            row.definition_id = cd.id
            if meta is None:
                continue
            target = self.calendar.duration_minutes(meta.duration)
            row.name, row.step, row.lane = (meta.name or row.name)[:300], meta.step, meta.lane
            if target != row.target_minutes:
                due = self.calendar.add(row.created_at, target) if target is not None else None
                row.target_minutes, row.due_at = target, due
                row.near_due_at = near_due(self.calendar, row.created_at, target, self.config.reminder_share)
                if due is None or due > now:  # no longer late: the worker marks it again when it is
                    row.overdue, row.near_due_sent = False, False
        self.session.flush()

    def running_on_older_versions(self, key: str) -> int:
        """How many running cases of ``key`` are on a version older than its latest (one count)."""
        latest = self._version_of(key, None)
        older = select(ProcessDefinition.id).where(ProcessDefinition.key == key,
                                                   ProcessDefinition.version < latest.version)
        return self.session.scalar(select(func.count()).select_from(Instance).where(
            Instance.definition_id.in_(older), Instance.status == "running", Instance.archived_at.is_(None))) or 0

    def migration_overview(self, key: str, user: User, to_version: int | None = None,
                           limit: int = MAX_BATCH) -> MigrationOverview:
        """Dry runs of the running cases of ``key``'s versions older than ``to_version`` (default:
        the latest), oldest case first, at most ``limit``."""
        if not access.is_process_owner(user):
            raise NotAllowed("migration.owners_only", api_code="migration.admins_only")
        target = self._version_of(key, to_version)
        older = select(ProcessDefinition.id).where(ProcessDefinition.key == key,
                                                   ProcessDefinition.version < target.version)
        where = (Instance.definition_id.in_(older), Instance.status == "running", Instance.archived_at.is_(None))
        total = self.session.scalar(select(func.count()).select_from(Instance).where(*where)) or 0
        overview = MigrationOverview(key, target.version, total=total)
        for instance in self.session.scalars(select(Instance).where(*where).order_by(Instance.id)
                                             .limit(max(1, min(limit, MAX_BATCH)))):
            try:
                plan, _workflow = self._plan(instance, target)
            except runtime.StateUnreadable as exc:
                plan = MigrationPlan(instance.definition.version, target.version,
                                     [Message("migration.state_unusable", **{"detail": exc.message[:300]})])
            overview.cases.append(CaseMigration(instance, plan))
        return overview

    def migrate_all(self, key: str, user: User, to_version: int | None = None) -> MigrationOverview:
        """Move every running case of ``key``'s older versions that can move (at most MAX_BATCH,
        oldest first), each in its own transaction; the others stay, each with its reasons."""
        if not user.is_admin:
            raise NotAllowed("migration.admins_only", api_code="migration.admins_only")
        target = self._version_of(key, to_version)
        overview = self.migration_overview(key, user, target.version)
        results = []
        for case in overview.cases:
            if not case.plan.can_migrate:
                results.append(case)
                continue
            try:
                results.append(self.migrate_instance(case.instance.id, user, target.version, dry_run=False))
            except Conflict as exc:  # changed meanwhile or refused now: it stays, with why
                self.session.rollback()
                instance = self.instance(case.instance.id)
                plan, _ = self._plan(instance, target)
                if plan.can_migrate:
                    plan.reasons.append(Message("migration.state_unusable", **{"detail": exc.message[:300]}))
                results.append(CaseMigration(instance, plan))
        overview.cases = results
        return overview
