"""Benchmark: list fields and the traceability matrix against the case's own history.

A case of the SOP with five requirements is walked to step 12 with 1, 10 and 50 UAT rounds (step
12 sends the prototype back each time, one requirement failing at every step 10). At step 12 it
times, each in a fresh session: the traceability matrix (``svc.traceability``), step 12's bound
list as its page shows it (``svc.list_views``) and the check of step 12's form with its coverage
(``svc.check_form``). The floor, measured in the same run on the same case: reading the case's
kept submissions (``svc.submissions``), which each of them must do. Target: from 1 to 50 rounds
each grows no faster than 1.5× the growth of that read (one pass over what it returns, never a
pass per item or per round); their ratio to the read at each size is printed beside it.

    python -m bench.traceability [--db sqlite,postgresql] [--repeat 7] [--sizes 1,10,50]
"""
from __future__ import annotations

import argparse
import io
import time

from .common import (EngineEnv, Target, database_url, drop_postgres, median, ms, postgres_available, print_table,
                     progress, ratio, run_main, workdir)

NAME = "traceability"
SIZES = (1, 10, 50)
LIMIT = 1.5
REQUIREMENTS = [{"deskripsi": f"Kebutuhan {n}", "prioritas": "tinggi"} for n in range(1, 6)]
IDS = [f"K-0{n}" for n in range(1, 6)]


def _data(svc, row, loop: int, last: bool) -> dict:
    from tests.helpers.sop_walk import form_data

    if row.step == 2:
        return {"ringkasan_kebutuhan": "Antrean", "kebutuhan": [dict(r) for r in REQUIREMENTS]}
    if row.step == 3:
        return {"spec_approved": True}
    if row.step == 8:
        return {"skenario_uji": [{"id": i, "skenario": f"Uji {i}"} for i in IDS]}
    if row.step == 10:
        return {"tanggal_uat": "2026-12-01", "hasil_uji": [
            {"id": i, "hasil": "gagal", "catatan": f"Putaran {loop}"} if i == "K-02" else {"id": i, "hasil": "lulus"}
            for i in IDS]}
    if row.step == 12:
        return {"prototype_accepted": False, "catatan_review": f"Putaran {loop}",
                "tinjauan_butir": [{"id": "K-02", "keputusan": "perbaiki"}]}
    return form_data(svc.task_form(row), row.step, {})


def walk_to_step_12(env: EngineEnv, loops: int) -> int:
    """A case at step 12 after ``loops`` UAT rounds (the earlier ones sent back)."""
    from tests.helpers.sop_walk import user_for

    instance_id = env.start(f"Ketertelusuran {loops}")
    loop = 1
    with env.Session() as session:
        svc = env.service(session)
        while True:
            row = next(r for r in svc.instance_tasks(instance_id) if r.state == "ready")
            if row.step == 12 and loop == loops:
                return instance_id
            task = {"lane": row.lane, "assignees": [u.username for u in row.assignees] if row.has_assignees else []}
            user = env.user(session, user_for(task))
            if svc.task_meta(row).output_required and not svc.attachments(task_id=row.id):
                svc.attach(row.id, user, "dokumen.pdf", io.BytesIO(b"%PDF-1.4 bench"))
            svc.complete(row.id, user, _data(svc, row, loop, False))
            if row.step == 12:
                loop += 1


def _timed(env: EngineEnv, repeat: int, work) -> float:
    """Median of ``repeat`` calls, each in a fresh session (as a request is); one untimed call first."""
    times = []
    for n in range(repeat + 1):
        with env.Session() as session:
            svc = env.service(session)
            started = time.perf_counter()
            work(svc)
            if n:
                times.append(time.perf_counter() - started)
            session.rollback()
    return median(times)


def measure(kind: str, repeat: int, sizes: tuple[int, ...] = SIZES) -> dict:
    rows, found = [], {}
    with workdir(f"traceability-{kind}") as work:
        env = EngineEnv(database_url(kind, work), work)
        try:
            for loops in sizes:
                progress(NAME, f"{kind}: walking a case through {loops} UAT round(s)")
                instance_id = walk_to_step_12(env, loops)

                with env.Session() as session:
                    row_id = next(r.id for r in env.service(session).instance_tasks(instance_id) if r.state == "ready")

                def step12(svc):
                    return svc.task(row_id)

                data = {"prototype_accepted": False, "catatan_review": "x",
                        "tinjauan_butir": [{"id": "K-02", "keputusan": "perbaiki"}]}
                ops = {"read": lambda svc: svc.submissions(instance_id),
                       "matrix": lambda svc: svc.traceability(svc.instance(instance_id)),
                       "views": lambda svc: svc.list_views(step12(svc)),
                       "check": lambda svc: svc.check_form(step12(svc), dict(data))}
                for op in ops.values():  # a pass of all four first: the case's pages in the cache for each
                    _timed(env, 1, op)
                read, matrix, views, check = (_timed(env, repeat, op) for op in ops.values())
                with env.Session() as session:
                    svc = env.service(session)
                    count = len(svc.submissions(instance_id))
                    columns = sum(len(g.rounds) * len(g.columns) for g in svc.traceability(svc.instance(instance_id))[0].groups)
                found[loops] = {"read": read, "matrix": matrix, "views": views, "check": check,
                                "submissions": count, "columns": columns}
                rows.append([f"{loops}", f"{count}", f"{columns}", ms(read), ms(matrix), ratio(matrix, read),
                             ms(views), ratio(views, read), ms(check), ratio(check, read)])
        finally:
            env.dispose()
            if kind == "postgresql":
                drop_postgres()
    return {"rows": rows, "found": found}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.traceability")
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="UAT rounds per case, smallest first")
    args = parser.parse_args(argv)
    sizes = tuple(int(n) for n in args.sizes.split(","))
    targets, found = [], {}
    for kind in args.db.split(","):
        if kind == "postgresql" and not postgres_available():
            print(f"{kind}: not available, skipped")
            continue
        result = measure(kind, args.repeat, sizes)
        found[kind] = result["found"]
        print_table(f"Traceability at step 12 ({kind}; median of {args.repeat}, each in a fresh session)",
                    ["UAT rounds", "submissions", "matrix columns", "read (floor)", "matrix", "× read",
                     "step 12 list", "× read", "form check", "× read"], result["rows"])
        first, last = result["found"][sizes[0]], result["found"][sizes[-1]]
        read_growth = last["read"] / first["read"]
        for what, label in (("matrix", "the matrix"), ("views", "step 12's list"), ("check", "step 12's form check")):
            growth = last[what] / first[what]
            targets.append(Target(NAME, f"{kind}: {label}, {sizes[0]} → {sizes[-1]} rounds, grows ≤ {LIMIT:g}× "
                                  f"as fast as reading the submissions", growth / read_growth, LIMIT,
                                  note=f"{growth:.1f}× against the read's {read_growth:.1f}×"))
    return {"targets": targets, "found": found}


if __name__ == "__main__":
    run_main(main)
