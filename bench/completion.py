"""Benchmark 1: completion overhead of one SOP step.

alur: ``WorkflowService.complete`` (load state from the database, deserialize, validate the form,
run, serialize, write state + task index + audit, commit), each call in a fresh session. Through
the HTTP API: ``POST /api/tasks/{id}/complete`` with a Bearer token to a real gunicorn server
(``alur serve``, one worker), lifecycles alternating three clients: a keep-alive
``requests.Session``, a keep-alive ``http.client`` connection (renewed outside the timed call when
idle) and a plain client opening a new connection for every call, as a script does.

Floors, measured in the same run on the same step with the same data, each walking its own state
(``bench.common.FLOORS``): bare SpiffWorkflow in memory with the stock serializer and the full spec
in the JSON (the first baseline, kept for comparison); with the spec kept in memory and only the
instance serialized (**the honest floor**: the targets are measured against it); and with alur's
history compaction as well. Targets against the honest floor: engine ≤ 2× on SQLite and ≤ 3× on
PostgreSQL, HTTP ≤ 3× and ≤ 4× (keep-alive and new connection alike); ratio of the summed step
times over whole lifecycles (every step of the 14-step SOP, both review loops taken once = 20
completions).

    python -m bench.completion [--lifecycles 8] [--db sqlite,postgresql] [--no-http]
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict

from .common import (FLOORS, HONEST_FLOOR, ApiCase, EngineCase, EngineEnv, Floors, JsonClient, Server, Target,
                     database_url, drop_postgres, median, ms, postgres_available, print_table, progress, ratio,
                     run_main, workdir)

NAME = "completion"
ENGINE_LIMITS = {"sqlite": 2.0, "postgresql": 3.0}
HTTP_LIMITS = {"sqlite": 3.0, "postgresql": 4.0}


def _label(step: int, seen: dict[int, int]) -> str:
    seen[step] = seen.get(step, 0) + 1
    return f"{step}" if seen[step] == 1 else f"{step} (again)"


def _new_run() -> dict:
    return {"alur": defaultdict(list), "bare": {f: defaultdict(list) for f in FLOORS}, "errors": []}


def engine_run(kind: str, lifecycles: int, floors: Floors, repeat: int) -> dict:
    """Per walk position: alur times and every floor's times on the same data."""
    run = _new_run()
    order: list[str] = []
    with workdir(f"completion-{kind}") as work:
        env = EngineEnv(database_url(kind, work), work)
        try:
            for k in range(lifecycles):
                case = EngineCase(env, env.start(f"Completion {k}"))
                floors.restart()
                seen: dict[int, int] = {}
                while (prepared := case.prepare()) is not None:
                    task, username, data = prepared
                    label = _label(task["step"], seen)
                    if k == 0:
                        order.append(label)
                    run["alur"][label].append(case.complete(task, username, data))
                    for floor, t in floors.step(data, repeat).items():
                        run["bare"][floor][label].append(t)
                a, b = _totals(run, HONEST_FLOOR, last=True)
                progress(NAME, f"{kind} engine lifecycle {k + 1}/{lifecycles}: {sum(seen.values())} steps, "
                               f"alur {a * 1000:.0f} ms vs honest floor {b * 1000:.0f} ms")
        finally:
            env.dispose()
            if kind == "postgresql":
                drop_postgres()
    run["order"] = order
    return run


#: The first is the keep-alive target's client, as before; "new connection" the plain script's.
CLIENTS = ("requests", "http.client", "new connection")


