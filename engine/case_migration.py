"""Moving a running case to another version of its process, with SpiffWorkflow's own tools.

SpiffWorkflow 3.2 aligns two versions of a spec (:class:`SpiffWorkflow.bpmn.util.diff.SpecDiff`,
by BPMN id first, then by structure), says which tasks of a workflow the change touches
(``diff_workflow``) and re-points a workflow's tasks at the new spec, re-predicting its open
branches (``migrate_workflow``). What it does not decide is whether the case *should* move; this
module adds alur's rules, all checked on the case's own loaded workflow (a dry run migrates that
copy and throws it away):

- every step the case waits at exists in the new version by BPMN id (its task row, its inbox
  entry and its due time carry on);
- the recent history the case still keeps (:mod:`engine.compaction` prunes the rest first) exists
  in the new version, else the saved state could not be read back;
- every gateway ahead of a waiting step reads only names the case holds or that some step between
  them fills in (a form field, a script's assignment); behind a call activity, a decision table or
  a service task the check stops, as they may write anything;
- the moved workflow advances without an engine error, saves and is read back with the new spec.

What changes for the case is said per open step (name, lane, standard time, form, number) and for
the steps ahead of it (added, removed, changed).
"""
from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.specs.mixins.manual_task import ManualTask
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .bpmn_loader import TaskMeta
from .compaction import compact
from .expressions import ALLOWED_CONSTANTS, ALLOWED_FUNCTIONS
from .messages import Message
from .safe_scripts import UnsafeScript, check_script
from .state import SPEC_SERIALIZER, dump_instance, load_instance
from .version_diff import compare_steps, step_label

#: States of the tasks a case is at: a person's step ready or started, an event or join waiting.
OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
#: Names a condition may read that are not case data.
_KNOWN_NAMES = frozenset(ALLOWED_FUNCTIONS) | frozenset(ALLOWED_CONSTANTS) | frozenset(dir(builtins))
#: Completed ancestors of the open steps kept before aligning: the nearest one is the open
#: steps' data source when SpiffWorkflow re-predicts them.
_KEEP_HISTORY = 1


@dataclass
class MigrationPlan:
    """Whether a case can move from one version to another, why not, and what changes for it."""

    from_version: int
    to_version: int
    reasons: list[Message] = field(default_factory=list)
    changes: list[Message] = field(default_factory=list)

    @property
    def can_migrate(self) -> bool:
        return not self.reasons


@dataclass
class Version:
    """One side of a migration: the version number, its spec and alur's per-step metadata."""

    number: int
    spec: Any
    subprocess_specs: dict
    tasks: dict[str, TaskMeta]


#: A step's form fields by its metadata (the caller reads the form files).
FormFields = Callable[[TaskMeta], Iterable[str]]


def plan_and_migrate(workflow: BpmnWorkflow, old: Version, new: Version, form_fields: FormFields,
                     advance: Callable[[BpmnWorkflow], str | None], script_engine: Any) -> MigrationPlan:
    """Check ``workflow`` (a case of ``old``) against ``new`` and, if nothing stands in the way,
    migrate it in place and advance it. The caller saves the workflow only when the plan says it
    can migrate; otherwise the workflow may be half-changed and must be thrown away."""
    plan = MigrationPlan(old.number, new.number)
    compact(workflow, keep=_KEEP_HISTORY)
    open_tasks = [t for t in workflow.get_tasks(state=OPEN) if getattr(t.task_spec, "bpmn_id", None)]
    _check_open_steps(workflow, open_tasks, new, plan)
    _check_history(workflow, new, plan)
    if not plan.reasons:
        _check_gateway_data(workflow, open_tasks, new, form_fields, plan)
    _describe_changes(open_tasks, old, new, plan)
    if plan.reasons:
        return plan
    saved = {t.id: t.data for t in workflow.get_tasks(state=OPEN)}
    try:
        _migrate(workflow, new)
    except Exception as exc:  # noqa: BLE001 - SpiffWorkflow's own failure keeps the case where it is
        plan.reasons.append(Message("migration.state_unusable", **{"detail": f"{type(exc).__name__}: {exc}"[:300]}))
        return plan
    for task in workflow.get_tasks(state=OPEN):
        if task.id in saved:  # a re-predicted open step keeps the data it had
            task.data = saved[task.id]
    error = advance(workflow)
    if error:
        plan.reasons.append(Message("migration.engine_error", **{"version": new.number, "detail": error[:300]}))
        return plan
    try:
        load_instance(dump_instance(workflow), new.spec, new.subprocess_specs, script_engine)
    except Exception as exc:  # noqa: BLE001 - whatever stops a read-back keeps the case where it is
        plan.reasons.append(Message("migration.state_unusable", **{"detail": f"{type(exc).__name__}: {exc}"[:300]}))
    return plan


