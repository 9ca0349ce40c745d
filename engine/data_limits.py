"""Bounds on the data that enters a case (start data, form data, any JSON body).

Case data ends up inside SpiffWorkflow's serialized state, which is restored recursively: data
nested a few hundred levels deep is accepted by ``json`` but cannot be read back (RecursionError),
and one huge value makes every later load of the case slow. So every value is walked once,
iteratively (no recursion of our own), and refused before anything is written when it is:

- nested deeper than :attr:`DataLimits.max_depth` (far below Python's recursion limit);
- too big: longer strings, lists or objects than allowed, or too many values in all;
- not plain JSON: anything but objects with text keys, lists, text, finite numbers, booleans, null
  (so ``NaN`` / ``Infinity`` never get in, and the case's data always serializes as valid JSON);
- text holding NUL characters or lone surrogates, which PostgreSQL refuses and no page can show.

``loads`` parses a JSON text under the same rules, for the JSON API and for JSON form fields.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from .errors import Invalid, Problem
from .messages import Message

MAX_INT = 2**63 - 1


@dataclass(frozen=True)
class DataLimits:
    max_depth: int = 20
    max_string: int = 100_000
    max_key: int = 200
    max_items: int = 1_000
    max_keys: int = 500
    max_values: int = 50_000


DEFAULT_LIMITS = DataLimits()


def text_problem(value: str) -> Message | None:
    """Why ``value`` cannot be stored as text (NUL, lone surrogate), or None."""
    if "\x00" in value:
        return Message("data.nul")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return Message("data.surrogate")
    return None


def _path(parts: tuple) -> str:
    return ".".join(str(p) for p in parts)


def check_data(value: Any, field: str | None = None, limits: DataLimits = DEFAULT_LIMITS,
               max_problems: int = 20) -> list[Problem]:
    """Problems with ``value`` as case data (empty when it may enter); each names its field."""
    problems: list[Problem] = []
    root = (field,) if field else ()
    stack: list[tuple[Any, tuple, int]] = [(value, root, 0)]
    count = 0

    def refuse(code: str, parts: tuple, **params: Any) -> None:
        problems.append(Problem(code, field=_path(parts) or None, **params))

    while stack and len(problems) < max_problems:
        item, parts, depth = stack.pop()
        count += 1
        if count > limits.max_values:
            refuse("data.too_many_values", root, n=limits.max_values)
            break
        if depth > limits.max_depth:
            refuse("data.too_deep", parts, n=limits.max_depth)
            continue
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) > MAX_INT:
                refuse("data.number_too_large", parts)
        elif isinstance(item, float):
            if not math.isfinite(item):
                refuse("data.not_finite", parts)
        elif isinstance(item, str):
            if len(item) > limits.max_string:
                refuse("data.text_too_long", parts, n=limits.max_string)
            elif (why := text_problem(item)) is not None:
                refuse(why, parts)
        elif isinstance(item, (list, tuple)):
            if len(item) > limits.max_items:
                refuse("data.list_too_long", parts, n=limits.max_items)
                continue
            stack.extend((v, parts + (i,), depth + 1) for i, v in enumerate(item))
        elif isinstance(item, dict):
            if len(item) > limits.max_keys:
                refuse("data.too_many_fields", parts, n=limits.max_keys)
                continue
            for key, v in item.items():
                if not isinstance(key, str):
                    refuse("data.key_not_text", parts)
                elif len(key) > limits.max_key or not key:
                    refuse("data.key_length", parts, n=limits.max_key)
                elif (why := text_problem(key)) is not None:
                    refuse("data.key_problem", parts, why=why)
                else:
                    stack.append((v, parts + (key,), depth + 1))
        else:
            refuse("data.not_json", parts, type=type(item).__name__)
    return problems


def require_data(value: Any, field: str | None = "data", limits: DataLimits = DEFAULT_LIMITS) -> None:
    """Raise :class:`Invalid` (422) listing what is wrong with ``value`` as case data."""
    problems = check_data(value, field, limits)
    if problems:
        raise Invalid("data.out_of_bounds", problems, api_code="data.out_of_bounds")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(text: str | bytes, limits: DataLimits = DEFAULT_LIMITS) -> Any:
    """Parse JSON strictly: no NaN/Infinity, and nesting that would exhaust the recursion limit is
    refused instead of crashing; raises ``ValueError`` saying why. What the value holds is then
    checked by :func:`check_data` where it enters a case (422 naming the field)."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply to read") from None
    except UnicodeDecodeError:
        raise ValueError("the JSON is not UTF-8 text") from None
    return value
