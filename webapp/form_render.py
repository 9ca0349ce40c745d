"""A step's JSON Schema as HTML form fields, and the submitted form back as typed data.

``fields`` describes what to draw (one :class:`Field` per schema property, in schema order);
``parse`` turns ``request.form`` into the dict the engine validates, reporting only what cannot
be typed at all (a word in a number field); ``errors_by_field`` words the engine's problems for
people (with :func:`webapp.message_text.problem_text`, re-exported here). The engine stays the judge
of validity: the page sends it what the user typed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Iterable, Mapping


from engine import data_limits, dossier, item_lists
from engine.errors import Problem
from engine.models import User
from engine.qualifications import Gap, Qualification

from .language import gettext as _
from .message_text import problem_text  # used below; importable from here as before

TRUE_WORDS = {"on", "true", "1", "ya", "yes"}
#: The data every field's problems are listed under when they name no field of the form.
FORM = "__form__"


@dataclass
class Candidate:
    """A user a picker offers, with the SOP's Kualifikasi Pelaksana."""

    username: str
    name: str
    education_level: str
    field_of_study: str
    expertise: str
    gaps: list[str]


@dataclass
class Column:
    """One column of a list field's rows (an item's property but its id)."""

    name: str
    kind: str  # text | textarea | checkbox | select | date | integer | number
    label: str
    help: str = ""
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)
    max_length: int | None = None
    minimum: Any = None
    maximum: Any = None


@dataclass
class Row:
    """One item of a list field as the page draws it: its id, what each column holds (as typed),
    its problems per column, and for a bound list what the case says of the item so far."""

    index: int
    id: str
    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)
    context: list[tuple[str, str]] = field(default_factory=list)
    asked: bool = True  # a bound list's item that must be answered
    added: bool = False  # came when the source list was last redone
    label: str = ""


@dataclass
class Field:
    name: str
    kind: str  # text | textarea | checkbox | choice | select | date | integer | number | lines | user | users | json | items | bound
    label: str
    help: str = ""
    required: bool = False
    value: Any = ""  # str for inputs; bool for checkbox; list[str] for users
    options: list[tuple[str, str]] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    #: a picker's: the process's Kualifikasi Pelaksana in its own words
    qualification: str = ""
    errors: list[str] = field(default_factory=list)
    minimum: Any = None
    maximum: Any = None
    columns: list[Column] = field(default_factory=list)  # items / bound: the rows' columns
    rows: list[Row] = field(default_factory=list)
    removed: list[Row] = field(default_factory=list)  # bound: items the source list dropped
    max_items: int = 0
    anchor: str = ""  # where the page's problem summary links (a row's input with a problem)

    @property
    def id(self) -> str:
        return "f-" + self.name

    def input_id(self, row: Row, column: str) -> str:
        return f"{self.id}-{row.index}-{column}"

    def input_name(self, row: Row, column: str) -> str:
        return f"{self.name}.{row.index}.{column}"

    @property
    def described_by(self) -> str:
        ids = [self.id + "-help"] if self.help else []
        if self.errors:
            ids.append(self.id + "-error")
        return " ".join(ids)


def field_kind(prop: Mapping[str, Any], decisive: bool = False) -> str:
    """How a field is asked; ``decisive``: a gateway reads it (a boolean then becomes a choice)."""
    kind = prop.get("type")
    items = prop.get("items") or {}
    if prop.get("x-widget") == "user":
        return "user"
    if kind == "array" and item_lists.ITEMS_FROM in prop:
        return "bound"
    if kind == "array" and item_lists.ITEM_ID in prop:
        return "items"
    if kind == "array" and "enum" in items:  # a checklist: tick the items that hold
        return "checklist"
    if kind == "array":
        return "users" if items.get("x-widget") == "user" else "lines"
    if "enum" in prop:
        return "select"
    if kind == "boolean":
        return "choice" if dossier.is_choice(prop, decisive) else "checkbox"
    if kind in ("integer", "number"):
        return kind
    if kind == "object":
        return "json"
    if prop.get("format") == "date":
        return "date"
    if prop.get("x-widget") == "textarea":
        return "textarea"
    return "text"


def _options(prop: Mapping[str, Any]) -> list[tuple[str, str]]:
    if prop.get("type") == "boolean":  # a decision's two choices, "yes" first
        return [("true" if c.value else "false", c.title or (_("Ya") if c.value else _("Tidak")))
                for c in dossier.choices(prop)]
    source = prop.get("items") if prop.get("type") == "array" else prop
    values = list((source or {}).get("enum") or [])
    titles = list((source or {}).get("x-enum-titles") or [])
    return [(str(v), str(titles[i]) if i < len(titles) else str(v)) for i, v in enumerate(values)]