def _migrate(workflow: BpmnWorkflow, new: Version) -> None:
    """SpiffWorkflow's diff and migration of the case and each subprocess it is in."""
    top_diff, sub_diffs = diff_workflow(SPEC_SERIALIZER.registry, workflow, new.spec, new.subprocess_specs)
    for sub_id, sub_diff in sub_diffs.items():
        sub = workflow.subprocesses[sub_id]
        migrate_workflow(sub_diff, sub, new.subprocess_specs[sub.spec.name])
    migrate_workflow(top_diff, workflow, new.spec)
    workflow.subprocess_specs = new.subprocess_specs


def _label(spec: Any) -> str:
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _check_open_steps(workflow: BpmnWorkflow, open_tasks: list, new: Version, plan: MigrationPlan) -> None:
    for task in open_tasks:
        target = _spec_for(task, new)
        if target is None:
            sub = task.workflow
            if sub is not workflow and sub.spec.name not in new.subprocess_specs:
                plan.reasons.append(Message("migration.subprocess_removed", **{"name": sub.spec.name, "version": new.number}))
            else:
                plan.reasons.append(Message("migration.waiting_step_removed", **{
                    "name": _label(task.task_spec), "bpmn_id": task.task_spec.bpmn_id, "version": new.number}))
    seen: set[str] = set()
    plan.reasons[:] = [r for r in plan.reasons if not (r.message in seen or seen.add(r.message))]


def _spec_for(task, new: Version):
    """The new version's task spec with the same BPMN id as ``task``'s, in the same (sub)process."""
    workflow = task.workflow
    spec = new.spec if workflow is workflow.top_workflow else new.subprocess_specs.get(workflow.spec.name)
    return spec.task_specs.get(task.task_spec.name) if spec is not None else None


def _check_history(workflow: BpmnWorkflow, new: Version, plan: MigrationPlan) -> None:
    """Finished tasks the case still keeps (after compaction) must exist in the new version: the
    saved state names each task's spec, and a name the new spec lacks cannot be read back."""
    reported: set[str] = set()
    for task in workflow.get_tasks(state=TaskState.FINISHED_MASK):
        if task.parent is None or not getattr(task.task_spec, "bpmn_id", None):
            continue
        if _spec_for(task, new) is None and task.task_spec.name not in reported:
            reported.add(task.task_spec.name)
            plan.reasons.append(Message("migration.history_step_removed", **{
                "name": _label(task.task_spec), "bpmn_id": task.task_spec.bpmn_id, "version": new.number}))


def _reach(start: Any) -> list[Any]:
    """Task specs reachable from ``start`` along sequence flows (``start`` included)."""
    seen: dict[int, Any] = {}
    stack = [start]
    while stack:
        spec = stack.pop()
        if id(spec) in seen:
            continue
        seen[id(spec)] = spec
        stack.extend(getattr(spec, "outputs", None) or [])
    return list(seen.values())


def _condition_names(spec: Any) -> set[str]:
    names: set[str] = set()
    for condition, _target in getattr(spec, "cond_task_specs", None) or []:
        source = (getattr(condition, "args", None) or [None])[0]
        if isinstance(source, str):
            try:
                tree = ast.parse(source.strip(), mode="eval")
            except SyntaxError:
                continue
            names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return names - _KNOWN_NAMES


