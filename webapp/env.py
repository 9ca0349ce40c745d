"""Reading settings from the environment at start, with bounds (used by :mod:`webapp.settings`).

A setting that is not a number, or out of its range, stops the app at start with the setting's name,
what it must be and what it was, instead of ``invalid literal for int()`` or a silently absurd limit
(a negative upload size, a worker that never sleeps).
"""
from __future__ import annotations

import os

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None or not value.strip() else value.strip()


def _range(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f" of at least {minimum:g}"
    return f" of at most {maximum:g}" if maximum is not None else ""


def _bounded(name: str, value: float, minimum: float | None, maximum: float | None, what: str, text: str):
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {what}{_range(minimum, maximum)}, not '{text}'")
    return value


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """A whole number (unset or blank: ``default``)."""
    text = _raw(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number{_range(minimum, maximum)}, not '{text}'") from None
    return _bounded(name, value, minimum, maximum, "a whole number", text)


def env_float(name: str, default: float, *, minimum: float | None = None, maximum: float | None = None) -> float:
    """A number, e.g. a share or a duration in seconds (unset or blank: ``default``)."""
    text = _raw(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be a number{_range(minimum, maximum)}, not '{text}'")
    return _bounded(name, value, minimum, maximum, "a number", text)


def env_bool(name: str, default: bool = False) -> bool:
    """A switch: 1/true/yes/on or 0/false/no/off (unset or blank: ``default``)."""
    text = _raw(name)
    if text is None:
        return default
    if text.lower() in TRUE:
        return True
    if text.lower() in FALSE:
        return False
    raise ValueError(f"{name} must be 1 or 0 (on or off), not '{text}'")

