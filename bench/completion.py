"""Benchmark 1: completion overhead of one SOP step.

alur: ``WorkflowService.complete`` (load state from the database, deserialize, validate the form,
run, serialize, write state + task index + audit, commit), each call in a fresh session. Through
the HTTP API: ``POST /api/tasks/{id}/complete`` with a Bearer token to a real gunicorn server
(``alur serve``, one worker) over a keep-alive ``requests.Session``; alternate lifecycles use a
keep-alive ``http.client`` connection instead, to show how much of the HTTP figure is the client's.

Baseline, measured in the same run on the same step with the same data: bare SpiffWorkflow in
memory (deserialize → complete → do_engine_steps → serialize, stock SPIFF_CONFIG serializer, the
full spec in the JSON). Targets: engine ≤ 2.0×, HTTP ≤ 3.0× (ratio of the summed step times over
whole lifecycles: every step of the 14-step SOP, both review loops taken once = 20 completions).

    python -m bench.completion [--lifecycles 8] [--db sqlite,postgresql] [--no-http]
"""
from __future__ import annotations

import argparse
from collections import defaultdict

from .common import (ApiCase, BareSpiff, EngineCase, EngineEnv, JsonClient, Server, Target, database_url, drop_postgres,
                     median, ms, postgres_available, print_table, progress, ratio, run_main, workdir)

NAME = "completion"


def _label(step: int, seen: dict[int, int]) -> str:
    seen[step] = seen.get(step, 0) + 1
    return f"{step}" if seen[step] == 1 else f"{step} (again)"


def engine_run(kind: str, lifecycles: int, bare: BareSpiff, repeat: int) -> dict:
    """Per walk position: alur times and bare times on the same state and data."""
    alur_t: dict[str, list[float]] = defaultdict(list)
    bare_t: dict[str, list[float]] = defaultdict(list)
    order: list[str] = []
    with workdir(f"completion-{kind}") as work:
        env = EngineEnv(database_url(kind, work), work)
        try:
            for k in range(lifecycles):
                case = EngineCase(env, env.start(f"Completion {k}"))
                state = bare.new_state()
                seen: dict[int, int] = {}
                while (prepared := case.prepare()) is not None:
                    task, username, data = prepared
                    label = _label(task["step"], seen)
                    if k == 0:
                        order.append(label)
                    alur_t[label].append(case.complete(task, username, data))
                    t_bare, state = bare.time_step(state, data, repeat)
                    bare_t[label].append(t_bare)
                total_a = sum(v[-1] for v in alur_t.values())
                total_b = sum(v[-1] for v in bare_t.values())
                progress(NAME, f"{kind} engine lifecycle {k + 1}/{lifecycles}: {len(seen) and sum(seen.values())} "
                               f"steps, alur {total_a * 1000:.0f} ms vs bare {total_b * 1000:.0f} ms")
        finally:
            env.dispose()
            if kind == "postgresql":
                drop_postgres()
    return {"alur": alur_t, "bare": bare_t, "order": order}


CLIENTS = ("requests", "http.client")  # the first is the target's client, as before; the second shows the client's share


def http_run(kind: str, lifecycles: int, bare: BareSpiff, repeat: int, workers: int = 1) -> dict[str, dict]:
    """Lifecycles through a real server, alternating the client per lifecycle (same server, same
    moment): the standard library's ``http.client`` and ``requests``, both keep-alive."""
    runs = {c: {"alur": defaultdict(list), "bare": defaultdict(list), "errors": []} for c in CLIENTS}
    with workdir(f"completion-http-{kind}") as work:
        try:
            with Server(database_url(kind, work), work, workers=workers) as server:
                import requests

                http = requests.Session()
                lean = JsonClient(server.base)
                for k in range(lifecycles + 1):  # the first round warms the worker up, not counted
                    for client in CLIENTS:
                        run = runs[client]
                        case = ApiCase(server, http, lean if client == "http.client" else None)
                        case.start(f"Completion HTTP {k} {client}")
                        state = bare.new_state()
                        seen: dict[int, int] = {}
                        while (prepared := case.prepare()) is not None:
                            task, username, data = prepared
                            label = _label(task["step"], seen)
                            t = case.complete(task, username, data)
                            case.note_done(task)
                            t_bare, state = bare.time_step(state, data, repeat)
                            if k > 0:
                                run["alur"][label].append(t)
                                run["bare"][label].append(t_bare)
                        run["errors"] += case.errors
                    progress(NAME, f"{kind} HTTP lifecycle {k}/{lifecycles}{' (warm-up)' if k == 0 else ''}: "
                                   f"{sum(seen.values())} steps with each client, errors so far "
                                   f"{sum(len(r['errors']) for r in runs.values())}")
                lean.close()
        finally:
            if kind == "postgresql":
                drop_postgres()
    return runs


