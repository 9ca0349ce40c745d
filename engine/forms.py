"""Step forms: JSON Schemas under ``forms/``, loaded once and used to validate submitted data."""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from . import item_lists
from .errors import Problem
from .messages import Coded

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}\.json$")


class FormError(Coded, ValueError):
    """A step's form file cannot be used (``msg`` says why)."""


def load_form(forms_dir: Path, name: str) -> dict[str, Any]:
    """Return the JSON Schema called ``name`` in ``forms_dir`` (cached by path and mtime)."""
    if not _SAFE_NAME.match(name) or ".." in name:
        raise FormError("form.bad_name", name=name)
    path = Path(forms_dir) / name
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise FormError("form.no_file", name=name, folder=str(forms_dir)) from None
    return _load(str(path), mtime)


#: A form carried in the diagram is at most this large (JSON text).
MAX_INLINE_FORM_BYTES = 64 * 1024


def inline_form(text: str, step: str) -> dict[str, Any]:
    """The JSON Schema of a step's form carried in the diagram (``<alur:form>``), checked as a form
    file is; ``step`` names the step in what is refused."""
    if len(text.encode("utf-8")) > MAX_INLINE_FORM_BYTES:
        raise FormError("form.inline_too_large", step=step, n=MAX_INLINE_FORM_BYTES // 1024)
    try:
        schema = json.loads(text)
    except ValueError as exc:
        raise FormError("form.inline_json", step=step, why=str(exc)[:200]) from None
    if not isinstance(schema, dict) or schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise FormError("form.inline_not_object", step=step)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise FormError("form.inline_schema", step=step, why=str(exc.message)[:300]) from None
    wrong = item_lists.schema_problems(schema)
    if wrong:
        code, params = wrong[0]
        raise FormError(code, name=step, **params)
    return schema


def step_form(meta: Any, forms_dir: Path) -> dict[str, Any] | None:
    """A step's JSON Schema: the one the diagram carries, else its ``sop.form`` file, else None
    (:class:`FormError` when the file cannot be read)."""
    if getattr(meta, "form_schema", None) is not None:
        return meta.form_schema
    if not meta.form:
        return None
    return load_form(forms_dir, meta.form)


def form_names(forms_dir: Path) -> list[str]:
    """The form files a step may name in ``sop.form`` (for the modeler's picker), sorted."""
    folder = Path(forms_dir)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and _SAFE_NAME.match(p.name))


@functools.lru_cache(maxsize=256)
def _load(path: str, _mtime: int) -> dict[str, Any]:
    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
    except (ValueError, SchemaError) as exc:
        raise FormError("form.bad_schema", name=Path(path).name, why=str(exc)) from None
    wrong = item_lists.schema_problems(schema)
    if wrong:
        code, params = wrong[0]
        raise FormError(code, name=Path(path).name, **params)
    return schema


@functools.lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json), format_checker=FormatChecker())


#: Validators of the schema objects :func:`load_form` hands out (the same object while the file is
#: unchanged), by identity; each entry keeps its schema alive, so an id is never reused for another.
_validator_of: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}


def validator_for(schema: dict[str, Any]) -> Draft202012Validator:
    entry = _validator_of.get(id(schema))
    if entry is not None and entry[0] is schema:
        return entry[1]
    validator = _validator(json.dumps(schema, sort_keys=True))
    if len(_validator_of) > 256:
        _validator_of.clear()
    _validator_of[id(schema)] = (schema, validator)
    return validator


def validate_data(schema: dict[str, Any], data: Any) -> list[Problem]:
    """Validate ``data`` against a form schema; each problem names the field."""
    validator = validator_for(schema)
    problems = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        # a list item's problem names the item by its id: ``kebutuhan.K-03.deskripsi``
        path = item_lists.item_path(data, list(err.absolute_path)) if isinstance(data, dict) \
            else ".".join(str(p) for p in err.absolute_path)
        if err.validator == "required" and isinstance(err.instance, dict):
            missing = [r for r in err.validator_value if r not in err.instance]
            for name in missing:
                field = f"{path}.{name}" if path else name
                problems.append(Problem("form.required", field=field))
            continue
        problems.append(Problem(_schema_code(err), field=path or None, detail=err.message,
                                **_schema_params(err)))
    return problems


def user_fields(schema: dict[str, Any]) -> dict[str, tuple[bool, str | None]]:
    """Fields that pick users: name → (is a list, role the candidates must hold)."""
    found = {}
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("x-widget") == "user":
            found[name] = (False, prop.get("x-role"))
        elif prop.get("type") == "array" and (prop.get("items") or {}).get("x-widget") == "user":
            found[name] = (True, prop["items"].get("x-role"))
    return found


#: jsonschema's checks the pages say in their own words, by the check's name (``err.validator``).
_SCHEMA_CODES = {"enum": "form.not_choice", "minimum": "form.below_minimum", "maximum": "form.above_maximum",
                 "uniqueItems": "form.not_unique", "not": "form.excluded", "maxLength": "form.too_long"}


def _schema_code(err) -> str:
    """The code of one of jsonschema's refusals; its English words stay jsonschema's (``detail``)."""
    check, value = err.validator, err.validator_value
    if check in ("minLength", "minItems") and isinstance(value, int) and value <= 1:
        return "form.empty"
    if check == "format":
        return "form.not_date" if value == "date" else "form.bad_format"
    if check == "type" and value in ("integer", "number"):
        return "form.not_integer" if value == "integer" else "form.not_number"
    return _SCHEMA_CODES.get(check, "form.schema")


def _schema_params(err) -> dict[str, Any]:
    """The limit a minimum or maximum names (``n``)."""
    if err.validator in ("minimum", "maximum", "maxLength") and isinstance(err.validator_value, (int, float)):
        return {"n": err.validator_value}
    return {}
