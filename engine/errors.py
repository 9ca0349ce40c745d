"""The engine's error hierarchy; the web layer maps each class to one HTTP status.

Every refusal and every problem is a registered message (:mod:`engine.messages`): a stable
``code`` and its ``params``, with English ``message`` words made from the code's template::

    raise NotFound("task.not_found", id=task_id)
    raise Invalid("user.invalid", [Problem("user.short_password", field="password")])
    raise Conflict("task.already_completed", api_code="already_completed")

``api_code`` is the JSON API's top-level ``error.code`` (API.md): by default the class's word
(``not_found``, ``forbidden``, ``conflict``, ``too_large``, ``invalid``); a raise site that always
answered with a more precise word keeps it with ``api_code=``.
"""
from __future__ import annotations

from typing import Any

from .messages import Message


class _Said:
    """What an error and a problem share: a registered message (``said``), read as its code and params."""

    __slots__ = ()
    said: Message

    @property
    def code(self) -> str:
        return self.said.code

    @property
    def params(self) -> dict[str, Any]:
        return self.said.params


class AlurError(_Said, Exception):
    """Base class: ``code`` and ``params`` name the message, ``message`` is its English words,
    ``api_code`` the API's error word."""

    api_code = "error"

    def __init__(self, code: str, /, *, api_code: str | None = None, **params: Any) -> None:
        if "code" in params:  # the old spelling (``code=`` was the API's word before messages had codes)
            api_code = api_code or params.pop("code")
        said = Message(code, **params)
        super().__init__(str(said))
        self.said = said
        self.message = str(said)
        if api_code:
            self.api_code = api_code



class NotFound(AlurError):
    api_code = "not_found"


class NotAllowed(AlurError):
    """The user is known but may not do this (HTTP 403)."""

    api_code = "forbidden"


class Conflict(AlurError):
    """Already done, changed meanwhile, or not claimable (HTTP 409)."""

    api_code = "conflict"


class TooLarge(AlurError):
    api_code = "too_large"


class Unavailable(AlurError):
    """Something alur makes could not be made now (a letter's PDF that failed to draw; HTTP 503)."""

    api_code = "unavailable"


class Problem(_Said):
    """One thing wrong with an input: where (field or element + line) and what (a registered
    message: ``code``, ``params``, English ``message``)."""

    __slots__ = ("said", "field", "element", "line")

    def __init__(self, code: str, /, *, field: str | None = None, element: str | None = None,
                 line: int | None = None, **params: Any) -> None:
        self.said = Message(code, **params)
        self.field, self.element, self.line = field, element, line

    @property
    def message(self) -> str:
        return str(self.said)

    def at(self, **where: Any) -> "Problem":
        """The same problem somewhere else (``field``, ``element`` or ``line`` replaced)."""
        found = Problem(self.said, field=self.field, element=self.element, line=self.line)
        for name, value in where.items():
            setattr(found, name, value)
        return found

    def as_dict(self) -> dict:
        """The problem as the JSON API sends it (an item of ``details``)."""
        found: dict[str, Any] = {"message": self.message}
        for name in ("field", "element", "line"):
            if getattr(self, name) is not None:
                found[name] = getattr(self, name)
        found["code"] = self.code
        if self.params:
            found["params"] = self.said.as_params()
        return found

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and self.as_dict() == other.as_dict()

    def __repr__(self) -> str:
        return f"Problem({self.code!r}, {self.as_dict()!r})"

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

    api_code = "invalid"

    def __init__(self, code: str, problems: list[Problem] | None = None, /, *, api_code: str | None = None,
                 **params: Any):
        super().__init__(code, api_code=api_code, **params)
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(f"- {p}" for p in self.problems)
