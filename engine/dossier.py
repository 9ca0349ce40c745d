"""The case as a dossier: what a step's form decides, its reason, what a later step may read.

A *decision* is a boolean form field that a gateway condition reads: it is asked as two labelled
choices with no default (never an unticked box meaning "no"). The labels come from the schema:
``oneOf``/``anyOf`` entries ``{"const": true, "title": "Setujui", "x-outcome": "Disetujui"}``
(standard JSON Schema, validated as such) or ``"x-choices": {"true": "Setujui", "false": "…"}``.
A decision step's *reason* is the field marked ``"x-role": "reason"``: its text travels with a
send-back to the step that must redo its work. A step's ``sop.inputs`` (its kelengkapan) may name
earlier steps (by number, BPMN id, name or deliverable): then only their answers are shown there.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from .bpmn_loader import TaskMeta

REASON_ROLE = "reason"


@dataclass(frozen=True)
class Choice:
    value: Any
    title: str | None  # None: the page words it ("Ya" / "Tidak")
    outcome: str | None  # how the timeline words the choice once made ("Disetujui")


def gateway_variables(spec: Any, subprocess_specs: Mapping[str, Any]) -> frozenset[str]:
    """Names that the conditions of the process's gateways read (its subprocesses' too)."""
    names: set[str] = set()
    for process in [spec, *subprocess_specs.values()]:
        for task_spec in getattr(process, "task_specs", {}).values():
            for condition, _target in getattr(task_spec, "cond_task_specs", None) or []:
                source = (getattr(condition, "args", None) or [None])[0]
                if isinstance(source, str):
                    names |= _names_in(source)
    return frozenset(names)


def _names_in(source: str) -> set[str]:
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def repeatable_tasks(spec: Any, subprocess_specs: Mapping[str, Any]) -> frozenset[str]:
    """BPMN ids of tasks that can become ready more than once in a case: those on a cycle of
    their process, and every task inside a subprocess (which may itself be looped)."""
    found: set[str] = set()
    for task_spec in getattr(spec, "task_specs", {}).values():
        if _on_cycle(task_spec):
            found.add(getattr(task_spec, "bpmn_id", None) or task_spec.name)
    for process in subprocess_specs.values():
        found |= {getattr(t, "bpmn_id", None) or t.name for t in getattr(process, "task_specs", {}).values()}
    return frozenset(found)


def _on_cycle(start: Any) -> bool:
    seen: set[int] = set()
    stack = list(getattr(start, "outputs", []) or [])
    while stack:
        node = stack.pop()
        if node is start:
            return True
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(getattr(node, "outputs", []) or [])
    return False


def properties(schema: Mapping[str, Any] | None) -> Mapping[str, Mapping[str, Any]]:
    return (schema or {}).get("properties") or {}


def choices(prop: Mapping[str, Any]) -> list[Choice]:
    """A boolean field's two choices, "yes" first, with the schema's labels where it has them."""
    titles: dict[bool, tuple[str | None, str | None]] = {}
    for entry in (prop.get("oneOf") or prop.get("anyOf") or []):
        if isinstance(entry, Mapping) and isinstance(entry.get("const"), bool):
            titles[entry["const"]] = (_text(entry.get("title")), _text(entry.get("x-outcome")))
    given = prop.get("x-choices")
    if isinstance(given, Mapping):
        for key, title in given.items():
            value = str(key).strip().lower() in ("true", "1", "ya", "yes")
            titles.setdefault(value, (_text(title), None))
    return [Choice(value, *titles.get(value, (None, None))) for value in (True, False)]


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def is_choice(prop: Mapping[str, Any], decisive: bool = False) -> bool:
    """Is this field asked as two labelled choices? A boolean a gateway reads (``decisive``), or
    one whose schema labels its two values."""
    if prop.get("type") != "boolean":
        return False
    if decisive or isinstance(prop.get("x-choices"), Mapping):
        return True
    return any(isinstance(e, Mapping) and isinstance(e.get("const"), bool)
               for e in (prop.get("oneOf") or prop.get("anyOf") or []))


def decision_fields(schema: Mapping[str, Any] | None, variables: Iterable[str]) -> list[str]:
    """The form's boolean fields that gateways read, or that label their two choices."""
    variables = set(variables)
    return [name for name, prop in properties(schema).items() if is_choice(prop, name in variables)]


def reason_field(schema: Mapping[str, Any] | None) -> str | None:
    """The field a decision step marks as its reason (``"x-role": "reason"``)."""
    for name, prop in properties(schema).items():
        if prop.get("x-role") == REASON_ROLE and prop.get("x-widget") != "user":
            return name
    return None


def outcome(schema: Mapping[str, Any] | None, data: Mapping[str, Any], variables: Iterable[str],
            returned_to: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What a completion decided: the decision's field, value and outcome label, and the step it
    sent the case back to (a step that became ready again); None for a step that decides nothing."""
    decided = None
    for name in decision_fields(schema, variables):
        if isinstance(data.get(name), bool):
            decided = name
            break
    if decided is None and returned_to is None:
        return None
    result: dict[str, Any] = {"field": decided, "value": None, "label": None,
                              "returned_to": dict(returned_to) if returned_to else None}
    if decided is not None:
        value = data[decided]
        choice = next(c for c in choices(properties(schema)[decided]) if c.value is value)
        result.update(value=value, label=choice.outcome or choice.title)
    return result


_SEPARATORS = re.compile(r"[,;\n]+")
_STEP_WORD = re.compile(r"^(?:langkah|step|no\.?)?\s*(\d{1,4})$", re.IGNORECASE)


def narrowed_inputs(meta: TaskMeta | None, tasks: Mapping[str, TaskMeta]) -> frozenset[str] | None:
    """The BPMN ids of the earlier steps a step's ``sop.inputs`` names (by step number, "langkah N",
    BPMN id, name or deliverable), or None when it names none of them (then: all earlier steps)."""
    if meta is None or not meta.inputs:
        return None
    wanted: set[str] = set()
    own_output = (meta.output or "").strip().casefold()
    for token in (t.strip().casefold() for t in _SEPARATORS.split(meta.inputs)):
        if not token or token == own_output:  # the SOP table often repeats a step's own deliverable
            continue
        number = _STEP_WORD.match(token)
        for other in tasks.values():
            if other.bpmn_id == meta.bpmn_id:
                continue
            if (number and other.step == int(number[1])) or token in (
                    other.bpmn_id.casefold(), (other.name or "").casefold(), (other.output or "").casefold()):
                wanted.add(other.bpmn_id)
    return frozenset(wanted) or None
