"""What several pages need, in one place instead of page modules importing each other's private
names: the person logged in, the menu's counts, a safe ``next`` address, a positive id from a
form, the people who may be picked for a role."""
from __future__ import annotations

from urllib.parse import urlparse

from flask import request
from flask_login import current_user

from engine.models import User

from .services import service

#: The largest id a form may name (a database integer).
MAX_ID = 2**63 - 1


def menu_counts(user: User) -> dict[str, int]:
    """The menu's counts (``WorkflowService.menu_counts``: the inbox's tabs and the unread
    notifications) in one statement, kept for the request: the badges, the inbox's tabs and the
    home page read them without asking again."""
    # kept in the request's own environ, not in ``g``: an app context pushed before a request (a
    # test's, a script's) is reused by it and outlives it, and the counts must never be an
    # earlier request's
    kept = request.environ.get("alur.menu_counts")
    if kept is None or kept[0] != user.id:
        kept = request.environ["alur.menu_counts"] = (user.id, service().menu_counts(user))
    return kept[1]


def me() -> User:
    """The person logged in, as the engine's ``User`` (not Flask-Login's proxy)."""
    return current_user._get_current_object()


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/inbox``), else None: never a redirect elsewhere."""
    if not target:
        return None
    parsed = urlparse(target)
    return target if not parsed.netloc and not parsed.scheme and target.startswith("/") else None


def positive_id(value: str | None) -> int | None:
    """A form's id as a number, or None when it is not one (empty, text, zero, too large)."""
    return int(value) if value and value.isdigit() and len(value) <= 19 and 0 < int(value) <= MAX_ID else None


def candidates(role: str | None) -> list[User]:
    """Who may be appointed where a role is asked: its holders, or every active user."""
    return service().appointable(role)
