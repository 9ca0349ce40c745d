"""The Laporan Kinerja's month and day histograms (engine/kpi_tally.py) on SQLite and PostgreSQL:
medians and 90th percentiles within the stated accuracy of the exact ones, for all time and for
periods that start and end inside months; the rows a report reads do not grow with the number of
completions; concurrent completions of one step lose no count; the migration counts the same
histograms from the task rows as the completions wrote."""
from __future__ import annotations

import math
import random
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine import kpi_tally
from engine.models import KpiHistogram
from helpers.kpi_clock import walk_at
from helpers.sop_walk import SOP_KEY

FIRST_DAY = date(2026, 1, 1)
DAYS = 120  # four months


def exact_median(values: list[int]) -> float:
    ordered, n = sorted(values), len(values)
    return ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def exact_percentile(values: list[int], p: float) -> int:
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


def near(got, exact) -> bool:
    """The accuracy engine/kpi_tally.py states: 1 %, and half a minute of rounding."""
    return abs(got - exact) <= 0.01 * exact + 0.5


def seed(svc, count: int, rng: random.Random) -> list[tuple[date, int, bool]]:
    """``count`` completions of step ``Step01`` spread over four months, realisations from a few
    minutes to months of office time (log-uniform); returns what was added."""
    definition = svc.latest_definition(SOP_KEY)
    added = []
    for _ in range(count):
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        minutes = int(math.exp(rng.uniform(0, math.log(200_000))))
        on_time = rng.random() < 0.7
        kpi_tally.add(svc.session, definition.id, "Step01", day, minutes, on_time=on_time, sent_back=False)
        added.append((day, minutes, on_time))
    svc.session.commit()
    return added


PERIODS = [(None, None), (date(2026, 1, 17), date(2026, 3, 9)), (date(2025, 12, 30), date(2026, 4, 30)), (date(2026, 2, 1), date(2026, 2, 28)),
           (date(2026, 2, 3), date(2026, 2, 20)), (None, date(2026, 2, 14)), (date(2026, 3, 31), None),
           (date(2026, 1, 1), date(2026, 1, 1))]


def test_figures_within_the_stated_accuracy(svc, any_db):
    rng = random.Random(12)
    added = seed(svc, 1500, rng)
    definition = svc.latest_definition(SOP_KEY)
    for since, until in PERIODS:
        kept = [(m, t) for d, m, t in added if (since is None or d >= since) and (until is None or d <= until)]
        figures = kpi_tally.step_figures(svc.session, [definition.id], since, until)["Step01"]
        values = [m for m, _ in kept]
        assert figures.completions == len(kept) and figures.on_time == sum(t for _, t in kept), (since, until)
        assert near(figures.median(), exact_median(values)), (since, until, figures.median(), exact_median(values))
        assert near(figures.percentile(90), exact_percentile(values, 90)), (since, until)
    # the report itself reads the same figures
    row = next(r for r in svc.kpi(SOP_KEY, since=date(2026, 1, 17), until=date(2026, 3, 9)) if r["bpmn_id"] == "Step01")
    values = [m for d, m, _ in added if date(2026, 1, 17) <= d <= date(2026, 3, 9)]
    assert row["count"] == len(values) and near(row["median_minutes"], exact_median(values))


def test_rows_read_do_not_grow_with_completions(svc, any_db):
    definition = svc.latest_definition(SOP_KEY)
    rng = random.Random(5)
    for day in range(DAYS):  # a completion every day: every row a report may read exists
        kpi_tally.add(svc.session, definition.id, "Step01", FIRST_DAY + timedelta(days=day), day,
                      on_time=True, sent_back=False)
    seed(svc, 200, rng)
    small = {p: len(kpi_tally.period_rows(svc.session, [definition.id], *p)) for p in PERIODS}
    seed(svc, 3000, rng)
    large = {p: len(kpi_tally.period_rows(svc.session, [definition.id], *p)) for p in PERIODS}
    assert large == small
    # all time: one row a year; a period inside a year: its months plus its edge days
    assert small[(None, None)] == 1
    assert small[(date(2026, 1, 17), date(2026, 3, 9))] == 1 + 15 + 9
    assert svc.session.scalar(select(KpiHistogram.counts).where(
        KpiHistogram.kind == "m", KpiHistogram.period == "2026-02")).__len__() <= kpi_tally.BUCKETS


