"""Standard times as offices write them ("3 hari", "120 menit", "1 jam", "2,5 jam kerja") and as
the BPMN stores them (ISO 8601: ``P3D``, ``PT120M``, ``PT1H``), in both directions.

Days, weeks and months are working time: a day is an office day, a week five of them, and a month
is kept as ``P1M`` (the working calendar counts it as 22 office days). Words are Indonesian, with
the English ones an office might also use.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import isodate

from .messages import Coded

#: unit word → (ISO designator, how many of it one unit is, is it a time part)
_UNITS: dict[str, tuple[str, int, bool]] = {}
for _words, _unit in (
    (("menit", "mnt", "minute", "minutes", "min"), ("M", 1, True)),
    (("jam", "hour", "hours"), ("H", 1, True)),
    (("hari", "hr", "day", "days", "hk"), ("D", 1, False)),
    (("minggu", "pekan", "week", "weeks"), ("D", 5, False)),
    (("bulan", "month", "months"), ("M", 1, False)),
):
    for _w in _words:
        _UNITS[_w] = _unit

_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]+(?:\s+kerja)?)", re.I)
_NONE = {"", "-", "–", "—", "tidak ada", "n/a", "na"}
#: Nothing longer than this is a standard time (the calendar refuses more anyway).
MAX_MINUTES = 5 * 366 * 24 * 60


class DurationWordsError(Coded, ValueError):
    """The text is not a duration alur understands; ``str()`` says what was expected."""


def parse_duration_words(text: str | None) -> str | None:
    """``"3 hari"`` → ``"P3D"``; ``"120 menit"`` → ``"PT120M"``; ``"1 jam 30 menit"`` → ``"PT90M"``;
    an ISO 8601 duration is returned as it is; ``"—"`` or empty → ``None``."""
    value = (text or "").strip().lower().rstrip(".")
    if value in _NONE:
        return None
    if value.upper().startswith("P"):
        try:
            isodate.parse_duration(value.upper())
        except (isodate.ISO8601Error, ValueError):
            raise DurationWordsError("duration_words.not_iso", text=text) from None
        return value.upper()
    days = minutes = months = Decimal(0)
    consumed = 0
    units_seen: set[str] = set()
    for m in _PART.finditer(value):
        unit = m.group(2).lower().removesuffix(" kerja").strip()
        if unit not in _UNITS:
            raise DurationWordsError("duration_words.bad_unit", unit=m.group(2), text=text)
        try:
            amount = Decimal(m.group(1).replace(",", "."))
        except InvalidOperation:
            raise DurationWordsError("duration_words.bad_number", number=m.group(1), text=text) from None
        designator, factor, is_time = _UNITS[unit]
        units_seen.add(designator + ("t" if is_time else ""))
        if is_time:
            minutes += amount * factor * (60 if designator == "H" else 1)
        elif designator == "M":
            months += amount
        else:
            days += amount * factor
        consumed += len(m.group(0))
    leftover = re.sub(r"[\s,+&]|dan|and", "", _PART.sub("", value))
    if consumed == 0 or leftover:
        raise DurationWordsError("duration_words.unknown", text=text)
    if months != months.to_integral_value():
        raise DurationWordsError("duration_words.months", text=text)
    if days != days.to_integral_value():  # half a day: in minutes of an 8-hour office day
        minutes += (days - days.to_integral_value()) * 8 * 60
        days = days.to_integral_value(rounding="ROUND_FLOOR")
    if minutes != minutes.to_integral_value():
        raise DurationWordsError("duration_words.minutes", text=text)
    if days * 8 * 60 + minutes + months * 22 * 8 * 60 > MAX_MINUTES:
        raise DurationWordsError("duration_words.too_long", text=text)
    if not (days or minutes or months):
        raise DurationWordsError("duration_words.zero", text=text)
    iso = "P" + (f"{int(months)}M" if months else "") + (f"{int(days)}D" if days else "")
    if minutes:  # kept in the writer's unit: "120 menit" stays PT120M
        in_hours = minutes % 60 == 0 and "Mt" not in units_seen
        iso += "T" + (f"{int(minutes // 60)}H" if in_hours else f"{int(minutes)}M")
    return iso


_ISO = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_WORDS = {"id": ("tahun", "bulan", "minggu", "hari kerja", "jam", "menit", "detik"),
          "en": ("year(s)", "month(s)", "week(s)", "working day(s)", "hour(s)", "minute(s)", "second(s)")}


def describe_duration(iso: str | None, language: str = "id") -> str:
    """``"P3D"`` → ``"3 hari kerja"`` (``"3 working day(s)"`` in English), ``"PT120M"`` →
    ``"120 menit"``: each part in the unit it was written in; other text is returned as it is."""
    m = _ISO.match((iso or "").strip().upper())
    if not m or not any(m.groups()):
        return iso or ""
    words = _WORDS.get((language or "id")[:2], _WORDS["id"])
    return " ".join(f"{int(n)} {w}" for n, w in zip(m.groups(), words) if n and int(n))
