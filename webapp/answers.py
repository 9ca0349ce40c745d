"""What a case's steps answered, as people read it: per step, per round (newest first), each answer
under its form's title, with the round's documents and what its decision led to.

The case page shows every step; the task page shows the steps before it (``sop.inputs`` may narrow
them). Both read the submissions (every completion's data, never overwritten), not the workflow's
flat data.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping


from engine import item_lists, dossier
from engine.forms import user_fields
from engine.models import Deliverable, Submission
from engine.service import WorkflowService

from .form_render import field_kind
from .i18n import format_moment
from .language import gettext as _


@dataclass
class Answer:
    label: str
    value: str
    long: bool = False  # several lines: shown as a block


@dataclass
class RoundAnswers:
    submission: Submission
    answers: list[Answer]
    files: list[Deliverable]
    outcome: str | None
    superseded: bool  # a later round of the same step replaced it
    preparing: bool = False  # the step's letter is queued: the worker is rendering it


@dataclass
class StepAnswers:
    bpmn_id: str
    step: int | None
    name: str
    rounds: list[RoundAnswers] = field(default_factory=list)  # newest first

    @property
    def latest(self) -> RoundAnswers:
        return self.rounds[0]

    @property
    def earlier(self) -> list[RoundAnswers]:
        return self.rounds[1:]


def display_value(value: Any, kind: str = "text", people: Mapping[str, str] | None = None) -> str:
    """A value of the case's data as words: ``kind`` is its form field's (form_render), so an ISO
    date reads ``27 November 2026`` and an appointed username its owner's full name."""
    if value is None or value == "":
        return "—"
    if kind == "date" and isinstance(value, str):
        try:
            return format_moment(date.fromisoformat(value), "date")
        except ValueError:
            return value
    if kind in ("user", "users") and people is not None:
        names = [value] if isinstance(value, str) else value if isinstance(value, list) else None
        if names is not None and all(isinstance(n, str) for n in names):
            return ", ".join(people.get(n, n) for n in names) or "—"
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(value)


def answer_list(schema: Mapping[str, Any] | None, data: Mapping[str, Any], decisions: Iterable[str] = (),
                people: Mapping[str, str] | None = None) -> list[Answer]:
    """One submission's answers in its form's order with the form's titles; what the form does not
    name comes after, under its own name."""
    props = dossier.properties(schema)
    decisions = set(decisions)
    out = []
    for name in [*[n for n in props if n in data], *[n for n in data if n not in props]]:
        prop = props.get(name) or {}
        kind = field_kind(prop, name in decisions) if prop else "text"
        value = data[name]
        if kind == "choice" and isinstance(value, bool):
            choice = next(c for c in dossier.choices(prop) if c.value is value)
            text = choice.title or (_("Ya") if value else _("Tidak"))
        elif kind in ("items", "bound"):  # one line per item, its columns by their titles
            text = "\n".join(item_lists.item_lines(prop, value)) or "—"
        else:
            titles = dict(zip(prop.get("enum") or [], prop.get("x-enum-titles") or []))
            if isinstance(value, (str, int)) and not isinstance(value, bool) and value in titles:
                value = titles[value]  # "baru" → "Aplikasi baru"
            text = display_value(value, kind, people)
        out.append(Answer(str(prop.get("title") or name), text, kind in ("textarea", "lines", "json") or "\n" in text))
    return out


def outcome_text(outcome: Mapping[str, Any] | None) -> str | None:
    """"Dikembalikan ke langkah 2", or the decision's own words ("Disetujui"); None: no decision."""
    if not outcome:
        return None
    back = outcome.get("returned_to")
    if back:
        if back.get("step"):
            return _("Dikembalikan ke langkah %(n)s", n=back["step"])
        return _("Dikembalikan ke %(name)s", name=back.get("name") or back.get("bpmn_id"))
    if outcome.get("label"):
        return outcome["label"]
    value = outcome.get("value")
    return (_("Ya") if value else _("Tidak")) if isinstance(value, bool) else None


def _forms(svc: WorkflowService, definition_id: int, submissions: list[Submission]) -> dict[str, Any]:
    return {bpmn_id: svc.step_form(definition_id, bpmn_id) for bpmn_id in dict.fromkeys(s.bpmn_id for s in submissions)}


def people_named(svc: WorkflowService, definition_id: int, submissions: list[Submission]) -> list[str]:
    """The usernames the submissions name (who completed, whom they appointed), for the page's one
    look-up of full names."""
    forms = _forms(svc, definition_id, submissions)
    names = [s.completed_by for s in submissions]
    for s in submissions:
        data = s.data or {}
        for name, (is_list, _role) in user_fields(forms[s.bpmn_id] or {}).items():
            value = data.get(name)
            names += [v for v in (value if is_list and isinstance(value, list) else [value]) if isinstance(v, str)]
    return names


def by_step(svc: WorkflowService, definition_id: int, submissions: list[Submission],
            files: Iterable[Deliverable], people: Mapping[str, str]) -> list[StepAnswers]:
    """Submissions grouped by step (in step order, else first completion), rounds newest first.
    ``people`` (username → full name) should hold :func:`people_named`'s names."""
    files_by_task: dict[str, list[Deliverable]] = {}
    for f in files:
        files_by_task.setdefault(f.task_id, []).append(f)
    cd_vars = svc.gateway_variables(definition_id)
    forms = _forms(svc, definition_id, submissions)
    cases = {s.instance_id for s in submissions}
    preparing = svc.letters_in_preparation(next(iter(cases))) if len(cases) == 1 else set()
    groups: dict[str, StepAnswers] = {}
    for s in submissions:
        schema = forms[s.bpmn_id]
        group = groups.setdefault(s.bpmn_id, StepAnswers(s.bpmn_id, s.step, s.name))
        group.rounds.append(RoundAnswers(
            s, answer_list(schema, s.data or {}, dossier.decision_fields(schema, cd_vars), people),
            files_by_task.get(s.task_id, []), outcome_text(s.outcome), superseded=False,
            preparing=s.task_id in preparing))
    for group in groups.values():
        group.rounds.sort(key=lambda r: (r.submission.round, r.submission.completed_at), reverse=True)
        for older in group.rounds[1:]:
            older.superseded = True
    first_seen = {bpmn_id: i for i, bpmn_id in enumerate(groups)}
    return sorted(groups.values(), key=lambda g: (g.step is None, g.step or 0, first_seen[g.bpmn_id]))
