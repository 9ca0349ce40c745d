"""The Laporan Kinerja's running figures (table ``kpi_histograms``), kept in each completion's transaction.

The report must not grow with history: reading every completion ever to draw one page took
seconds at 50,000 cases (issue 12), and a tally cell per distinct realisation still grew to nearly
a row per completion once realisations spread over many days. So each step of each process version
has one row per office year, one per office month and one per office day, each holding its counts
and a fixed-size histogram of realisations in log buckets. A completion adds itself to its year's,
its month's and its day's rows in one upsert; a report of any period reads the rows of the years it
covers fully, the months beside them and the days at its edges: per step at most one row a year,
22 months and 60 days, whatever the number of cases.

Accuracy: realisations up to :data:`EXACT_UP_TO` working minutes are kept exactly; above, a bucket
spans a factor :data:`GAMMA` and reads back as the value in its middle (relative error at most
(GAMMA − 1) / (GAMMA + 1) ≈ 0.99 %), so a median or 90th percentile read from the histograms is
within 1 % of the exact one, plus half a minute from rounding it to a whole minute.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterable, Iterator, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, insert, or_, select, text
from sqlalchemy.orm import Session

from .calendar import WorkingCalendar
from .models import KpiHistogram, TaskRecord

#: Realisations up to this many working minutes have a bucket each.
EXACT_UP_TO = 100
#: Above it, bucket ``EXACT_UP_TO + j`` holds (EXACT_UP_TO·GAMMA^(j−1), EXACT_UP_TO·GAMMA^j].
GAMMA = 1.02
#: Realisations beyond this (190 years of office hours) count in the last bucket.
MAX_MINUTES = 10 ** 8
#: The number of buckets: the most entries a row's histogram can hold.
BUCKETS = EXACT_UP_TO + math.ceil(math.log(MAX_MINUTES / EXACT_UP_TO) / math.log(GAMMA)) + 1
_LOG_GAMMA = math.log(GAMMA)


def bucket(minutes: int) -> int:
    """The histogram bucket of a realisation of ``minutes`` working minutes."""
    minutes = min(max(int(minutes or 0), 0), MAX_MINUTES)
    if minutes <= EXACT_UP_TO:
        return minutes
    # the tiny allowance keeps an exact bucket edge (102 = 100·1.02) in its own bucket
    return EXACT_UP_TO + max(math.ceil(math.log(minutes / EXACT_UP_TO) / _LOG_GAMMA - 1e-9), 1)


def bucket_value(index: int) -> float:
    """The realisation a bucket reads back as: exact up to EXACT_UP_TO, else the value whose
    relative distance to both ends of the bucket is the same."""
    if index <= EXACT_UP_TO:
        return float(index)
    upper = EXACT_UP_TO * GAMMA ** (index - EXACT_UP_TO)
    return 2 * upper / (1 + GAMMA)


def office_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


# One statement adds a completion to its year's, month's and day's rows (created if new). The row lock
# the update takes is what keeps two completions of the same step from losing one another's count.
_UPSERT = {
    "sqlite": text(
        "INSERT INTO kpi_histograms (definition_id, kind, period, bpmn_id, completions, on_time, sent_back, counts) "
        "VALUES (:d, 'y', :year, :b, 1, :t, :s, json_object(:k, 1)), (:d, 'm', :month, :b, 1, :t, :s, json_object(:k, 1)), "
        "(:d, 'd', :day, :b, 1, :t, :s, json_object(:k, 1)) "
        "ON CONFLICT (definition_id, kind, period, bpmn_id) DO UPDATE SET "
        "completions = completions + 1, on_time = on_time + excluded.on_time, "
        "sent_back = sent_back + excluded.sent_back, "
        "counts = json_set(counts, '$.\"' || :k || '\"', coalesce(json_extract(counts, '$.\"' || :k || '\"'), 0) + 1)"),
    "postgresql": text(
        "INSERT INTO kpi_histograms (definition_id, kind, period, bpmn_id, completions, on_time, sent_back, counts) "
        "VALUES (:d, 'y', :year, :b, 1, :t, :s, jsonb_build_object(CAST(:k AS text), 1)), "
        "(:d, 'm', :month, :b, 1, :t, :s, jsonb_build_object(CAST(:k AS text), 1)), "
        "(:d, 'd', :day, :b, 1, :t, :s, jsonb_build_object(CAST(:k AS text), 1)) "
        "ON CONFLICT (definition_id, kind, period, bpmn_id) DO UPDATE SET "
        "completions = kpi_histograms.completions + 1, "
        "on_time = kpi_histograms.on_time + excluded.on_time, "
        "sent_back = kpi_histograms.sent_back + excluded.sent_back, "
        "counts = jsonb_set(kpi_histograms.counts, ARRAY[CAST(:k AS text)], to_jsonb(coalesce("
        "CAST(kpi_histograms.counts ->> CAST(:k AS text) AS integer), 0) + 1))"),
}


def add(session: Session, definition_id: int, bpmn_id: str, day: date, minutes: int, *,
        on_time: bool, sent_back: bool) -> None:
    """Count one completion of ``bpmn_id`` on office day ``day`` that took ``minutes``."""
    session.execute(_UPSERT[session.get_bind().dialect.name], {
        "d": definition_id, "b": bpmn_id, "year": day.isoformat()[:4], "month": day.isoformat()[:7], "day": day.isoformat(),
        "t": int(on_time), "s": int(sent_back), "k": str(bucket(minutes))})


def record_completion(session: Session, calendar: WorkingCalendar, row: TaskRecord, now: datetime,
                      minutes: int, sent_back: bool) -> None:
    """Count one completion of ``row``. ``sent_back``: a step that became ready with it had already
    been completed in this case by another completion (a review that asked for changes); the task
    index knows it as it numbers the new rows' rounds (``reopened``, engine/task_index.py)."""
    add(session, row.definition_id, row.bpmn_id, office_day(now, calendar.tz), minutes,
        on_time=row.due_at is not None and now <= row.due_at, sent_back=sent_back)


