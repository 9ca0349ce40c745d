"""Benchmark 4: throughput of whole SOP lifecycles through the HTTP API.

A real server (``alur serve``: gunicorn, 4 threads per worker) on SQLite with 1 worker and on
PostgreSQL with 4 workers; several client threads, each with its own keep-alive
``requests.Session`` and Bearer tokens, run complete lifecycles of the 14-step SOP (both review
loops taken once: 20 completions) the way a script would: start the case; for each step read the
case (``GET /api/instances/{id}``), attach the deliverable where one is required, complete the step.
Reported: lifecycles per minute, median and p95 latency of the completion calls (and of all
requests), errors (any non-2xx answer, and any case that did not end "completed").

Beside each figure: what bare SpiffWorkflow does on the same machine at the same moment, whole
lifecycles (20 steps) of the honest floor (spec in memory, bench.common.FLOORS) one after another
on one core, measured before and after the run.

Target: ≥ 200 lifecycles a minute on PostgreSQL with 2 workers and 8 clients, no errors.

    python -m bench.throughput [--lifecycles 80] [--clients 8] [--configs sqlite:1,postgresql:2]
"""
from __future__ import annotations

import argparse
import threading
import time

import os

from .common import (HONEST_FLOOR, POSTGRES_DB, ApiCase, BareSpiff, Server, Target, database_url, drop_postgres, median,
                     ms, p95, postgres_available, print_table, progress, run_main, walk_api, workdir)
from .cpu_meter import PARTS, CpuMeter

NAME = "throughput"


