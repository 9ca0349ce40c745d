"""Cases (instances): start, look up, list, inspect, suspend/resume/terminate."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Row, Select, bindparam, func, or_, select
from sqlalchemy.orm import defer
from sqlalchemy.sql.elements import ColumnElement

from . import access, audit, outbox, runtime, search, task_index
from .errors import Conflict, Invalid, NotAllowed, Problem
from .models import AuditEvent, Deliverable, Instance, ProcessDefinition, Submission, TaskRecord, User, utcnow
from .data_limits import require_data, text_problem
from .forms import FormError, load_form, validate_data
from .messages import Message
from .paging import COUNT_CAP, Count, bounded_count
from .case_files import CaseFiles
from .unit_of_work import bounded_page, rolls_back_on_refusal, valid_id

INSTANCE_STATUSES = ("running", "suspended", "completed", "terminated", "withdrawn", "error")
#: A withdrawal's reason, at most this long.
MAX_REASON = 500


@dataclass
class CaseHistory:
    """The part of a case's history a page shows, and how much older history it leaves out."""

    tasks: list[TaskRecord]
    older_tasks: int
    #: Plain rows with ``AuditEvent``'s columns as attributes (read-only: the log is append-only).
    events: list[Row]
    older_events: int


#: A case's newest ``:newest`` steps and every open one (they are the newest, but for a parallel
#: branch waiting long): built once. Their appointed people are not loaded with them: only a step
#: with ``has_assignees`` has any (every page and answer asks that flag first), so they come in a
#: second statement by those steps' ids (``task_index.load_appointed``), and only when there are such steps.
#: Joined in, SQLite materialised the nested ``LEFT JOIN (task_assignees JOIN users)`` by scanning
#: every appointment ever made (2 s a case at 50,000 cases, bench.scale); loaded for every step
#: (``selectinload``), a case read paid that statement even with no one appointed.
_NEWEST_TASK_IDS = (select(TaskRecord.id).where(TaskRecord.instance_id == bindparam("instance_id"))
                    .order_by(TaskRecord.created_at.desc(), TaskRecord.step.desc(), TaskRecord.id.desc())
                    .limit(bindparam("newest")))
_HISTORY_TASKS = (select(TaskRecord)
                  .where(TaskRecord.instance_id == bindparam("instance_id"),
                         or_(TaskRecord.id.in_(_NEWEST_TASK_IDS.scalar_subquery()), TaskRecord.state == "ready"))
                  .options(*task_index.ASSIGNEES_ON_DEMAND))
#: A case's newest events, as plain rows: the page and the API only print them, and sixty ORM
#: objects a read cost twice the rows (identity map, change tracking for an append-only log).
_LATEST_EVENTS = (select(*AuditEvent.__table__.c).where(AuditEvent.instance_id == bindparam("instance_id"))
                  .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(bindparam("newest")))
# The other statements of the case pages and lists, built once as well: building one and its cache
# key cost more than running it (docs/benchmarks.md, "statements built once").
_NEWEST_FILES = (select(Deliverable).where(Deliverable.instance_id == bindparam("instance_id"))
                 .order_by(Deliverable.uploaded_at.desc(), Deliverable.id.desc()).limit(bindparam("newest")))
_FILE_COUNT = select(func.count()).where(Deliverable.instance_id == bindparam("instance_id"))
_TASK_COUNT = select(func.count()).where(TaskRecord.instance_id == bindparam("instance_id"))
_EVENT_COUNT = select(func.count()).where(AuditEvent.instance_id == bindparam("instance_id"))
_IDS = bindparam("ids", expanding=True)
_TASKS_BY_ID = select(TaskRecord).where(TaskRecord.id.in_(_IDS)).options(*task_index.ASSIGNEES_ON_DEMAND)
_FIRST_OF_EACH_STEP = (select(TaskRecord).where(TaskRecord.id.in_(
    select(func.min(TaskRecord.id)).where(TaskRecord.instance_id == bindparam("instance_id"))
    .group_by(TaskRecord.bpmn_id))).order_by(TaskRecord.created_at).options(*task_index.ASSIGNEES_ON_DEMAND))
_STEP_STATES = (select(TaskRecord.bpmn_id, TaskRecord.state)
                .where(TaskRecord.instance_id == bindparam("instance_id")).distinct())
#: A page of cases by id, without their state.
_CASE_ROWS = select(Instance).options(defer(Instance.state)).where(Instance.id.in_(_IDS)).order_by(Instance.id.desc())
_CURRENT_TASKS = (select(TaskRecord).where(TaskRecord.instance_id.in_(_IDS), TaskRecord.state == "ready")
                  .order_by(TaskRecord.created_at, TaskRecord.step).options(*task_index.ASSIGNEES_ON_DEMAND))
