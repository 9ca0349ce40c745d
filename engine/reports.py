"""Laporan Kinerja: per step, the standard time (target) against the actual time (realisation)."""
from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .calendar import WorkingCalendar
from .models import ProcessDefinition, TaskRecord
from .runtime import compiled


def kpi_by_step(session: Session, calendar: WorkingCalendar, process_key: str | None = None,
                since: date | None = None, until: date | None = None) -> list[dict[str, Any]]:
    """One row per step of each process's latest version (or of ``process_key``), in step order.

    ``median_minutes`` is working minutes from ready to completed; ``on_time_ratio`` is the share
    of completions at or before their due time (null when nothing is completed yet). ``since`` and
    ``until`` keep the completions of those office days (both included, in the office's time zone):
    a quarter's report.
    """
    completed_in = []
    if since:
        completed_in.append(TaskRecord.completed_at >= datetime.combine(since, time.min, calendar.tz))
    if until:
        completed_in.append(TaskRecord.completed_at < datetime.combine(until + timedelta(days=1), time.min,
                                                                       calendar.tz))
    newest = (select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("v"))
              .group_by(ProcessDefinition.key).subquery())
    query = select(ProcessDefinition).join(
        newest, (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.v))
    if process_key:
        query = query.where(ProcessDefinition.key == process_key)
    rows: list[dict[str, Any]] = []
    for definition in session.scalars(query.order_by(ProcessDefinition.key)):
        cd = compiled(definition)
        ids_of_key = select(ProcessDefinition.id).where(ProcessDefinition.key == definition.key)
        actual: dict[str, list[int]] = defaultdict(list)
        on_time: dict[str, int] = defaultdict(int)
        for bpmn_id, minutes, due, done in session.execute(
                select(TaskRecord.bpmn_id, TaskRecord.actual_minutes, TaskRecord.due_at, TaskRecord.completed_at)
                .where(TaskRecord.definition_id.in_(ids_of_key), TaskRecord.state == "completed", *completed_in)):
            actual[bpmn_id].append(minutes or 0)
            if due is None or (done is not None and done <= due):
                on_time[bpmn_id] += 1
        metas = sorted(cd.tasks.values(), key=lambda m: (m.step is None, m.step or 0, m.name))
        for meta in metas:
            values = actual.get(meta.bpmn_id, [])
            target = calendar.duration_minutes(meta.duration)
            rows.append({
                "process_key": definition.key, "step": meta.step, "name": meta.name, "lane": meta.lane,
                "target_minutes": target, "count": len(values),
                "median_minutes": statistics.median(values) if values else None,
                "on_time_ratio": round(on_time[meta.bpmn_id] / len(values), 4) if values else None,
            })
    return rows
