"""Benchmark 2: inbox flatness.

The inbox query (``WorkflowService.inbox``, tab "ready": the rows and the count) of a user with
10 ready tasks while the database holds 100, 1,000 and 10,000 running instances.

The instances are realistic: one SOP instance is walked through the engine service and snapshotted
before each of its 20 steps (instance row with its serialized state, task index rows, appointed
users, audit events, deliverable rows); the snapshots are then cloned with fresh task UUIDs (in the
state too) and fresh instance ids, spread over the walk positions, by bulk inserts. The measured
user is the Kasi Sistem (lane of step 11 only); exactly 10 instances wait at step 11, all others
wait in other lanes, with their completed history in every lane. PostgreSQL gets ``ANALYZE`` after
the bulk load (what autovacuum would do); SQLite gets nothing the app does not do itself.

Each level is a database of its own, and the calls go round-robin over the levels, so the
machine's noise hits every level alike. The query plans are printed (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE) and checked for full scans of
the big tables. Target: t(10,000) ≤ 1.2 × t(100), on SQLite and on PostgreSQL.

    python -m bench.inbox [--levels 100,1000,10000] [--db sqlite,postgresql] [--repeat 300]
"""
from __future__ import annotations

import argparse
import json
import random
import re
import time
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, func, select, text

from .common import (EngineCase, EngineEnv, Target, database_url, drop_postgres, fresh_postgres_url, median, ms,
                     p95, postgres_available, print_table, progress, run_main, workdir)

NAME = "inbox"
USER = "kasi"
MY_STEP = 11
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BIG_TABLES = ("tasks", "instances", "audit_events", "task_assignees", "deliverables")


def snapshots(env: EngineEnv, finished: bool = False) -> list[dict]:
    """One SOP instance walked to its end, snapshotted before every step (rows as dicts), and
    once more when it has ended if ``finished`` (that snapshot's ``step`` is None)."""
    from engine.models import AuditEvent, Deliverable, Instance, TaskRecord, task_assignees

    case = EngineCase(env, env.start("Template"))
    snaps = []
    while True:
        prepared = case.prepare()
        if prepared is None and not finished:
            break
        task, username, data = prepared or ({"step": None}, None, None)
        with env.engine.connect() as conn:
            iid = case.instance_id
            snaps.append({
                "step": task["step"],
                "instance": dict(conn.execute(select(Instance.__table__).where(Instance.id == iid)).mappings().one()),
                "tasks": [dict(r) for r in conn.execute(select(TaskRecord.__table__).where(
                    TaskRecord.instance_id == iid)).mappings()],
                "assignees": [dict(r) for r in conn.execute(select(task_assignees).join(
                    TaskRecord.__table__, TaskRecord.id == task_assignees.c.task_id).where(
                    TaskRecord.instance_id == iid).with_only_columns(task_assignees)).mappings()],
                "events": [dict(r) for r in conn.execute(select(AuditEvent.__table__).where(
                    AuditEvent.instance_id == iid)).mappings()],
                "files": [dict(r) for r in conn.execute(select(Deliverable.__table__).where(
                    Deliverable.instance_id == iid)).mappings()],
            })
        if prepared is None:
            break
        case.complete(task, username, data)
    return snaps


SUBJECTS = ("antrean", "arsip", "perizinan", "kepegawaian", "keuangan", "aset", "pengaduan")
PLACES = ("puskesmas", "kecamatan", "dinas kesehatan", "sekretariat daerah", "rumah sakit", "desa",
          "kelurahan", "bappeda", "samsat", "sekolah", "perpustakaan", "pasar", "terminal")


def title(instance_id: int) -> str:
    """A case title as an office writes them, varied: a subject a seventh of cases share, a place
    a thirteenth, and the case's own number."""
    return (f"Aplikasi {SUBJECTS[instance_id % len(SUBJECTS)]} {PLACES[instance_id % len(PLACES)]} "
            f"nomor {instance_id}")


_JSON_TEXT: dict[int, str] = {}


def _plain(value, sqlite: bool):
    """A value as the database driver takes it without SQLAlchemy's per-value processing: JSON as
    its text (serialized once per snapshot value), datetimes as SQLite stores them."""
    if isinstance(value, (dict, list)):
        key = id(value)
        if key not in _JSON_TEXT:
            _JSON_TEXT[key] = json.dumps(value)
        return _JSON_TEXT[key]
    if sqlite and isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def bulk_insert(conn, table, rows: list[dict]) -> None:
    """Insert ``rows`` at the driver's speed: COPY on PostgreSQL, a plain executemany on SQLite.
    Setting up 50,000 cases through SQLAlchemy's parameter processing took minutes."""
    columns = list(rows[0])
    names = ", ".join(columns)
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_plain(row[c], False) for c in columns])
        return
    cur = raw.cursor()
    cur.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})",
                    [[_plain(row[c], True) for c in columns] for row in rows])
    cur.close()