_TITLES = select(Instance.id, Instance.number, Instance.title).where(Instance.id.in_(_IDS))

#: (definition id, content hash) → the version's lanes; ids repeat across databases, content does not.
_LANES_BY_VERSION: dict[tuple[int, str], frozenset[str]] = {}


#: The refusal of each administrator's action on a case whose status does not allow it.
REFUSED_ACTION = {"suspend": "instance.cannot_suspend", "resume": "instance.cannot_resume",
                  "terminate": "instance.cannot_terminate"}

class InstanceOperations(CaseFiles):
    # ---- instances ----------------------------------------------------------------------
    def start(self, process_key: str, user: User, title: str = "", data: dict | None = None) -> Instance:
        definition = self.latest_definition(process_key)
        cd = runtime.compiled(definition)
        if not access.may_start(user, cd.lanes):
            raise NotAllowed("instance.start_no_role")
        if data is not None and not isinstance(data, dict):
            raise Invalid("data.invalid", [Problem("data.not_object", field="data")])
        title_problem = text_problem(title or "")
        if title_problem:
            raise Invalid("title.invalid", [Problem(title_problem, field="title")])
        require_data(data or {}, None)
        if cd.start_form or cd.start_form_schema is not None:
            self._check_start_form(cd, data or {})
        instance = self._start_case(definition, user.username, title, data)
        self._commit()
        return instance

    def _check_start_form(self, cd: runtime.CompiledDefinition, data: dict) -> None:
        """Start data passes the start event's form (``sop.form``, or the one the diagram carries) as
        a step's data passes its own."""
        try:
            schema = cd.start_form_schema if cd.start_form_schema is not None else \
                load_form(self.config.forms_dir, cd.start_form)
        except FormError as exc:
            raise Conflict("instance.start_form_unreadable", api_code="form.unreadable", why=exc.msg) from None
        problems = validate_data(schema, data) or self.check_user_fields(schema, data)
        if problems:
            raise Invalid("instance.cannot_start", problems, api_code="invalid_data")

    def start_form(self, definition: ProcessDefinition) -> dict | None:
        """The JSON Schema a new case's start data must pass, or None."""
        cd = runtime.compiled(definition)
        if cd.start_form_schema is not None:
            return cd.start_form_schema
        name = cd.start_form
        if not name:
            return None
        try:
            return load_form(self.config.forms_dir, name)
        except FormError:
            return None

    def list_instances(self, user: User, *, status: str | None = None, process_key: str | None = None,
                       q: str | None = None, overdue: bool = False, mine: bool = False, limit: int = 50,
                       offset: int = 0, count: bool = True, before: int | None = None
                       ) -> tuple[list[Instance], Count | None]:
        """The cases ``user`` may see, newest first, with how many match if ``count``: exact on
        the last page and up to a thousand past the page; beyond, or where counting could read
        every case of a common search word, "more than" the pages so far (and one more page).
        Every filter is an index (status, process and search words by case id, overdue by due
        time), and the rows come without their state. ``mine``: only the cases they started or
        took part in (Pengajuan saya); ``q``: words of the number, title or answers; ``before``: only
        the cases older than that case id (the last one of a page: the next page, as cheap however
        deep, where an ``offset`` reads every case it skips)."""
        limit, offset = bounded_page(limit, offset)
        query, order, counted = self._case_query(user, status=status, process_key=process_key, q=q,
                                                 overdue=overdue, mine=mine)
        if before is not None and (valid_id(before) or before <= 0):  # past the largest id: no filter
            query = query.where(order < max(before, 0))
            counted = None if counted is None or not counted.exact else Count(0, exact=False)
        # The page's ids first, then its rows: where the filter is a list of values (a process's
        # versions) SQLite sorts what matches; sorting ids off an index is cheap, sorting whole rows
        # (read past their state's overflow pages) took 0.3 s at 50,000 cases. One id more than
        # the page says whether another page follows.
        ids = list(self.session.scalars(query.with_only_columns(Instance.id)
                                        .order_by(order.desc()).limit(limit + 1).offset(offset)))
        more, ids = len(ids) > limit, ids[:limit]
        total = None
        if not count:
            pass
        elif not more and (ids or not offset):  # the last page: the count is known without counting
            total = Count(offset + len(ids))
        elif more and counted is not None:
            total = counted if counted.exact or counted.value > offset + limit else Count(offset + limit, False)
        else:  # a page past the last one counts too: it says how many pages there are
            total = bounded_count(self.session, query, Instance.id, cap=offset + COUNT_CAP)
        rows = list(self.session.scalars(_CASE_ROWS, {"ids": ids})) if ids else []
        return rows, total

    def _case_query(self, user: User, *, status: str | None, process_key: str | None, q: str | None,
                    overdue: bool, mine: bool) -> tuple[Select, ColumnElement, Count | None]:
        """The ids of the cases ``user`` may see that pass the filters (a query over ``Instance``),
        the column to order it by, and its count if the search already knows it: None where a
        bounded count is cheap. A search is read along its rarest word's index; its count is
        that word's if nothing else narrows, else (when that word is common) only "more than a
        page": counting what several common words share would read every case of one of them."""
        query = select(Instance)
        if mine:
            query = query.where(access.took_part_clause([user]))
        if status:
            if status not in INSTANCE_STATUSES:
                raise Invalid("filter.invalid", [Problem("instance.bad_status", field="status",
                                                          choices=", ".join(INSTANCE_STATUSES))])
            query = query.where(Instance.status == status)
        if process_key:
            query = query.where(Instance.definition_id.in_(
                select(ProcessDefinition.id).where(ProcessDefinition.key == process_key)))
        order, counted = Instance.id, None
        if q and (words := search.search_words(q)):
            alone = len(words) == 1 and not (status or process_key or overdue or mine) \
                and access.sees_everything(user)
            # counted up to a thousand where that is the count shown, else only as far as decides
            words, cases = search.rarest_first(self.session, words,
                                               search.FREQUENCY_CAP if alone else search.COUNTED_SCAN)
            query, order = search.narrow(query, words)
            if alone:
                counted = Count(min(cases, search.FREQUENCY_CAP), cases <= search.FREQUENCY_CAP)
            elif cases > search.COUNTED_SCAN:
                counted = Count(0, exact=False)
        if overdue:
            query = query.where(Instance.id.in_(select(TaskRecord.instance_id).where(
                TaskRecord.state == "ready", TaskRecord.due_at < utcnow())))
        if not mine and not access.sees_everything(user):
            officials = self.acting_for(user)
            roles = set(user.role_names).union(*(o.role_names for o in officials))
            lanes_defs = [d for d, lanes in self._lanes_by_version().items() if lanes & roles]
            query = query.where(or_(access.took_part_clause([user, *officials]),
                                    Instance.definition_id.in_(lanes_defs)))
        return query, order, counted

    def _lanes_by_version(self) -> dict[int, frozenset[str]]:
        """Every deployed version's lanes, read from its metadata (no spec is restored to list
        cases) and remembered per worker by id and content hash."""
        found: dict[int, frozenset[str]] = {}
        missing: list[int] = []
        for definition_id, content_hash in self.session.execute(
                select(ProcessDefinition.id, ProcessDefinition.content_hash)):
            lanes = _LANES_BY_VERSION.get((definition_id, content_hash))
            if lanes is None:
                missing.append(definition_id)
            else:
                found[definition_id] = lanes
        if missing:
            for definition_id, content_hash, meta_json in self.session.execute(
                    select(ProcessDefinition.id, ProcessDefinition.content_hash, ProcessDefinition.meta_json)
                    .where(ProcessDefinition.id.in_(missing))):
                lanes = frozenset(json.loads(meta_json).get("lanes", []))
                _LANES_BY_VERSION[(definition_id, content_hash)] = found[definition_id] = lanes
        return found

    def current_tasks(self, instance_ids: Iterable[int]) -> dict[int, list[TaskRecord]]:
        """The ready steps of several instances in one query (for lists of cases), by instance id."""
        ids = list(dict.fromkeys(instance_ids))
        result: dict[int, list[TaskRecord]] = {i: [] for i in ids}
        if ids:
            rows = list(self.session.scalars(_CURRENT_TASKS, {"ids": ids}))
            task_index.load_appointed(self.session, rows)  # the people of appointed steps only, without their roles
            for row in rows:
                result[row.instance_id].append(row)
        return result

    def instance_titles(self, instance_ids: Iterable[int]) -> dict[int, str]:
        """How several cases are named, in one query (for lists of tasks): "PAE-2026-0001 · title"."""
        ids = set(instance_ids)
        if not ids:
            return {}
        return {i: f"{number} · {title}" if number else title for i, number, title in self.session.execute(
            _TITLES, {"ids": list(ids)})}

    def instance_tasks(self, instance_id: int) -> list[TaskRecord]:
        return self.with_kept_data(list(self.session.scalars(
            select(TaskRecord).where(TaskRecord.instance_id == instance_id)
            .order_by(TaskRecord.created_at, TaskRecord.step).options(*task_index.ASSIGNEES_ON_DEMAND))))

    def instance_events(self, instance_id: int) -> list[AuditEvent]:
        return list(self.session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id)
                                         .order_by(AuditEvent.at, AuditEvent.id)))

    def instance_history(self, instance_id: int, *, tasks: int = 40, events: int = 60,
                         open_steps_appointed_only: bool = False) -> "CaseHistory":
        """The latest of a case's history, for its page and the API, however often it looped: its
        newest ``tasks`` steps (and every step still open, however old) and its newest ``events``
        events, each in time order, with how many older ones were left out (to show on demand).

        Two statements for a case of fewer than ``tasks`` steps and ``events`` events (the API's
        clients read a case before every step): the steps, the newest and the open ones in one
        query, and the events; a third for the appointed people when some step has any (some open
        step, with ``open_steps_appointed_only``); a count of either only when the page is full,
        else the rows are all there is."""
        rows = list(self.session.scalars(_HISTORY_TASKS, {"instance_id": instance_id, "newest": tasks}))
        # a done step's appointed people stay loadable on access
        task_index.load_appointed(self.session, [r for r in rows if r.state == "ready"]
                                  if open_steps_appointed_only else rows)
        task_count = len(rows) if len(rows) < tasks else self.session.scalar(
            _TASK_COUNT, {"instance_id": instance_id}) or 0
        latest = list(self.session.execute(_LATEST_EVENTS, {"instance_id": instance_id, "newest": events}))
        event_count = (len(latest) if len(latest) < events else
                       self.session.scalar(_EVENT_COUNT, {"instance_id": instance_id}) or 0)
        rows.sort(key=lambda t: (t.created_at, t.step or 0))
        return CaseHistory(tasks=self.with_kept_data(rows), older_tasks=task_count - len(rows), events=latest[::-1],
                           older_events=event_count - len(latest))

    def instance_files(self, instance_id: int, limit: int) -> tuple[list[Deliverable], int]:
        """A case's newest ``limit`` deliverables in upload order, and how many older ones there are."""
        newest = list(self.session.scalars(_NEWEST_FILES, {"instance_id": instance_id, "newest": limit}))
        total = len(newest) if len(newest) < limit else self.session.scalar(
            _FILE_COUNT, {"instance_id": instance_id}) or 0
        return newest[::-1], total - len(newest)

    def tasks_by_id(self, task_ids: Iterable[str]) -> list[TaskRecord]:
        """Task rows by id, in one query (their appointed people on demand only)."""
        ids = [i for i in set(task_ids) if i]
        return self.with_kept_data(list(self.session.scalars(_TASKS_BY_ID, {"ids": ids}))) if ids else []

    def instance_step_kinds(self, instance_id: int, every_task: list[TaskRecord] | None = None) -> list[TaskRecord]:
        """One task row per kind of step (BPMN id) the case went through: what its forms are, in
        a few rows however long its history; from ``every_task`` (the first of each kind, in its
        order) when the caller holds all the case's task rows already."""
        if every_task is not None:
            return list({t.bpmn_id: t for t in reversed(every_task)}.values())[::-1]
        return list(self.session.scalars(_FIRST_OF_EACH_STEP, {"instance_id": instance_id}))

    def instance_marks(self, instance: Instance, every_task: list[TaskRecord] | None = None) -> dict[str, str]:
        """BPMN id → mark for the diagram, from the task index (no deserialization); from
        ``every_task`` when the caller holds all the case's task rows already."""
        rows = ((t.bpmn_id, t.state) for t in every_task) if every_task is not None else self.session.execute(
            _STEP_STATES, {"instance_id": instance.id})
        marks: dict[str, str] = {}
        for bpmn_id, state in rows:
            if state == "completed":
                marks.setdefault(bpmn_id, "completed")
            elif state == "ready":
                marks[bpmn_id] = "error" if instance.status == "error" else "active"
        return marks

    def withdrawal_refusal(self, instance: Instance, user: User) -> Message | None:
        """Why ``user`` may not withdraw the case now (its ``code`` says which reason); None if they may.

        The one who started a case may withdraw it while nobody else has acted on it: it waits at
        its first step, or at a step of theirs, and every step taken, done or uploaded to was theirs."""
        if instance.started_by != user.username:
            return Message("withdraw.not_submitter")
        if instance.status not in ("running", "suspended"):
            return Message("withdraw.not_running", status=instance.status)
        others = self.session.execute(select(TaskRecord.name, TaskRecord.completed_by, TaskRecord.claimed_by).where(
            TaskRecord.instance_id == instance.id,
            or_(TaskRecord.completed_by != user.username, TaskRecord.claimed_by != user.username)).limit(1)).first()
        if others is None:
            uploader = self.session.scalar(select(Deliverable.uploaded_by).where(
                Deliverable.instance_id == instance.id, Deliverable.uploaded_by != user.username).limit(1))
            if uploader is not None:
                others = (None, uploader, None)
        if others is not None:
            who = others[1] if others[1] and others[1] != user.username else others[2]
            return Message("withdraw.others_acted", who=who)
        for row in self.session.scalars(select(TaskRecord).where(
                TaskRecord.instance_id == instance.id, TaskRecord.state == "ready")):
            if not access.may_do(user, row):
                return Message("withdraw.not_yours", step=row.name)
        return None

    @rolls_back_on_refusal
    def withdraw(self, instance_id: int, user: User, reason: str) -> Instance:
        """The submitter withdraws (cancels) their own case, with a reason (audited)."""
        instance = self.visible_instance(instance_id, user)
        reason = (reason or "").strip()
        refused = self.withdrawal_refusal(instance, user)
        if refused is not None:
            raise (NotAllowed if refused.code == "withdraw.not_submitter" else Conflict)(
                refused, api_code=refused.code)
        if not reason:
            raise Invalid("withdraw.invalid", [Problem("withdraw.no_reason", field="reason")],
                          api_code="withdraw.no_reason")
        if len(reason) > MAX_REASON:
            raise Invalid("withdraw.invalid", [Problem("withdraw.reason_too_long", field="reason", n=MAX_REASON)],
                          api_code="withdraw.reason_too_long")
        self._write_case(instance, {"status": "withdrawn", "ended_at": utcnow()})  # first: a lost race ends here
        task_index.cancel_open(self.session, instance)
        audit.record(self.session, "withdraw", user.username, instance_id=instance.id, reason=reason)
        outbox.case_ended(self.session, instance, "case_withdrawn", instance.ended_at, reason=reason,
                          by=user.username)
        self._commit()
        return instance

    def set_status(self, instance_id: int, user: User, action: str, reason: str = "") -> Instance:
        """Admin actions: suspend, resume, terminate (with a reason, audited)."""
        if not user.is_admin:
            raise NotAllowed("instance.admins_only")
        instance = self.instance(instance_id)
        transitions = {"suspend": ({"running", "error"}, "suspended"), "resume": ({"suspended"}, "running"),
                       "terminate": ({"running", "suspended", "error"}, "terminated")}
        if action not in transitions:
            raise Invalid("action.invalid", [Problem("action.unknown", field="action", action=action)])
        allowed, target = transitions[action]
        if instance.status not in allowed:
            raise Conflict(REFUSED_ACTION[action], status=instance.status)
        if action == "terminate":
            if not reason.strip():
                raise Invalid("action.invalid", [Problem("instance.terminate_reason", field="reason")])
        if action == "resume" and instance.error_message:
            target = "running"
        self._write_case(instance, {"status": target, **({"ended_at": utcnow()} if action == "terminate" else {})})
        if action == "terminate":
            task_index.cancel_open(self.session, instance)
        audit.record(self.session, action, user.username, instance_id=instance.id, reason=reason or None)
        if action == "terminate":
            outbox.case_ended(self.session, instance, "case_terminated", utcnow(), reason=reason, by=user.username)
        self._commit()
        return instance

    def traceability(self, instance: Instance, submissions: list[Submission] | None = None):
        """The case's traceability matrices (one per item list its forms declare): see
        :mod:`engine.traceability`. ``submissions``: the case's, where the caller has them."""
        from . import traceability

        cd = runtime.compiled(instance.definition)
        forms = {b: self.step_form(instance.definition_id, b) for b in cd.tasks}
        steps = {b: (meta.step, meta.name) for b, meta in cd.tasks.items()}
        if not any(traceability.item_lists.own_lists(f) for f in forms.values()):
            return []
        return traceability.build(self.submissions(instance.id) if submissions is None else submissions,
                                  forms, steps)

    def case_record(self, instance: Instance):
        """The case record (lembar kendali) of ``instance``: see :mod:`engine.case_record`."""
        from . import case_record

        tasks = self.instance_tasks(instance.id)
        files = self.attachments(instance_id=instance.id, render_queued=True)  # the record names every letter
        forms = {row.id: self.task_form(row) for row in tasks}
        names = self.users.full_names([r.completed_by for r in tasks] + [f.uploaded_by for f in files]
                                      + [instance.started_by])
        return case_record.build(instance, tasks, files, self.calendar, forms, names, utcnow())