# -- counting from the task rows (a restore, the migration) ------------------------------------

@dataclass
class Cell:
    """One row being counted: its figures and its histogram."""

    completions: int = 0
    on_time: int = 0
    sent_back: int = 0
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, minutes: int, on_time: bool, sent_back: bool) -> None:
        self.completions += 1
        self.on_time += int(on_time)
        self.sent_back += int(sent_back)
        self.counts[str(bucket(minutes))] += 1


#: The columns :func:`cells_from_task_rows` reads, in this order, ordered by case and creation.
TASK_COLUMNS = ("instance_id", "definition_id", "bpmn_id", "state", "created_at", "completed_at",
                "due_at", "actual_minutes")


def _one_case(rows: list[Sequence], tz: ZoneInfo, cells: dict[tuple, Cell]) -> int:
    # A step that became ready at the moment another completed, and had been completed before in
    # its case, was sent back by that completion (a completion and its next steps share a time).
    done: dict[str, datetime] = {}
    reopening: set[datetime] = set()
    for _, _, bpmn_id, _, created_at, completed_at, _, _ in rows:
        if bpmn_id in done and done[bpmn_id] <= created_at:
            reopening.add(created_at)
        if completed_at is not None:
            first = done.get(bpmn_id)
            done[bpmn_id] = completed_at if first is None else min(first, completed_at)
    counted = 0
    for _, definition_id, bpmn_id, state, _, completed_at, due_at, minutes in rows:
        if state != "completed" or completed_at is None:
            continue
        day = office_day(completed_at, tz).isoformat()
        on_time = due_at is not None and completed_at <= due_at
        for kind, period in (("y", day[:4]), ("m", day[:7]), ("d", day)):
            cells[(definition_id, kind, period, bpmn_id)].add(minutes or 0, on_time, completed_at in reopening)
        counted += 1
    return counted


def cells_from_task_rows(rows: Iterable[Sequence], tz: ZoneInfo) -> tuple[dict[tuple, Cell], int]:
    """The rows of ``kpi_histograms`` (keyed by definition, kind, period, step) that the task rows
    ``rows`` (columns :data:`TASK_COLUMNS`, ordered by case and creation) give, and the number of
    completions counted. Holds one case's rows at a time."""
    cells: dict[tuple, Cell] = defaultdict(Cell)
    counted = 0
    case: list[Sequence] = []
    for row in rows:
        if case and case[0][0] != row[0]:
            counted += _one_case(case, tz, cells)
            case = []
        case.append(row)
    if case:
        counted += _one_case(case, tz, cells)
    return cells, counted


def cell_rows(cells: dict[tuple, Cell]) -> Iterator[dict]:
    for (definition_id, kind, period, bpmn_id), cell in cells.items():
        yield {"definition_id": definition_id, "kind": kind, "period": period, "bpmn_id": bpmn_id,
               "completions": cell.completions, "on_time": cell.on_time, "sent_back": cell.sent_back,
               "counts": dict(cell.counts)}


def rebuild(session: Session, calendar: WorkingCalendar) -> int:
    """Recount every row from the task index (after a restore, or for a database that predates
    them). Returns the number of completions counted. Does not commit."""
    session.execute(delete(KpiHistogram))
    columns = [getattr(TaskRecord, name) for name in TASK_COLUMNS]
    rows = session.execute(select(*columns).order_by(TaskRecord.instance_id, TaskRecord.created_at)
                           .execution_options(yield_per=5000))
    cells, counted = cells_from_task_rows(rows, calendar.tz)
    batch: list[dict] = []
    for values in cell_rows(cells):
        batch.append(values)
        if len(batch) == 1000:
            session.execute(insert(KpiHistogram), batch)
            batch = []
    if batch:
        session.execute(insert(KpiHistogram), batch)
    return counted


# -- reading a period ----------------------------------------------------------------------------