def _writes(spec: Any, tasks: dict[str, TaskMeta], form_fields: FormFields) -> set[str] | None:
    """Names a step fills in; None when it may write anything (call activity, decision table,
    service task: their outputs are not read here)."""
    names: set[str] = set()
    kind = type(spec).__name__
    if isinstance(spec, SubWorkflowTask) or kind in ("BusinessRuleTask", "ServiceTask"):
        return None
    if isinstance(spec, (UserTask, ManualTask)):
        meta = tasks.get(getattr(spec, "bpmn_id", None) or "")
        if meta is not None:
            names |= set(form_fields(meta))
            if meta.assignee_variable:
                names.add(meta.assignee_variable)
    for source in (getattr(spec, "script", None), getattr(spec, "prescript", None), getattr(spec, "postscript", None)):
        if isinstance(source, str) and source.strip():
            try:
                for targets, _expr in check_script(source):
                    names |= set(targets)
            except UnsafeScript:
                pass
    return names


def _check_gateway_data(workflow: BpmnWorkflow, open_tasks: list, new: Version, form_fields: FormFields,
                        plan: MigrationPlan) -> None:
    """Each gateway ahead of an open step reads only names the case holds or a step between fills in."""
    reported: set[tuple[str, str]] = set()
    for task in open_tasks:
        start = _spec_for(task, new)
        if start is None:
            continue
        held = set(task.data) | set(workflow.data)
        ahead = _reach(start)
        reach_of = {id(s): {id(x) for x in _reach(s)} for s in ahead}
        writes = {id(s): _writes(s, new.tasks, form_fields) for s in ahead}
        for gateway in ahead:
            names = _condition_names(gateway)
            if not names:
                continue
            between = [s for s in ahead if id(gateway) in reach_of[id(s)] and s is not gateway]
            if any(writes[id(s)] is None for s in between):
                continue
            filled = held.union(*(writes[id(s)] for s in between)) if between else held
            for name in sorted(names - filled):
                key = (gateway.name, name)
                if key not in reported:
                    reported.add(key)
                    plan.reasons.append(Message("migration.gateway_data_missing", **{
                        "gateway": _label(gateway), "variable": name, "version": new.number}))


def _human_ahead(start: Any, tasks: dict[str, TaskMeta]) -> list[TaskMeta]:
    found = {getattr(s, "bpmn_id", None) for s in _reach(start)}
    return [m for k, m in tasks.items() if k in found]


def _describe_changes(open_tasks: list, old: Version, new: Version, plan: MigrationPlan) -> None:
    """What changes for the case: its open steps and the steps ahead of them (new version's order)."""
    notes: list[Message] = []
    seen: set[str] = set()

    def add(note: Message) -> None:
        if note.message not in seen:
            seen.add(note.message)
            notes.append(note)

    for task in open_tasks:
        new_start, old_start = _spec_for(task, new), task.task_spec
        if new_start is None:
            continue
        old_ahead = {m.bpmn_id: m for m in _human_ahead(old_start, old.tasks)}
        new_ahead = {m.bpmn_id: m for m in _human_ahead(new_start, new.tasks)}
        order = sorted(new_ahead.values(), key=lambda m: (m.step is None, m.step or 0, m.name))
        for meta in order:
            before = old_ahead.get(meta.bpmn_id) or old.tasks.get(meta.bpmn_id)
            if before is None:
                add(Message("migration.step_added", **{"step": step_label(meta), "name": meta.name}))
            else:
                for note in compare_steps(before, meta, "migration"):
                    add(note)
        for bpmn_id, meta in sorted(old_ahead.items(), key=lambda kv: (kv[1].step is None, kv[1].step or 0)):
            if bpmn_id not in new_ahead:
                add(Message("migration.step_removed", **{"step": step_label(meta), "name": meta.name}))
    plan.changes = notes or ([] if plan.reasons else [Message("migration.no_change")])
