"""Profile the completion path with pyinstrument (how the figures in docs/benchmarks.md were explained).

    python -m bench.profile_complete [--lifecycles 6] [--db sqlite] [--statements]

Walks whole SOP lifecycles through ``WorkflowService.complete`` and profiles only the completion
calls; ``--statements`` also lists the SQL statements one completion issues, by kind.
"""
from __future__ import annotations

import argparse
import collections
import time

from sqlalchemy import event

from .common import EngineCase, EngineEnv, database_url, drop_postgres, run_main, workdir


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_complete", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifecycles", type=int, default=6)
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--interval", type=float, default=0.0005, help="pyinstrument sampling interval (s)")
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--all", action="store_true", help="show library frames too")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    profiler = Profiler(interval=args.interval)
    statements: collections.Counter = collections.Counter()
    recording = [False]
    completions, total = 0, 0.0
    with workdir("profile") as work:
        env = EngineEnv(database_url(args.db, work), work)

        @event.listens_for(env.engine, "before_cursor_execute")
        def _count(conn, cursor, statement, parameters, context, executemany):
            if recording[0]:
                statements[" ".join(statement.split()[:3])] += 1

        try:
            for _ in range(args.lifecycles):
                case = EngineCase(env, env.start("Profile"))
                while (prepared := case.prepare()) is not None:
                    task, username, data = prepared
                    with env.Session() as session:
                        user = env.user(session, username)
                        user.role_names
                        svc = env.service(session)
                        recording[0] = True
                        profiler.start()
                        t0 = time.perf_counter()
                        svc.complete(task["id"], user, data)
                        total += time.perf_counter() - t0
                        profiler.stop()
                        recording[0] = False
                    case.rounds[task["step"]] = case.rounds.get(task["step"], 0) + 1
                    completions += 1
        finally:
            env.dispose()
            if args.db == "postgresql":
                drop_postgres()
    print(profiler.output_text(unicode=True, color=False, show_all=args.all))
    print(f"{completions} completions, {total / completions * 1000:.2f} ms each under the profiler")
    if args.statements:
        print(f"\nSQL statements per completion ({sum(statements.values()) / completions:.2f} in all):")
        for kind, n in statements.most_common():
            print(f"  {n / completions:5.2f}  {kind} …")
    return {}


if __name__ == "__main__":
    run_main(main)
