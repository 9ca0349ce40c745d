"""Language (Indonesian by default, English available) and Indonesian date formatting."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Callable
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import TIMEDELTA_UNITS, DateTimePattern, format_timedelta, parse_pattern
from babel.support import NullTranslations
from flask import Flask, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from . import language
from .language import current_locale, request_translations
from .message_text import said_detail, say
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
    try:
        if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
            return current_user.language
    except SQLAlchemyError:  # a broken transaction (the error page of a failed request): the default
        pass
    return current_app.config["BABEL_DEFAULT_LOCALE"]


#: ``|moment(style)``: the long form for prose and facts, the short one for table cells (the time
#: zone then goes in the column header, see ``zone_name``; the long form in the ``<time>`` title).
MOMENT_PATTERNS = {"long": "d MMMM y, HH.mm", "date": "d MMMM y", "short": "d MMM y, HH.mm", "short-date": "d MMM y"}


_INDONESIAN = Locale.parse("id")
#: The fields of MOMENT_PATTERNS, written as babel writes them (tests/test_i18n.py compares);
#: ``names`` is the locale's month names by width, read once per pattern.
_FIELDS: dict[str, Callable[[date, dict[str, dict[int, str]]], str]] = {
    "d": lambda v, names: str(v.day), "y": lambda v, names: str(v.year),
    "HH": lambda v, names: f"{v.hour:02d}", "mm": lambda v, names: f"{v.minute:02d}",
    "MMM": lambda v, names: names["abbreviated"][v.month],
    "MMMM": lambda v, names: names["wide"][v.month],
}


def _writer(pattern: str, locale: Locale) -> Callable[[date], str]:
    """``pattern`` written in ``locale`` (kept by ``_writer_for``). babel's ``format_datetime`` parses the pattern and the
    locale's name and builds a formatter object on every call; a page shows a couple of hundred
    moments, so the parsed pattern is kept and its few fields are filled in directly."""
    parsed: DateTimePattern = parse_pattern(pattern)
    keys = re.findall(r"%\((\w+)\)s", parsed.format)
    if not all(k in _FIELDS for k in keys):  # a field not written here: babel writes it
        return lambda value: parsed.apply(value, locale)
    fields = [(k, _FIELDS[k]) for k in keys]
    names = {width: dict(locale.months["format"][width]) for width in ("abbreviated", "wide")}
    return lambda value: parsed.format % {k: write(value, names) for k, write in fields}


#: (pattern, locale's parts) -> writer: flask_babel parses a new Locale object per request, and
#: lru_cache on one would hash it and run its five-attribute __eq__ on every moment.
_WRITERS: dict[tuple, Callable[[date], str]] = {}


def _writer_for(pattern: str, locale: Locale) -> Callable[[date], str]:
    key = (pattern, locale.language, locale.territory, locale.script, locale.variant)
    writer = _WRITERS.get(key)
    if writer is None:
        writer = _WRITERS[key] = _writer(pattern, locale)
    return writer


def zone_name() -> str:
    """The office time zone's abbreviation (``WIB``), or its name where it has none."""
    return _abbreviation(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _abbreviation(tzname: str) -> str:
    return ZONE_ABBREVIATIONS.get(tzname, tzname)


def format_moment(value: datetime | date | None, style: str | bool = "long") -> str:
    """A moment in the office's time zone, the Indonesian way.

    ``long`` (default): ``27 November 2026, 14.30 WIB``; ``date``: ``27 November 2026``;
    ``short``: ``27 Nov 2026, 14.30`` (no zone: say it once, in the column header);
    ``short-date``: ``27 Nov 2026``. ``True``/``False`` mean ``long``/``date`` (``with_time``).
    A plain ``date`` (a form's ISO date) has no time and no zone: ``date`` or ``short-date``.
    """
    if value is None:
        return "—"
    style = {True: "long", False: "date"}.get(style, style) if isinstance(style, bool) else style
    return format_moments(value, (style,))[0]


def format_moments(value: datetime | date, styles: tuple[str, ...]) -> list[str]:
    """``value`` in each of ``styles`` (see ``format_moment``), the language and the office's
    zone looked up once: a table cell shows the short form with the long one as its title."""
    for style in styles:
        if style not in MOMENT_PATTERNS:
            raise ValueError(f"unknown moment style {style!r}; one of {', '.join(MOMENT_PATTERNS)}")
    locale = current_locale() or _INDONESIAN
    if not isinstance(value, datetime):  # a calendar day: nothing to convert
        return [_writer_for(MOMENT_PATTERNS["short-date" if style.startswith("short") else "date"], locale)(value)
                for style in styles]
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    local = value.astimezone(ZoneInfo(zone))
    return [_writer_for(MOMENT_PATTERNS[style], locale)(local) + (" " + _abbreviation(zone) if style == "long" else "")
            for style in styles]


def format_minutes(minutes: int | None) -> str:
    """Working minutes as the SOP writes them: ``3 hari kerja``, ``120 menit``, ``1 hari kerja 30 menit``."""
    if minutes is None:
        return "—"
    minutes = int(round(minutes))  # a median may fall between two minutes
    per_day = current_app.extensions["alur_engine_config"].minutes_per_day if current_app else 8 * 60
    return _minutes_text(minutes, per_day, request_translations())


@lru_cache(maxsize=4096)
def _minutes_text(minutes: int, per_day: int, translations: NullTranslations) -> str:
    """Kept per catalog: a report writes the same few standard times and medians in every row."""
    days, rest = divmod(minutes, per_day)
    parts = []
    if days:
        parts.append(translations.ungettext("%(num)d hari kerja", "%(num)d hari kerja", days) % {"num": days})
    if rest or not days:
        parts.append(translations.ungettext("%(num)d menit", "%(num)d menit", rest) % {"num": rest})
    return " ".join(parts)


#: An age switches to the next larger unit from 1.1 of it ("8 hari", then "1 minggu" from 7.7 days).
AGE_THRESHOLD = 1.1
#: (language, unit, number) -> the words babel wrote for them.
_AGES: dict[tuple[str, str, int], str] = {}


def format_age(delta: timedelta) -> str:
    """How long ``delta`` is, in its largest unit, as babel's ``format_timedelta`` says it
    ("3 hari", "2 minggu"). Its words depend only on the language, the unit and the rounded
    number, chosen here as babel chooses them, so each is asked of babel once: a list of cases
    says one in every row, and babel looks the locale's patterns up on every call."""
    locale = current_locale() or _INDONESIAN
    seconds = abs(delta.total_seconds())
    for unit, per_unit in TIMEDELTA_UNITS:
        value = seconds / per_unit
        if value >= AGE_THRESHOLD or unit == "second":
            if unit == "second" and value > 0:
                value = max(1, value)
            key = (str(locale), unit, int(round(value)))
            text = _AGES.get(key)
            if text is None:
                if len(_AGES) > 4096:  # bounded: a few units and numbers per language in practice
                    _AGES.clear()
                text = _AGES[key] = format_timedelta(delta, threshold=AGE_THRESHOLD, locale=locale)
            return text
    return ""  # not reached: "second" always answers


def format_size(n: int) -> str:
    """A file's size: ``193 B``, ``12 KB``, ``3.4 MB``."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{int(n / 1024 + 0.5)} KB"
    return f"{n} B"


def lang_url(code: str) -> str:
    """This page in another language: the same path and query, with ``lang`` set."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", code)]
    return request.path + "?" + urlencode(args)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="translations")
    language.install(app)
    app.jinja_env.filters["moment"] = format_moment
    app.jinja_env.filters["minutes"] = format_minutes
    app.jinja_env.filters["filesize"] = format_size
    app.jinja_env.filters["engine_text"] = say  # a refusal, problem or message in the page's language
    app.jinja_env.filters["detail_text"] = said_detail  # an audit event's message, by its code
    app.jinja_env.globals["zone_name"] = zone_name  # a global: imported macros see it too

    @app.context_processor
    def language_context():
        return {"current_locale": str(get_locale() or "id"), "languages": app.config["LANGUAGES"],
                "lang_url": lang_url}
