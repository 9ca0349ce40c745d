"""Retention: bytes per 1,000 finished lifecycles, before and after archiving.

Walks N whole SOP lifecycles through the engine service (both review loops once, the tests'
generic walk; every required deliverable a distinct file of ``--file-kb`` KB), moves their end
13 months back, and archives them (``archive_finished``, policy 12 months). Before and after, the
space the database holds per table (indexes and TOAST included) after a full vacuum —
PostgreSQL: ``VACUUM FULL`` then ``pg_total_relation_size``; SQLite: ``VACUUM`` then the ``dbstat``
pages of each table and its indexes, or the file size without ``dbstat`` — and the files folder
(live and ``archive/``), scaled to 1,000 lifecycles.

A plain ``VACUUM`` (autovacuum) makes the freed space reusable by new rows but does not give it
back to the operating system: the "after" figure is what the database needs, not what the file
shrinks to without a full vacuum.

    python -m bench.retention [--db sqlite|postgresql|both] [--lifecycles 100] [--file-kb 16]

PostgreSQL: the database is named by ``ALUR_BENCH_POSTGRES_DB`` + ``_retention`` (created and
dropped through ``ALUR_BENCH_POSTGRES_ADMIN_URL``).
"""
from __future__ import annotations

import argparse
import io
import os
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text, update

from .common import (POSTGRES_DB, EngineEnv, database_url, drop_postgres, fresh_postgres_url, print_table,
                     progress, run_main, workdir)

NAME = "retention"
MB = 1024 * 1024


def walk_lifecycles(env: EngineEnv, count: int, file_kb: int) -> None:
    """``count`` whole lifecycles, each deliverable distinct bytes (so archiving has files to move)."""
    from tests.helpers.cases import all_ready
    from tests.helpers.sop_walk import SOP_KEY, walk

    for n in range(count):
        with env.Session() as session:
            svc = env.service(session)
            case = svc.start(SOP_KEY, env.user(session, "pemilik"), f"Siklus {n}")

            def attach(task, username, svc=svc, session=session, n=n):
                body = os.urandom(file_kb * 1024)
                svc.attach(task["id"], env.user(session, username), f"langkah-{task['step']}-{n}.pdf",
                           io.BytesIO(b"%PDF-1.4 " + body))

            walk(lambda svc=svc, case=case: all_ready(svc, case.id), attach,
                 lambda task, username, data, svc=svc, session=session:
                 svc.complete(task["id"], env.user(session, username), data))
        if (n + 1) % 25 == 0:
            progress(NAME, f"{env.engine.dialect.name}: {n + 1}/{count} lifecycles")


def table_bytes(env: EngineEnv) -> dict[str, int]:
    """Bytes each table holds (its indexes and TOAST with it) after a full vacuum."""
    kind = env.engine.dialect.name
    if kind == "postgresql":
        with env.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM FULL"))
            conn.execute(text("ANALYZE"))
            rows = conn.execute(text(
                "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'r' AND n.nspname = current_schema()")).all()
        return {name: int(size) for name, size in rows}
    with env.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM"))
        try:
            owner = dict(conn.execute(text("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")).all())
            sizes: dict[str, int] = {}
            for name, size in conn.execute(text("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")).all():
                table = owner.get(name, name)
                sizes[table] = sizes.get(table, 0) + int(size)
            return sizes
        except Exception:  # an SQLite built without dbstat: the whole file
            return {"(database file)": Path(env.url.removeprefix("sqlite:///")).stat().st_size}


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0


def run(kind: str, lifecycles: int, file_kb: int) -> dict:
    from engine.models import Instance, utcnow
    from engine.ops_retention import months_before

    with workdir(f"retention-{kind}") as work:
        pg_name = f"{POSTGRES_DB}_retention"
        url = fresh_postgres_url(pg_name) if kind == "postgresql" else database_url(kind, work)
        env = EngineEnv(url, work)
        try:
            empty = table_bytes(env)
            files_dir = work / "files"
            files_empty = folder_bytes(files_dir)  # the deployed processes' templates
            started = time.perf_counter()
            walk_lifecycles(env, lifecycles, file_kb)
            walked = time.perf_counter() - started
            before = table_bytes(env)
            files_before = folder_bytes(files_dir) - files_empty
            with env.Session() as session:
                session.execute(update(Instance).values(ended_at=months_before(utcnow(), 13) - timedelta(days=1)))
                session.commit()
                started = time.perf_counter()
                report = env.service(session).archive_finished(None, after_months=12)
                archived_in = time.perf_counter() - started
            after = table_bytes(env)
            live_after = folder_bytes(files_dir) - folder_bytes(files_dir / "archive") - files_empty
            archive_after = folder_bytes(files_dir / "archive")
        finally:
            env.dispose()
            if kind == "postgresql":
                drop_postgres(pg_name)
    return {"kind": kind, "lifecycles": lifecycles, "empty": empty, "before": before, "after": after,
            "files_before": files_before, "live_after": live_after, "archive_after": archive_after,
            "report": report, "walked_s": walked, "archived_s": archived_in}


def show(result: dict) -> str:
    scale = 1000 / result["lifecycles"]
    empty, before, after = result["empty"], result["before"], result["after"]

    def grown(sizes: dict[str, int], table: str) -> int:
        return sizes.get(table, 0) - empty.get(table, 0)

    tables = sorted(set(before) | set(after), key=lambda t: -grown(before, t))
    rows = [[t, f"{grown(before, t) * scale / MB:.2f}", f"{grown(after, t) * scale / MB:.2f}"]
            for t in tables if grown(before, t) or grown(after, t)]
    total_before = sum(grown(before, t) for t in tables)
    total_after = sum(grown(after, t) for t in tables)
    rows.append(["**database, all tables**", f"{total_before * scale / MB:.2f}", f"{total_after * scale / MB:.2f}"])
    rows.append(["files folder, live", f"{result['files_before'] * scale / MB:.2f}",
                 f"{result['live_after'] * scale / MB:.2f}"])
    rows.append(["files folder, archive/", "0.00", f"{result['archive_after'] * scale / MB:.2f}"])
    report = result["report"]
    out = print_table(
        f"{result['kind']}: MB per 1,000 finished lifecycles (measured on {result['lifecycles']}), "
        f"before and after archiving", ["table", "before", "after"], rows)
    out += print_table(f"{result['kind']}: what archiving did", ["what", "value"], [
        ["cases archived", report.cases],
        ["state, KB dropped", f"{report.state_bytes / 1024:.0f}"],
        ["task rows compacted", report.task_rows],
        ["task row data, KB dropped", f"{report.task_bytes / 1024:.0f}"],
        ["files moved to archive/", report.files_moved],
        ["files moved, MB", f"{report.moved_bytes / MB:.2f}"],
        ["archiving took, s", f"{result['archived_s']:.1f}"],
        ["walking the lifecycles took, s", f"{result['walked_s']:.1f}"],
    ])
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.retention", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="both", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--lifecycles", type=int, default=100)
    parser.add_argument("--file-kb", type=int, default=16)
    args = parser.parse_args(argv)
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = {}
    for kind in kinds:
        progress(NAME, f"{kind}: walking {args.lifecycles} lifecycles")
        results[kind] = run(kind, args.lifecycles, args.file_kb)
        show(results[kind])
    return {"results": results, "targets": []}


if __name__ == "__main__":
    run_main(main)
