"""Human tasks: inbox, claim, attach deliverables, complete."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import bindparam, func, insert, select, update
from SpiffWorkflow.util.task import TaskState

from . import access, audit, documents, dossier, inbox_query, item_lists, kpi_tally, outbox, runtime, search, task_index
from .data_limits import check_data
from .errors import Conflict, Invalid, NotAllowed, NotFound, Problem
from .forms import validate_data
from .models import Deliverable, DocumentJob, Instance, Submission, TaskRecord, User, utcnow
from .task_index import ASSIGNEES_ON_DEMAND, load_appointed
from .case_files import CaseFiles
from .unit_of_work import bounded_page, rolls_back_on_refusal, valid_id as _valid_id

# Built once: on the completion path, building a statement cost about as much as running it.
_TASK_AND_CASE = (select(TaskRecord, Instance).join(Instance, Instance.id == TaskRecord.instance_id)
                  .where(TaskRecord.id == bindparam("task_id")).options(*ASSIGNEES_ON_DEMAND))
_QUEUE_DOCUMENT = insert(DocumentJob.__table__)
_INSERT_SUBMISSION = insert(Submission.__table__).inline()  # its id is not read back


def _already(row: TaskRecord, *, api_code: str | None = None) -> Conflict:
    """The refusal for a step that is no longer ready (API word ``already_<state>``)."""
    api_code = api_code or "already_" + row.state
    if row.state == "completed":
        return Conflict("task.already_completed", api_code=api_code)
    if row.state == "cancelled":
        return Conflict("task.already_cancelled", api_code=api_code)
    return Conflict("task.already_state", api_code=api_code, state=row.state)


class TaskOperations(CaseFiles):
    # ---- tasks ------------------------------------------------------------------------
    def task_meta(self, row: TaskRecord):
        return runtime.compiled(self.definition(row.definition_id)).tasks.get(row.bpmn_id)

    def gateway_variables(self, definition_id: int) -> frozenset[str]:
        """The names a version's gateways read (its decisions are the boolean fields among them)."""
        return runtime.compiled(self.definition(definition_id)).gateway_variables

    def decision_fields(self, row: TaskRecord) -> list[str]:
        """The step's fields asked as two labelled choices: booleans a gateway reads (or labelled)."""
        cd = runtime.compiled(self.definition(row.definition_id))
        return dossier.decision_fields(self.task_form(row), cd.gateway_variables)

    def visible_task(self, task_id: str, user: User) -> TaskRecord:
        row = self.task(task_id)
        if access.principal(user, row, self.acting_for(user)) or row.completed_by == user.username:
            return row
        if not self.may_view_instance(user, self.instance(row.instance_id)):
            raise NotAllowed("task.not_visible")
        return row

    def _on_behalf_of(self, user: User, row: TaskRecord) -> str | None:
        """The official's username when ``user`` does ``row`` as their acting official, else None."""
        official = self.principal(user, row)
        return official.username if official is not None and official.id != user.id else None

    def _task_and_case(self, task_id: str) -> tuple[TaskRecord, Instance]:
        """A task row and its case (with its definition) in one statement; the case stays pinned
        for the rest of the unit of work."""
        found = self.session.execute(_TASK_AND_CASE, {"task_id": task_id}).first() \
            if isinstance(task_id, str) and len(task_id) <= 36 else None
        if found is None:
            raise NotFound("task.not_found", id=task_id)
        row, instance = found
        self._pinned[(Instance, instance.id)] = instance
        return row, instance

    def _workable(self, task_id: str, user: User) -> TaskRecord:
        row, instance = self._task_and_case(task_id)
        if row.state != "ready":
            raise _already(row)
        instance_status = instance.status
        if instance_status != "running":
            raise Conflict("instance.not_running", api_code="not_running", status=instance_status)
        official = self.principal(user, row)
        if official is None:
            raise NotAllowed("task.not_yours", why=access.refusal(user, row))
        if row.claimed_by and row.claimed_by not in (user.username, official.username):
            raise NotAllowed("task.taken", user=row.claimed_by)
        return row

    def inbox(self, user: User, tab: str = "ready", *, process_key: str | None = None, overdue: bool = False,
              q: str | None = None, sort: str = "created", limit: int = 50, offset: int = 0,
              count: bool = True) -> tuple[list[TaskRecord], int | None]:
        """Tabs: ``ready`` (all I may do), ``mine`` (claimed by or appointed to me),
        ``lanes`` (unclaimed in my lanes), ``done`` (completed by me). The total is None when
        ``count`` is false (a caller that shows no count spares the query)."""
        limit, offset = bounded_page(limit, offset)
        shape, query, values = self._inbox_query(user, tab, process_key, overdue, q)
        values.update(inbox_limit=limit, inbox_offset=offset)
        if count and (offset or limit):
            counting = inbox_query.count(*shape) if q is None else select(func.count()).select_from(query.subquery())
            total = self.session.scalar(counting, values)
        else:
            total = None
        page = inbox_query.page(*shape, sort) if q is None else inbox_query.ordered(query, tab, sort)
        rows = list(self.session.scalars(page, values))
        load_appointed(self.session, rows)  # for the appointed steps only, without their roles
        return rows, (total if total is not None else len(rows) if count else None)

    def inbox_counts(self, user: User) -> dict[str, int]:
        """How many steps wait in each open tab of ``user``'s inbox (``ready``, ``mine``,
        ``lanes``) and how many of all and of ``mine`` are overdue, in one statement."""
        values = inbox_query.params(user, self.acting_for(user), "ready", None, utcnow())
        row = self.session.execute(inbox_query.counts("may_people" in values), values).one()
        return {name: n or 0 for name, n in zip(inbox_query.COUNTS, row)}

    def menu_counts(self, user: User) -> dict[str, int]:
        """:meth:`inbox_counts` and ``unread`` (the person's unread in-app notifications, as
        ``unread_count``), in one statement: what the menu of every page shows."""
        values = inbox_query.params(user, self.acting_for(user), "ready", None, utcnow())
        values["menu_user_id"] = user.id
        row = self.session.execute(inbox_query.menu_counts("may_people" in values), values).one()
        return {name: n or 0 for name, n in zip(inbox_query.MENU_COUNTS, row)}

    def _inbox_query(self, user: User, tab: str, process_key: str | None, overdue: bool, q: str | None):
        """The tab's shape (the key of its statements, built once each: engine/inbox_query.py),
        its statement (with the search's clause added when ``q``) and its values."""
        if tab not in inbox_query.TABS:
            raise Invalid("filter.invalid", [Problem("task.bad_tab", field="tab")])
        officials = self.acting_for(user) if tab != "done" else []
        values = inbox_query.params(user, officials, tab, process_key, utcnow())
        shape = (tab, "may_people" in values, bool(process_key), overdue)
        query = inbox_query.base(*shape)
        if q:
            matching = search.matching_ids(q)  # the case's number, title or answers
            query = query.where(TaskRecord.name.ilike(f"%{q}%") if matching is None
                                else TaskRecord.name.ilike(f"%{q}%") | TaskRecord.instance_id.in_(matching))
        return shape, query, values

    def _behalf(self, user: User, row: TaskRecord) -> dict[str, str]:
        """``{"on_behalf_of": official}`` for an audit event when ``user`` acts for an official."""
        official = self._on_behalf_of(user, row)
        return {"on_behalf_of": official} if official else {}

    @rolls_back_on_refusal
    def claim(self, task_id: str, user: User) -> TaskRecord:
        row = self._workable(task_id, user)
        if row.claimed_by == user.username:
            return row
        done = self.session.execute(update(TaskRecord).where(
            TaskRecord.id == row.id, TaskRecord.state == "ready", TaskRecord.claimed_by.is_(None))
            .values(claimed_by=user.username))
        if done.rowcount != 1:
            self.session.rollback()
            raise Conflict("task.claimed_meanwhile", api_code="not_claimable")
        audit.record(self.session, "claim", user.username, instance_id=row.instance_id, task_id=row.id,
                     **self._behalf(user, row))
        outbox.step_claimed(self.session, self.instance(row.instance_id), row, user, utcnow())
        self._commit()
        self.session.refresh(row)
        return row

    @rolls_back_on_refusal
    def unclaim(self, task_id: str, user: User) -> TaskRecord:
        row = self.task(task_id)
        if row.state != "ready":
            raise _already(row)
        if row.claimed_by is None:
            raise Conflict("task.not_claimed", api_code="not_claimed")
        acting = {o.username for o in self.acting_for(user)}
        if row.claimed_by != user.username and row.claimed_by not in acting and not user.is_admin:
            raise NotAllowed("task.release_not_yours", user=row.claimed_by)
        row.claimed_by = None
        audit.record(self.session, "unclaim", user.username, instance_id=row.instance_id, task_id=row.id)
        self._commit()
        return row

    def reassign(self, task_id: str, admin: User, username: str) -> TaskRecord:
        if not admin.is_admin:
            raise NotAllowed("task.reassign_admins_only")
        row = self.task(task_id)
        if row.state != "ready":
            raise _already(row, api_code="conflict")
        target = self.users.find(username)
        if target is None:
            raise Invalid("user.invalid", [Problem("user.not_found", field="username", u=username)])
        before = outbox.people_of_step(self.session, row)
        row.assignees = [target]
        row.has_assignees = True
        row.claimed_by = None
        audit.record(self.session, "reassign", admin.username, instance_id=row.instance_id, task_id=row.id,
                     to=target.username)
        outbox.step_reassigned(self.session, self.instance(row.instance_id), row, before, target, admin, utcnow())
        self._commit()
        return row

    def attach(self, task_id: str, user: User, filename: str | None, stream: BinaryIO) -> Deliverable:
        row = self._workable(task_id, user)
        stored = self.files.save(filename, stream)
        deliverable = Deliverable(instance_id=row.instance_id, task_id=row.id, filename=stored.filename,
                                  content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                                  uploaded_by=user.username, uploaded_at=utcnow())
        self.session.add(deliverable)
        self._task_attachments.pop(row.id, None)
        self.session.flush()
        audit.record(self.session, "attach", user.username, instance_id=row.instance_id, task_id=row.id,
                     filename=stored.filename, size=stored.size, sha256=stored.sha256, **self._behalf(user, row))
        self._commit()
        return deliverable

    def remove_attachment(self, deliverable_id: int, user: User) -> None:
        deliverable = self.session.get(Deliverable, deliverable_id) if _valid_id(deliverable_id) else None
        if deliverable is None:
            raise NotFound("attachment.not_found", id=deliverable_id)
        self._workable(deliverable.task_id, user)
        audit.record(self.session, "detach", user.username, instance_id=deliverable.instance_id,
                     task_id=deliverable.task_id, filename=deliverable.filename)
        self.session.delete(deliverable)
        self._task_attachments.pop(deliverable.task_id, None)
        self._commit()

    def attachment_file(self, deliverable_id: int, user: User) -> tuple[Deliverable, Path]:
        deliverable = self.session.get(Deliverable, deliverable_id) if _valid_id(deliverable_id) else None
        if deliverable is None:
            raise NotFound("attachment.not_found", id=deliverable_id)
        self.visible_instance(deliverable.instance_id, user)
        deliverable = self.drawn_attachment(deliverable)  # a letter's PDF: drawn on its first download
        path = self.files.path_for(deliverable.sha256)
        if not path.exists():
            raise NotFound("file.missing")
        return deliverable, path

    def completion_problems(self, row: TaskRecord, data: Any) -> list[Problem]:
        """Everything that keeps ``row`` from being completed with ``data``: the form's checks
        (:meth:`check_form`) and a required deliverable not yet uploaded (a step whose document
        alur writes itself, ``sop.document``, needs none). The one completion rule: ``complete``
        refuses by it, and a page that must say everything at once asks it too."""
        problems = self.check_form(row, data)
        meta = self.task_meta(row)
        document = meta.properties.get("sop.document") if meta is not None else None
        if meta is not None and meta.output_required and not document and not self.stored_attachments(row.id):
            problems.append(Problem("task.deliverable_missing", o=meta.output or "output", field="attachments"))
        return problems

    def check_form(self, row: TaskRecord, data: Any) -> list[Problem]:
        """Problems with submitted data: schema, then appointed users exist and hold the role."""
        if not isinstance(data, dict):
            return [Problem("data.not_object", field="data")]
        problems = check_data(data)
        if problems:
            return problems
        schema = self.task_form(row)
        if schema is None:
            return []
        has_lists = bool(item_lists.own_lists(schema) or item_lists.bound_lists(schema))
        history = self.submissions(row.instance_id) if has_lists else []
        if has_lists:  # items sent without an id get the next free one (never one used before)
            item_lists.assign_ids(schema, data, [s.data for s in history])
        problems = validate_data(schema, data)
        if has_lists:
            problems += item_lists.check(schema, data, [s for s in history if s.task_id != row.id])
        # A decision has no default: the person says which way, even where the schema forgot `required`.
        problems += [Problem("form.required", field=name) for name in self.decision_fields(row)
                     if name not in data and not any(p.field == name for p in problems)]
        if problems:
            return problems
        return self.check_user_fields(schema, data)

    @rolls_back_on_refusal
    def complete(self, task_id: str, user: User, data: dict | None = None) -> TaskRecord:
        row = self._workable(task_id, user)
        data = {} if data is None else data
        problems = self.completion_problems(row, data)
        meta = self.task_meta(row)
        document = meta.properties.get("sop.document") if meta is not None else None
        if problems:
            raise Invalid("task.cannot_complete", problems, api_code="invalid_data")
        instance = self.instance(row.instance_id)
        cd = runtime.compiled(instance.definition)
        wf = runtime.load(instance, cd, self.script_engine)
        task = runtime.find_task(wf, row.id)
        if task is None or not task.has_state(TaskState.READY) or not task.task_spec.manual:
            raise Conflict("task.changed_meanwhile", api_code="changed_meanwhile")
        now = utcnow()
        minutes = self.calendar.between(row.created_at, now)
        behalf = self._behalf(user, row)
        open_ids = task_index.open_ids_of(wf)  # before it runs: the open rows, without asking the database
        error = runtime.run_user_task(wf, task, data)
        kept = json.loads(json.dumps(data))
        self._write_case(instance, self._outcome(wf, error, now))  # first: a lost race ends here
        self._write_row(row, {"state": "completed", "completed_at": now, "completed_by": user.username,
                              "claimed_by": row.claimed_by or user.username, "actual_minutes": minutes,
                              "data": kept, "on_behalf_of": behalf.get("on_behalf_of")})
        schema = self.task_form(row)
        reason = dossier.reason_field(schema)
        note = kept.get(reason) if reason else None
        # A step that decides (a gateway reads its answers, or it gives a reason) sends back the steps
        # it makes ready again; a step that merely comes first in a loop's next pass does not.
        decides = reason is not None or bool(set(dossier.properties(schema)) & cd.gateway_variables)
        cause = {"from_step": row.step, "from_name": row.name, "from_task": row.id, "by": user.username,
                 "at": now.isoformat(), "note": note if isinstance(note, str) and note.strip() else None} \
            if decides else None
        if document:
            self._queue_document(row, instance, document, dict(task.data), user, now)
        became_ready = self._index_tasks(instance, wf, cd, now, cause, open_ids=open_ids, done_id=row.id)
        back = next((r for r in became_ready if r["returned"]), None)
        outcome = dossier.outcome(schema, kept, cd.gateway_variables, back and {
            "step": back["step"], "name": back["name"], "bpmn_id": back["bpmn_id"]})
        with self._sent_together():  # writes only: the report's figures, the answers, search words, the log
            kpi_tally.record_completion(self.session, self.calendar, row, now, minutes,
                                        any(r["reopened"] for r in became_ready))
            self.session.execute(_INSERT_SUBMISSION, {
                "task_id": row.id, "instance_id": instance.id, "step": row.step, "bpmn_id": row.bpmn_id,
                "name": row.name, "round": row.round or 1, "data": kept, "completed_by": user.username,
                "completed_at": now, "outcome": outcome})
            search.add_to_instance(self.session, instance.id, *search.texts_of(kept))
            audit.record(self.session, "complete", user.username, instance_id=instance.id, task_id=row.id,
                         step=row.step, name=row.name, minutes=row.actual_minutes,
                         **({"round": row.round} if (row.round or 1) > 1 else {}),
                         **({"outcome": outcome} if outcome else {}), **behalf)
            if error:
                audit.record(self.session, "error", None, instance_id=instance.id, message=error)
            elif instance.status == "completed":
                audit.record(self.session, "end", None, instance_id=instance.id)
        if not error and instance.status == "completed":
            outbox.case_ended(self.session, instance, "case_completed", now, by=user.username)
        self._commit()
        return row

    def _queue_document(self, row: TaskRecord, instance: Instance, template: str, data: dict, user: User,
                        now) -> None:
        """Queue the step's document (``sop.document``) with what its template sees, as of now."""
        values = documents.context(self.session, instance=instance, step={"no": row.step, "nama": row.name},
                                   data=data, signer=user, now=now, tz=self.calendar.tz,
                                   process_name=instance.definition.name)
        stem = template.rsplit(".", 1)[0]
        number = re.sub(r"[^0-9A-Za-z._-]+", "-", str(getattr(instance, "number", None) or instance.id))
        self.session.execute(_QUEUE_DOCUMENT, {
            "instance_id": instance.id, "task_id": row.id, "process_key": instance.definition.key,
            "template_name": template, "base_name": f"{stem}-{number}", "context": json.loads(json.dumps(values)),
            "actor": user.username, "created_at": now})

    # ---- the dossier: every submission, earlier answers, the previous round ----------------------
    def earlier_submissions(self, row: TaskRecord) -> list[Submission]:
        """What the case's other completions said before this step (before its completion, for a done
        one), narrowed to the steps its ``sop.inputs`` names where it names any."""
        query = select(Submission).where(Submission.instance_id == row.instance_id, Submission.task_id != row.id)
        if row.completed_at is not None:
            query = query.where(Submission.completed_at <= row.completed_at)
        wanted = dossier.narrowed_inputs(self.task_meta(row), runtime.compiled(self.definition(row.definition_id)).tasks)
        if wanted is not None:
            query = query.where(Submission.bpmn_id.in_(sorted(wanted | {row.bpmn_id})))
        return list(self.session.scalars(query.order_by(Submission.completed_at, Submission.id)))

    def list_views(self, row: TaskRecord) -> dict[str, item_lists.BoundView]:
        """The step's bound lists (``x-items-from``) as its page shows them: the latest items of the
        lists they read, from the case's kept submissions before this step's own completion."""
        schema = self.task_form(row)
        if not item_lists.bound_lists(schema):
            return {}
        before = [s for s in self.submissions(row.instance_id) if s.task_id != row.id
                  and (row.completed_at is None or s.completed_at <= row.completed_at)]
        forms = {b: self.step_form(row.definition_id, b) for b in {s.bpmn_id for s in before}}
        return item_lists.bound_views(schema, before, forms)

    def previous_round(self, row: TaskRecord) -> Submission | None:
        """The same step's answers in the round before this one (to prefill the form), or None."""
        if (row.round or 1) < 2:
            return None
        return self.session.scalars(select(Submission).where(
            Submission.instance_id == row.instance_id, Submission.bpmn_id == row.bpmn_id,
            Submission.round < row.round).order_by(Submission.round.desc(), Submission.id.desc()).limit(1)).first()
