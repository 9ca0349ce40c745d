"""Benchmark: the Laporan Kinerja at 100 and at 50,000 completed cases (issue 12: flat, ≤ 1.3×).

Seeds completed SOP cases straight into the task index (14 steps each, spread over a year of
office days, realisations drawn around each step's standard time), counts the report's tallies
once as the migration does (``rebuild``), then times the report as the page, the CSV and the API
compute it: ``kpi`` (all time, and one quarter) and ``kpi_cases`` (one page of cases).

    python -m bench.report_scale [--cases 100,50000] [--repeat 20]
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

from sqlalchemy import insert

from bench.common import FORMS_DIR, SOP_PATH, print_table, progress
from engine.config import EngineConfig
from engine.db import create_schema, make_session_factory
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


def timed(fn, repeat: int) -> float:
    fn()  # warm
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def measure(cases: int, repeat: int, folder: Path) -> dict[str, float]:
    url = f"sqlite:///{folder / f'report-{cases}.db'}"
    factory = make_session_factory(url)
    create_schema(factory.kw["bind"])
    config = EngineConfig(forms_dir=FORMS_DIR, files_dir=folder / "files", password_hash_method="pbkdf2:sha256:1000")
    with factory() as session:
        svc = WorkflowService(session, config)
        svc.deploy(SOP_PATH.read_bytes(), SOP_PATH.name)
        progress(NAME, f"seeding {cases} cases")
        seed(svc, cases)
        quarter = (date(2025, 4, 1), date(2025, 6, 30))
        return {
            "kpi (all time)": timed(lambda: svc.kpi("pengembangan_aplikasi_egov"), repeat),
            "kpi (a quarter)": timed(lambda: svc.kpi("pengembangan_aplikasi_egov", since=quarter[0],
                                                     until=quarter[1]), repeat),
            "cases (one page)": timed(lambda: svc.kpi_cases("pengembangan_aplikasi_egov"), repeat),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="100,50000")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    sizes = [int(n) for n in args.cases.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        results = {n: measure(n, args.repeat, Path(tmp)) for n in sizes}
    small, large = results[sizes[0]], results[sizes[-1]]
    print_table(f"Laporan Kinerja at {sizes[0]} and {sizes[-1]} completed cases (SQLite, median ms)",
                ["what", f"{sizes[0]} cases", f"{sizes[-1]} cases", "growth"],
                [[k, f"{small[k] * 1000:.2f}", f"{large[k] * 1000:.2f}", f"{large[k] / small[k]:.2f}×"] for k in small])


if __name__ == "__main__":
    main()
