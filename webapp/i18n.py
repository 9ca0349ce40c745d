"""Language (Indonesian by default, English available) and Indonesian date formatting."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from .extensions import babel

ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang")
    if wanted in languages:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in languages:
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def format_moment(value: datetime | None, with_time: bool = True) -> str:
    """``27 November 2026, 14.30 WIB`` in the office's time zone."""
    if value is None:
        return "—"
    tzname = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    local = value.astimezone(ZoneInfo(tzname))
    locale = str(get_locale() or "id")
    if not with_time:
        return format_datetime(local, "d MMMM y", locale=locale)
    return format_datetime(local, "d MMMM y, HH.mm", locale=locale) + " " + ZONE_ABBREVIATIONS.get(tzname, tzname)


def format_minutes(minutes: int | None) -> str:
    """Working minutes as the SOP writes them: ``3 hari kerja``, ``120 menit``."""
    from flask_babel import gettext as _

    if minutes is None:
        return "—"
    per_day = 8 * 60
    if minutes >= per_day and minutes % per_day == 0:
        return _("%(n)d hari kerja", n=minutes // per_day)
    if minutes >= per_day:
        return _("%(d)d hari kerja %(m)d menit", d=minutes // per_day, m=minutes % per_day)
    return _("%(n)d menit", n=minutes)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    app.jinja_env.filters["moment"] = format_moment
    app.jinja_env.filters["minutes"] = format_minutes

    @app.context_processor
    def language_context():
        return {"current_locale": str(get_locale() or "id"), "languages": app.config["LANGUAGES"]}
