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


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text (NUL, lone surrogate), or None."""
    if "\x00" in value:
        return "text must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "text must be valid Unicode (a lone surrogate was found)"
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

    def refuse(message: str, parts: tuple) -> None:
        problems.append(Problem(message, field=_path(parts) or None))

    while stack and len(problems) < max_problems:
        item, parts, depth = stack.pop()
        count += 1
        if count > limits.max_values:
            refuse(f"too much data: at most {limits.max_values} values in all", root)
            break
        if depth > limits.max_depth:
            refuse(f"nested too deeply: at most {limits.max_depth} levels", parts)
            continue
        if item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if abs(item) > MAX_INT:
                refuse("the number is too large", parts)
        elif isinstance(item, float):
            if not math.isfinite(item):
                refuse("the number must be finite (NaN and Infinity are not numbers JSON knows)", parts)
        elif isinstance(item, str):
            if len(item) > limits.max_string:
                refuse(f"the text is too long: at most {limits.max_string} characters", parts)
            elif (why := text_problem(item)) is not None:
                refuse(why, parts)
        elif isinstance(item, (list, tuple)):
            if len(item) > limits.max_items:
                refuse(f"the list is too long: at most {limits.max_items} items", parts)
                continue
            stack.extend((v, parts + (i,), depth + 1) for i, v in enumerate(item))
        elif isinstance(item, dict):
            if len(item) > limits.max_keys:
                refuse(f"too many fields: at most {limits.max_keys}", parts)
                continue
            for key, v in item.items():
                if not isinstance(key, str):
                    refuse("field names must be text", parts)
                elif len(key) > limits.max_key or not key:
                    refuse(f"a field name must have 1 to {limits.max_key} characters", parts)
                elif (why := text_problem(key)) is not None:
                    refuse("field name: " + why, parts)
                else:
                    stack.append((v, parts + (key,), depth + 1))
        else:
            refuse(f"a value of type {type(item).__name__} is not JSON data", parts)
    return problems


def require_data(value: Any, field: str | None = "data", limits: DataLimits = DEFAULT_LIMITS) -> None:
    """Raise :class:`Invalid` (422) listing what is wrong with ``value`` as case data."""
    problems = check_data(value, field, limits)
    if problems:
        raise Invalid("The data cannot be accepted", problems, code="data.out_of_bounds")


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