def _display(kind: str, value: Any) -> Any:
    """A typed value (from saved data or a schema default) as the form shows it."""
    if kind == "checkbox":
        return value is True or str(value).strip().lower() in TRUE_WORDS
    if kind == "choice":
        return "" if not isinstance(value, bool) else ("true" if value else "false")
    if kind in ("user", "users", "checklist"):
        if value is None or value == "":
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if value is None:
        return ""
    if kind == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if kind == "json":
        import json

        return json.dumps(value, ensure_ascii=False, indent=2)
    return str(value)


def _either(items: Iterable[str]) -> str:
    """``["D-III", "S-1", "S-2"]`` → ``"D-III, S-1 atau S-2"``."""
    items = list(items)
    return items[0] if len(items) == 1 else _("%(items)s atau %(last)s", items=", ".join(items[:-1]), last=items[-1])


def gap_text(gap: Gap) -> str:
    """Where a candidate falls short of the process's Kualifikasi Pelaksana, in the page's language."""
    if gap.kind == "education":
        return _("pendidikan %(accepted)s", accepted=_either(gap.accepted))
    if gap.kind == "field":
        return _("bidang studi %(accepted)s", accepted=_either(gap.accepted))
    return _("keahlian belum dicatat")


def candidate(user: User, qualification: Qualification | None = None) -> Candidate:
    gaps = (qualification or Qualification()).gaps(user.education_level, user.field_of_study, user.expertise)
    return Candidate(user.username, user.full_name or user.username, user.education_level or "",
                     user.field_of_study or "", user.expertise or "", [gap_text(g) for g in gaps])


def fields(schema: Mapping[str, Any] | None, values: Mapping[str, Any] | None = None, *,
           raw: Mapping[str, Any] | None = None, problems: Iterable[Problem] = (),
           candidates: Callable[[str | None], list[User]] | None = None,
           decisions: Iterable[str] = (), qualification: Qualification | None = None,
           lists: Mapping[str, item_lists.BoundView] | None = None) -> list[Field]:
    """The form to draw. ``values``: typed data (saved, the previous round's, or defaults); ``raw``:
    what the user typed (wins, so a refused form comes back as it was sent); ``candidates(role)``:
    users for pickers; ``decisions``: fields a gateway reads (asked as two choices, required);
    ``qualification``: the process's Kualifikasi Pelaksana, which the pickers show and check;
    ``lists``: the bound lists' items (:meth:`engine.service.WorkflowService.list_views`)."""
    schema = schema or {}
    props: Mapping[str, Mapping[str, Any]] = schema.get("properties") or {}
    decisions = set(decisions)
    required = set(schema.get("required") or []) | decisions
    problems = list(problems)
    errors = errors_by_field(problems, props)
    out = []
    for name, prop in props.items():
        kind = field_kind(prop, name in decisions)
        if kind in ("items", "bound"):
            out.append(_list_field(name, prop, kind, name in required, values, raw, problems,
                                   (lists or {}).get(name)))
            continue
        if raw is not None:
            value = raw.get(name, [] if kind in ("user", "users", "checklist") else (False if kind == "checkbox" else ""))
        else:
            # a decision has no default: the person chooses (a saved answer shows what was chosen)
            given = (values or {}).get(name, None if kind == "choice" else prop.get("default"))
            value = _display(kind, given)
        f = Field(name=name, kind=kind, label=str(prop.get("title") or name.replace("_", " ").capitalize()),
                  help=str(prop.get("description") or ""), required=name in required, value=value,
                  options=_options(prop), errors=errors.get(name, []),
                  minimum=prop.get("minimum"), maximum=prop.get("maximum"))
        if kind in ("user", "users") and candidates is not None:
            role = prop.get("x-role") if kind == "user" else (prop.get("items") or {}).get("x-role")
            # the qualified first, then by name (Kualifikasi Pelaksana: a warning, not a bar)
            f.candidates = sorted((candidate(u, qualification) for u in candidates(role)),
                                  key=lambda c: (bool(c.gaps), c.name))
            f.qualification = qualification.text if qualification is not None else ""
            known = {c.username for c in f.candidates}
            f.candidates += [Candidate(v, v, "", "", "", []) for v in f.value if v not in known]
        out.append(f)
    return out