def run(kind: str, workers: int, clients: int, lifecycles: int) -> dict:
    with workdir(f"throughput-{kind}") as work:
        try:
            with Server(database_url(kind, work), work, workers=workers) as server:
                import requests

                # warm every worker (imports, spec cache, connection pool) with one lifecycle each
                warm = [threading.Thread(target=walk_api, args=(ApiCase(server), "warm-up")) for _ in range(workers)]
                for t in warm:
                    t.start()
                for t in warm:
                    t.join()

                lock = threading.Lock()
                state = {"next": 0, "done": 0, "failed": 0}
                cases: list[ApiCase] = []
                errors: list[str] = []

                def client(n: int) -> None:
                    http = requests.Session()
                    while True:
                        with lock:
                            if state["next"] >= lifecycles:
                                return
                            state["next"] += 1
                            k = state["next"]
                        case = ApiCase(server, http)
                        try:
                            ok = walk_api(case, f"Throughput {k}")
                        except Exception as exc:  # a broken lifecycle is an error, not a crash
                            ok = False
                            case.errors.append(f"{type(exc).__name__}: {exc}")
                        with lock:
                            cases.append(case)
                            errors.extend(case.errors)
                            state["done" if ok else "failed"] += 1
                            if (state["done"] + state["failed"]) % max(lifecycles // 8, 1) == 0:
                                elapsed = time.perf_counter() - t0
                                progress(NAME, f"{kind}, {workers} worker(s): {state['done']}/{lifecycles} "
                                               f"lifecycles in {elapsed:.1f} s, errors {len(errors)}")

                meter = CpuMeter(server.proc.pid, POSTGRES_DB if kind == "postgresql" else None)
                meter.start()
                t0 = time.perf_counter()
                threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
                elapsed = time.perf_counter() - t0
                meter.stop()
        finally:
            if kind == "postgresql":
                drop_postgres()
    steps = [t for c in cases for t in c.latencies]
    requests_all = [t for c in cases for t in c.request_times]
    return {"kind": kind, "workers": workers, "clients": clients, "done": state["done"], "failed": state["failed"],
            "elapsed": elapsed, "per_minute": state["done"] * 60 / elapsed, "step_median": median(steps),
            "step_p95": p95(steps), "req_median": median(requests_all), "req_p95": p95(requests_all),
            "requests": len(requests_all), "errors": errors,
            "cpu": {part: seconds / max(state["done"] + state["failed"], 1) for part, seconds in meter.seconds.items()}}


def bare_lifecycles_per_minute(lifecycles: int = 2) -> float:
    """Whole SOP lifecycles of the honest floor, one after another in this process."""
    from tests.helpers.sop_walk import form_data

    floor = BareSpiff(mode=HONEST_FLOOR)
    floor.step(floor.new_state(), {})  # warm
    t0 = time.perf_counter()
    for _ in range(lifecycles):
        state, rounds = floor.new_state(), {}
        while (step := floor.ready_step(state)) is not None:
            data = {"tinjauan_butir": [], **form_data(None, step, rounds)}  # the review's list: none sent back
            rounds[step] = rounds.get(step, 0) + 1
            state = floor.step(state, data)
    return lifecycles * 60 / (time.perf_counter() - t0)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifecycles", type=int, default=80)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--configs", default="sqlite:1,postgresql:2", help="db:workers,…")
    args = parser.parse_args(argv)
    configs = []
    for item in args.configs.split(","):
        kind, workers = item.split(":")
        if kind == "postgresql" and not postgres_available():
            continue
        configs.append((kind, int(workers)))
    results = []
    for kind, workers in configs:
        before = bare_lifecycles_per_minute()
        results.append(run(kind, workers, args.clients, args.lifecycles))
        results[-1]["bare_per_minute"] = (before + bare_lifecycles_per_minute()) / 2
    rows = [[r["kind"], r["workers"], r["clients"], f"{r['done']}/{r['done'] + r['failed']}", f"{r['elapsed']:.1f}",
             f"{r['per_minute']:.1f}", f"{r['bare_per_minute']:.0f}", ms(r["step_median"]), ms(r["step_p95"]),
             r["requests"],
             f"{r['requests'] / r['elapsed']:.0f}", ms(r["req_median"]), ms(r["req_p95"]), len(r["errors"])]
            for r in results]
    print_table(f"Throughput: whole lifecycles through the HTTP API ({args.clients} client threads)",
                ["db", "workers", "clients", "lifecycles", "seconds", "lifecycles/min",
                 "bare lifecycles/min (1 core)", "complete median ms",
                 "complete p95 ms", "requests", "req/s", "request median ms", "request p95 ms", "errors"], rows)
    if any(r["cpu"] for r in results):
        cores = os.cpu_count() or 1
        rows = []
        for r in results:
            cpu = r["cpu"]
            server = sum(cpu.get(p, 0.0) for p in ("web", "worker", "postgresql"))
            rows.append([r["kind"], r["workers"], *(f"{cpu.get(p, 0.0):.3f}" for p in PARTS),
                         f"{sum(cpu.values()):.3f}", f"{60 * cores / server:.0f}" if server else "—"])
        print_table(f"CPU seconds per lifecycle, by part (from /proc; {cores} cores)",
                    ["db", "workers", *(f"{p} s" for p in PARTS), "all s",
                     "server alone could do /min (informative: its cores / its CPU, clients elsewhere)"], rows)
    for r in results:
        for e in r["errors"][:5]:
            print(f"  {r['kind']} error: {e}")
    targets = []
    for r in results:
        note = f"{len(r['errors'])} errors, {r['failed']} failed lifecycles"
        if r["kind"] == "postgresql":
            note += f"; bare SpiffWorkflow {r['bare_per_minute']:.0f}/min on one core"
            targets.append(Target(NAME, f"lifecycles/min, PostgreSQL, {r['workers']} workers, {r['clients']} clients",
                                  r["per_minute"] if not r["errors"] and not r["failed"] else 0.0, 200,
                                  higher_is_better=True, note=note, informative=r["workers"] != 2))
        else:
            targets.append(Target(NAME, f"lifecycles/min, SQLite, {r['workers']} worker",
                                  r["per_minute"], 0, higher_is_better=True, note=note,
                                  informative=not r["errors"] and not r["failed"]))
    return {"targets": targets, "results": results}


if __name__ == "__main__":
    run_main(main)