class Cloner:
    def __init__(self, env: EngineEnv, snaps: list[dict]) -> None:
        from engine.models import AuditEvent, Deliverable, Instance

        self.env = env
        self.snaps = snaps
        with env.engine.connect() as conn:
            self.next_instance = (conn.scalar(select(func.max(Instance.id))) or 0) + 1
            self.next_event = (conn.scalar(select(func.max(AuditEvent.id))) or 0) + 1
            self.next_file = (conn.scalar(select(func.max(Deliverable.id))) or 0) + 1
        self.rng = random.Random(4)

    def insert(self, count: int, mine: bool, pool: list[dict] | None = None) -> None:
        """Insert ``count`` running instances: waiting at step 11 if ``mine``, elsewhere if not
        (or clones of the snapshots of ``pool``), with their search words."""
        from engine.models import (AuditEvent, Deliverable, Instance, InstanceSearchTerm, TaskRecord,
                                   task_assignees)
        from engine.search import prefixes

        if pool is None:
            pool = [s for s in self.snaps if s["step"] is not None and (s["step"] == MY_STEP) == mine]
        batch: dict[str, list] = {"instances": [], "tasks": [], "assignees": [], "events": [], "files": [],
                                  "words": []}

        tables = (("instances", Instance.__table__), ("tasks", TaskRecord.__table__), ("assignees", task_assignees),
                  ("events", AuditEvent.__table__), ("files", Deliverable.__table__),
                  ("words", InstanceSearchTerm.__table__))

        def flush() -> None:
            with self.env.engine.begin() as conn:
                for key, table in tables:
                    if batch[key]:
                        bulk_insert(conn, table, batch[key])
                        batch[key].clear()

        for n in range(count):
            snap = pool[n % len(pool)]
            iid = self.next_instance
            self.next_instance += 1
            ids: dict[str, str] = {}

            def new_id(old: str) -> str:
                if old not in ids:
                    ids[old] = str(uuid.uuid4())
                return ids[old]

            shift = timedelta(minutes=self.rng.randint(0, 60 * 24 * 180))
            inst = dict(snap["instance"])
            inst.update(id=iid, title=title(iid), started_at=inst["started_at"] - shift,
                        state=UUID_RE.sub(lambda m: new_id(m.group(0)), inst["state"]))
            if "number" in inst:  # each copy its own registration number, as a start would give it
                inst["number"] = f"BENCH-{iid:06d}"
            if inst["ended_at"]:
                inst["ended_at"] = inst["ended_at"] - shift
            batch["instances"].append(inst)
            batch["words"] += [{"term": w, "instance_id": iid}
                               for w in prefixes(inst["title"], inst.get("number"))]
            for row in snap["tasks"]:
                row = dict(row)
                row.update(id=new_id(row["id"]), instance_id=iid, created_at=row["created_at"] - shift,
                           due_at=row["due_at"] - shift if row["due_at"] else None,
                           completed_at=row["completed_at"] - shift if row["completed_at"] else None)
                batch["tasks"].append(row)
            for row in snap["assignees"]:
                batch["assignees"].append({"task_id": new_id(row["task_id"]), "user_id": row["user_id"]})
            for row in snap["events"]:
                row = dict(row)
                row.update(id=self.next_event, instance_id=iid, at=row["at"] - shift,
                           task_id=new_id(row["task_id"]) if row["task_id"] else None)
                self.next_event += 1
                batch["events"].append(row)
            for row in snap["files"]:
                row = dict(row)
                row.update(id=self.next_file, instance_id=iid, task_id=new_id(row["task_id"]))
                self.next_file += 1
                batch["files"].append(row)
            if len(batch["instances"]) >= 2000:
                flush()
        flush()
        if self.env.engine.dialect.name == "postgresql":
            with self.env.engine.begin() as conn:
                for table, column in (("instances", "id"), ("audit_events", "id"), ("deliverables", "id")):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                                      f"(SELECT max({column}) FROM {table}))"))


def time_inbox(env: EngineEnv, repeat: int) -> tuple[list[float], int]:
    times, found = [], 0
    for _ in range(repeat):
        with env.Session() as session:
            user = env.user(session, USER)
            user.role_names
            svc = env.service(session)
            t0 = time.perf_counter()
            rows, total = svc.inbox(user)
            times.append(time.perf_counter() - t0)
            found = total
    return times, found


def capture_sql(env: EngineEnv) -> list[tuple[str, object]]:
    captured = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(env.engine, "before_cursor_execute", grab)
    try:
        with env.Session() as session:
            user = env.user(session, USER)
            user.role_names
            captured.clear()
            env.service(session).inbox(user)
    finally:
        event.remove(env.engine, "before_cursor_execute", grab)
    return captured