def test_buckets_read_back_within_one_percent():
    worst = 0.0
    for minutes in list(range(0, 5000)) + [int(1.0007 ** k) for k in range(5000, 26000, 7)]:
        index = kpi_tally.bucket(minutes)
        assert 0 <= index < kpi_tally.BUCKETS
        value = kpi_tally.bucket_value(index)
        if minutes <= kpi_tally.EXACT_UP_TO:
            assert value == minutes
        else:
            worst = max(worst, abs(value - minutes) / minutes)
    assert worst <= (kpi_tally.GAMMA - 1) / (kpi_tally.GAMMA + 1) + 1e-12
    assert kpi_tally.bucket(10 ** 12) == kpi_tally.bucket(kpi_tally.MAX_MINUTES) == kpi_tally.BUCKETS - 1


def test_period_parts_cover_each_day_once():
    rng = random.Random(3)
    for _ in range(600):
        since = date(2023, 11, 1) + timedelta(days=rng.randrange(400))
        until = since + timedelta(days=rng.choice([rng.randrange(40), rng.randrange(1200)]))
        parts = kpi_tally.period_parts(since, until)
        covered = []
        if parts.years:
            first, last = parts.years
            day = date(int(first), 1, 1)
            while day.year <= int(last):
                covered.append(day)
                day += timedelta(days=1)
        for first, last in parts.months:
            day = date.fromisoformat(first + "-01")
            while day.isoformat()[:7] <= last:
                covered.append(day)
                day += timedelta(days=1)
        for first, last in parts.days:
            day = date.fromisoformat(first)
            while day <= date.fromisoformat(last):
                covered.append(day)
                day += timedelta(days=1)
        assert sorted(covered) == [since + timedelta(days=i) for i in range((until - since).days + 1)]
        assert len(parts.days) <= 2 and len(parts.months) <= 2
        assert sum(1 for a, b in parts.days for _ in range((date.fromisoformat(b) - date.fromisoformat(a)).days + 1)) <= 60
    # open ends: everything before (after) in whole years where possible
    assert kpi_tally.period_parts(None, None) == kpi_tally.PeriodParts((None, None), (), ())
    assert kpi_tally.period_parts(None, date(2026, 3, 9)) == kpi_tally.PeriodParts(
        (None, "2025"), (("2026-01", "2026-02"),), (("2026-03-01", "2026-03-09"),))
    assert kpi_tally.period_parts(date(2026, 11, 2), None) == kpi_tally.PeriodParts(
        ("2027", None), (("2026-12", "2026-12"),), (("2026-11-02", "2026-11-30"),))


@pytest.mark.parametrize("any_db", ["postgresql"])  # SQLite runs one writer at a time
def test_concurrent_completions_of_one_step_lose_no_count(svc, any_db, app):
    from webapp.extensions import db

    definition_id = svc.latest_definition(SOP_KEY).id
    errors = []

    def complete_many(seed_value: int) -> None:
        try:
            with app.app_context():
                session = db.session
                for n in range(40):
                    kpi_tally.add(session, definition_id, "Step02", date(2026, 5, 4), 100 + (seed_value * n) % 7,
                                  on_time=True, sent_back=bool(n % 2))
                    session.commit()
                db.session.remove()
        except Exception as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=complete_many, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    svc.session.expire_all()
    for kind in ("m", "d"):
        row = svc.session.scalars(select(KpiHistogram).where(KpiHistogram.kind == kind,
                                                             KpiHistogram.bpmn_id == "Step02")).one()
        assert row.completions == 160 and row.on_time == 160 and row.sent_back == 80
        assert sum(row.counts.values()) == 160


def test_migration_counts_what_the_completions_wrote(svc, any_db, monkeypatch, app):
    from flask_migrate import downgrade, upgrade

    from webapp.database import MIGRATIONS

    for i, factor in enumerate((1, 3)):
        walk_at(svc, monkeypatch, f"Kasus {i}", lambda step, rnd, f=factor: (30 + 45 * step) * f * rnd)
    written = sorted((t.definition_id, t.kind, t.period, t.bpmn_id, t.completions, t.on_time, t.sent_back,
                      sorted(t.counts.items())) for t in svc.session.query(KpiHistogram))
    assert sum(t[4] for t in written if t[1] == "m") == 2 * 20
    assert sum(t[6] for t in written if t[1] == "m") >= 2 * 2  # the two reviews sent work back in each case
    svc.session.commit()
    svc.session.close()
    downgrade(directory=str(MIGRATIONS), revision="26d4c2d76101")
    upgrade(directory=str(MIGRATIONS))
    counted = sorted((t.definition_id, t.kind, t.period, t.bpmn_id, t.completions, t.on_time, t.sent_back,
                      sorted(t.counts.items())) for t in svc.session.query(KpiHistogram))
    assert counted == written