def raw_values(schema: Mapping[str, Any] | None, form, decisions: Iterable[str] = ()) -> dict[str, Any]:
    """What the user sent, per field, in the shape ``fields(raw=...)`` draws (a list field: its
    rows as sent, blank ones too, and one blank row more where "Tambah baris" asked for it)."""
    out: dict[str, Any] = {}
    decisions = set(decisions)
    for name, prop in ((schema or {}).get("properties") or {}).items():
        kind = field_kind(prop, name in decisions)
        if kind in ("items", "bound"):
            rows = [dict(texts) for _index, texts in _form_rows(form, name)]
            if kind == "items" and form.get(ADD_ROW) == name and len(rows) < item_lists.MAX_ITEMS:
                rows.append({})
            out[name] = rows
        elif kind == "checkbox":
            out[name] = (form.get(name) or "").strip().lower() in TRUE_WORDS
        elif kind in ("user", "users", "checklist"):
            out[name] = [v for v in form.getlist(name) if v]
        else:
            out[name] = form.get(name, "")
    return out


_THOUSANDS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
_DMY = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\s*$")


def _date(text: str) -> str:
    """``2026-11-27`` as a date input sends it; ``27-11-2026`` / ``27/11/2026`` as people type it."""
    m = _DMY.match(text)
    if m:
        try:
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        except ValueError:
            return text.strip()
    return text.strip()


def parse(schema: Mapping[str, Any] | None, form, decisions: Iterable[str] = ()) -> tuple[dict[str, Any], list[Problem]]:
    """``request.form`` → typed data for the engine. Empty inputs are left out (so the schema's
    ``required`` speaks); an unticked checkbox is ``False``; an unchosen decision is left out."""
    data: dict[str, Any] = {}
    problems: list[Problem] = []
    decisions = set(decisions)
    for name, prop in ((schema or {}).get("properties") or {}).items():
        kind = field_kind(prop, name in decisions)
        if kind == "checkbox":
            data[name] = (form.get(name) or "").strip().lower() in TRUE_WORDS
            continue
        if kind == "choice":
            chosen = (form.get(name) or "").strip().lower()
            if chosen in ("true", "false"):
                data[name] = chosen == "true"
            continue
        if kind == "user":
            value = next((v for v in form.getlist(name) if v), "")
            if value:
                data[name] = value
            continue
        if kind == "users":
            chosen = list(dict.fromkeys(v for v in form.getlist(name) if v))
            if chosen:
                data[name] = chosen
            continue
        if kind == "checklist":  # the items ticked, in the list's order (none ticked: an empty list)
            ticked = set(form.getlist(name))
            data[name] = [v for v in ((prop.get("items") or {}).get("enum") or []) if str(v) in ticked]
            continue
        if kind in ("items", "bound"):
            items, found = _parse_rows(prop, form, name)
            problems += found
            if items or kind == "bound":
                data[name] = items
            continue
        text = (form.get(name) or "").replace("\r\n", "\n")
        if not text.strip():
            continue
        value, problem = _convert(kind, prop, text, name)
        if problem is not None:
            problems.append(problem)
        else:
            data[name] = value
    return data, problems


def _convert(kind: str, prop: Mapping[str, Any], text: str, where: str) -> tuple[Any, Problem | None]:
    """One non-empty input's text as the value its field holds, or the problem of typing it."""
    if kind == "integer":
        digits = text.strip()
        if _THOUSANDS.match(digits):  # 1.000 as Indonesians write a thousand
            digits = digits.replace(".", "")
        try:
            return int(digits), None
        except ValueError:
            return None, Problem(_("Isi dengan bilangan bulat, misalnya 3."), field=where)
    if kind == "number":
        try:
            return float(text.strip().replace(" ", "").replace(",", ".")), None
        except ValueError:
            return None, Problem(_("Isi dengan angka, misalnya 2,5."), field=where)
    if kind == "select":
        enum = prop.get("enum") or []
        return next((v for v in enum if str(v) == text), text), None
    if kind == "date":
        return _date(text), None
    if kind == "lines":
        return [line.strip() for line in text.split("\n") if line.strip()], None
    if kind == "json":
        try:
            return data_limits.loads(text), None
        except ValueError:
            return None, Problem(_("Isian ini bukan JSON yang sah."), field=where)
    if kind == "textarea":
        return text.strip("\n").rstrip(), None
    return text.strip(), None


