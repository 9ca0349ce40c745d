"""Messages between cases: which case waits for which message, and what a case throws.

Correlation, kept simple and predictable: every case has a correlation key, its own id, or
the key of the message that started it. A wait without correlation properties waits on the
case's key; one with them, on the value its retrieval expression finds in the case's data.
A message a case throws carries the case's key (or its own correlation values). So a case that
sends a request to another process, which answers with a message, gets the answer back, and
no other case does.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from .expressions import evaluate
from .models import Instance, MessageWait

_INSERT_WAIT = insert(MessageWait.__table__)


def case_key(instance: Instance) -> str:
    return instance.correlation_key or str(instance.id)


def _workflows(workflow: BpmnWorkflow) -> list:
    return [workflow] + list(workflow.subprocesses.values())


def waiting_event_tasks(workflow: BpmnWorkflow) -> list:
    """Every task waiting for an event, in the case and its subprocesses (each once)."""
    found = {}
    for wf in _workflows(workflow):
        manager = getattr(wf, "event_manager", None)
        for task in list(getattr(manager, "tasks", {}).values()):
            found.setdefault(task.id, task)
    return list(found.values())


def definitions_of(task, kind: type) -> list:
    """The event definitions of ``kind`` a waiting task has (an event-based gateway or a
    multiple event has several)."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, MultipleEventDefinition):
        return [d for d in definition.event_definitions if isinstance(d, kind)]
    return [definition] if isinstance(definition, kind) else []


def waiting_tasks(workflow: BpmnWorkflow) -> list[tuple[Any, MessageEventDefinition]]:
    """(task, message definition) for every wait for a message."""
    return [(task, d) for task in waiting_event_tasks(workflow) for d in definitions_of(task, MessageEventDefinition)]


def _wait_key(task, definition, default: str) -> str:
    for prop in definition.correlation_properties or []:
        try:
            value = evaluate(prop.retrieval_expression, task.data)
        except Exception:  # noqa: BLE001 - data not there yet: the case's key
            continue
        if value is not None:
            return str(value)[:200]
    return default


def waits(workflow: BpmnWorkflow, key: str) -> list[tuple[str, str]]:
    """(message name, correlation key) of every wait."""
    return list(dict.fromkeys((d.name[:200], _wait_key(t, d, key)) for t, d in waiting_tasks(workflow)))


def catches_messages(specs) -> bool:
    """Does any of these process specs wait for a message anywhere?"""
    def has_message(definition) -> bool:
        if isinstance(definition, MultipleEventDefinition):
            return any(isinstance(d, MessageEventDefinition) for d in definition.event_definitions)
        return isinstance(definition, MessageEventDefinition)

    return any(has_message(getattr(ts, "event_definition", None)) for spec in specs for ts in spec.task_specs.values())


def sync(session: Session, instance: Instance, workflow: BpmnWorkflow) -> None:
    """Rewrite the case's wait rows (callers skip processes that never wait for a message)."""
    current = waits(workflow, case_key(instance)) if instance.status == "running" else []
    session.execute(delete(MessageWait.__table__).where(MessageWait.__table__.c.instance_id == instance.id))
    if current:
        session.execute(_INSERT_WAIT, [{"instance_id": instance.id, "name": n, "correlation_key": k}
                                       for n, k in current])


def catch(workflow: BpmnWorkflow, name: str, payload: dict[str, Any]) -> int:
    """Hand the message to the tasks waiting for it; returns how many caught it."""
    waiting = [(t, d) for t, d in waiting_tasks(workflow) if d.name == name]
    for task, _definition in waiting:
        # The message's data becomes the case's data from the catching step on (SpiffWorkflow's
        # spiff message events would keep it only under a messageVariable).
        task.data.update(payload)
    if not waiting:
        return 0
    task, definition = waiting[0]
    # One catch reaches every task of the case that waits for this message.
    event = BpmnEvent(definition, payload=dict(payload), correlations=dict(task.workflow.correlations))
    return workflow.event_manager.catch(event, internal=False)


def thrown(workflow: BpmnWorkflow, key: str) -> list[tuple[str, str, dict]]:
    """Messages the case threw that nothing inside it caught: (name, correlation key, payload)."""
    found = []
    for event in workflow.get_events():
        definition = event.event_definition
        if not isinstance(definition, MessageEventDefinition):
            continue
        values = [v for props in (event.correlations or {}).values() if isinstance(props, dict)
                  for v in props.values() if v is not None]
        payload = event.payload if isinstance(event.payload, dict) else (
            {"message": event.payload} if event.payload is not None else {})
        found.append((definition.name, str(values[0])[:200] if values else key, payload))
    return found
