"""Lists that travel with a case: form fields whose items carry stable ids, and later fields bound to them.

An *item list* is a form field of type ``array`` whose items are objects, marked with
``"x-item-id": "K"``: each item carries an ``id`` (``K-01``, ``K-02``, …). The engine gives an id
to every item sent without one, counting on from the highest number the field has ever had in the
case, so an id is never reused for another item (a requirement removed at a rework keeps its id
retired). The items schema must declare the ``id`` property (a string) beside its own columns.

A *bound list* is an array field marked ``"x-items-from": "<field>"``: it answers, per item of the
latest submitted value of ``<field>`` anywhere in the case (an item list, or another bound list),
its own columns; its rows carry the item's ``id``. Where the bound field is ``required``, every
item must have a row with the items' required columns (the completion is refused naming the
item that is not covered). ``"x-items-when": {"<column>": [values]}`` narrows that to the items
whose row in the source list has one of those values (a decision per *failed* item); those items
are shown first.

Both are bounded: at most :data:`MAX_ITEMS` items (or the schema's smaller ``maxItems``), ids of
at most :data:`MAX_ID_LENGTH` characters; the text columns carry their own ``maxLength``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .errors import Problem

ITEM_ID = "x-item-id"
ITEMS_FROM = "x-items-from"
ITEMS_WHEN = "x-items-when"
ID = "id"
MAX_ITEMS = 200
MAX_ID_LENGTH = 20
_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")


def item_id_pattern(prefix: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(prefix)}-(\d{{2,4}})$")


def is_list_field(prop: Mapping[str, Any]) -> bool:
    return prop.get("type") == "array" and (ITEM_ID in prop or ITEMS_FROM in prop)


def own_lists(schema: Mapping[str, Any] | None) -> dict[str, str]:
    """The form's item lists: field name → id prefix."""
    return {name: str(prop[ITEM_ID]) for name, prop in _props(schema).items()
            if prop.get("type") == "array" and isinstance(prop.get(ITEM_ID), str)}


def bound_lists(schema: Mapping[str, Any] | None) -> dict[str, str]:
    """The form's bound lists: field name → the field it reads its items from."""
    return {name: str(prop[ITEMS_FROM]) for name, prop in _props(schema).items()
            if prop.get("type") == "array" and isinstance(prop.get(ITEMS_FROM), str)}


