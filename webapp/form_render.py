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

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine import data_limits, dossier
from engine.errors import Problem
from engine.models import User
from engine.qualifications import Gap, Qualification

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
class Field:
    name: str
    kind: str  # text | textarea | checkbox | choice | select | date | integer | number | lines | user | users | json
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

    @property
    def id(self) -> str:
        return "f-" + self.name

    @property
    def described_by(self) -> str:
        ids = [self.id + "-help"] if self.help else []
        if self.errors:
            ids.append(self.id + "-error")
        return " ".join(ids)


def _kind(prop: Mapping[str, Any], decisive: bool = False) -> str:
    """How a field is asked; ``decisive``: a gateway reads it (a boolean then becomes a choice)."""
    kind = prop.get("type")
    items = prop.get("items") or {}
    if prop.get("x-widget") == "user":
        return "user"
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
    values = list(prop.get("enum") or [])
    titles = list(prop.get("x-enum-titles") or [])
    return [(str(v), str(titles[i]) if i < len(titles) else str(v)) for i, v in enumerate(values)]


def _display(kind: str, value: Any) -> Any:
    """A typed value (from saved data or a schema default) as the form shows it."""
    if kind == "checkbox":
        return value is True or str(value).strip().lower() in TRUE_WORDS
    if kind == "choice":
        return "" if not isinstance(value, bool) else ("true" if value else "false")
    if kind in ("user", "users"):
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
           decisions: Iterable[str] = (), qualification: Qualification | None = None) -> list[Field]:
    """The form to draw. ``values``: typed data (saved, the previous round's, or defaults); ``raw``:
    what the user typed (wins, so a refused form comes back as it was sent); ``candidates(role)``:
    users for pickers; ``decisions``: fields a gateway reads (asked as two choices, required);
    ``qualification``: the process's Kualifikasi Pelaksana, which the pickers show and check."""
    schema = schema or {}
    props: Mapping[str, Mapping[str, Any]] = schema.get("properties") or {}
    decisions = set(decisions)
    required = set(schema.get("required") or []) | decisions
    errors = errors_by_field(problems, props)
    out = []
    for name, prop in props.items():
        kind = _kind(prop, name in decisions)
        if raw is not None:
            value = raw.get(name, [] if kind in ("user", "users") else (False if kind == "checkbox" else ""))
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
    """What the user sent, per field, in the shape ``fields(raw=...)`` draws."""
    out: dict[str, Any] = {}
    decisions = set(decisions)
    for name, prop in ((schema or {}).get("properties") or {}).items():
        kind = _kind(prop, name in decisions)
        if kind == "checkbox":
            out[name] = (form.get(name) or "").strip().lower() in TRUE_WORDS
        elif kind in ("user", "users"):
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
        kind = _kind(prop, name in decisions)
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
        text = (form.get(name) or "").replace("\r\n", "\n")
        if not text.strip():
            continue
        if kind == "integer":
            try:
                digits = text.strip()
                if _THOUSANDS.match(digits):  # 1.000 as Indonesians write a thousand
                    digits = digits.replace(".", "")
                data[name] = int(digits)
            except ValueError:
                problems.append(Problem(_("Isi dengan bilangan bulat, misalnya 3."), field=name))
        elif kind == "number":
            try:
                data[name] = float(text.strip().replace(" ", "").replace(",", "."))
            except ValueError:
                problems.append(Problem(_("Isi dengan angka, misalnya 2,5."), field=name))
        elif kind == "select":
            enum = prop.get("enum") or []
            data[name] = next((v for v in enum if str(v) == text), text)
        elif kind == "date":
            data[name] = _date(text)
        elif kind == "lines":
            data[name] = [line.strip() for line in text.split("\n") if line.strip()]
        elif kind == "json":
            try:
                data[name] = data_limits.loads(text)
            except ValueError:
                problems.append(Problem(_("Isian ini bukan JSON yang sah."), field=name))
        elif kind == "textarea":
            data[name] = text.strip("\n").rstrip()
        else:
            data[name] = text.strip()
    return data, problems


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
