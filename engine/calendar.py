"""Working time: the office's working days and hours in its time zone (by default Monday–Friday,
08:00–16:00, Asia/Jakarta), minus Indonesian public holidays and the extra days an admin adds.

Standard times in the SOP ("3 hari", "120 menit") are working time. ``P3D`` is three working
days (3 × the office day), ``PT120M`` is 120 working minutes. A weekday may keep shorter hours of
its own (a 5½-day week: Saturday 07:30–12:00); a working day is always counted as it is kept.

The office's settings come from the environment at the edge (``ALUR_TIMEZONE``,
``ALUR_OFFICE_HOURS``, ``ALUR_WORKING_DAYS``; see :func:`office_hours` and :func:`office_week`).
"""
from __future__ import annotations

import functools
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import isodate

from .messages import Message

#: The longest standard time or timer duration a diagram may give: three years. Longer ones are
#: refused at deploy (a due time decades away is a typo, and past what the calendar can count).
MAX_DURATION_DAYS = 3 * 366


def duration_problem(text: str) -> Message | None:
    """Why ``text`` is not a usable ISO 8601 duration (``P3D``, ``PT120M``), or None."""
    value = (text or "").strip()
    try:
        parsed = isodate.parse_duration(value)
    except (isodate.ISO8601Error, ValueError, OverflowError, ArithmeticError):
        return Message("duration.not_iso", value=value[:60])
    if not value.startswith("P"):
        return Message("duration.not_iso", value=value[:60])
    if isinstance(parsed, isodate.Duration):
        days = float(parsed.years) * 366 + float(parsed.months) * 31 + parsed.tdelta.total_seconds() / 86400
    else:
        days = parsed.total_seconds() / 86400
    if days < 0:
        return Message("duration.negative", value=value[:60])
    if days > MAX_DURATION_DAYS:
        return Message("duration.too_long", value=value[:60], n=MAX_DURATION_DAYS)
    return None


@functools.lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=year).keys())


def national_holidays(year: int, language: str = "id") -> list[tuple[date, str]]:
    """Indonesia's public holidays of ``year`` (from the ``holidays`` package), by date, named in
    ``language`` (``id`` or ``en``): what the calendar leaves out besides the admin's extra days."""
    found = holidays.country_holidays("ID", years=year, language="id" if language == "id" else "en_US")
    return sorted(found.items())


#: Weekday words in ``ALUR_WORKING_DAYS``: English and Indonesian, Monday first.
WEEKDAY_WORDS = ({"mon", "monday", "sen", "senin"}, {"tue", "tuesday", "sel", "selasa"},
                 {"wed", "wednesday", "rab", "rabu"}, {"thu", "thursday", "kam", "kamis"},
                 {"fri", "friday", "jum", "jumat"}, {"sat", "saturday", "sab", "sabtu"},
                 {"sun", "sunday", "min", "minggu", "ahad"})
_HOURS = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*-\s*(\d{1,2})[:.](\d{2})\s*$")
#: (start, end) of an office day
Hours = tuple[time, time]
#: Each weekday's office hours, Monday first; None for a day off.
Week = tuple[Hours | None, ...]


def office_hours(text: str) -> Hours:
    """``"07:30-16:00"`` → (07:30, 16:00); ValueError saying what is wrong otherwise."""
    m = _HOURS.match(text or "")
    if not m:
        raise ValueError(f"office hours '{text}' are not like 07:30-16:00")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"office hours '{text}' are not times of day")
    start, end = time(h1, m1), time(23, 59) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"office hours '{text}' end before they start")
    return start, end


def _weekday(word: str) -> int:
    word = word.strip().lower()
    for number, words in enumerate(WEEKDAY_WORDS):
        if word in words:
            return number
    raise ValueError(f"'{word}' is not a weekday (mon … sun, or senin … minggu)")


def office_week(text: str, hours: Hours) -> Week:
    """The working days and their hours from ``ALUR_WORKING_DAYS``: comma-separated days or day
    ranges, each optionally with hours of its own, the others keeping ``hours``::

        mon-fri                          Monday to Friday (the default)
        mon-fri, sat 07:30-12:00         a 5½-day week
        mon-thu, fri 07:30-11:30         a short Friday
    """
    week: list[Hours | None] = [None] * 7
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        days, _sep, own = item.partition(" ")
        first, _dash, last = days.partition("-")
        a, b = _weekday(first), _weekday(last or first)
        if b < a:
            raise ValueError(f"'{days}' runs backwards; write the days Monday first")
        for d in range(a, b + 1):
            week[d] = office_hours(own) if own.strip() else hours
    if not any(week):
        raise ValueError(f"working days '{text}' name no day")
    return tuple(week)


def _minutes(hours: Hours) -> int:
    start, end = hours
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


class WorkingCalendar:
    def __init__(self, tz: str = "Asia/Jakarta", start: time = time(8, 0), end: time = time(16, 0),
                 extra_holidays: frozenset[date] | set[date] = frozenset(), week: Week | None = None) -> None:
        self.tz = ZoneInfo(tz)
        self.start = start
        self.end = end
        self.extra = frozenset(extra_holidays)
        #: each weekday's hours (Monday first), None on a day off
        self.week: Week = week or office_week("mon-fri", (start, end))
        #: one office day: what ``P1D`` and "1 hari" count (the regular hours, not a short day's)
        self.minutes_per_day = _minutes((start, end))

    def is_working_day(self, d: date) -> bool:
        return self.week[d.weekday()] is not None and d not in self.extra and d not in _national_holidays(d.year)

    def duration_minutes(self, duration: str | None) -> int | None:
        """Working minutes in an ISO 8601 duration; days count as office days."""
        if not duration:
            return None
        td = isodate.parse_duration(duration)
        if isinstance(td, isodate.Duration):  # months/years: count 22 office days a month
            days = int(td.years) * 12 * 22 + int(td.months) * 22 + td.tdelta.days
            seconds = td.tdelta.seconds
        else:
            days, seconds = td.days, td.seconds
        return days * self.minutes_per_day + seconds // 60

    def _day_bounds(self, d: date) -> tuple[datetime, datetime]:
        start, end = self.week[d.weekday()] or (self.start, self.end)
        return (datetime.combine(d, start, self.tz), datetime.combine(d, end, self.tz))

    def add(self, moment: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` working minutes after ``moment``."""
        local = moment.astimezone(self.tz)
        remaining = timedelta(minutes=minutes)
        d = local.date()
        cursor = local
        for _ in range(20000):
            if self.is_working_day(d):
                day_start, day_end = self._day_bounds(d)
                if cursor < day_start:
                    cursor = day_start
                if cursor < day_end:
                    available = day_end - cursor
                    if remaining <= available:
                        return (cursor + remaining).astimezone(timezone.utc)
                    remaining -= available
            d += timedelta(days=1)
            cursor = datetime.combine(d, time(0, 0), self.tz)
        raise ValueError("duration too long for the working calendar")

    def between(self, a: datetime, b: datetime) -> int:
        """Working minutes between two moments (0 if b is before a)."""
        if b <= a:
            return 0
        a, b = a.astimezone(self.tz), b.astimezone(self.tz)
        total = timedelta()
        d = a.date()
        while d <= b.date():
            if self.is_working_day(d):
                day_start, day_end = self._day_bounds(d)
                lo, hi = max(a, day_start), min(b, day_end)
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return int(total.total_seconds() // 60)
