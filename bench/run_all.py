"""Run every benchmark and end with the list of targets met or missed (``make bench``).

    python -m bench.run_all [--quick] [--only completion,inbox,...] [--output results.md]

``--quick`` shrinks every benchmark (fewer lifecycles, levels up to 1,000, 20 loops) for a
smoke run (its targets still count); the figures in docs/benchmarks.md come from a full run. PostgreSQL parts are skipped
when nothing listens on ALUR_BENCH_POSTGRES_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/test).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time

from . import completion, deploy, inbox, scale, state_growth, throughput
from .common import machine_notes, postgres_available, print_targets

BENCHES = {
    "completion": (completion, [], ["--lifecycles", "3"]),
    "inbox": (inbox, [], ["--levels", "100,1000", "--repeat", "60"]),
    "state_growth": (state_growth, [], ["--instances", "1", "--checkpoints", "0,5,20"]),
    "throughput": (throughput, [], ["--lifecycles", "16"]),
    "deploy": (deploy, [], ["--repeat", "10"]),
    "scale": (scale, [], ["--levels", "100,1000", "--repeat", "5"]),
}


class Tee(io.TextIOBase):
    def __init__(self, *streams) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for s in self.streams:
            s.write(text)
            s.flush()
        return len(text)

    def flush(self) -> None:
        for s in self.streams:
            s.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated subset")
    parser.add_argument("--output", help="also write everything printed on stdout to this file")
    args = parser.parse_args(argv)
    out = open(args.output, "w") if args.output else None
    targets = []
    started = time.time()
    with contextlib.redirect_stdout(Tee(sys.stdout, out) if out else sys.stdout):
        print(f"# alur benchmarks\n\nMachine: {machine_notes()}; PostgreSQL "
              f"{'available' if postgres_available() else 'not available (skipped)'}.\n")
        for name in [n for n in args.only.split(",") if n]:
            module, full, quick = BENCHES[name]
            print(f"\n## {name}\n", flush=True)
            t0 = time.time()
            result = module.main(quick if args.quick else full)
            targets += result.get("targets", [])
            print(f"\n({name}: {time.time() - t0:.0f} s)", flush=True)
        print_targets(targets, f"All targets ({time.time() - started:.0f} s)")
    if out:
        out.close()
    missed = [t for t in targets if not t.met]
    if missed:
        print(f"\nMISSED {len(missed)} target(s):", file=sys.stderr)
        for t in missed:
            print(f"  MISSED: {t.bench}: {t.name}: {t.value if t.value is not None else '—'} (limit "
                  f"{'≥' if t.higher_is_better else '≤'} {t.limit:g}) {t.note}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
