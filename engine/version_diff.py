"""What a diagram changes against a deployed version, in the process owner's terms: steps added,
removed, renamed, renumbered, moved to another lane, given another standard time, form or output;
lanes added or removed; decisions that route or ask differently. The modeler shows it before
publishing ("langkah 5 ditambahkan", "waktu baku langkah 2: 1 hari kerja → 2 hari kerja"); moving a
running case says the same of the steps ahead of it (:mod:`engine.case_migration`)."""
from __future__ import annotations

from typing import Any, Mapping

from .bpmn_loader import TaskMeta
from .durations import describe_duration
from .messages import Message


def step_label(meta: TaskMeta) -> str:
    """A step as the SOP names it: its number, else its name."""
    return str(meta.step) if meta.step is not None else meta.name


#: A step's own changes, worded for a case that moves ("migration") or a diagram compared ("diff").
STEP_CODES: dict[str, dict[str, str]] = {
    "migration": {"renamed": "migration.step_renamed", "duration": "migration.step_duration",
                  "lane": "migration.step_lane", "form": "migration.step_form", "number": "migration.step_number",
                  "fields": "migration.step_form_fields"},
    "diff": {"renamed": "diff.step_renamed", "duration": "diff.step_duration", "lane": "diff.step_lane",
             "form": "diff.step_form", "number": "diff.step_number", "fields": "diff.step_form_fields"},
}


def _form_source(meta: TaskMeta) -> str:
    """Where a step's form comes from: its file's name, the diagram itself, or nowhere."""
    if meta.form_schema is not None:
        return Message("form.in_diagram")
    return meta.form or "–"


def compare_steps(old: TaskMeta, new: TaskMeta, family: str) -> list[Message]:
    """What changed in one step (``family``: "migration" or "diff", see :data:`STEP_CODES`)."""
    codes = STEP_CODES[family]
    step = step_label(new)
    notes = []
    if (old.name or "") != (new.name or ""):
        notes.append(Message(codes["renamed"], step=step, old=old.name, new=new.name))
    if (old.duration or "") != (new.duration or ""):
        notes.append(Message(codes["duration"], step=step, old=describe_duration(old.duration) or "–",
                             new=describe_duration(new.duration) or "–", old_iso=old.duration,
                             new_iso=new.duration))
    if (old.lane or "") != (new.lane or ""):
        notes.append(Message(codes["lane"], step=step, old=old.lane or "–", new=new.lane or "–"))
    if _form_source(old) != _form_source(new):
        notes.append(Message(codes["form"], step=step, old=_form_source(old), new=_form_source(new)))
    elif old.form_schema != new.form_schema:
        notes.append(Message(codes["fields"], step=step))
    if old.step != new.step:
        notes.append(Message(codes["number"], name=new.name, old=old.step, new=new.step))
    if family == "diff" and (old.output or "") != (new.output or ""):
        notes.append(Message("diff.step_output", step=step, old=old.output or "–", new=new.output or "–"))
    return notes


def _decisions(spec: Any, subprocess_specs: Mapping[str, Any]) -> dict[str, tuple[str, frozenset, str | None]]:
    """Gateway id → (its label, its (condition, target) pairs, its default target), where it decides."""
    found = {}
    for process in [spec, *subprocess_specs.values()]:
        for task_spec in getattr(process, "task_specs", {}).values():
            conditions = getattr(task_spec, "cond_task_specs", None)
            if not conditions:
                continue
            pairs = frozenset(((getattr(c, "args", None) or [""])[0] or "", target) for c, target in conditions)
            default = getattr(task_spec, "default_task_spec", None)
            found[task_spec.name] = (getattr(task_spec, "bpmn_name", None) or task_spec.name, pairs, default)
    return found


def _order(meta: TaskMeta) -> tuple:
    return (meta.step is None, meta.step or 0, meta.name)


def diff_versions(old: Any, new: Any, old_version: int) -> list[Message]:
    """The changes from ``old`` (a compiled deployed version) to ``new`` (a checked, undeployed
    diagram): both carry ``tasks``, ``lanes``, ``spec``, ``subprocess_specs`` and ``name``."""
    notes: list[Message] = []
    if (old.name or "") != (new.name or ""):
        notes.append(Message("diff.process_renamed", **{"old": old.name, "new": new.name}))
    for meta in sorted(new.tasks.values(), key=_order):
        before = old.tasks.get(meta.bpmn_id)
        if before is None:
            notes.append(Message("diff.step_added", **{"step": step_label(meta), "name": meta.name}))
        else:
            notes += compare_steps(before, meta, "diff")
    for meta in sorted(old.tasks.values(), key=_order):
        if meta.bpmn_id not in new.tasks:
            notes.append(Message("diff.step_removed", **{"step": step_label(meta), "name": meta.name}))
    notes += [Message("diff.lane_added", **{"name": lane}) for lane in new.lanes if lane not in old.lanes]
    notes += [Message("diff.lane_removed", **{"name": lane}) for lane in old.lanes if lane not in new.lanes]
    before, after = _decisions(old.spec, old.subprocess_specs), _decisions(new.spec, new.subprocess_specs)
    for gateway_id, (label, pairs, default) in after.items():
        if gateway_id not in before:
            notes.append(Message("diff.decision_added", **{"name": label}))
        elif (before[gateway_id][1], before[gateway_id][2]) != (pairs, default):
            notes.append(Message("diff.decision_changed", **{"name": label}))
    notes += [Message("diff.decision_removed", **{"name": label}) for gid, (label, _p, _d) in before.items()
              if gid not in after]
    return notes or [Message("diff.no_change", **{"version": old_version})]
