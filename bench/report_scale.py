"""Benchmark: the Laporan Kinerja at 100 and at 50,000 completed cases (issue 12: flat, ≤ 1.3×).

Seeds completed SOP cases straight into the task index (14 steps each, spread over a year of
office days, realisations drawn around each step's standard time), counts the report's month and
day histograms once as the migration does (``rebuild``), then times the report as the page, the
CSV and the API compute it: ``kpi`` (all time, one quarter, and a period starting and ending inside
months) and ``kpi_cases`` (one page of cases), and counts the histogram rows each reads.

    python -m bench.report_scale [--cases 100,50000] [--repeat 20] [--db sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text

from bench.common import FORMS_DIR, SOP_PATH, drop_postgres, fresh_postgres_url, migrate, print_table, progress
from engine import kpi_tally
from engine.config import EngineConfig
from engine.db import make_session_factory
from engine.models import Instance, TaskRecord
from engine.service import WorkflowService

NAME = "report_scale"


def seed(svc: WorkflowService, cases: int) -> None:
    definition = svc.latest_definition("pengembangan_aplikasi_egov")
    metas = sorted(svc.compiled(definition).tasks.values(), key=lambda m: m.step or 0)
    rng = random.Random(7)
    start = datetime(2025, 1, 2, 1, 0, tzinfo=timezone.utc)
    batch_cases, batch_tasks = [], []
    for i in range(cases):
        begun = start + timedelta(days=rng.randrange(360), minutes=rng.randrange(480))
        moment = begun
        instance_id = i + 1
        for meta in metas:
            target = svc.calendar.duration_minutes(meta.duration)
            minutes = max(1, int(rng.gauss(target or 240, (target or 240) / 3)))
            done = moment + timedelta(minutes=minutes)
            batch_tasks.append({"id": str(uuid.uuid4()), "instance_id": instance_id, "definition_id": definition.id,
                                "bpmn_id": meta.bpmn_id, "step": meta.step, "name": meta.name, "lane": meta.lane,
                                "state": "completed", "created_at": moment, "completed_at": done,
                                "due_at": moment + timedelta(minutes=target) if target else None,
                                "target_minutes": target, "actual_minutes": minutes, "completed_by": "bench",
                                "has_assignees": False, "overdue": False})
            moment = done
        batch_cases.append({"id": instance_id, "definition_id": definition.id, "title": f"Kasus {i}",
                            "status": "completed", "state": "{}", "serializer_version": "1", "row_version": 1,
                            "started_at": begun, "ended_at": moment, "started_by": "pemilik"})
        if len(batch_cases) >= 2000 or i == cases - 1:
            svc.session.execute(insert(Instance.__table__), batch_cases)
            svc.session.execute(insert(TaskRecord.__table__), batch_tasks)
            batch_cases, batch_tasks = [], []
    svc.session.commit()
    svc.rebuild_kpi()
    # a server's SQLite connections run PRAGMA optimize as they go back to the pool (engine/db.py),
    # PostgreSQL's autovacuum analyzes new tables; this one session gets its statistics here
    svc.session.execute(text("ANALYZE"))
    svc.session.commit()


def timed(fn, repeat: int) -> float:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


PERIODS = {"kpi (all time)": (None, None), "kpi (a quarter)": (date(2025, 4, 1), date(2025, 6, 30)),
           "kpi (17 Feb – 9 Jun)": (date(2025, 2, 17), date(2025, 6, 9))}


def measure(cases: int, repeat: int, folder: Path, db: str) -> tuple[dict[str, float], dict[str, int]]:
    if db == "postgresql":
        url = fresh_postgres_url(f"alur_bench_report_{cases}")
    else:
        url = f"sqlite:///{folder / f'report-{cases}.db'}"
    migrate(url, folder)
    factory = make_session_factory(url)
    config = EngineConfig(forms_dir=FORMS_DIR, files_dir=folder / "files", password_hash_method="pbkdf2:sha256:1000")
    with factory() as session:
        svc = WorkflowService(session, config)
        svc.deploy(SOP_PATH.read_bytes(), SOP_PATH.name)
        progress(NAME, f"seeding {cases} cases")
        seed(svc, cases)
        ids = [svc.latest_definition("pengembangan_aplikasi_egov").id]
        times = {what: timed(lambda p=period: svc.kpi("pengembangan_aplikasi_egov", since=p[0], until=p[1]), repeat)
                 for what, period in PERIODS.items()}
        times["cases (one page)"] = timed(lambda: svc.kpi_cases("pengembangan_aplikasi_egov"), repeat)
        rows = {what: len(kpi_tally.period_rows(session, ids, *period)) for what, period in PERIODS.items()}
    factory.kw["bind"].dispose()
    if db == "postgresql":
        drop_postgres(f"alur_bench_report_{cases}")
    return times, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="100,50000")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    sizes = [int(n) for n in args.cases.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        results = {n: measure(n, args.repeat, Path(tmp), args.db) for n in sizes}
    (small, small_rows), (large, large_rows) = results[sizes[0]], results[sizes[-1]]
    database = "PostgreSQL" if args.db == "postgresql" else "SQLite"
    print_table(f"Laporan Kinerja at {sizes[0]} and {sizes[-1]} completed cases ({database}, median ms; "
                "histogram rows read)",
                ["what", f"{sizes[0]} cases", f"{sizes[-1]} cases", "growth", "rows read"],
                [[k, f"{small[k] * 1000:.2f}", f"{large[k] * 1000:.2f}", f"{large[k] / small[k]:.2f}×",
                  f"{small_rows[k]} → {large_rows[k]}" if k in small_rows else "—"] for k in small])


if __name__ == "__main__":
    main()