#: A list field's inputs are named ``<field>.<row>.<column>``; a row's id is ``<field>.<row>.id``
#: and its "remove" box ``<field>.<row>.@hapus``. Rows are read up to this many (the engine
#: refuses a list longer than its bound with a message; more inputs than this are not read).
MAX_FORM_ROWS = item_lists.MAX_ITEMS + 50
REMOVE = "@hapus"


def _form_rows(form, name: str) -> list[tuple[int, dict[str, str]]]:
    """The rows a list field's inputs send, by row number: {column: text} (with ``id``)."""
    rows: dict[int, dict[str, str]] = {}
    prefix = name + "."
    for key in form.keys():
        if not key.startswith(prefix):
            continue
        number, _sep, column = key[len(prefix):].partition(".")
        if not number.isdigit() or len(number) > 6 or not column:
            continue
        index = int(number)
        if index not in rows and len(rows) >= MAX_FORM_ROWS:
            continue
        rows.setdefault(index, {})[column] = (form.get(key) or "").replace("\r\n", "\n")
    return sorted(rows.items())


def _parse_rows(prop: Mapping[str, Any], form, name: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    """A list field's rows as items: a blank row (nothing filled in) and a row marked for removal
    are left out; a row keeps its id (an item list's new row has none: the engine gives it one)."""
    cols = item_lists.columns(prop)
    items: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for index, texts in _form_rows(form, name):
        if (texts.get(REMOVE) or "").strip().lower() in TRUE_WORDS:
            continue
        item: dict[str, Any] = {}
        item_id = (texts.get(item_lists.ID) or "").strip()
        if item_id:
            item[item_lists.ID] = item_id
        filled = False
        for column, col in cols.items():
            kind = field_kind(col)
            if kind == "checkbox":
                item[column] = (texts.get(column) or "").strip().lower() in TRUE_WORDS
                continue
            text = texts.get(column) or ""
            if not text.strip():
                continue
            filled = True
            value, problem = _convert(kind, col, text, item_lists.where(name, item, index, column))
            if problem is not None:
                problems.append(problem)
            else:
                item[column] = value
        if filled:
            items.append(item)
    return items, problems


#: The submit button that asks for one more blank row of a list field (its value: the field's name).
ADD_ROW = "add_row"


def adopt_ids(schema: Mapping[str, Any] | None, raw: dict[str, Any], data: Mapping[str, Any]) -> None:
    """After a refused completion, give the rows the user sent without an id the id the engine
    assigned them (so the problems, which name items by id, land on their rows; resending keeps
    the id). The rows that became items are the non-blank, not removed ones, in order."""
    for name in item_lists.own_lists(schema):
        items = data.get(name)
        rows = raw.get(name)
        if not isinstance(items, list) or not isinstance(rows, list):
            continue
        cols = item_lists.columns(((schema or {}).get("properties") or {})[name])
        kept = [r for r in rows if (r.get(REMOVE) or "").strip().lower() not in TRUE_WORDS
                and any((r.get(c) or "").strip() for c, col in cols.items() if field_kind(col) != "checkbox")]
        for row, item in zip(kept, items):
            if not (row.get(item_lists.ID) or "").strip() and isinstance(item, Mapping) and item.get(item_lists.ID):
                row[item_lists.ID] = str(item[item_lists.ID])


def _columns(prop: Mapping[str, Any]) -> list[Column]:
    items = prop.get("items") or {}
    wanted = set(items.get("required") or [])
    out = []
    for name, col in item_lists.columns(prop).items():
        kind = field_kind(col)
        if kind not in ("text", "textarea", "checkbox", "select", "date", "integer", "number"):
            kind = "text"
        out.append(Column(name=name, kind=kind, label=item_lists.column_title(prop, name),
                          help=str(col.get("description") or ""), required=name in wanted,
                          options=_options(col), max_length=col.get("maxLength"),
                          minimum=col.get("minimum"), maximum=col.get("maximum")))
    return out


def _row_errors(problems: Iterable[Problem], name: str) -> dict[str, dict[str, list[str]]]:
    """A list field's problems by item (id, or the row's number) and column (``""``: the item)."""
    out: dict[str, dict[str, list[str]]] = {}
    for p in problems:
        parts = (p.field or "").split(".")
        if parts[0] != name or len(parts) < 2:
            continue
        column = parts[2] if len(parts) > 2 else ""
        text = problem_text(p)
        bucket = out.setdefault(parts[1], {}).setdefault(column, [])
        if text not in bucket:
            bucket.append(text)
    return out


def _list_field(name: str, prop: Mapping[str, Any], kind: str, required: bool, values: Mapping[str, Any] | None,
                raw: Mapping[str, Any] | None, problems: list[Problem], view: item_lists.BoundView | None) -> Field:
    cols = _columns(prop)
    typed: dict[str, dict[str, Any]] = {}
    given = (values or {}).get(name) if raw is None else None
    for item in given if isinstance(given, list) else []:
        if isinstance(item, Mapping) and item.get(item_lists.ID):
            typed[str(item[item_lists.ID])] = {c.name: _display(c.kind, item.get(c.name)) for c in cols}
    sent = list(raw.get(name) or []) if raw is not None else None
    f = Field(name=name, kind=kind, label=str(prop.get("title") or name.replace("_", " ").capitalize()),
              help=str(prop.get("description") or ""), required=required, columns=cols,
              max_items=min(prop.get("maxItems") or item_lists.MAX_ITEMS, item_lists.MAX_ITEMS))
    if kind == "items":
        if sent is not None:
            f.rows = [Row(index=i, id=(r.get(item_lists.ID) or "").strip(),
                          values={**{c.name: _raw_cell(c, r) for c in cols}, REMOVE: (r.get(REMOVE) or "") in TRUE_WORDS})
                      for i, r in enumerate(sent)]
        else:
            f.rows = [Row(index=i, id=key, values=cells) for i, (key, cells) in enumerate(typed.items())]
        if not f.rows or any(f.rows[-1].values.get(c.name) not in ("", None, False) for c in cols):
            f.rows.append(Row(index=len(f.rows), id="", values={c.name: _display(c.kind, None) for c in cols}))
    else:
        by_id = {(r.get(item_lists.ID) or "").strip(): r for r in sent} if sent is not None else {}
        for i, item in enumerate(view.items if view is not None else []):
            key = str(item[item_lists.ID])
            cells = ({c.name: _raw_cell(c, by_id.get(key, {})) for c in cols} if sent is not None
                     else typed.get(key) or {c.name: _display(c.kind, None) for c in cols})
            f.rows.append(Row(index=i, id=key, values=cells, context=view.context.get(key, []),
                              asked=key in view.asked, added=key in view.added,
                              label=view.labels.get(key) or item_lists.label(item)))
        if view is not None:
            f.removed = [Row(index=-1, id=str(i[item_lists.ID]), values={},
                             label=view.labels.get(str(i[item_lists.ID])) or item_lists.label(i)) for i in view.removed]
    found = _row_errors(problems, name)
    titles = {c.name: c.label for c in cols}
    for row in f.rows:
        for key in (row.id, str(row.index)):
            for column, texts in (found.pop(key, {}) if key else {}).items():
                row.errors.setdefault(column, []).extend(texts)
                for text in texts:
                    where = f"{row.id or '#' + str(row.index + 1)} · {titles.get(column, column)}" if column else (
                        row.id or "#" + str(row.index + 1))
                    f.errors.append(f"{where}: {text}")
                if not f.anchor:
                    f.anchor = f.input_id(row, column) if column in titles else f.input_id(row, cols[0].name) \
                        if cols else f.id
    for key, by_column in found.items():  # an item the form does not show (or a row since removed)
        for column, texts in by_column.items():
            f.errors += [f"{key} · {titles.get(column, column)}: {t}" if column else f"{key}: {t}" for t in texts]
    f.errors = [problem_text(p) for p in problems if p.field == name] + f.errors
    return f


def _raw_cell(col: Column, row: Mapping[str, Any]) -> Any:
    text = row.get(col.name) or ""
    return text.strip().lower() in TRUE_WORDS if col.kind == "checkbox" else text


def errors_by_field(problems: Iterable[Problem], props: Mapping[str, Any] | None = None) -> dict[str, list[str]]:
    """Problem texts keyed by the form field they belong to (``programmers.1`` → ``programmers``);
    those naming no field of the form go under :data:`FORM` (``attachments`` stays itself)."""
    out: dict[str, list[str]] = {}
    for p in problems:
        key = (p.field or "").split(".")[0]
        if key != "attachments" and (not key or (props is not None and key not in props)):
            key = FORM
        text = problem_text(p)
        if text not in out.setdefault(key, []):
            out[key].append(text)
    return out
