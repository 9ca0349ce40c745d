"""The engine's error hierarchy; the web layer maps each class to one HTTP status."""
from __future__ import annotations

from dataclasses import dataclass


class AlurError(Exception):
    """Base class: ``code`` is a stable machine-readable word, ``message`` is for people."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(AlurError):
    code = "not_found"


class NotAllowed(AlurError):
    """The user is known but may not do this (HTTP 403)."""

    code = "forbidden"


class Conflict(AlurError):
    """Already done, changed meanwhile, or not claimable (HTTP 409)."""

    code = "conflict"


class TooLarge(AlurError):
    code = "too_large"


@dataclass
class Problem:
    """One thing wrong with an input: where (field or element + line) and what."""

    message: str
    field: str | None = None
    element: str | None = None
    line: int | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.element:
            where.append(self.element)
        if self.field:
            where.append(self.field)
        return f"{', '.join(where)}: {self.message}" if where else self.message


class Invalid(AlurError):
    """Input refused; ``problems`` lists each one (HTTP 422)."""

    code = "invalid"

    def __init__(self, message: str, problems: list[Problem] | None = None, *, code: str | None = None):
        super().__init__(message, code=code)
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"- {p}" for p in self.problems)
