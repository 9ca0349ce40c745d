"""Messages kept in a row's text column (a case's error, a failed delivery, why a webhook stopped).

They are written while nobody is looking (the engine running a case, the worker delivering), and
read later by someone in their own language. So the column keeps the message's code and params as
compact JSON (with the English beside them, for anyone reading the database), and the reader says
it by code; text written before codes existed is read back as it is.
"""
from __future__ import annotations

import json
from typing import Any

from .messages import MESSAGES, Message

#: How a stored message begins (plain text from before never does).
_START = '{"code":'


def stored(message: Message | str | None) -> str | None:
    """``message`` as the column keeps it (None stays None)."""
    if message is None:
        return None
    message = Message(message)
    return json.dumps({"code": message.code, "params": message.as_params(), "message": str(message)},
                      ensure_ascii=False, separators=(",", ":"))


def _param(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("code"), str) and "message" in value:
        return from_dict(value)
    if isinstance(value, list):
        return [_param(v) for v in value]
    return value


def from_dict(found: dict[str, Any]) -> Message:
    """A message from its ``{"code", "params", "message"}``: by code when the code is known, else
    its English words."""
    code, params = found["code"], found.get("params") or {}
    if code not in MESSAGES or not isinstance(params, dict):
        return Message(str(found.get("message", "")))
    try:
        return Message(code, **{str(k): _param(v) for k, v in params.items()})
    except (KeyError, IndexError, ValueError, TypeError):
        return Message(str(found.get("message", "")))


def is_stored(text: object) -> bool:
    """Whether ``text`` is a message kept by :func:`stored` (not plain words)."""
    return isinstance(text, str) and not isinstance(text, Message) and text.startswith(_START)


def loaded(text: str | None) -> Message | None:
    """The message a column holds: by code when it was stored so, else its plain words."""
    if text is None:
        return None
    if text.startswith(_START):
        try:
            found = json.loads(text)
        except ValueError:
            found = None
        if isinstance(found, dict) and isinstance(found.get("code"), str):
            return from_dict(found)
    return Message(text)


def english(text: str | None) -> str | None:
    """A stored message's English words (the JSON API's and the command line's)."""
    message = loaded(text)
    return None if message is None else str(message)
