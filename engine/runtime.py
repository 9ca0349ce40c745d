"""SpiffWorkflow at work: compiled definitions, new/loaded workflows, advancing, timers."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from .bpmn_loader import TaskMeta
from .case_numbers import derive_prefix
from .compaction import DEFAULT_KEEP, compact
from .expressions import RestrictedScriptEngine, ScriptsDisabled, UnsafeExpression
from .models import Instance, ProcessDefinition
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


DEFINITIONS = DefinitionCache()


def compiled(definition: ProcessDefinition) -> CompiledDefinition:
    def build() -> CompiledDefinition:
        spec, subs = load_spec(definition.spec_json)
        meta = json.loads(definition.meta_json)
        return CompiledDefinition(
            id=definition.id, key=definition.key, name=definition.name, spec=spec, subprocess_specs=subs,
            tasks={k: TaskMeta.from_dict(v) for k, v in meta["tasks"].items()}, lanes=meta.get("lanes", []),
            prefix=meta.get("prefix") or derive_prefix(definition.name, definition.key))

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


def load(instance: Instance, cd: CompiledDefinition, engine: RestrictedScriptEngine) -> BpmnWorkflow:
    workflow = load_instance(instance.state, cd.spec, cd.subprocess_specs, engine)
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


ENGINE_ERRORS = (SpiffWorkflowException, ScriptsDisabled, UnsafeExpression)


def advance(workflow: BpmnWorkflow) -> str | None:
    """Run engine steps until only human work or waiting remains. Returns an error message
    instead of raising: a broken gateway must become an instance error, not a crash."""
    try:
        workflow.do_engine_steps()
    except ENGINE_ERRORS as exc:
        return _describe(exc)
    return None


def _describe(exc: Exception) -> str:
    text = str(exc)
    spec = getattr(exc, "task_spec", None) or getattr(getattr(exc, "task", None), "task_spec", None)
    where = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or getattr(exc, "task_name", None)
    if where and getattr(spec, "bpmn_id", None) and where != spec.bpmn_id:
        where = f"{where} ({spec.bpmn_id})"
    notes = " ".join(getattr(exc, "__notes__", []) or [])
    return (f"{where}: " if where else "") + text + (f" ({notes})" if notes else "")


def run_user_task(workflow: BpmnWorkflow, task: Task, data: dict) -> str | None:
    """Merge submitted data into the task (never mutating nested values in place) and run it."""
    merged = dict(task.data)
    merged.update(json.loads(json.dumps(data)))
    task.data = merged
    try:
        task.run()
    except ENGINE_ERRORS as exc:
        return _describe(exc)
    return advance(workflow)


def ready_human_tasks(workflow: BpmnWorkflow) -> list[Task]:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def find_task(workflow: BpmnWorkflow, task_id: str) -> Task | None:
    try:
        return workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, SpiffWorkflowException):
        return None


def next_timer(workflow: BpmnWorkflow) -> datetime | None:
    """Earliest due time of the workflow's pending timers (stored, indexed, for ``alur tick``)."""
    due = []
    for event in workflow.waiting_events():
        if "Timer" not in event.event_type:
            continue
        value = event.value
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                continue
        if isinstance(value, datetime):
            due.append(value if value.tzinfo else value.replace(tzinfo=timezone.utc))
    return min(due) if due else None


def fire_timers(workflow: BpmnWorkflow) -> str | None:
    try:
        workflow.refresh_timers()
    except ENGINE_ERRORS as exc:
        return _describe(exc)
    return advance(workflow)
