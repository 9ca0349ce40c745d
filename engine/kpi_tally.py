"""The Laporan Kinerja's running tallies (table ``kpi_tallies``), kept in each completion's transaction.

The report must not grow with history: reading every completion ever to draw one page took
seconds at 50,000 cases (issue 12). Instead each completion adds one to a cell
(process version, office day, step, realisation); a report of any period sums the cells of its
days. The realisation is kept to 3 significant digits (exact below 1,000 working minutes; round
figures such as 1,440 or 43,200 stay exact; otherwise at most 0.5 % low), so medians and the
90th percentile come from the cells' counts, with a bounded number of cells per step and day
whatever the number of cases.
"""
from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime
from typing import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .calendar import WorkingCalendar
from .models import KpiTally, TaskRecord

SIGNIFICANT_DIGITS = 3


def bucket(minutes: int) -> int:
    """``minutes`` rounded down to 3 significant digits: 999 → 999, 1234 → 1230, 43210 → 43200."""
    minutes = max(int(minutes or 0), 0)
    digits = len(str(minutes))
    if digits <= SIGNIFICANT_DIGITS:
        return minutes
    unit = 10 ** (digits - SIGNIFICANT_DIGITS)
    return minutes - minutes % unit


def office_day(moment: datetime, calendar: WorkingCalendar) -> str:
    return moment.astimezone(calendar.tz).date().isoformat()


def _upsert(session: Session, cells: list[dict]) -> None:
    """Add each cell's counts to its row, creating it if new, in one statement per cell that is
    safe against a concurrent completion adding to the same cell (ON CONFLICT … DO UPDATE)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = KpiTally.__table__
    for cell in cells:
        statement = insert(table).values(**cell)
        statement = statement.on_conflict_do_update(
            index_elements=["definition_id", "day", "bpmn_id", "minutes"],
            set_={name: table.c[name] + statement.excluded[name]
                  for name in ("completions", "on_time", "sent_back")})
        session.execute(statement)


def record_completion(session: Session, calendar: WorkingCalendar, row: TaskRecord, now: datetime,
                      minutes: int, new_task_ids: Iterable[str]) -> None:
    """Count one completion of ``row``. It sent work back when a step that became ready with it
    had already been completed in this case (a review that asked for changes)."""
    new_ids = list(new_task_ids)
    sent_back = 0
    if new_ids:
        reopened = select(TaskRecord.bpmn_id).where(TaskRecord.id.in_(new_ids))
        sent_back = int(bool(session.scalar(select(func.count()).where(
            TaskRecord.instance_id == row.instance_id, TaskRecord.state == "completed",
            TaskRecord.id != row.id, TaskRecord.bpmn_id.in_(reopened)))))
    on_time = int(row.due_at is not None and now <= row.due_at)
    _upsert(session, [{"definition_id": row.definition_id, "day": office_day(now, calendar),
                       "bpmn_id": row.bpmn_id, "minutes": bucket(minutes), "completions": 1,
                       "on_time": on_time, "sent_back": sent_back}])


def rebuild(session: Session, calendar: WorkingCalendar) -> int:
    """Recount every tally from the task index (after a restore, or for a database that predates
    the tallies). Returns the number of completions counted. Does not commit."""
    session.execute(delete(KpiTally))
    cells: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    seen: dict[int, dict[str, datetime]] = {}
    reopening: dict[tuple[int, datetime], bool] = {}
    rows = session.execute(
        select(TaskRecord.instance_id, TaskRecord.definition_id, TaskRecord.bpmn_id, TaskRecord.state,
               TaskRecord.created_at, TaskRecord.completed_at, TaskRecord.due_at, TaskRecord.actual_minutes)
        .order_by(TaskRecord.instance_id, TaskRecord.created_at)).all()
    # A step that became ready at the moment another completed, and had been completed before in
    # its case, was sent back by that completion (a completion and its next steps share a time).
    for instance_id, _, bpmn_id, _, created_at, completed_at, _, _ in rows:
        done = seen.setdefault(instance_id, {})
        if bpmn_id in done and done[bpmn_id] <= created_at:
            reopening[(instance_id, created_at)] = True
        if completed_at is not None:
            first = done.get(bpmn_id)
            done[bpmn_id] = completed_at if first is None else min(first, completed_at)
    counted = 0
    for instance_id, definition_id, bpmn_id, state, _, completed_at, due_at, minutes in rows:
        if state != "completed" or completed_at is None:
            continue
        cell = cells[(definition_id, office_day(completed_at, calendar), bpmn_id, bucket(minutes or 0))]
        cell[0] += 1
        cell[1] += int(due_at is not None and completed_at <= due_at)
        cell[2] += int(reopening.get((instance_id, completed_at), False))
        counted += 1
    _upsert(session, [{"definition_id": d, "day": day, "bpmn_id": b, "minutes": m, "completions": n,
                       "on_time": t, "sent_back": s} for (d, day, b, m), (n, t, s) in cells.items()])
    return counted


class StepFigures:
    """The tallies of one step over a period, with order statistics read from the counts."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = defaultdict(int)
        self.completions = 0
        self.on_time = 0
        self.sent_back = 0

    def add(self, minutes: int, completions: int, on_time: int, sent_back: int) -> None:
        self.counts[minutes] += completions
        self.completions += completions
        self.on_time += on_time
        self.sent_back += sent_back

    def _nth(self, rank: int) -> int:
        """The realisation of the ``rank``-th fastest completion (0-based)."""
        seen = 0
        for minutes in sorted(self.counts):
            seen += self.counts[minutes]
            if rank < seen:
                return minutes
        raise IndexError(rank)

    def median(self) -> float | None:
        n = self.completions
        if not n:
            return None
        if n % 2:
            return float(self._nth(n // 2))
        return (self._nth(n // 2 - 1) + self._nth(n // 2)) / 2

    def percentile(self, p: float) -> int | None:
        """Nearest rank: the least realisation that ``p`` % of the completions did not exceed."""
        if not self.completions:
            return None
        return self._nth(max(math.ceil(p / 100 * self.completions), 1) - 1)


def step_figures(session: Session, definition_ids: list[int], since: date | None, until: date | None
                 ) -> dict[str, StepFigures]:
    """Figures per BPMN id over the versions ``definition_ids`` and the office days of the period."""
    query = select(KpiTally.bpmn_id, KpiTally.minutes, func.sum(KpiTally.completions),
                   func.sum(KpiTally.on_time), func.sum(KpiTally.sent_back)).where(
        KpiTally.definition_id.in_(definition_ids))
    if since:
        query = query.where(KpiTally.day >= since.isoformat())
    if until:
        query = query.where(KpiTally.day <= until.isoformat())
    figures: dict[str, StepFigures] = defaultdict(StepFigures)
    for bpmn_id, minutes, completions, on_time, sent_back in session.execute(
            query.group_by(KpiTally.bpmn_id, KpiTally.minutes)):
        figures[bpmn_id].add(minutes, int(completions or 0), int(on_time or 0), int(sent_back or 0))
    return figures