def columns(prop: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """A list field's own columns (the items' properties but ``id``), in schema order."""
    items = prop.get("items") or {}
    return {k: v for k, v in (items.get("properties") or {}).items() if k != ID}


def required_columns(prop: Mapping[str, Any]) -> list[str]:
    items = prop.get("items") or {}
    return [c for c in (items.get("required") or []) if c != ID]


def when_filter(prop: Mapping[str, Any]) -> dict[str, list[Any]]:
    given = prop.get(ITEMS_WHEN)
    if not isinstance(given, Mapping):
        return {}
    return {str(k): list(v) if isinstance(v, (list, tuple)) else [v] for k, v in given.items()}


def column_title(prop: Mapping[str, Any], column: str) -> str:
    col = columns(prop).get(column) or {}
    return str(col.get("title") or column.replace("_", " ").capitalize())


def schema_problems(schema: Mapping[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    """What is wrong with a form's list fields (for deploy-time and form-loading checks), as
    message codes with their params (``engine.messages``)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for name, prop in _props(schema).items():
        if not is_list_field(prop):
            continue
        if ITEM_ID in prop and ITEMS_FROM in prop:
            found.append(("form.list_both", {"field": name}))
        prefix = prop.get(ITEM_ID)
        if prefix is not None and not (isinstance(prefix, str) and _PREFIX.match(prefix)):
            found.append(("form.list_prefix", {"field": name}))
        items = prop.get("items") or {}
        id_prop = (items.get("properties") or {}).get(ID)
        if items.get("type") != "object" or not isinstance(id_prop, Mapping) or id_prop.get("type") != "string":
            found.append(("form.list_items", {"field": name}))
    return found


def _props(schema: Mapping[str, Any] | None) -> Mapping[str, Mapping[str, Any]]:
    return (schema or {}).get("properties") or {}


def _limit(prop: Mapping[str, Any]) -> int:
    given = prop.get("maxItems")
    return min(given, MAX_ITEMS) if isinstance(given, int) and given >= 0 else MAX_ITEMS


# ---- ids -----------------------------------------------------------------------------------

def used_numbers(history: Iterable[Mapping[str, Any]], name: str, prefix: str) -> set[int]:
    """The numbers the ids of list ``name`` have had in earlier submissions' data."""
    pattern = item_id_pattern(prefix)
    numbers = set()
    for data in history:
        for item in (data or {}).get(name) or []:
            m = pattern.match(str(item.get(ID, ""))) if isinstance(item, Mapping) else None
            if m:
                numbers.add(int(m[1]))
    return numbers


def assign_ids(schema: Mapping[str, Any] | None, data: dict[str, Any],
               history: Sequence[Mapping[str, Any]] = ()) -> None:
    """Give every item of the form's item lists that came without an id the next free one
    (in place), counting on from the highest number used in ``data`` or in the case's ``history``
    (earlier submissions' data). A bound list left out is an empty one (nothing answered), so
    the coverage check, not a bare "required", names what is missing."""
    for name in bound_lists(schema):
        if data.get(name) is None:
            data[name] = []
    for name, prefix in own_lists(schema).items():
        items = data.get(name)
        if not isinstance(items, list) or not _PREFIX.match(prefix):
            continue
        pattern = item_id_pattern(prefix)
        numbers = used_numbers(history, name, prefix)
        numbers |= {int(m[1]) for i in items if isinstance(i, Mapping)
                    for m in [pattern.match(str(i.get(ID, "")))] if m}
        next_number = max(numbers, default=0) + 1
        for item in items[:MAX_ITEMS + 1]:
            if isinstance(item, dict) and item.get(ID) in (None, ""):
                item[ID] = f"{prefix}-{next_number:02d}"
                next_number += 1


# ---- the source of a bound list: the latest submitted value of a field ----------------------

@dataclass
class Source:
    """The items a bound list answers: the latest value of the field it reads, and the one before."""

    field: str
    items: list[dict[str, Any]]
    previous: list[dict[str, Any]] | None = None  # the value before, from an earlier submission
    step: int | None = None
    round: int | None = None

    @property
    def ids(self) -> list[str]:
        return [str(i[ID]) for i in self.items]

    def added(self) -> set[str]:
        if self.previous is None:
            return set()
        before = {str(i.get(ID)) for i in self.previous}
        return {i for i in self.ids if i not in before}

    def removed(self) -> list[dict[str, Any]]:
        if self.previous is None:
            return []
        now = set(self.ids)
        return [i for i in self.previous if str(i.get(ID)) not in now]


def items_of(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    return [dict(i) for i in value[:MAX_ITEMS] if isinstance(i, Mapping) and isinstance(i.get(ID), str)]


def source_of(name: str, submissions: Sequence[Any]) -> Source | None:
    """The latest submitted value of field ``name`` in the case (``submissions``: rows with
    ``data``, ``step``, ``round``, ``bpmn_id``, oldest first), with the value before it, or None."""
    found = [s for s in submissions if isinstance((s.data or {}).get(name), list)]
    if not found:
        return None
    latest = found[-1]
    previous = found[-2] if len(found) > 1 else None
    return Source(field=name, items=items_of(latest.data[name]),
                  previous=items_of(previous.data[name]) if previous is not None else None,
                  step=latest.step, round=latest.round)


def asked(prop: Mapping[str, Any], source: Source | None) -> list[dict[str, Any]]:
    """The source items a bound field must answer (all, or those its ``x-items-when`` picks)."""
    if source is None:
        return []
    wanted = when_filter(prop)
    return [i for i in source.items if all(i.get(k) in v for k, v in wanted.items())]


def ordered(prop: Mapping[str, Any], source: Source | None) -> list[dict[str, Any]]:
    """The source items in the order a bound field shows them: the asked ones first."""
    if source is None:
        return []
    first = {str(i[ID]) for i in asked(prop, source)}
    return [i for i in source.items if i[ID] in first] + [i for i in source.items if i[ID] not in first]


# ---- checks --------------------------------------------------------------------------------

def where(name: str, item: Any, index: int, column: str | None = None) -> str:
    """A problem's field for a list item's column: ``kebutuhan.K-03.deskripsi`` (the row's
    number, from 0, where it has no id)."""
    key = item.get(ID) if isinstance(item, Mapping) and isinstance(item.get(ID), str) and item.get(ID) else str(index)
    return f"{name}.{key}" + (f".{column}" if column else "")


def item_path(data: Mapping[str, Any], path: Sequence[Any]) -> str:
    """A jsonschema error's path as a field, the row's index replaced by its id where it has one."""
    parts = [str(p) for p in path]
    if len(path) >= 2 and isinstance(path[1], int):
        items = data.get(str(path[0]))
        if isinstance(items, list) and 0 <= path[1] < len(items):
            return where(str(path[0]), items[path[1]], path[1], ".".join(parts[2:]) or None)
    return ".".join(parts)


def check(schema: Mapping[str, Any] | None, data: Mapping[str, Any],
          submissions: Sequence[Any] = ()) -> list[Problem]:
    """What the form's list fields refuse beyond the JSON Schema: too many items, ids that are
    malformed or twice in a list, a bound list's rows for items its source does not have, and the
    source's items a required bound list leaves uncovered (each named)."""
    problems: list[Problem] = []
    required = set((schema or {}).get("required") or [])
    for name, prop in _props(schema).items():
        if not is_list_field(prop):
            continue
        items = data.get(name)
        if items is None:
            items = []
        if not isinstance(items, list):
            continue  # the schema's type check says so
        if len(items) > _limit(prop):
            problems.append(Problem("list.too_many", field=name, n=_limit(prop)))
            continue
        seen: set[str] = set()
        prefix = prop.get(ITEM_ID)
        pattern = item_id_pattern(prefix) if isinstance(prefix, str) else None
        source = source_of(str(prop[ITEMS_FROM]), submissions) if ITEMS_FROM in prop else None
        known = set(source.ids) if source is not None else set()
        for index, item in enumerate(items):
            if not isinstance(item, Mapping):
                continue
            item_id = item.get(ID)
            if not isinstance(item_id, str) or not item_id or len(item_id) > MAX_ID_LENGTH:
                problems.append(Problem("list.no_id", field=where(name, item, index, ID)))
                continue
            if item_id in seen:
                problems.append(Problem("list.duplicate", field=where(name, item, index, ID), id=item_id))
            seen.add(item_id)
            if pattern is not None and not pattern.match(item_id):
                problems.append(Problem("list.bad_id", field=where(name, item, index, ID), id=item_id,
                                        example=f"{prefix}-01"))
            if ITEMS_FROM in prop and item_id not in known:
                problems.append(Problem("list.not_in_source", field=where(name, item, index, ID), id=item_id,
                                        list=str(prop[ITEMS_FROM])))
        if ITEMS_FROM in prop and name in required:
            wanted = required_columns(prop) or list(columns(prop))[:1]
            rows = {str(i.get(ID)): i for i in items if isinstance(i, Mapping)}
            labels = origin_labels(submissions)
            for item in asked(prop, source):
                row = rows.get(str(item[ID]))
                if row is None:
                    problems.append(Problem("list.uncovered", field=where(name, item, 0, wanted[0]), id=item[ID],
                                            label=labels.get(item[ID]) or label(item),
                                            column=column_title(prop, wanted[0])))
    return problems


def origin_labels(submissions: Sequence[Any]) -> dict[str, str]:
    """Each item id's label from the list it first appeared in (the origin: the requirement's
    description, not a later list's verdict), as that list last gave it."""
    first_field: dict[str, str] = {}
    latest: dict[str, list[dict[str, Any]]] = {}
    for s in submissions:
        for name, value in (s.data or {}).items():
            items = items_of(value)
            if not items:
                continue
            latest[name] = items
            for item in items:
                first_field.setdefault(item[ID], name)
    out = {}
    for item_id, name in first_field.items():
        item = next((i for i in latest[name] if i[ID] == item_id), None)
        if item is None:  # removed from its list since: its label as it last was
            for s in reversed(submissions):
                item = next((i for i in items_of((s.data or {}).get(name)) if i[ID] == item_id), None)
                if item is not None:
                    break
        out[item_id] = label(item or {})
    return out


def label(item: Mapping[str, Any], limit: int = 60) -> str:
    """An item as people know it: its first text column (its description), shortened."""
    text = next((str(v) for k, v in item.items() if k != ID and isinstance(v, str) and v.strip()), "")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def item_context(forms: Mapping[str, Mapping[str, Any] | None], submissions: Sequence[Any],
                 exclude: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """Per item id, the latest value of every list column the case holds (the requirement's
    description, its scenario, its verdict …), worded with the column's title and enum titles.
    ``forms``: bpmn id → form schema; ``exclude``: the field the page itself asks."""
    latest: dict[tuple[str, str], tuple[Mapping[str, Any], list]] = {}
    order: list[tuple[str, str]] = []
    for s in submissions:
        props = _props(forms.get(s.bpmn_id))
        for name, prop in props.items():
            if not is_list_field(prop) or name == exclude or not isinstance((s.data or {}).get(name), list):
                continue
            key = (s.bpmn_id, name)
            if key not in latest:
                order.append(key)
            latest[key] = (prop, items_of(s.data[name]))
    out: dict[str, list[tuple[str, str]]] = {}
    for key in order:
        prop, items = latest[key]
        for item in items:
            for column, col in columns(prop).items():
                value = item.get(column)
                if value in (None, ""):
                    continue
                out.setdefault(item[ID], []).append((column_title(prop, column), display(col, value)))
    return out


def display(col: Mapping[str, Any], value: Any) -> str:
    """A column's value as people read it (an enum's title)."""
    enum = list(col.get("enum") or [])
    titles = list(col.get("x-enum-titles") or [])
    if value in enum and enum.index(value) < len(titles):
        return str(titles[enum.index(value)])
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    return str(value)


@dataclass
class BoundView:
    """What a bound field's page shows: the source's items in order (the asked ones first), which
    of them must be answered, which came or went when the source was last redone, and what the
    case says of each so far."""

    field: str
    source: Source | None
    items: list[dict[str, Any]]
    asked: set[str]
    added: set[str]
    removed: list[dict[str, Any]]
    context: dict[str, list[tuple[str, str]]]
    labels: dict[str, str]  # item id → its description, from the list it started in


def bound_views(schema: Mapping[str, Any] | None, submissions: Sequence[Any],
                forms: Mapping[str, Mapping[str, Any] | None]) -> dict[str, BoundView]:
    """Per bound field of ``schema``, its :class:`BoundView` over the case's ``submissions``
    (oldest first; ``forms``: bpmn id → form schema, for the columns' titles)."""
    views = {}
    for name, source_field in bound_lists(schema).items():
        prop = _props(schema)[name]
        source = source_of(source_field, submissions)
        views[name] = BoundView(
            field=name, source=source, items=ordered(prop, source),
            asked={str(i[ID]) for i in asked(prop, source)},
            added=source.added() if source is not None else set(),
            removed=source.removed() if source is not None else [],
            context=item_context(forms, submissions, exclude=name), labels=origin_labels(submissions))
    return views


def item_lines(prop: Mapping[str, Any], value: Any) -> list[str]:
    """A list field's value as one line per item: ``K-01 — Hasil: Gagal; Catatan: …``."""
    cols = columns(prop)
    lines = []
    for item in items_of(value):
        parts = [f"{column_title(prop, c)}: {display(col, item[c])}" for c, col in cols.items()
                 if item.get(c) not in (None, "")]
        lines.append(f"{item[ID]} — " + "; ".join(parts) if parts else str(item[ID]))
    return lines
