"""Language (Indonesian by default, English available) and Indonesian date formatting."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode
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
    """Working minutes as the SOP writes them: ``3 hari kerja``, ``120 menit``, ``1 hari kerja 30 menit``."""
    from flask_babel import ngettext

    if minutes is None:
        return "—"
    per_day = 8 * 60
    days, rest = divmod(minutes, per_day)
    parts = []
    if days:
        parts.append(ngettext("%(num)d hari kerja", "%(num)d hari kerja", days))
    if rest or not days:
        parts.append(ngettext("%(num)d menit", "%(num)d menit", rest))
    return " ".join(parts)


def lang_url(code: str) -> str:
    """This page in another language: the same path and query, with ``lang`` set."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", code)]
    return request.path + "?" + urlencode(args)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    app.jinja_env.filters["moment"] = format_moment
    app.jinja_env.filters["minutes"] = format_minutes

    @app.context_processor
    def language_context():
        return {"current_locale": str(get_locale() or "id"), "languages": app.config["LANGUAGES"],
                "lang_url": lang_url}
