"""SpiffWorkflow at work: compiled definitions, new/loaded workflows, advancing, timers."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from . import dossier
from .bpmn_loader import DEFAULT_ROLE, TaskMeta
from .case_numbers import derive_prefix
from .errors import Conflict
from .messages import Coded, Message
from .compaction import DEFAULT_KEEP, compact
from .expressions import RestrictedScriptEngine
from . import message_waits
from .message_waits import catches_messages
from .models import Instance, ProcessDefinition
from .qualifications import Qualification, qualification_of
from .state import DefinitionCache, dump_instance, load_instance, load_spec


@dataclass
class CompiledDefinition:
    """A deployed version ready to run: restored spec plus alur's per-task metadata."""

    id: int
    key: str
    name: str
    spec: Any
    subprocess_specs: dict
    tasks: dict[str, TaskMeta]
    lanes: list[str] = field(default_factory=list)
    #: The registration numbers' prefix (``sop.prefix``, else derived from the name).
    prefix: str = ""
    #: The start event's ``sop.form`` (start data is checked against it), or None.
    start_form: str | None = None
    #: The start event's form carried in the diagram, or None (it wins over ``start_form``).
    start_form_schema: dict | None = None
    #: Names the gateways' conditions read: a boolean form field among them is a decision.
    gateway_variables: frozenset[str] = frozenset()
    #: BPMN ids of the tasks that may be ready more than once in a case (on a loop).
    repeatable: frozenset[str] = frozenset()
    #: does the process wait for messages anywhere (so its cases keep message-wait rows)?
    catches_messages: bool = False
    #: Kualifikasi Pelaksana as the appointment picker checks it (engine/qualifications.py).
    qualification: Qualification = field(default_factory=Qualification)
    #: Who does the steps the diagram gives to nobody (the deployer's choice, kept in its metadata).
    default_role: str = DEFAULT_ROLE


DEFINITIONS = DefinitionCache()
#: Each deployed version's BPMN XML, for the pages that draw it (see ``source``).
SOURCES = DefinitionCache()


def source(definition: ProcessDefinition) -> str:
    """The BPMN XML ``definition`` was deployed from, kept per version.

    A case's page draws its diagram twice, the report draws one per process: reading the XML each
    time is a statement and tens of kilobytes (the spec comes with it, in one deferred group),
    for text that never changes once deployed.
    """
    return SOURCES.get((definition.id, definition.content_hash), lambda: definition.bpmn_xml)


def compiled(definition: ProcessDefinition) -> CompiledDefinition:
    def build() -> CompiledDefinition:
        spec, subs = load_spec(definition.spec_json)
        meta = json.loads(definition.meta_json)
        return CompiledDefinition(
            id=definition.id, key=definition.key, name=definition.name, spec=spec, subprocess_specs=subs,
            tasks={k: TaskMeta.from_dict(v) for k, v in meta["tasks"].items()}, lanes=meta.get("lanes", []),
            gateway_variables=dossier.gateway_variables(spec, subs), repeatable=dossier.repeatable_tasks(spec, subs),
            catches_messages=catches_messages([spec, *subs.values()]),
            prefix=meta.get("prefix") or derive_prefix(definition.name, definition.key),
            start_form=meta.get("start_form"), start_form_schema=meta.get("start_form_schema"),
            default_role=meta.get("default_role") or DEFAULT_ROLE,
            qualification=Qualification.from_dict(meta["qualification"]) if "qualification" in meta
            else qualification_of(definition.bpmn_xml, definition.key))

    # Keyed by content: ids repeat across databases (tests, benchmarks), content does not lie.
    return DEFINITIONS.get((definition.id, definition.content_hash), build)


def new_workflow(cd: CompiledDefinition, data: dict | None, engine: RestrictedScriptEngine) -> BpmnWorkflow:
    wf = BpmnWorkflow(cd.spec, cd.subprocess_specs, script_engine=engine)
    if data:
        # Initial data goes to the workflow's start so every task inherits it.
        wf.task_tree.data.update(dict(data))
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(dict(data))
    return wf


class StateUnreadable(Conflict):
    """A case's saved state cannot be restored (written by a broken version, damaged, or poisoned
    before data was bounded): the case can show its rows but cannot move (HTTP 409)."""

    api_code = "instance.state_unreadable"


def load(instance: Instance, cd: CompiledDefinition, engine: RestrictedScriptEngine) -> BpmnWorkflow:
    try:
        workflow = load_instance(instance.state, cd.spec, cd.subprocess_specs, engine)
    except Exception as exc:  # noqa: BLE001 - whatever the restore hits, the case is unreadable
        reason = "nested too deeply" if isinstance(exc, RecursionError) else f"{type(exc).__name__}: {exc}"[:300]
        raise StateUnreadable("instance.state_unreadable", id=instance.id, why=reason) from None
    # Tasks that change state from now on belong to this unit of work; compaction keeps them.
    workflow.alur_loaded_at = time.time()
    return workflow


def snapshot(workflow: BpmnWorkflow, compact_keep: int | None = DEFAULT_KEEP) -> dict[str, Any]:
    """The instance row's columns for ``workflow``: its serialized instance part, first pruning
    completed history (``compact_keep=None`` turns that off; a fresh workflow is never pruned),
    and when its next timer fires."""
    loaded_at = getattr(workflow, "alur_loaded_at", None)
    if compact_keep is not None and loaded_at is not None:
        compact(workflow, keep=compact_keep, since=loaded_at)
    return {"state": dump_instance(workflow), "next_timer_at": next_timer(workflow)}