def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _ranges(head: tuple | None, tail: tuple | None) -> list[tuple]:
    """The edge ranges of a period, one range when both lie in the same larger unit."""
    if head and tail and tail[0] <= head[1]:
        return [(head[0], tail[1])]
    return [r for r in (head, tail) if r]


@dataclass(frozen=True)
class PeriodParts:
    """A period as the years it covers fully (``years``: first and last, either end open as None;
    None: no full year), the ranges of full months beside them and the ranges of days at its edges
    (ISO strings, both ends included)."""

    years: tuple[str | None, str | None] | None
    months: tuple[tuple[str, str], ...]
    days: tuple[tuple[str, str], ...]


def period_parts(since: date | None, until: date | None) -> PeriodParts:
    """``since`` and ``until`` (office days, both included; None: open) as full years, full months
    and edge days: every day of the period in exactly one part."""
    # days at the edges, and the months between them (first day of the first, last day of the last)
    head = (since, min(until, _month_end(since)) if until else _month_end(since)) \
        if since and since.day != 1 else None
    tail = (max(since, until.replace(day=1)) if since else until.replace(day=1), until) \
        if until and until != _month_end(until) else None
    m_first = _month_end(since) + timedelta(days=1) if head else since
    m_last = until.replace(day=1) - timedelta(days=1) if tail else until
    days = [(a.isoformat(), b.isoformat()) for a, b in _ranges(head, tail)]
    if m_first and m_last and m_first > m_last:
        return PeriodParts(None, (), tuple(days))
    # months at the edges of those, and the years between them
    head = (m_first, min(m_last, m_first.replace(month=12, day=31)) if m_last else m_first.replace(month=12, day=31)) \
        if m_first and m_first.month != 1 else None
    tail = (max(m_first, m_last.replace(month=1, day=1)) if m_first else m_last.replace(month=1, day=1), m_last) \
        if m_last and m_last.month != 12 else None
    y_first = date(m_first.year + 1, 1, 1) if head else m_first
    y_last = date(m_last.year - 1, 12, 31) if tail else m_last
    months = [(a.isoformat()[:7], b.isoformat()[:7]) for a, b in _ranges(head, tail)]
    years = None if y_first and y_last and y_first > y_last else (
        y_first and str(y_first.year), y_last and str(y_last.year))
    return PeriodParts(years, tuple(months), tuple(days))


def period_rows(session: Session, definition_ids: list[int], since: date | None, until: date | None
                ) -> list[tuple[str, int, int, int, dict]]:
    """The rows (step, completions, on time, sent back, histogram) that make up the period."""
    parts = period_parts(since, until)
    wanted = []
    if parts.years is not None:
        first, last = parts.years
        year = [KpiHistogram.kind == "y"]
        if first:
            year.append(KpiHistogram.period >= first)
        if last:
            year.append(KpiHistogram.period <= last)
        wanted.append(and_(*year))
    for kind, ranges in (("m", parts.months), ("d", parts.days)):
        for first, last in ranges:
            wanted.append(and_(KpiHistogram.kind == kind, KpiHistogram.period.between(first, last)))
    if not wanted or not definition_ids:
        return []
    return [tuple(r) for r in session.execute(
        select(KpiHistogram.bpmn_id, KpiHistogram.completions, KpiHistogram.on_time, KpiHistogram.sent_back,
               KpiHistogram.counts)
        .where(KpiHistogram.definition_id.in_(definition_ids), or_(*wanted)))]


class StepFigures:
    """The figures of one step over a period, with order statistics read from its histogram."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = defaultdict(int)
        self.completions = 0
        self.on_time = 0
        self.sent_back = 0

    def add(self, completions: int, on_time: int, sent_back: int, counts: dict) -> None:
        for index, n in counts.items():
            self.counts[int(index)] += int(n)
        self.completions += completions
        self.on_time += on_time
        self.sent_back += sent_back

    def _nth(self, rank: int) -> float:
        """The realisation of the ``rank``-th fastest completion (0-based)."""
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if rank < seen:
                return bucket_value(index)
        raise IndexError(rank)

    def median(self) -> float | None:
        n = self.completions
        if not n:
            return None
        middle = self._nth(n // 2) if n % 2 else (self._nth(n // 2 - 1) + self._nth(n // 2)) / 2
        return float(round(middle * 2) / 2)  # whole minutes, or a half between two of them

    def percentile(self, p: float) -> int | None:
        """Nearest rank: the least realisation that ``p`` % of the completions did not exceed."""
        if not self.completions:
            return None
        return round(self._nth(max(math.ceil(p / 100 * self.completions), 1) - 1))


def step_figures(session: Session, definition_ids: list[int], since: date | None, until: date | None
                 ) -> dict[str, StepFigures]:
    """Figures per BPMN id over the versions ``definition_ids`` and the office days of the period."""
    figures: dict[str, StepFigures] = defaultdict(StepFigures)
    for bpmn_id, completions, on_time, sent_back, counts in period_rows(session, definition_ids, since, until):
        figures[bpmn_id].add(int(completions or 0), int(on_time or 0), int(sent_back or 0), counts or {})
    return figures
