"""Benchmark 3: state growth round the SOP's step-12 review loop (12 → 9 when the prototype is
not accepted).

Three walks in lockstep, step by step with the same data: bare SpiffWorkflow (full spec in the
JSON, stock serializer, in memory), alur with history compaction off (``compact_history=False``:
alur as it was before engine/compaction.py) and alur as configured by default (compaction on).
After 0, 5, 20 and 50 rounds of the loop: serialized state bytes and the completion time of a
step (mean of the four steps 9, 10, 11, 12 of the next round; median over the instances). Each
instance then accepts the prototype and must run to its end.

Target: alur's completion time after 50 loops ≤ 1.5 × after 0 loops.

    python -m bench.state_growth [--instances 3] [--checkpoints 0,5,20,50] [--db sqlite]
"""
from __future__ import annotations

import argparse
import statistics

from .common import (BareSpiff, EngineCase, EngineEnv, Target, database_url, drop_postgres, median, ms,
                     print_table, progress, ratio, run_main, workdir)

NAME = "state_growth"
VARIANTS = ("bare", "alur_off", "alur")
LABELS = {"bare": "bare SpiffWorkflow", "alur_off": "alur, compaction off", "alur": "alur (compaction on)"}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.state_growth", description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--checkpoints", default="0,5,20,50")
    parser.add_argument("--repeat", type=int, default=1,
                        help="bare runs per step, mean taken (1: one run each side, as alur has)")
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    checkpoints = sorted({int(c) for c in args.checkpoints.split(",")})
    last = checkpoints[-1]

    bare = BareSpiff()
    # times[variant][checkpoint] → per instance: mean step time of the round after N loops
    times = {v: {c: [] for c in checkpoints} for v in VARIANTS}
    sizes = {v: {c: [] for c in checkpoints} for v in VARIANTS}
    tasks_in_state = {v: {c: [] for c in checkpoints} for v in VARIANTS}
    finished = {v: 0 for v in VARIANTS}

    with workdir("state-off") as work_off, workdir("state-on") as work_on:
        url_off = database_url(args.db, work_off)
        env_off = EngineEnv(url_off, work_off, compact=False)
        if args.db == "postgresql":  # two databases side by side: the second one in a schema of its own
            url_on = url_off + "?options=-csearch_path%3Dcompacted"
            with env_off.engine.begin() as conn:
                conn.exec_driver_sql("CREATE SCHEMA compacted")
        else:
            url_on = database_url(args.db, work_on)
        env_on = EngineEnv(url_on, work_on, compact=True)
        try:
            for i in range(args.instances):
                cases = {"alur_off": EngineCase(env_off, env_off.start(f"Loop {i}")),
                         "alur": EngineCase(env_on, env_on.start(f"Loop {i}"))}
                state = bare.new_state()
                loops = 0
                round_times = {v: [] for v in VARIANTS}
                while True:
                    decisions = {12: loops >= last}
                    prepared = {v: c.prepare(decisions) for v, c in cases.items()}
                    if prepared["alur"] is None:
                        break
                    task, _, data = prepared["alur"]
                    step = task["step"]
                    assert prepared["alur_off"][0]["step"] == step, "the walks diverged"
                    assert bare.ready_step(state) == step, "bare SpiffWorkflow diverged"
                    if step == 9:  # a round of the loop begins
                        round_times = {v: [] for v in VARIANTS}
                        if loops in checkpoints:
                            sizes["bare"][loops].append(len(state.encode("utf-8")))
                            tasks_in_state["bare"][loops].append(state.count('"task_spec"'))
                            for v, c in cases.items():
                                sizes[v][loops].append(c.state_bytes())
                                tasks_in_state[v][loops].append(_task_count(c))
                    # lockstep: the same step, same data, in each of the three
                    for v, c in cases.items():
                        t, u, d = prepared[v]
                        elapsed = c.complete(t, u, d)
                        if step in (9, 10, 11, 12):
                            round_times[v].append(elapsed)
                    t_bare, state = bare.time_step(state, data, args.repeat)
                    if step in (9, 10, 11, 12):
                        round_times["bare"].append(t_bare)
                    if step == 12:
                        if loops in checkpoints:
                            for v in VARIANTS:
                                times[v][loops].append(statistics.mean(round_times[v]))
                            progress(NAME, f"instance {i + 1}/{args.instances}, after {loops} loops: "
                                           + ", ".join(f"{v} {statistics.mean(round_times[v]) * 1000:.1f} ms"
                                                       for v in VARIANTS))
                        if not data.get("prototype_accepted"):
                            loops += 1
                # every walk must have ended, the instance completed
                for v, c in cases.items():
                    from engine.models import Instance

                    with c.env.Session() as session:
                        if session.get(Instance, c.instance_id).status == "completed":
                            finished[v] += 1
                if bare.ready_step(state) is None:
                    finished["bare"] += 1
        finally:
            env_off.dispose()
            env_on.dispose()
            if args.db == "postgresql":
                drop_postgres()

    rows = []
    for c in checkpoints:
        row = [c]
        for v in VARIANTS:
            row += [f"{median(sizes[v][c]) / 1024:.1f}", f"{median(tasks_in_state[v][c]):.0f}", ms(median(times[v][c]))]
        rows.append(row)
    headers = ["loops"]
    for v in VARIANTS:
        headers += [f"{LABELS[v]}: KB", "tasks", "ms/step"]
    print_table(f"State growth round the step-12 loop ({args.db}; median of {args.instances} instances)",
                headers, rows)
    base = {v: median(times[v][checkpoints[0]]) for v in VARIANTS}
    growth_rows = []
    for c in checkpoints:
        growth_rows.append([c] + [ratio(median(times[v][c]), base[v]) for v in VARIANTS]
                           + [ratio(median(times["alur"][c]), median(times["bare"][c]))])
    print_table("Step time relative to 0 loops, and alur against bare at the same point",
                ["loops", *(LABELS[v] for v in VARIANTS), "alur / bare"], growth_rows)
    per_loop = {v: (median(sizes[v][last]) - median(sizes[v][checkpoints[0]])) / max(last - checkpoints[0], 1)
                for v in VARIANTS}
    print_table("Growth per loop", ["variant", "bytes per loop", "instances completed"],
                [[LABELS[v], f"{per_loop[v]:.0f}", f"{finished[v]}/{args.instances}"] for v in VARIANTS])
    value = (median(times["alur"][last]) or 0) / (base["alur"] or 1)
    targets = [Target(NAME, f"alur step time after {last} loops / after {checkpoints[0]}", value, 1.5,
                      note=f"{finished['alur']}/{args.instances} completed; "
                           f"{per_loop['alur']:.0f} B/loop (bare {per_loop['bare']:.0f})")]
    return {"targets": targets, "times": times, "sizes": sizes}


def _task_count(case: EngineCase) -> int:
    from engine.models import Instance

    with case.env.Session() as session:
        return session.get(Instance, case.instance_id).state.count('"task_spec"')


if __name__ == "__main__":
    run_main(main)
