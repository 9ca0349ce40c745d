"""Benchmark 6: every page at 100, 10,000 and 50,000 cases (growth ratios).

Each level is a database of its own, filled by bulk inserts (not the service): one SOP case is
walked through the engine and snapshotted before each of its 20 steps and once finished; the
snapshots are cloned with fresh ids (``bench.inbox.Cloner``): 40 cases running, spread over the
walk's steps, at every level (open work does not grow with history), all others finished, their
history shifted back up to half a year; titles name a subject (a seventh of the cases share one)
and a place.
Then the web app (one Flask app per database, in this process, through its test client with real
logins) serves each page round-robin over the levels, so the machine's noise hits every level alike.

Reported per page: the median time at each level and the growth t(largest) / t(smallest), with
the target ≤ 1.3; and each page at the largest level against one bare SpiffWorkflow step measured
in the same run (the issue's "within 10× a bare step"). The report's histograms are counted from
the cloned task rows as the migration does (``kpi_tally.rebuild``); every clone repeats the
template's realisations, so ``bench.report_scale`` measures the report with spread ones.

    python -m bench.scale [--levels 100,10000,50000] [--db sqlite,postgresql] [--repeat 15]

Seeding 50,000 cases takes minutes (a quarter of an hour on a busy machine). With
``ALUR_BENCH_SCALE_KEEP=FOLDER`` the seeded databases are kept (SQLite files in FOLDER,
PostgreSQL databases ``alur_bench_scale_keep_N``) and a later run reuses each whose case count is
right, so a change to the pages can be measured again in minutes. Logins and API tokens are
added each run; a page that starts a case adds one case a call. Never keep them across a
schema change.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sqlalchemy import func, select, text

from engine import kpi_tally
from engine.calendar import WorkingCalendar

from .common import (POSTGRES_ADMIN_URL, BareSpiff, EngineEnv, Target, database_url, drop_postgres,
                     fresh_postgres_url, median, ms,
                     postgres_available, print_table, progress, run_main, workdir)
from .inbox import Cloner, snapshots

NAME = "scale"
GROWTH_LIMIT = 1.3
BARE_LIMIT = 10.0
#: Open work stays the same size while history grows: an office finishes its cases.
RUNNING = 40
#: A folder to keep the seeded databases in between runs (see above), or None.
KEEP = os.environ.get("ALUR_BENCH_SCALE_KEEP") or None


def pages(case_id: int, key: str) -> list[tuple[str, str, str, bool]]:
    """(label, user, URL, informative) of every page measured; ``case_id`` a finished case."""
    return [
        ("home", "analis", "/", False),
        ("inbox", "analis", "/inbox", False),
        ("processes", "analis", "/processes/", False),
        ("process page", "analis", f"/processes/{key}", False),
        ("start a case (POST)", "pemilik", f"POST /processes/{key}/start", False),
        ("cases", "admin", "/instances/", False),
        ("cases ?q=antrean (a seventh)", "admin", "/instances/?q=antrean", False),
        ("cases ?q=puskes arsip", "admin", "/instances/?q=puskes+arsip", False),
        ("cases ?q=<case number>", "admin", f"/instances/?q={case_id}", False),
        ("cases ?status=running", "admin", "/instances/?status=running", False),
        ("cases ?overdue=1", "admin", "/instances/?overdue=1", False),
        (f"cases ?process=", "admin", f"/instances/?process={key}", False),
        # Page 4 is full at every level; page 5 is empty at 100 cases (until the POST above has
        # started some), so its growth compares a page of 25 rows with one of none.
        ("cases, page 4", "admin", "/instances/?page=4", False),
        ("cases, page 5 (empty at 100)", "admin", "/instances/?page=5", True),
        ("API cases", "admin", "/api/instances?limit=25", False),
        ("API inbox", "analis", "/api/tasks", False),
        ("audit log", "admin", "/admin/audit", False),
        ("audit log ?kind=complete", "admin", "/admin/audit?kind=complete", False),
        ("audit log ?actor=analis", "admin", "/admin/audit?actor=analis", False),
        ("case page (finished case)", "admin", f"/instances/{case_id}", False),
        ("API case (finished case)", "admin", f"/api/instances/{case_id}", False),
        ("KPI report", "admin", "/reports/kpi", False),
        ("KPI report CSV", "admin", "/reports/kpi.csv", False),
        ("KPI report API", "admin", "/api/reports/kpi", False),
    ]


class Level:
    """One database holding ``cases`` cases, and the web app on it with a logged-in client per user."""

    def __init__(self, kind: str, cases: int, work: Path, snaps: list[dict]) -> None:
        self.cases = cases
        self.kind = kind
        name = f"alur_bench_scale_keep_{cases}" if KEEP else f"alur_bench_scale_{cases}"
        t0 = time.perf_counter()
        self.url = _kept(kind, cases, name) if KEEP else None
        reused = self.url is not None
        if not reused:
            folder = Path(KEEP) if KEEP else work
            folder.mkdir(parents=True, exist_ok=True)
            self.url = f"sqlite:///{folder / f'scale{cases}.db'}" if kind == "sqlite" else fresh_postgres_url(name)
            if kind == "sqlite":
                Path(self.url[len("sqlite:///"):]).unlink(missing_ok=True)
            env = EngineEnv(self.url, work)
            finished = [s for s in snaps if s["step"] is None]
            running = [s for s in snaps if s["step"] is not None]
            cloner = Cloner(env, snaps)
            cloner.insert(cases - RUNNING, mine=False, pool=finished)
            cloner.insert(RUNNING, mine=False, pool=running)
            with env.Session() as session:  # the report's histograms, as the migration counts them
                kpi_tally.rebuild(session, WorkingCalendar())
                session.commit()
            if KEEP:  # marks a whole seeding (a run cut short leaves none: seeded again)
                with env.engine.begin() as conn:
                    conn.execute(text("CREATE TABLE bench_scale_seeded (cases integer)"))
                    conn.execute(text("INSERT INTO bench_scale_seeded VALUES (:n)"), {"n": cases})
        else:
            env = EngineEnv(self.url, work, setup=False)
        self.db_name = name if kind == "postgresql" and not KEEP else None
        with env.engine.connect() as conn:
            self.task_rows = conn.scalar(select(func.count()).select_from(text("tasks")))
            self.events = conn.scalar(select(func.count()).select_from(text("audit_events")))
            self.finished_case = conn.scalar(text("SELECT max(id) FROM instances WHERE status = 'completed'"))
        if kind == "postgresql" and not reused:
            # VACUUM as well: a freshly loaded table has no visibility map, so every index-only
            # scan (a search word's cases, a bounded count) read each row's heap page too, until
            # autovacuum came by in the middle of a run.
            with env.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        env.dispose()
        self.seconds = time.perf_counter() - t0
        self.app = _app(self.url, work / f"files{cases}")
        self.clients = {}
        for user in ("analis", "pemilik", "admin"):
            client = self.app.test_client()
            r = client.post("/login", data={"username": user, "password": "demo12345"})
            if r.status_code != 302:
                raise RuntimeError(f"login of {user} failed: {r.status_code}")
            self.clients[user] = client
        self.token = _token(self.url, "admin"), _token(self.url, "analis")

    def get(self, user: str, url: str) -> tuple[float, int, int]:
        client = self.clients[user]
        headers = {}
        if url.startswith("/api/"):
            headers = {"Authorization": f"Bearer {self.token[0 if user == 'admin' else 1]}"}
        t0 = time.perf_counter()
        if url.startswith("POST "):
            r = client.post(url[5:], data={"title": "Aplikasi baru dinas"})
        else:
            r = client.get(url, headers=headers)
        elapsed = time.perf_counter() - t0
        return elapsed, r.status_code, len(r.data)

    def dispose(self) -> None:
        from webapp.extensions import db

        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if self.db_name:
            drop_postgres(self.db_name)


def _kept(kind: str, cases: int, name: str) -> str | None:
    """The URL of a kept database seeded whole with ``cases`` cases, or None if there is none."""
    from sqlalchemy import create_engine

    if kind == "sqlite":
        path = Path(KEEP) / f"scale{cases}.db"
        if not path.exists():
            return None
        url = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
                return None
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace(
            "postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            seeded = conn.scalar(text("SELECT cases FROM bench_scale_seeded"))
    except Exception:  # noqa: BLE001 - half-seeded or an older schema: seed it again
        seeded = None
    finally:
        engine.dispose()
    return url if seeded == cases else None


def _app(url: str, files: Path):
    from webapp import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "WTF_CSRF_ENABLED": False,
                       "ALUR_FILES_DIR": str(files), "TESTING": False})


def _token(url: str, username: str) -> str:
    from engine.db import make_session_factory
    from engine.users import UserDirectory

    Session = make_session_factory(url)
    with Session() as session:
        token = UserDirectory(session).create_token(username, "bench")
        session.commit()
    Session.kw["bind"].dispose()
    return token


def run(kind: str, levels: list[int], repeat: int, bare: "BareClock") -> dict:
    built: dict[int, Level] = {}
    with workdir(f"scale-{kind}") as work:
        template = EngineEnv(database_url(kind, work), work)
        try:
            progress(NAME, f"{kind}: walking the template case")
            snaps = snapshots(template, finished=True)
            template.dispose()
            for cases in levels:
                built[cases] = Level(kind, cases, work, snaps)
                progress(NAME, f"{kind}: {cases} cases ({built[cases].task_rows} task rows, "
                               f"{built[cases].events} audit events) loaded in {built[cases].seconds:.1f} s")
            biggest = built[levels[-1]]
            plan = {c: pages(lvl.finished_case, "pengembangan_aplikasi_egov") for c, lvl in built.items()}
            labels = [p[0] for p in plan[levels[0]]]
            times = {label: {c: [] for c in levels} for label in labels}
            sizes: dict[str, int] = {}
            failures: list[str] = []
            for lvl in built.values():  # warm: imports, caches, connections
                for label, user, url, _info in plan[lvl.cases]:
                    lvl.get(user, url)
            for i in range(repeat):
                for n, (label, *_rest) in enumerate(plan[levels[0]]):
                    for cases, lvl in built.items():
                        _l, user, url, _info = plan[cases][n]
                        t, status, size = lvl.get(user, url)
                        if status not in (200, 302):
                            failures.append(f"{label} at {cases}: HTTP {status}")
                        times[label][cases].append(t)
                        if cases == biggest.cases:
                            sizes[label] = size
                bare.tick()
                progress(NAME, f"{kind}: round {i + 1}/{repeat}")
            informative = {p[0]: p[3] for p in plan[levels[0]]}
            results = [{"label": label, "medians": {c: median(times[label][c]) for c in levels},
                        "bytes": sizes.get(label, 0), "informative": informative[label]} for label in labels]
            sizes_of = {c: (lvl.task_rows, lvl.events) for c, lvl in built.items()}
        finally:
            template.dispose()
            for lvl in built.values():
                lvl.dispose()
            if kind == "postgresql":
                drop_postgres()
    return {"results": results, "levels": levels, "sizes": sizes_of, "failures": failures, "bare": bare.median()}


class BareClock:
    """Bare SpiffWorkflow steps (the stock baseline of bench.completion) taken between the rounds
    of page calls, so the reference sees the same machine as the pages."""

    DATA = {"spec_approved": True, "prototype_accepted": True, "system_programmer": "budi",
            "programmers": ["sari", "andi"], "tinjauan_butir": []}

    def __init__(self) -> None:
        self.bare = BareSpiff()
        self.state = self.bare.new_state()
        self.times: list[float] = []
        self.tick(3)
        self.times.clear()

    def tick(self, steps: int = 5) -> None:
        for _ in range(steps):
            t0 = time.perf_counter()
            self.state = self.bare.step(self.state, self.DATA)
            self.times.append(time.perf_counter() - t0)
            if self.bare.ready_step(self.state) is None:
                self.state = self.bare.new_state()

    def median(self) -> float:
        return median(self.times)


def bare_step_time(rounds: int = 20) -> float:
    """The median of ``rounds`` bare steps, taken now."""
    clock = BareClock()
    clock.tick(rounds)
    return clock.median()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="100,10000,50000")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    levels = sorted(int(x) for x in args.levels.split(","))
    kinds = [k for k in args.db.split(",") if k and (k != "postgresql" or postgres_available())]
    runs = {k: run(k, levels, args.repeat, BareClock()) for k in kinds}
    targets: list[Target] = []
    for kind, r in runs.items():
        small, big = levels[0], levels[-1]
        rows = []
        for res in r["results"]:
            m = res["medians"]
            growth = m[big] / m[small] if m[small] else None
            rows.append([res["label"], *(ms(m[c]) for c in levels), f"{growth:.2f}×" if growth else "—",
                         f"{m[big] / r['bare']:.1f}×", f"{res['bytes'] / 1024:.1f}"])
            targets.append(Target(NAME, f"{res['label']}: t({big}) / t({small}) ({kind})", growth, GROWTH_LIMIT,
                                  informative=res["informative"]))
            targets.append(Target(NAME, f"{res['label']} at {big} / bare step ({kind})", m[big] / r["bare"],
                                  BARE_LIMIT, informative=True))
        sizes = ", ".join(f"{c}: {t} task rows, {e} events" for c, (t, e) in r["sizes"].items())
        print_table(f"Pages at {', '.join(str(c) for c in levels)} cases ({kind}; median of {args.repeat}; "
                    f"bare step {ms(r['bare'])} ms; {sizes})",
                    ["page", *(f"ms at {c}" for c in levels), f"growth {small}→{big}", "vs bare step",
                     f"KB at {big}"], rows)
        for failure in r["failures"][:10]:
            print(f"  {kind} failure: {failure}")
        if r["failures"]:
            targets.append(Target(NAME, f"pages answering 200 ({kind})", 0.0, 1, higher_is_better=True,
                                  note=r["failures"][0]))
    return {"targets": targets, "runs": runs}


if __name__ == "__main__":
    run_main(main)
