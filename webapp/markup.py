"""The small pieces of markup every page repeats, once per row: a moment, a person, a step's state.

They were Jinja macros. Each macro call builds a frame of Jinja's runtime and each ``_()`` inside
it looks the request's translations up again; a case's page made some 1,300 such calls, a third
of its time. Written here they cost a function call each, and ``_macros.html`` still exports them
under the same names (``{% set when = moment_markup %}``), so templates import them as before.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Iterable, Mapping

from flask import Flask
from markupsafe import Markup, escape

from .i18n import format_moment, format_moments, format_size, request_translations

_DASH = Markup("—")


def N_(word: str) -> str:
    """Marks a word for the catalog (pybabel's N_); it is translated where it is shown."""
    return word


#: a step's states, in Indonesian (the catalog gives the English)
TASK_STATES = {"ready": N_("Menunggu"), "completed": N_("Selesai"), "cancelled": N_("Dibatalkan")}
PDF_ON_DOWNLOAD = N_("PDF dibuat saat diunduh")
#: a case's statuses, in Indonesian
CASE_STATUSES = {"running": N_("Berjalan"), "suspended": N_("Ditangguhkan"), "completed": N_("Selesai"),
                 "terminated": N_("Dihentikan"), "withdrawn": N_("Ditarik kembali"), "error": N_("Galat")}


def moment_markup(value: datetime | date | None, style: str = "long") -> Markup:
    """``<time>`` of a moment (``|moment`` styles). The short one, for table cells (the zone goes in
    the column header), keeps the long form in its title."""
    if not value:
        return _DASH
    if isinstance(style, str) and style.startswith("short"):
        # escape() and concatenation: Markup.format runs string.Formatter in Python, several times slower
        long, short = format_moments(value, ("long", style))
        return Markup(f'<time class="short" datetime="{escape(value.isoformat())}" title="{escape(long)}">'
                      f'{escape(short)}</time>')
    return Markup(f'<time datetime="{escape(value.isoformat())}">{escape(format_moment(value, style))}</time>')


def person_markup(people: Mapping[str, str], username: str | None) -> Markup:
    """Someone the page names: the full name, the username on hover (``people``: username → full name)."""
    if not username:
        return _DASH
    name = people.get(username, username)
    return escape(username) if name == username else _person_span(username, name)


def _person_span(username: str, name: str) -> Markup:
    return Markup(f'<span class="person" title="{escape(username)}">{escape(name)}</span>')


def task_state_markup(state: str) -> Markup:
    """A step's state as a badge, in the page's language."""
    label = TASK_STATES.get(state)
    return Markup(f'<span class="badge badge-{escape(state)}">'
                  f'{escape(request_translations().ugettext(label) if label else state)}</span>')


def instance_status_markup(status: str, labels: Mapping[str, str] | None = None) -> Markup:
    """A case's status as a badge, in the page's language (``labels``: the names, where a list
    has looked them up already)."""
    if labels is None:
        label = CASE_STATUSES.get(status)
        text = request_translations().ugettext(label) if label else status
    else:
        text = labels.get(status, status)
    return Markup(f'<span class="badge badge-{escape(status)}">{escape(text)}</span>')


def user_names_markup(users: Iterable) -> Markup:
    """Appointed users (User rows): full names, usernames on hover."""
    return Markup(", ").join(_person_span(u.username, u.full_name or u.username) for u in users)


def size_markup(n: int | None) -> Markup:
    """A file's size; a letter drawn on its first download has none yet."""
    if n is None:
        return escape(request_translations().ugettext(PDF_ON_DOWNLOAD))
    return escape(format_size(n))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(moment_markup=moment_markup, person_markup=person_markup,
                                 task_state_markup=task_state_markup, size_markup=size_markup,
                                 instance_status_markup=instance_status_markup, user_names_markup=user_names_markup)