def http_run(kind: str, lifecycles: int, floors: Floors, repeat: int, workers: int = 1) -> dict[str, dict]:
    """Lifecycles through a real server, alternating the client per lifecycle (same server, same
    moment)."""
    runs = {c: _new_run() for c in CLIENTS}
    with workdir(f"completion-http-{kind}") as work:
        try:
            with Server(database_url(kind, work), work, workers=workers) as server:
                import requests

                http = requests.Session()
                clients = {"requests": None, "http.client": JsonClient(server.base),
                           "new connection": JsonClient(server.base, fresh=True)}
                for k in range(lifecycles + 1):  # the first round warms the worker up, not counted
                    for client in CLIENTS:
                        run = runs[client]
                        case = ApiCase(server, http, clients[client])
                        case.start(f"Completion HTTP {k} {client}")
                        floors.restart()
                        seen: dict[int, int] = {}
                        while (prepared := case.prepare()) is not None:
                            task, username, data = prepared
                            label = _label(task["step"], seen)
                            t = case.complete(task, username, data)
                            case.note_done(task)
                            bare = floors.step(data, repeat)
                            if k > 0:
                                run["alur"][label].append(t)
                                for floor, tb in bare.items():
                                    run["bare"][floor][label].append(tb)
                        run["errors"] += case.errors
                    progress(NAME, f"{kind} HTTP lifecycle {k}/{lifecycles}{' (warm-up)' if k == 0 else ''}: "
                                   f"{sum(seen.values())} steps with each client, errors so far "
                                   f"{sum(len(r['errors']) for r in runs.values())}, keep-alive renewals "
                                   f"{clients['http.client'].reconnects}")
                _empty_inbox(server, http, clients, runs, floors)
                for c in clients.values():
                    if c is not None:
                        c.close()
        finally:
            if kind == "postgresql":
                drop_postgres()
    return runs


EMPTY_ROUNDS = 60
CHEAP_LIMIT = 0.5


def _empty_inbox(server, http, clients: dict, runs: dict, floors: Floors) -> None:
    """The fixed cost of a request (issue 12, item 4): an authenticated ``GET /api/tasks`` whose
    inbox is empty (every case walked to its end), with each client in turn, a floor step between
    rounds so the machine's noise hits both alike."""
    headers = server.auth("analis")
    floors.restart()
    for client in CLIENTS:
        runs[client]["empty"] = []
    for k in range(EMPTY_ROUNDS + 3):  # the first rounds warm the connections up, not counted
        for client in CLIENTS:
            lean = clients[client]
            if lean is None:
                t0 = time.perf_counter()
                r = http.get(server.base + "/api/tasks", headers=headers, timeout=120)
                elapsed, status, body = time.perf_counter() - t0, r.status_code, r.text
            else:
                status, body, elapsed = lean.get("/api/tasks", headers)
            if status != 200 or body.strip() != "[]":
                runs[client]["errors"].append(f"empty inbox: HTTP {status} {body[:80]}")
            elif k >= 3:
                runs[client]["empty"].append(elapsed)
        if floors.ready():
            floors.step(EMPTY_DATA)
        else:
            floors.restart()


#: Form data any step of the walk accepts for the floors' steps between the empty-inbox rounds.
EMPTY_DATA = {"spec_approved": True, "prototype_accepted": True, "system_programmer": "budi",
              "programmers": ["sari", "andi"], "tinjauan_butir": []}


