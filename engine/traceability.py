"""The traceability matrix of a case: each item of an item list (a requirement named at the start)
followed through every list bound to it (its test scenario, its verdict per UAT round, the review's
decision), with the items nothing covers marked.

Computed from the case's kept submissions (every round of every step, none overwritten) and the
steps' forms (which fields are lists, their columns' titles, which bound lists are required); see
:mod:`engine.item_lists` for the lists themselves.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

from . import item_lists
from .item_lists import ID

#: How deep a chain of bound lists is followed (``hasil_uji`` → ``kebutuhan``).
MAX_CHAIN = 10


@dataclass
class Group:
    """The columns one step's list adds to the matrix: its columns once per round it was done."""

    bpmn_id: str
    step: int | None
    step_name: str
    field: str
    title: str
    columns: list[tuple[str, str]]  # (column, title)
    rounds: list[int]
    required: bool  # every item it asks must be answered (the field is required in its form)
    rounds_hidden: int = 0  # earlier rounds left out of this view (:func:`latest_rounds`)

    def key(self, round_no: int, column: str) -> str:
        return f"{self.bpmn_id}:{self.field}:{round_no}:{column}"


@dataclass(frozen=True)
class Gap:
    """A required bound list whose latest round has no answer (or not its required column) for an item."""

    step: int | None
    step_name: str
    column: str  # the column's title: "Skenario uji"


@dataclass
class TraceRow:
    id: str
    origin: list[tuple[str, str]]  # the origin list's columns (title, value), as last given
    removed: bool = False  # no longer in the latest origin list
    added_round: int | None = None  # the origin list's round it came in, after the first
    removed_round: int | None = None
    cells: dict[str, str] = field(default_factory=dict)  # Group.key → the value as people read it
    gaps: list[Gap] = field(default_factory=list)  # what the required lists lack for it

    @property
    def uncovered(self) -> bool:
        return bool(self.gaps)


@dataclass
class Matrix:
    field: str
    title: str
    step: int | None
    step_name: str
    origin_columns: list[tuple[str, str]]
    groups: list[Group]
    rows: list[TraceRow]

    @property
    def uncovered(self) -> list[TraceRow]:
        return [r for r in self.rows if r.uncovered]


def _props(schema: Mapping[str, Any] | None) -> Mapping[str, Mapping[str, Any]]:
    return (schema or {}).get("properties") or {}


def _origin_of(name: str, bound: Mapping[str, str], origins: set[str]) -> str | None:
    for _ in range(MAX_CHAIN):
        if name in origins:
            return name
        if name not in bound:
            return None
        name = bound[name]
    return None


def build(submissions: Sequence[Any], forms: Mapping[str, Mapping[str, Any] | None],
          steps: Mapping[str, tuple[int | None, str]]) -> list[Matrix]:
    """One matrix per item list the process's forms declare. ``submissions``: the case's kept
    submissions, oldest first (``bpmn_id``, ``round``, ``data``); ``forms``: bpmn id → form;
    ``steps``: bpmn id → (step number, name)."""
    origins: dict[str, str] = {}  # origin field → the bpmn id whose form declares it
    bound_by: dict[str, str] = {}  # bound field → its source field
    bound_at: list[tuple[str, str]] = []  # (bpmn id, bound field)
    for bpmn_id, schema in forms.items():
        for name in item_lists.own_lists(schema):
            origins.setdefault(name, bpmn_id)
        for name, source in item_lists.bound_lists(schema).items():
            bound_by.setdefault(name, source)
            bound_at.append((bpmn_id, name))
    order = {b: (steps.get(b, (None, ""))[0] if steps.get(b, (None, ""))[0] is not None else 10**6, b) for b in forms}
    matrices = []
    for origin, origin_bpmn in sorted(origins.items(), key=lambda kv: order.get(kv[1], (10**6, kv[1]))):
        matrices.append(_matrix(origin, origin_bpmn, submissions, forms, steps, order,
                                [(b, n) for b, n in bound_at if _origin_of(n, bound_by, set(origins)) == origin]))
    return matrices