def _totals(run: dict) -> tuple[float, float]:
    """Mean time of one lifecycle (sum over its steps), alur and bare."""
    n = len(next(iter(run["alur"].values())))
    return (sum(sum(v) for v in run["alur"].values()) / n, sum(sum(v) for v in run["bare"].values()) / n)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.completion", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifecycles", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1,
                        help="bare runs per step, mean taken (1: one run each side, as alur has)")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args(argv)
    kinds = [k for k in args.db.split(",") if k and (k != "postgresql" or postgres_available())]

    bare = BareSpiff()
    bare.step(bare.new_state(), {})  # warm imports
    engine_runs = {k: engine_run(k, args.lifecycles, bare, args.repeat) for k in kinds}
    http_runs = {} if args.no_http else {k: http_run(k, args.lifecycles, bare, args.repeat) for k in kinds}

    order = next(iter(engine_runs.values()))["order"]
    headers = ["step"]
    for k in kinds:
        headers += [f"bare ms ({k})", f"alur ms ({k})", "ratio"]
    for k in http_runs:
        headers += [f"HTTP ms ({k}, {c})" for c in CLIENTS[:1]] + ["ratio"]
    rows = []
    for label in order:
        row = [label]
        for k in kinds:
            b, a = median(engine_runs[k]["bare"][label]), median(engine_runs[k]["alur"][label])
            row += [ms(b), ms(a), ratio(a, b)]
        for k, runs in http_runs.items():
            run = runs[CLIENTS[0]]
            b, a = median(run["bare"][label]), median(run["alur"][label])
            row += [ms(a), ratio(a, b)]
        rows.append(row)
    targets: list[Target] = []
    summary = []
    for k in kinds:
        a, b = _totals(engine_runs[k])
        summary.append([f"engine, {k}", ms(b / len(order)), ms(a / len(order)), ratio(a, b)])
        if k == "sqlite" or len(kinds) == 1:
            targets.append(Target(NAME, f"engine complete / bare Spiff ({k})", a / b, 2.0))
        else:
            targets.append(Target(NAME, f"engine complete / bare Spiff ({k})", a / b, 2.0,
                                  note="PostgreSQL over TCP", informative=True))
    for k, runs in http_runs.items():
        for client, run in runs.items():
            a, b = _totals(run)
            summary.append([f"HTTP API, {k}, 1 gunicorn worker, client {client}", ms(b / len(order)),
                            ms(a / len(order)), ratio(a, b)])
            note = f"{len(run['errors'])} errors"
            if client != CLIENTS[0]:
                note += "; the same calls without requests' own cost"
            if k != "sqlite" and len(kinds) > 1:
                note += "; PostgreSQL over TCP"
            informative = client != CLIENTS[0] or (k != "sqlite" and len(kinds) > 1)
            targets.append(Target(NAME, f"HTTP complete / bare Spiff ({k}, {client})", a / b, 3.0, note=note,
                                  informative=informative and not run["errors"]))
    print_table(f"Completion overhead per step (median of {args.lifecycles} lifecycles)", headers, rows)
    print_table("Completion overhead, whole lifecycle (mean step time; ratio of sums)",
                ["path", "bare ms/step", "alur ms/step", "ratio"], summary)
    return {"targets": targets, "engine": engine_runs, "http": http_runs}


if __name__ == "__main__":
    run_main(main)
