"""The small pieces of markup every page repeats, once per row: a moment, a person, a step's state.

They were Jinja macros. Each macro call builds a frame of Jinja's runtime and each ``_()`` inside
it looks the request's translations up again; a case's page made some 1,300 such calls, a third
of its time. Written here they cost a function call each, and ``_macros.html`` still exports them
under the same names (``{% set when = moment_markup %}``), so templates import them as before.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Mapping

from flask import Flask
from markupsafe import Markup, escape

from .i18n import format_moment, format_size, request_translations

_DASH = Markup("—")


def N_(word: str) -> str:
    """Marks a word for the catalog (pybabel's N_); it is translated where it is shown."""
    return word


#: a step's states, in Indonesian (the catalog gives the English)
TASK_STATES = {"ready": N_("Menunggu"), "completed": N_("Selesai"), "cancelled": N_("Dibatalkan")}
PDF_ON_DOWNLOAD = N_("PDF dibuat saat diunduh")


def moment_markup(value: datetime | date | None, style: str = "long") -> Markup:
    """``<time>`` of a moment (``|moment`` styles). The short one, for table cells (the zone goes in
    the column header), keeps the long form in its title."""
    if not value:
        return _DASH
    if isinstance(style, str) and style.startswith("short"):
        # escape() and concatenation: Markup.format runs string.Formatter in Python, several times slower
        return Markup(f'<time class="short" datetime="{escape(value.isoformat())}" title="{escape(format_moment(value))}">'
                      f'{escape(format_moment(value, style))}</time>')
    return Markup(f'<time datetime="{escape(value.isoformat())}">{escape(format_moment(value, style))}</time>')


def person_markup(people: Mapping[str, str], username: str | None) -> Markup:
    """Someone the page names: the full name, the username on hover (``people``: username → full name)."""
    if not username:
        return _DASH
    name = people.get(username, username)
    if name == username:
        return escape(username)
    return Markup(f'<span class="person" title="{escape(username)}">{escape(name)}</span>')


def task_state_markup(state: str) -> Markup:
    """A step's state as a badge, in the page's language."""
    label = TASK_STATES.get(state)
    return Markup(f'<span class="badge badge-{escape(state)}">'
                  f'{escape(request_translations().ugettext(label) if label else state)}</span>')


def size_markup(n: int | None) -> Markup:
    """A file's size; a letter drawn on its first download has none yet."""
    if n is None:
        return escape(request_translations().ugettext(PDF_ON_DOWNLOAD))
    return escape(format_size(n))


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(moment_markup=moment_markup, person_markup=person_markup,
                                 task_state_markup=task_state_markup, size_markup=size_markup)
