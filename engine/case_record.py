"""The case record (lembar kendali): each step of a case with who did it and when, its realisation
against the Mutu Baku, its decisions and notes, and the case's documents with their sha256 — the
page an office prints for its archive (the web app draws it as PDF and puts it in the case's ZIP).

Read from the task index (every round of every step is a row of its own, with the data its
completion submitted), the deliverables and the form schemas; nothing deserializes the workflow.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .calendar import WorkingCalendar
from .flowchart import decision_steps
from .models import Deliverable, Instance, TaskRecord
from .runtime import source

#: Text fields read as the step's notes, whatever their form calls them.
NOTE_WORDS = ("catatan", "alasan", "keterangan", "note", "komentar")


@dataclass
class RecordStep:
    row: TaskRecord
    round: int
    who: str
    target: int | None
    actual: int | None
    on_time: bool | None
    decisions: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    sent_back: bool = False
    documents: list[Deliverable] = field(default_factory=list)


@dataclass
class CaseRecord:
    instance: Instance
    number: str
    steps: list[RecordStep]
    documents: list[Deliverable]
    total_minutes: int
    target_minutes: int


def _title(schema: dict | None, name: str) -> str:
    prop = ((schema or {}).get("properties") or {}).get(name) or {}
    return prop.get("title") or name.replace("_", " ").capitalize()


def _is_note(schema: dict | None, name: str) -> bool:
    prop = ((schema or {}).get("properties") or {}).get(name) or {}
    return prop.get("x-widget") == "textarea" or any(w in name.lower() for w in NOTE_WORDS)


def build(instance: Instance, tasks: list[TaskRecord], files: list[Deliverable], calendar: WorkingCalendar,
          forms: dict[str, dict | None], names: dict[str, str], now: datetime) -> CaseRecord:
    """``forms``: each task id's form schema (titles of its fields); ``names``: username → full name."""
    reviews = decision_steps(source(instance.definition), instance.definition.key)
    by_task: dict[str, list[Deliverable]] = {}
    for f in files:
        by_task.setdefault(f.task_id, []).append(f)
    completed_at: dict[str, list[datetime]] = {}
    for row in tasks:
        if row.completed_at is not None:
            completed_at.setdefault(row.bpmn_id, []).append(row.completed_at)
    reopened_at = {row.created_at for row in tasks
                   if any(done < row.created_at for done in completed_at.get(row.bpmn_id, []))}
    rounds: dict[str, int] = {}
    steps = []
    for row in tasks:
        rounds[row.bpmn_id] = rounds.get(row.bpmn_id, 0) + 1
        schema = forms.get(row.id)
        decisions, notes = [], []
        for name, value in (row.data or {}).items():
            if isinstance(value, bool):
                decisions.append((_title(schema, name), "Ya" if value else "Tidak"))
            elif isinstance(value, str) and value.strip() and _is_note(schema, name):
                notes.append((_title(schema, name), value.strip()[:2000]))
        actual = row.actual_minutes if row.state == "completed" else (
            calendar.between(row.created_at, now) if row.state == "ready" else None)
        on_time = None
        if row.due_at is not None and row.state == "completed" and row.completed_at is not None:
            on_time = row.completed_at <= row.due_at
        steps.append(RecordStep(
            row=row, round=rounds[row.bpmn_id], who=names.get(row.completed_by or "", row.completed_by or ""),
            target=row.target_minutes, actual=actual, on_time=on_time, decisions=decisions, notes=notes,
            sent_back=row.bpmn_id in reviews and row.completed_at in reopened_at,
            documents=by_task.get(row.id, [])))
    end = instance.ended_at or now
    return CaseRecord(
        instance=instance, number=str(getattr(instance, "number", None) or instance.id), steps=steps,
        documents=files, total_minutes=calendar.between(instance.started_at, end),
        target_minutes=sum(s.target or 0 for s in steps if s.row.state == "completed"))