#: Engine steps one advance may run before the case is stopped with an error: a call activity
#: that calls its own process, or a loop with no human task in it, would otherwise run forever
#: and tie up a web worker.
STEP_BUDGET = 300
#: Wall-clock seconds one advance may take, for the same reason.
TIME_BUDGET_SECONDS = 5.0
#: Call activities and subprocesses nested deeper than this stop the case (SpiffWorkflow's
#: cost grows with the depth, so a process calling itself gets slow long before the step budget).
MAX_DEPTH = 12


class StepBudgetExceeded(Coded, RuntimeError):
    """An advance ran more engine steps (or longer) than a case ever should in one go."""


def _task_name(task) -> str:
    return getattr(task.task_spec, "bpmn_name", None) or task.task_spec.name


def _guarded(action, workflow: BpmnWorkflow) -> Message | None:
    """Run ``action`` (which advances ``workflow``) under the step and time budget. Any
    exception, SpiffWorkflow's own bugs included, becomes the case's error message: a broken
    diagram must stop its case for an administrator to see, never answer 500 or hang."""
    started, steps = time.monotonic(), [0]

    def count(task) -> None:
        steps[0] += 1
        if task.workflow.depth > MAX_DEPTH:
            raise StepBudgetExceeded("engine.too_deep", n=MAX_DEPTH, name=_task_name(task))
        if steps[0] > STEP_BUDGET or time.monotonic() - started > TIME_BUDGET_SECONDS:
            raise StepBudgetExceeded("engine.step_budget", n=steps[0], name=_task_name(task))

    try:
        action(count)
    except RecursionError:
        return Message("engine.recursion")
    except Exception as exc:  # noqa: BLE001 - every engine failure becomes an instance error
        return _describe(exc)
    return _stuck(workflow)


def _stuck(workflow: BpmnWorkflow) -> Message | None:
    """A case that is not finished but has nothing to do and nothing to wait for would stay
    'running' for ever: say so instead."""
    if workflow.completed or workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
        return None
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if getattr(t.task_spec, "bpmn_id", None)]
    last = done[-1].task_spec if done else None
    if last is None:
        return Message("engine.stuck")
    return Message("engine.stuck_after", name=last.bpmn_name or last.bpmn_id)


def advance(workflow: BpmnWorkflow) -> Message | None:
    """Run engine steps until only human work or waiting remains. Returns an error message
    instead of raising: a broken gateway must become an instance error, not a crash."""
    return _guarded(lambda count: workflow.do_engine_steps(did_complete_task=count), workflow)


def _budget(exc: BaseException | None) -> StepBudgetExceeded | None:
    """The budget's own refusal, even when SpiffWorkflow wrapped it in one of its exceptions."""
    for _ in range(5):
        if exc is None or isinstance(exc, StepBudgetExceeded):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _describe(exc: Exception) -> Message:
    """The case's error, by code: the budget's own words, or where the engine failed and the
    library's words for why (``engine.failed_at`` / ``engine.failed``)."""
    budget = _budget(exc)
    if budget is not None:
        return budget.msg
    text = str(exc) or type(exc).__name__
    if not isinstance(exc, SpiffWorkflowException):
        text = f"{type(exc).__name__}: {text}"
    spec = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None)
    where = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or getattr(exc, "task_name", None)
    if where and getattr(spec, "bpmn_id", None) and where != spec.bpmn_id:
        where = f"{where} ({spec.bpmn_id})"
    notes = " ".join(getattr(exc, "__notes__", []) or [])
    detail = (text + (f" ({notes})" if notes else ""))[:2000]
    return Message("engine.failed_at", where=where, detail=detail) if where else Message("engine.failed", detail=detail)


def deliver(workflow: BpmnWorkflow, name: str, payload: dict) -> tuple[int, Message | None]:
    """Hand a message to the tasks waiting for it and advance: (how many caught it, error)."""
    caught = [0]

    def run(count) -> None:
        caught[0] = message_waits.catch(workflow, name, payload)
        if caught[0]:
            workflow.do_engine_steps(did_complete_task=count)

    error = _guarded(run, workflow)
    return caught[0], error


def run_user_task(workflow: BpmnWorkflow, task: Task, data: dict) -> str | None:
    """Merge submitted data into the task (never mutating nested values in place) and run it."""
    merged = dict(task.data)
    merged.update(json.loads(json.dumps(data)))
    task.data = merged

    def run(count) -> None:
        task.run()
        workflow.do_engine_steps(did_complete_task=count)

    return _guarded(run, workflow)


def ready_human_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def find_task(workflow: BpmnWorkflow, task_id: str) -> Task | None:
    try:
        return workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, SpiffWorkflowException):
        return None


def next_timer(workflow: BpmnWorkflow) -> datetime | None:
    """Earliest due time of the workflow's pending timers (stored, indexed, for ``alur tick``):
    timer events, boundary timers, and the timers of event-based gateways and multiple events,
    in the case and its subprocesses."""
    due = []
    for task in message_waits.waiting_event_tasks(workflow):
        if not message_waits.definitions_of(task, TimerEventDefinition):
            continue
        value = task._get_internal_data("event_value")
        if isinstance(value, dict):
            value = value.get("next")  # a cycle: its next firing
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                continue
        if isinstance(value, datetime):
            due.append(value if value.tzinfo else value.replace(tzinfo=timezone.utc))
    return min(due) if due else None


def fire_timers(workflow: BpmnWorkflow) -> str | None:
    def run(count) -> None:
        workflow.refresh_timers()
        workflow.do_engine_steps(did_complete_task=count)

    return _guarded(run, workflow)
