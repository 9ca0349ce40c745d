"""Working time: Monday–Friday office hours in Asia/Jakarta, minus Indonesian public holidays.

Standard times in the SOP ("3 hari", "120 menit") are working time. ``P3D`` is three working
days (3 × the office day), ``PT120M`` is 120 working minutes.
"""
from __future__ import annotations

import functools
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


class WorkingCalendar:
    def __init__(self, tz: str = "Asia/Jakarta", start: time = time(8, 0), end: time = time(16, 0),
                 extra_holidays: frozenset[date] | set[date] = frozenset()) -> None:
        self.tz = ZoneInfo(tz)
        self.start = start
        self.end = end
        self.extra = frozenset(extra_holidays)
        self.minutes_per_day = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in self.extra and d not in _national_holidays(d.year)

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
        return (datetime.combine(d, self.start, self.tz), datetime.combine(d, self.end, self.tz))

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