def _totals(run: dict, floor: str, last: bool = False) -> tuple[float, float]:
    """Mean time of one lifecycle (sum over its steps), alur and the floor (``last``: the latest
    lifecycle only)."""
    if last:
        return (sum(v[-1] for v in run["alur"].values()), sum(v[-1] for v in run["bare"][floor].values()))
    n = len(next(iter(run["alur"].values())))
    return (sum(sum(v) for v in run["alur"].values()) / n, sum(sum(v) for v in run["bare"][floor].values()) / n)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.completion", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifecycles", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1,
                        help="bare runs per step, mean taken (1: one run each side, as alur has)")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args(argv)
    kinds = [k for k in args.db.split(",") if k and (k != "postgresql" or postgres_available())]

    floors = Floors()
    engine_runs = {k: engine_run(k, args.lifecycles, floors, args.repeat) for k in kinds}
    http_runs = {} if args.no_http else {k: http_run(k, args.lifecycles, floors, args.repeat) for k in kinds}

    order = next(iter(engine_runs.values()))["order"]
    headers = ["step", *(f"{f} ms" for f in FLOORS)]
    for k in kinds:
        headers += [f"alur ms ({k})", "/ honest floor"]
    for k in http_runs:
        headers += [f"HTTP ms ({k}, {CLIENTS[0]})", "/ honest floor"]
    rows = []
    first = next(iter(engine_runs.values()))
    for label in order:
        row = [label, *(ms(median(first["bare"][f][label])) for f in FLOORS)]
        for k in kinds:
            run = engine_runs[k]
            a, b = median(run["alur"][label]), median(run["bare"][HONEST_FLOOR][label])
            row += [ms(a), ratio(a, b)]
        for k, runs in http_runs.items():
            run = runs[CLIENTS[0]]
            a, b = median(run["alur"][label]), median(run["bare"][HONEST_FLOOR][label])
            row += [ms(a), ratio(a, b)]
        rows.append(row)
    targets: list[Target] = []
    summary = []
    cheap: list[list[str]] = []

    def add(path: str, run: dict, limit: float, kind: str, target: bool, note: str = "") -> None:
        a, _ = _totals(run, HONEST_FLOOR)
        floors_ms = {f: _totals(run, f)[1] for f in FLOORS}
        summary.append([path, *(ms(floors_ms[f] / len(order)) for f in FLOORS), ms(a / len(order)),
                        *(ratio(a, floors_ms[f]) for f in FLOORS)])
        informative = not target
        targets.append(Target(NAME, f"{path} / honest floor", a / floors_ms[HONEST_FLOOR], limit,
                              note=note, informative=informative))
        targets.append(Target(NAME, f"{path} / compacted floor", a / floors_ms["compacted"], limit,
                              note="the cheapest SpiffWorkflow step", informative=True))
        targets.append(Target(NAME, f"{path} / stock baseline", a / floors_ms["stock"], limit,
                              note="the first baseline (spec through JSON)", informative=True))

    for k in kinds:
        add(f"engine complete ({k})", engine_runs[k], ENGINE_LIMITS[k], k, True)
    for k, runs in http_runs.items():
        for client, run in runs.items():
            note = f"{len(run['errors'])} errors"
            if client == "http.client":
                note += "; keep-alive without requests' own cost"
            add(f"HTTP complete ({k}, {client})", run, HTTP_LIMITS[k], k, client != "http.client" and not run["errors"],
                note)
            if run["errors"]:
                targets.append(Target(NAME, f"HTTP completions answered 200 ({k}, {client})", 0.0, 1,
                                      higher_is_better=True, note=run["errors"][0][:120]))
            if run.get("empty"):
                step = _totals(run, HONEST_FLOOR)[1] / len(order)
                empty = median(run["empty"])
                cheap.append([f"{k}, {client}", ms(empty), ms(step), ratio(empty, step)])
                targets.append(Target(NAME, f"empty-inbox GET /api/tasks ({k}, {client}) / honest floor step",
                                      empty / step, CHEAP_LIMIT, informative=client == "http.client",
                                      note="the fixed cost of an authenticated request"))
    print_table(f"Completion per step (median of {args.lifecycles} lifecycles; floors: {', '.join(FLOORS)})",
                headers, rows)
    print_table("Completion, whole lifecycle (mean step time; ratios of sums)",
                ["path", *(f"{f} ms/step" for f in FLOORS), "alur ms/step", *(f"/ {f}" for f in FLOORS)], summary)
    if cheap:
        print_table(f"An authenticated GET /api/tasks with an empty inbox (median of {EMPTY_ROUNDS}) against "
                    "one honest-floor step", ["server, client", "request ms", "floor step ms", "ratio"], cheap)
    return {"targets": targets, "engine": engine_runs, "http": http_runs}


if __name__ == "__main__":
    run_main(main)