def explain(env: EngineEnv) -> tuple[str, list[str]]:
    """The plans of the inbox's statements, and the full scans of big tables found in them."""
    kind = env.engine.dialect.name
    out, scans = [], []
    for statement, params in capture_sql(env):
        with env.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            cur = raw.cursor()
            if kind == "sqlite":
                cur.execute("EXPLAIN QUERY PLAN " + statement, params)
                plan = [row[3] for row in cur.fetchall()]
                scans += [p for p in plan if p.startswith("SCAN ") and p.split()[1] in BIG_TABLES]
            else:
                cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + statement, params)
                plan = [row[0] for row in cur.fetchall()]
                scans += [p.strip() for p in plan if "Seq Scan on" in p and p.split("Seq Scan on ")[1].split()[0]
                          in BIG_TABLES]
            cur.close()
        first = " ".join(statement.split())[:160]
        out.append(f"-- {first}…\n" + "\n".join(plan))
    return "\n\n".join(out), scans


def _level_env(kind: str, level: int, work, snaps: list[dict]) -> EngineEnv:
    """A database of its own holding ``level`` running instances, 10 of them waiting for the user."""
    url = f"sqlite:///{work / f'inbox{level}.db'}" if kind == "sqlite" else fresh_postgres_url(f"alur_bench_{level}")
    env = EngineEnv(url, work)
    cloner = Cloner(env, snaps)
    cloner.insert(10, mine=True)
    cloner.insert(level - 10, mine=False)
    if kind == "postgresql":
        with env.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return env


def run(kind: str, levels: list[int], repeat: int) -> dict:
    """One database per level, measured round-robin so that noise hits every level alike."""
    envs: dict[int, EngineEnv] = {}
    with workdir(f"inbox-{kind}") as work:
        template = EngineEnv(database_url(kind, work), work)
        try:
            progress(NAME, f"{kind}: walking the template instance")
            snaps = snapshots(template)
            template.dispose()
            for level in levels:
                t0 = time.perf_counter()
                envs[level] = _level_env(kind, level, work, snaps)
                progress(NAME, f"{kind}: {level} running instances loaded in {time.perf_counter() - t0:.1f} s")
            for env in envs.values():
                time_inbox(env, 30)  # warm: connections, statement caches, SQLite's PRAGMA optimize
            times: dict[int, list[float]] = {level: [] for level in levels}
            found: dict[int, int] = {}
            for i in range(repeat):
                for level, env in envs.items():
                    t, found[level] = time_inbox(env, 1)
                    times[level] += t
                if (i + 1) % max(repeat // 4, 1) == 0:
                    progress(NAME, f"{kind}: {i + 1}/{repeat} rounds: " + ", ".join(
                        f"{level}: {ms(median(times[level]))} ms" for level in levels))
            results, plans = [], ""
            for level, env in envs.items():
                with env.engine.connect() as conn:
                    n_inst = conn.scalar(text("SELECT count(*) FROM instances WHERE status = 'running'"))
                    n_tasks = conn.scalar(text("SELECT count(*) FROM tasks"))
                    n_ready = conn.scalar(text("SELECT count(*) FROM tasks WHERE state = 'ready'"))
                plans, scans = explain(env)
                results.append({"level": level, "instances": n_inst, "tasks": n_tasks, "ready": n_ready,
                                "found": found[level], "median": median(times[level]), "p95": p95(times[level]),
                                "scans": scans})
        finally:
            template.dispose()
            for env in envs.values():
                env.dispose()
            if kind == "postgresql":
                drop_postgres()
                for level in levels:
                    drop_postgres(f"alur_bench_{level}")
    return {"results": results, "plans": plans}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.inbox", description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="100,1000,10000")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args(argv)
    levels = sorted(int(x) for x in args.levels.split(","))
    kinds = [k for k in args.db.split(",") if k and (k != "postgresql" or postgres_available())]
    runs = {k: run(k, levels, args.repeat) for k in kinds}

    rows, targets = [], []
    for k, r in runs.items():
        base = r["results"][0]["median"]
        for res in r["results"]:
            rows.append([k, res["instances"], res["tasks"], res["ready"], res["found"], ms(res["median"]),
                         ms(res["p95"]), f"{res['median'] / base:.2f}×", len(res["scans"])])
        last = r["results"][-1]
        targets.append(Target(NAME, f"inbox t({last['instances']}) / t({r['results'][0]['instances']}) ({k})",
                              last["median"] / base, 1.2,
                              note="index plans, no full scans" if not last["scans"]
                              else f"FULL SCANS: {last['scans']}"))
    print_table(f"Inbox of a user with 10 ready tasks (median of {args.repeat} calls, rows + count)",
                ["db", "running instances", "task rows", "ready rows", "inbox total", "median ms", "p95 ms",
                 "vs smallest", "full scans of big tables"], rows)
    for k, r in runs.items():
        print(f"\n### Query plans of the inbox at {r['results'][-1]['instances']} instances ({k})\n")
        print("```\n" + r["plans"] + "\n```", flush=True)
    return {"targets": targets, "runs": runs}


if __name__ == "__main__":
    run_main(main)
