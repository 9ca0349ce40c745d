"""The one facade the web pages, the JSON API, the CLI and the tests call.

Each public method is one unit of work on the given session; methods that change an instance
flush and commit once, guarded by the instance's version column (optimistic locking).
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, lazyload
from sqlalchemy.orm.exc import StaleDataError

from . import access, audit, runtime, task_index
from .bpmn_loader import ParsedProcess, load_bpmn
from .calendar import WorkingCalendar
from .config import EngineConfig
from .errors import Conflict, Invalid, NotAllowed, NotFound, Problem
from .expressions import RestrictedScriptEngine
from .files import FileStore
from .forms import FormError, load_form, user_fields, validate_data
from .models import AuditEvent, Deliverable, Holiday, Instance, ProcessDefinition, TaskRecord, User, utcnow
from .state import SERIALIZER_VERSION, dump_spec
from .users import UserDirectory

#: Appointed users load when first needed (only appointed tasks have any), not with every task.
_ASSIGNEES_ON_DEMAND = [lazyload(TaskRecord.assignees)]

INSTANCE_STATUSES = ("running", "suspended", "completed", "terminated", "error")
MAX_ID = 2**63 - 1  # ids beyond a BIGINT cannot exist; refuse them before the driver overflows


def _valid_id(value: int) -> bool:
    return isinstance(value, int) and 0 < value <= MAX_ID


class WorkflowService:
    def __init__(self, session: Session, config: EngineConfig | None = None) -> None:
        self.session = session
        self.config = config or EngineConfig()
        self.users = UserDirectory(session, self.config.password_hash_method)
        self.files = FileStore(self.config.files_dir, self.config.max_upload_bytes)
        self.script_engine = RestrictedScriptEngine(self.config.scripts_enabled)
        self._calendar: WorkingCalendar | None = None
        # Rows this unit of work looked up, held so the session's (weak) identity map keeps them:
        # a second look-up of the same definition or case then costs no query.
        self._pinned: dict[tuple[type, int], Any] = {}

    # ---- time -------------------------------------------------------------------------
    @property
    def calendar(self) -> WorkingCalendar:
        if self._calendar is None:
            extra = {datetime.fromisoformat(d).date() for d in self.session.scalars(select(Holiday.day))}
            extra |= set(self.config.extra_holidays)
            self._calendar = WorkingCalendar(self.config.timezone, self.config.office_start,
                                             self.config.office_end, frozenset(extra))
        return self._calendar

    # ---- unit of work -----------------------------------------------------------------
    def _flush(self) -> None:
        self._commit(flush_only=True)

    def _commit(self, flush_only: bool = False) -> None:
        """Write the unit of work; a lost optimistic-lock race becomes a :class:`Conflict`."""
        try:
            if flush_only:
                self.session.flush()
            else:
                self.session.commit()
        except StaleDataError:
            self.session.rollback()
            raise Conflict("the case was changed by someone else meanwhile; reload and try again",
                           code="changed_meanwhile") from None
        except OperationalError as exc:
            self.session.rollback()
            if "locked" in str(exc).lower():
                raise Conflict("the case is being changed by someone else; try again",
                               code="changed_meanwhile") from None
            raise
        except IntegrityError:
            self.session.rollback()
            raise Conflict("that was just done by someone else", code="changed_meanwhile") from None

    # ---- process definitions ----------------------------------------------------------
    def validate_bpmn(self, data: bytes, filename: str = "process.bpmn") -> ParsedProcess:
        return load_bpmn(data, forms_dir=self.config.forms_dir, max_bytes=self.config.max_bpmn_bytes,
                         scripts_enabled=self.config.scripts_enabled, filename=filename)

    def deploy(self, data: bytes, filename: str = "process.bpmn", actor: User | None = None
               ) -> tuple[ProcessDefinition, bool]:
        """Validate and store a new version. Identical content to the latest is not a new version."""
        parsed = self.validate_bpmn(data, filename)
        latest = self.latest_definition(parsed.key, required=False)
        if latest is not None and latest.content_hash == parsed.content_hash:
            return latest, False
        definition = ProcessDefinition(
            key=parsed.key, name=parsed.name, version=(latest.version + 1) if latest else 1,
            content_hash=parsed.content_hash, bpmn_xml=parsed.xml,
            spec_json=dump_spec(parsed.spec, parsed.subprocess_specs),
            meta_json=json.dumps({"tasks": {k: v.as_dict() for k, v in parsed.tasks.items()},
                                  "lanes": parsed.lanes}),
            documentation=parsed.documentation, filename=Path(filename).name,
            deployed_by=actor.username if actor else None, deployed_at=utcnow())
        self.session.add(definition)
        self.session.flush()
        audit.record(self.session, "deploy", actor.username if actor else None,
                     key=parsed.key, version=definition.version)
        self._commit()
        return definition, True

    def deploy_directory(self, directory: Path | None = None, actor: User | None = None) -> list[ProcessDefinition]:
        deployed = []
        for path in sorted(Path(directory or self.config.processes_dir).glob("*.bpmn")):
            definition, created = self.deploy(path.read_bytes(), path.name, actor)
            if created:
                deployed.append(definition)
        return deployed

    def latest_definition(self, key: str, *, required: bool = True) -> ProcessDefinition | None:
        definition = self.session.scalar(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                         .order_by(ProcessDefinition.version.desc()).limit(1))
        if definition is None and required:
            raise NotFound(f"no process '{key}'")
        return definition

    def definition(self, definition_id: int) -> ProcessDefinition:
        definition = self.session.get(ProcessDefinition, definition_id) if _valid_id(definition_id) else None
        if definition is None:
            raise NotFound(f"no process definition {definition_id}")
        self._pinned[(ProcessDefinition, definition_id)] = definition
        return definition

    def list_processes(self) -> list[ProcessDefinition]:
        newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
                  .group_by(ProcessDefinition.key).subquery())
        return list(self.session.scalars(select(ProcessDefinition).join(
            newest, (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.v))
            .order_by(ProcessDefinition.name)))

    def versions(self, key: str) -> list[ProcessDefinition]:
        return list(self.session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)
                                         .order_by(ProcessDefinition.version.desc())))

    def compiled(self, definition: ProcessDefinition) -> runtime.CompiledDefinition:
        return runtime.compiled(definition)

    # ---- instances ----------------------------------------------------------------------
    def start(self, process_key: str, user: User, title: str = "", data: dict | None = None) -> Instance:
        definition = self.latest_definition(process_key)
        cd = runtime.compiled(definition)
        if not access.may_start(user, cd.lanes):
            raise NotAllowed("you hold none of this process's roles, so you may not start it")
        if data is not None and not isinstance(data, dict):
            raise Invalid("Invalid data", [Problem("data must be an object", field="data")])
        now = utcnow()
        wf = runtime.new_workflow(cd, data, self.script_engine)
        error = runtime.advance(wf)
        instance = Instance(definition_id=definition.id, title=(title or "").strip()[:300] or definition.name,
                            status="running", started_by=user.username, started_at=now,
                            serializer_version=SERIALIZER_VERSION, state="")
        self._apply_outcome(instance, wf, error, now)
        self.session.add(instance)
        self.session.flush()
        task_index.sync(self.session, instance, wf, cd, self.calendar, now)
        audit.record(self.session, "start", user.username, instance_id=instance.id,
                     process=definition.key, version=definition.version, title=instance.title)
        if error:
            audit.record(self.session, "error", None, instance_id=instance.id, message=error)
        self._commit()
        return instance

    def _apply_outcome(self, instance: Instance, wf, error: str | None, now: datetime) -> None:
        runtime.save(instance, wf, self.config.compact_keep if self.config.compact_history else None)
        if error:
            instance.status, instance.error_message = "error", error
        elif wf.completed:
            instance.status, instance.ended_at = "completed", now

    def instance(self, instance_id: int) -> Instance:
        instance = self.session.get(Instance, instance_id) if _valid_id(instance_id) else None
        if instance is None:
            raise NotFound(f"no instance {instance_id}")
        self._pinned[(Instance, instance_id)] = instance
        return instance

    def visible_instance(self, instance_id: int, user: User) -> Instance:
        instance = self.instance(instance_id)
        if not access.may_view(user, instance, runtime.compiled(instance.definition).lanes):
            raise NotAllowed("you may not see this case")
        return instance

    def list_instances(self, user: User, *, status: str | None = None, process_key: str | None = None,
                       q: str | None = None, overdue: bool = False, limit: int = 50, offset: int = 0
                       ) -> tuple[list[Instance], int]:
        query = select(Instance).join(Instance.definition)
        if status:
            if status not in INSTANCE_STATUSES:
                raise Invalid("Invalid filter", [Problem(f"status must be one of {', '.join(INSTANCE_STATUSES)}", field="status")])
            query = query.where(Instance.status == status)
        if process_key:
            query = query.where(ProcessDefinition.key == process_key)
        if q:
            query = query.where(Instance.title.ilike(f"%{q}%"))
        if overdue:
            query = query.where(Instance.id.in_(select(TaskRecord.instance_id).where(
                TaskRecord.state == "ready", TaskRecord.due_at < utcnow())))
        if not (user.is_admin or access.PROCESS_OWNER in user.role_names):
            lanes_defs = [d.id for d in self.session.scalars(select(ProcessDefinition))
                          if set(runtime.compiled(d).lanes) & set(user.role_names)]
            query = query.where((Instance.started_by == user.username) | Instance.definition_id.in_(lanes_defs))
        total = self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = list(self.session.scalars(query.order_by(Instance.id.desc()).limit(limit).offset(offset)))
        return rows, total or 0

    def current_tasks(self, instance_ids: Iterable[int]) -> dict[int, list[TaskRecord]]:
        """The ready steps of several instances in one query (for lists of cases), by instance id."""
        ids = list(dict.fromkeys(instance_ids))
        result: dict[int, list[TaskRecord]] = {i: [] for i in ids}
        if ids:
            for row in self.session.scalars(select(TaskRecord).where(
                    TaskRecord.instance_id.in_(ids), TaskRecord.state == "ready")
                    .order_by(TaskRecord.created_at, TaskRecord.step)):
                result[row.instance_id].append(row)
        return result

    def instance_titles(self, instance_ids: Iterable[int]) -> dict[int, str]:
        """Titles of several cases in one query (for lists of tasks)."""
        ids = set(instance_ids)
        if not ids:
            return {}
        return dict(self.session.execute(select(Instance.id, Instance.title).where(Instance.id.in_(ids))).all())

    def instance_tasks(self, instance_id: int) -> list[TaskRecord]:
        return list(self.session.scalars(select(TaskRecord).where(TaskRecord.instance_id == instance_id)
                                         .order_by(TaskRecord.created_at, TaskRecord.step)))

    def instance_events(self, instance_id: int) -> list[AuditEvent]:
        return list(self.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                         .order_by(AuditEvent.at, AuditEvent.id)))

    def instance_data(self, instance: Instance) -> dict[str, Any]:
        """The case's current data: the data of its newest ready (or last) task, plus workflow data."""
        wf = runtime.load(instance, runtime.compiled(instance.definition), self.script_engine)
        ready = runtime.ready_human_tasks(wf)
        source = ready[0] if ready else (wf.last_task or wf.task_tree)
        data = dict(wf.data)
        data.update(source.data if source is not None else {})
        return json.loads(json.dumps(data, default=str))

    def instance_marks(self, instance: Instance) -> dict[str, str]:
        """BPMN id → mark for the diagram, from the task index (no deserialization)."""
        marks: dict[str, str] = {}
        for row in self.instance_tasks(instance.id):
            if row.state == "completed":
                marks.setdefault(row.bpmn_id, "completed")
            elif row.state == "ready":
                marks[row.bpmn_id] = "error" if instance.status == "error" else "active"
        return marks

    def set_status(self, instance_id: int, user: User, action: str, reason: str = "") -> Instance:
        """Admin actions: suspend, resume, terminate (with a reason, audited)."""
        if not user.is_admin:
            raise NotAllowed("only administrators may suspend, resume or terminate a case")
        instance = self.instance(instance_id)
        transitions = {"suspend": ({"running", "error"}, "suspended"), "resume": ({"suspended"}, "running"),
                       "terminate": ({"running", "suspended", "error"}, "terminated")}
        if action not in transitions:
            raise Invalid("Invalid action", [Problem(f"unknown action '{action}'", field="action")])
        allowed, target = transitions[action]
        if instance.status not in allowed:
            raise Conflict(f"a case that is '{instance.status}' cannot be {action}ed")
        if action == "terminate":
            if not reason.strip():
                raise Invalid("Invalid action", [Problem("give a reason for terminating", field="reason")])
            task_index.cancel_open(self.session, instance)
            instance.ended_at = utcnow()
        if action == "resume" and instance.error_message:
            target = "running"
        instance.status = target
        audit.record(self.session, action, user.username, instance_id=instance.id, reason=reason or None)
        self._commit()
        return instance

    # ---- tasks ------------------------------------------------------------------------
    def task(self, task_id: str) -> TaskRecord:
        row = self.session.get(TaskRecord, task_id, options=_ASSIGNEES_ON_DEMAND) \
            if isinstance(task_id, str) and len(task_id) <= 36 else None
        if row is None:
            raise NotFound(f"no task '{task_id}'")
        return row

    def task_meta(self, row: TaskRecord):
        return runtime.compiled(self.definition(row.definition_id)).tasks.get(row.bpmn_id)

    def task_form(self, row: TaskRecord) -> dict | None:
        meta = self.task_meta(row)
        if meta is None or not meta.form:
            return None
        try:
            return load_form(self.config.forms_dir, meta.form)
        except FormError:
            return None

    def visible_task(self, task_id: str, user: User) -> TaskRecord:
        row = self.task(task_id)
        if access.may_do(user, row) or row.completed_by == user.username:
            return row
        instance = self.instance(row.instance_id)
        if not access.may_view(user, instance, runtime.compiled(instance.definition).lanes):
            raise NotAllowed("you may not see this task")
        return row

    def _workable(self, task_id: str, user: User) -> TaskRecord:
        row = self.task(task_id)
        if row.state != "ready":
            raise Conflict(f"this step is already {row.state}", code="already_" + row.state)
        instance_status = self.instance(row.instance_id).status  # loaded once, reused by complete()
        if instance_status != "running":
            raise Conflict(f"the case is {instance_status}; nothing can be done on it now", code="not_running")
        if not access.may_do(user, row):
            raise NotAllowed("you may not do this step: " + access.refusal(user, row))
        if row.claimed_by and row.claimed_by != user.username:
            raise NotAllowed(f"this step has been taken by {row.claimed_by}")
        return row

    def inbox(self, user: User, tab: str = "ready", *, process_key: str | None = None, overdue: bool = False,
              q: str | None = None, sort: str = "created", limit: int = 50, offset: int = 0
              ) -> tuple[list[TaskRecord], int]:
        """Tabs: ``ready`` (all I may do), ``mine`` (claimed by or appointed to me),
        ``lanes`` (unclaimed in my lanes), ``done`` (completed by me)."""
        query = select(TaskRecord)
        if tab == "done":
            query = query.where(TaskRecord.completed_by == user.username)
        else:
            query = query.join(Instance, Instance.id == TaskRecord.instance_id).where(
                TaskRecord.state == "ready", Instance.status == "running", access.may_do_clause(user))
            if tab == "mine":
                query = query.where((TaskRecord.claimed_by == user.username)
                                    | (TaskRecord.has_assignees & TaskRecord.claimed_by.is_(None)))
            elif tab == "lanes":
                query = query.where(TaskRecord.claimed_by.is_(None))
            elif tab == "ready":
                query = query.where(TaskRecord.claimed_by.is_(None) | (TaskRecord.claimed_by == user.username))
            else:
                raise Invalid("Invalid filter", [Problem("tab must be ready, mine, lanes or done", field="tab")])
        if process_key:
            query = query.where(TaskRecord.definition_id.in_(
                select(ProcessDefinition.id).where(ProcessDefinition.key == process_key)))
        if overdue:
            query = query.where(TaskRecord.due_at < utcnow())
        if q:
            query = query.where(TaskRecord.name.ilike(f"%{q}%") | TaskRecord.instance_id.in_(
                select(Instance.id).where(Instance.title.ilike(f"%{q}%"))))
        order = {"created": TaskRecord.created_at.asc(), "due": TaskRecord.due_at.asc(),
                 "step": TaskRecord.step.asc(), "newest": TaskRecord.created_at.desc(),
                 "completed": TaskRecord.completed_at.desc()}.get(sort, TaskRecord.created_at.asc())
        if tab == "done" and sort == "created":
            order = TaskRecord.completed_at.desc()
        total = self.session.scalar(select(func.count()).select_from(query.subquery())) if offset or limit else None
        rows = list(self.session.scalars(query.order_by(order, TaskRecord.id).limit(limit).offset(offset)))
        return rows, (total if total is not None else len(rows))

    def claim(self, task_id: str, user: User) -> TaskRecord:
        row = self._workable(task_id, user)
        if row.claimed_by == user.username:
            return row
        done = self.session.execute(update(TaskRecord).where(
            TaskRecord.id == row.id, TaskRecord.state == "ready", TaskRecord.claimed_by.is_(None))
            .values(claimed_by=user.username))
        if done.rowcount != 1:
            self.session.rollback()
            raise Conflict("someone else took this step meanwhile", code="not_claimable")
        audit.record(self.session, "claim", user.username, instance_id=row.instance_id, task_id=row.id)
        self._commit()
        self.session.refresh(row)
        return row

    def unclaim(self, task_id: str, user: User) -> TaskRecord:
        row = self.task(task_id)
        if row.state != "ready":
            raise Conflict(f"this step is already {row.state}", code="already_" + row.state)
        if row.claimed_by is None:
            raise Conflict("this step is not taken by anyone", code="not_claimed")
        if row.claimed_by != user.username and not user.is_admin:
            raise NotAllowed(f"this step was taken by {row.claimed_by}; only they or an admin may release it")
        row.claimed_by = None
        audit.record(self.session, "unclaim", user.username, instance_id=row.instance_id, task_id=row.id)
        self._commit()
        return row

    def reassign(self, task_id: str, admin: User, username: str) -> TaskRecord:
        if not admin.is_admin:
            raise NotAllowed("only administrators may reassign a step")
        row = self.task(task_id)
        if row.state != "ready":
            raise Conflict(f"this step is already {row.state}")
        target = self.users.find(username)
        if target is None:
            raise Invalid("Invalid user", [Problem(f"no user '{username}'", field="username")])
        row.assignees = [target]
        row.has_assignees = True
        row.claimed_by = None
        audit.record(self.session, "reassign", admin.username, instance_id=row.instance_id, task_id=row.id,
                     to=target.username)
        self._commit()
        return row

    def attach(self, task_id: str, user: User, filename: str | None, stream: BinaryIO) -> Deliverable:
        row = self._workable(task_id, user)
        stored = self.files.save(filename, stream)
        deliverable = Deliverable(instance_id=row.instance_id, task_id=row.id, filename=stored.filename,
                                  content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                                  uploaded_by=user.username, uploaded_at=utcnow())
        self.session.add(deliverable)
        self.session.flush()
        audit.record(self.session, "attach", user.username, instance_id=row.instance_id, task_id=row.id,
                     filename=stored.filename, size=stored.size, sha256=stored.sha256)
        self._commit()
        return deliverable

    def remove_attachment(self, deliverable_id: int, user: User) -> None:
        deliverable = self.session.get(Deliverable, deliverable_id) if _valid_id(deliverable_id) else None
        if deliverable is None:
            raise NotFound(f"no attachment {deliverable_id}")
        self._workable(deliverable.task_id, user)
        audit.record(self.session, "detach", user.username, instance_id=deliverable.instance_id,
                     task_id=deliverable.task_id, filename=deliverable.filename)
        self.session.delete(deliverable)
        self._commit()

    def attachments(self, *, task_id: str | None = None, instance_id: int | None = None) -> list[Deliverable]:
        query = select(Deliverable).order_by(Deliverable.uploaded_at, Deliverable.id)
        if task_id is not None:
            query = query.where(Deliverable.task_id == task_id)
        if instance_id is not None:
            query = query.where(Deliverable.instance_id == instance_id)
        return list(self.session.scalars(query))

    def attachment_file(self, deliverable_id: int, user: User) -> tuple[Deliverable, Path]:
        deliverable = self.session.get(Deliverable, deliverable_id) if _valid_id(deliverable_id) else None
        if deliverable is None:
            raise NotFound(f"no attachment {deliverable_id}")
        self.visible_instance(deliverable.instance_id, user)
        path = self.files.path_for(deliverable.sha256)
        if not path.exists():
            raise NotFound("the file is missing from storage")
        return deliverable, path

    def check_form(self, row: TaskRecord, data: Any) -> list[Problem]:
        """Problems with submitted data: schema, then appointed users exist and hold the role."""
        if not isinstance(data, dict):
            return [Problem("data must be an object", field="data")]
        schema = self.task_form(row)
        if schema is None:
            return []
        problems = validate_data(schema, data)
        if problems:
            return problems
        for name, (is_list, role) in user_fields(schema).items():
            if name not in data:
                continue
            for username in (data[name] if is_list else [data[name]]):
                user = self.users.find(username)
                if user is None or not user.active:
                    problems.append(Problem(f"no active user '{username}'", field=name))
                elif role and role not in user.role_names:
                    problems.append(Problem(f"'{username}' does not hold the role '{role}'", field=name))
        return problems

    def complete(self, task_id: str, user: User, data: dict | None = None) -> TaskRecord:
        row = self._workable(task_id, user)
        data = {} if data is None else data
        problems = self.check_form(row, data)
        meta = self.task_meta(row)
        if meta is not None and meta.output_required and not self.attachments(task_id=row.id):
            problems.append(Problem(f"attach the deliverable '{meta.output or 'output'}' before completing",
                                    field="attachments"))
        if problems:
            raise Invalid("The step cannot be completed yet", problems, code="invalid_data")
        instance = self.instance(row.instance_id)
        cd = runtime.compiled(instance.definition)
        wf = runtime.load(instance, cd, self.script_engine)
        task = runtime.find_task(wf, row.id)
        from SpiffWorkflow.util.task import TaskState

        if task is None or not task.has_state(TaskState.READY) or not task.task_spec.manual:
            raise Conflict("this step is no longer waiting; reload the case", code="changed_meanwhile")
        now = utcnow()
        minutes = self.calendar.between(row.created_at, now)  # before the row changes: no early autoflush
        error = runtime.run_user_task(wf, task, data)
        row.state, row.completed_at, row.completed_by = "completed", now, user.username
        row.claimed_by = row.claimed_by or user.username
        row.data = json.loads(json.dumps(data))
        row.actual_minutes = minutes
        self._apply_outcome(instance, wf, error, now)
        with self.session.no_autoflush:  # the whole step is written by one flush, at commit
            task_index.sync(self.session, instance, wf, cd, self.calendar, now)
        audit.record(self.session, "complete", user.username, instance_id=instance.id, task_id=row.id,
                     step=row.step, name=row.name, minutes=row.actual_minutes)
        if error:
            audit.record(self.session, "error", None, instance_id=instance.id, message=error)
        elif instance.status == "completed":
            audit.record(self.session, "end", None, instance_id=instance.id)
        self._commit()
        return row

    # ---- timers and due times -----------------------------------------------------------
    def tick(self, now: datetime | None = None, limit: int = 100) -> dict[str, int]:
        """Fire due timers and mark overdue tasks, once. Safe with several workers running it."""
        now = now or utcnow()
        fired = 0
        query = (select(Instance.id).where(Instance.status == "running", Instance.next_timer_at <= now)
                 .order_by(Instance.next_timer_at).limit(limit))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for instance_id in list(self.session.scalars(query)):
            instance = self.instance(instance_id)
            cd = runtime.compiled(instance.definition)
            wf = runtime.load(instance, cd, self.script_engine)
            error = runtime.fire_timers(wf)
            self._apply_outcome(instance, wf, error, now)
            self.session.flush()
            task_index.sync(self.session, instance, wf, cd, self.calendar, now)
            audit.record(self.session, "timer", None, instance_id=instance.id)
            fired += 1
        overdue_rows = list(self.session.scalars(select(TaskRecord).where(
            TaskRecord.state == "ready", TaskRecord.overdue.is_(False), TaskRecord.due_at < now).limit(1000)))
        for row in overdue_rows:
            row.overdue = True
            audit.record(self.session, "overdue", None, instance_id=row.instance_id, task_id=row.id,
                         due_at=row.due_at.isoformat() if row.due_at else None)
        self._commit()
        return {"timers_fired": fired, "tasks_marked_overdue": len(overdue_rows)}

    # ---- users (admin) -----------------------------------------------------------------
    def create_user(self, admin: User, username: str, password: str, roles: Iterable[str] = (),
                    **fields: Any) -> User:
        """An administrator creates a user (audited)."""
        if not admin.is_admin:
            raise NotAllowed("only administrators manage users")
        user = self.users.create(username, password, roles, **fields)
        audit.record(self.session, "user_create", admin.username, username=user.username,
                     roles=user.role_names, is_admin=user.is_admin)
        self._commit()
        return user

    def update_user(self, admin: User, user: User, *, roles: Iterable[str] | None = None,
                    password: str | None = None, **fields: Any) -> User:
        """An administrator edits a user: profile, roles (lanes), admin flag, password (audited)."""
        if not admin.is_admin:
            raise NotAllowed("only administrators manage users")
        if user.id == admin.id and (fields.get("is_admin") is False or fields.get("active") is False):
            raise Invalid("Invalid user", [Problem(
                "you cannot take away your own administrator rights or deactivate yourself", field="is_admin")])
        before = {"roles": user.role_names, **{k: getattr(user, k) for k in fields}}
        self.users.update(user, roles=roles, password=password, **fields)
        after = {"roles": user.role_names, **{k: getattr(user, k) for k in fields}}
        changed = {k: after[k] for k in after if after[k] != before[k]}
        audit.record(self.session, "user_update", admin.username, username=user.username,
                     changed=changed or None, password_reset=bool(password) or None)
        self._commit()
        return user

    # ---- holidays -------------------------------------------------------------------------
    def holidays(self) -> list[Holiday]:
        """The extra non-working dates an admin added, in date order."""
        return list(self.session.scalars(select(Holiday).order_by(Holiday.day)))

    def add_holiday(self, day: str, name: str, actor: User) -> Holiday:
        if not actor.is_admin:
            raise NotAllowed("only administrators manage holidays")
        try:
            day = datetime.fromisoformat(day.strip()).date().isoformat()
        except ValueError:
            raise Invalid("Invalid date", [Problem("use YYYY-MM-DD", field="day")]) from None
        if self.session.scalar(select(Holiday.id).where(Holiday.day == day)) is not None:
            raise Conflict(f"{day} is already an extra holiday", code="duplicate")
        holiday = Holiday(day=day, name=name)
        self.session.add(holiday)
        audit.record(self.session, "holiday_add", actor.username, day=day, name=name or None)
        self._commit()
        self._calendar = None
        return holiday

    def remove_holiday(self, holiday_id: int, actor: User) -> None:
        if not actor.is_admin:
            raise NotAllowed("only administrators manage holidays")
        holiday = self.session.get(Holiday, holiday_id) if _valid_id(holiday_id) else None
        if holiday is None:
            raise NotFound(f"no holiday {holiday_id}")
        audit.record(self.session, "holiday_remove", actor.username, day=holiday.day, name=holiday.name or None)
        self.session.delete(holiday)
        self._commit()
        self._calendar = None