def _matrix(origin: str, origin_bpmn: str, submissions: Sequence[Any], forms: Mapping[str, Mapping[str, Any] | None],
            steps: Mapping[str, tuple[int | None, str]], order: Mapping[str, tuple[int, str]],
            bound: list[tuple[str, str]]) -> Matrix:
    origin_prop = _props(forms.get(origin_bpmn))[origin]
    origin_cols = item_lists.columns(origin_prop)
    rows: dict[str, TraceRow] = {}
    versions = [s for s in submissions if s.bpmn_id == origin_bpmn and isinstance((s.data or {}).get(origin), list)]
    first_round = versions[0].round if versions else None
    for s in versions:
        for item in item_lists.items_of(s.data[origin]):
            row = rows.get(item[ID])
            if row is None:
                row = rows[item[ID]] = TraceRow(id=item[ID], origin=[],
                                                added_round=s.round if s.round != first_round else None)
            row.origin = [(item_lists.column_title(origin_prop, c), item_lists.display(col, item[c]))
                          for c, col in origin_cols.items() if item.get(c) not in (None, "")]
    latest = {i[ID] for i in item_lists.items_of(versions[-1].data[origin])} if versions else set()
    present = [{i[ID] for i in item_lists.items_of(s.data[origin])} for s in versions]
    for row in rows.values():
        if row.id not in latest:
            last = max(n for n, ids in enumerate(present) if row.id in ids)
            row.removed, row.removed_round = True, versions[last + 1].round
    groups = []
    for bpmn_id, name in sorted(bound, key=lambda bn: order.get(bn[0], (10**6, bn[0]))):
        schema = forms.get(bpmn_id)
        prop = _props(schema)[name]
        done = [s for s in submissions if s.bpmn_id == bpmn_id and isinstance((s.data or {}).get(name), list)]
        step, step_name = steps.get(bpmn_id, (None, bpmn_id))
        cols = item_lists.columns(prop)
        group = Group(bpmn_id=bpmn_id, step=step, step_name=step_name, field=name,
                      title=str(prop.get("title") or name), columns=[(c, item_lists.column_title(prop, c)) for c in cols],
                      rounds=list(dict.fromkeys(s.round for s in done)),
                      required=name in set((schema or {}).get("required") or []))
        groups.append(group)
        for s in done:
            for item in item_lists.items_of(s.data[name]):
                row = rows.get(item[ID])
                if row is None:
                    continue
                for c, col in cols.items():
                    if item.get(c) not in (None, ""):
                        row.cells[group.key(s.round, c)] = item_lists.display(col, item[c])
        if not done or not group.required:
            continue
        answered = {i[ID]: i for i in item_lists.items_of(done[-1].data[name])}
        source = item_lists.source_of(str(prop[item_lists.ITEMS_FROM]), submissions)
        wanted = item_lists.required_columns(prop) or list(cols)[:1]
        for item in item_lists.asked(prop, source):
            row = rows.get(item[ID])
            if row is None or row.removed:
                continue
            given = answered.get(item[ID])
            missing = [c for c in wanted if given is None or given.get(c) in (None, "")]
            if missing:
                row.gaps.append(Gap(step, step_name, item_lists.column_title(prop, missing[0])))
    step, step_name = steps.get(origin_bpmn, (None, origin_bpmn))
    return Matrix(field=origin, title=str(origin_prop.get("title") or origin), step=step, step_name=step_name,
                  origin_columns=[(c, item_lists.column_title(origin_prop, c)) for c in origin_cols],
                  groups=groups, rows=list(rows.values()))


def latest_rounds(matrices: list[Matrix], n: int) -> list[Matrix]:
    """The matrices with each group's last ``n`` rounds only (a page that must not widen with every
    review loop; the workbook keeps them all). A row's cells and gaps are unchanged."""
    out = []
    for m in matrices:
        groups = [replace(g, rounds=g.rounds[-n:], rounds_hidden=g.rounds_hidden + max(len(g.rounds) - n, 0))
                  for g in m.groups]
        out.append(replace(m, groups=groups))
    return out
