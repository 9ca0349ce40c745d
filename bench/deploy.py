"""Benchmark 5: deploy and start.

alur: validate (hardened XML parse, alur's checks, the spiff parser), deploy (validate, serialize
the spec once, store a new version, audit, commit) and start an instance (spec from the per-version
cache, first engine steps, state + task index + audit, commit). Bare SpiffWorkflow: parse the same
file with the spiff parser (and its XSD validator), and start = new workflow + do_engine_steps +
serialize (stock serializer, full spec in the JSON), from an already parsed spec; and the honest
floor's start (the spec kept in memory, only the instance serialized: bench.common.FLOORS; a
fresh instance has no history, so the compacted floor starts the same way).

Also counts, while instances are started, how often XML is parsed and how often a stored spec is
restored: starts must never parse XML (the spec cache per deployed version), and restore a spec at
most once per version and process.

    python -m bench.deploy [--repeat 30] [--db sqlite]
"""
from __future__ import annotations

import argparse
import time
from collections import Counter

from sqlalchemy import select

from engine.models import utcnow

from .common import (HONEST_FLOOR, SOP_KEY, SOP_PATH, BareSpiff, EngineEnv, Target, database_url, drop_postgres, median, ms,
                     print_table, progress, ratio, run_main, workdir)

NAME = "deploy"


def _timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


class Counting:
    """Counts calls of XML parsing and spec restoring while active."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self._undo = []

    def __enter__(self) -> "Counting":
        from lxml import etree
        from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser

        import engine.bpmn_loader as loader
        import engine.runtime as runtime

        def wrap(owner, name, label):
            original = getattr(owner, name)

            def counted(*args, **kwargs):
                self.calls[label] += 1
                return original(*args, **kwargs)

            setattr(owner, name, counted)
            self._undo.append((owner, name, original))

        wrap(loader, "parse_xml", "alur XML parse")
        wrap(BpmnParser, "add_bpmn_xml", "spiff XML parse")
        wrap(etree, "fromstring", "lxml fromstring")
        wrap(runtime, "load_spec", "spec restored from JSON (runtime)")
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.deploy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    data = SOP_PATH.read_bytes()

    from engine.runtime import DEFINITIONS

    bare = BareSpiff()
    honest = BareSpiff(mode=HONEST_FLOOR)
    honest.new_state()
    rows = []
    with workdir("deploy") as work:
        env = EngineEnv(database_url(args.db, work), work)
        try:
            # interleaved, so noise hits both sides alike
            bare_parse, validate, deploy, bare_start, honest_start, start = [], [], [], [], [], []
            for i in range(args.repeat):
                bare_parse += _timed(lambda: BareSpiff.parse(SOP_PATH), 1)
                with env.Session() as session:
                    svc = env.service(session)
                    validate += _timed(lambda: svc.validate_bpmn(data, SOP_PATH.name), 1)
                # a new version each time: same diagram, one comment more (content hash differs)
                variant = data + f"<!-- bench {i} -->\n".encode()
                with env.Session() as session:
                    svc = env.service(session)
                    admin = env.user(session, "admin")
                    deploy += _timed(lambda: svc.deploy(variant, SOP_PATH.name, admin), 1)
                if (i + 1) % 10 == 0:
                    progress(NAME, f"deploy {i + 1}/{args.repeat}: bare parse {ms(median(bare_parse))} ms, "
                                   f"alur deploy {ms(median(deploy))} ms")
            # starts: the latest version; the first start of a process restores its spec once
            from engine.calendar import WorkingCalendar
            from engine.models import ProcessDefinition
            from engine.state import load_spec

            WorkingCalendar().add(utcnow(), 60)  # the holidays package's first computation: not a start's cost
            with env.Session() as session:
                spec_json = session.scalar(select(ProcessDefinition.spec_json).order_by(
                    ProcessDefinition.id.desc()).limit(1))
            restore = _timed(lambda: load_spec(spec_json), args.repeat)
            bare_xml_start = _timed(lambda: (BareSpiff.parse(SOP_PATH), bare.new_state()), args.repeat)
            DEFINITIONS.clear()
            with Counting() as counting:
                first = _timed(lambda: env.start("first"), 1)[0]
                after_first = Counter(counting.calls)
                for i in range(args.repeat):
                    def one_start():
                        with env.Session() as session:
                            svc = env.service(session)
                            svc.start(SOP_KEY, env.user(session, "pemilik"), f"Start {i}")
                    start += _timed(one_start, 1)
                    bare_start += _timed(lambda: bare.new_state(), 1)
                    honest_start += _timed(lambda: honest.new_state(), 1)
                calls = counting.calls
            progress(NAME, f"{args.repeat} starts: alur {ms(median(start))} ms, bare {ms(median(bare_start))} ms")
        finally:
            env.dispose()
            if args.db == "postgresql":
                drop_postgres()

    rows = [
        ["parse (bare spiff parser + XSD)", ms(median(bare_parse)), "", ""],
        ["alur validate (hardened parse, checks, spiff parser)", ms(median(validate)),
         ratio(median(validate), median(bare_parse)), "vs bare parse"],
        ["alur deploy (validate, spec JSON, store, audit, commit)", ms(median(deploy)),
         ratio(median(deploy), median(bare_parse)), "vs bare parse"],
        ["bare start (new workflow, engine steps, serialize with spec)", ms(median(bare_start)), "", ""],
        ["bare start that parses the XML each time", ms(median(bare_xml_start)),
         ratio(median(bare_xml_start), median(bare_start)), "vs bare start"],
        ["alur: restore a stored spec from JSON (once per version and process)", ms(median(restore)),
         ratio(median(restore), median(bare_parse)), "vs bare parse"],
        ["alur start, first of the version (restores the spec once)", ms(first), ratio(first, median(bare_start)),
         "vs bare start"],
        ["alur start (cached spec, state + task index + audit, commit)", ms(median(start)),
         ratio(median(start), median(bare_start)), "vs bare start"],
        ["bare start, honest floor (spec in memory, instance serialized; = compacted)", ms(median(honest_start)),
         "", ""],
        ["alur start (cached spec, state + task index + audit, commit)", ms(median(start)),
         ratio(median(start), median(honest_start)), "vs honest floor start"],
    ]
    print_table(f"Deploy and start ({args.db}; median of {args.repeat})", ["operation", "ms", "ratio", "baseline"], rows)
    xml_parses = calls["alur XML parse"] + calls["spiff XML parse"] + calls["lxml fromstring"]
    restores = calls["spec restored from JSON (runtime)"]
    print_table(f"What {args.repeat + 1} starts did (spec cache per deployed version)", ["call", "first start", "all starts"],
                [[k, after_first.get(k, 0), calls.get(k, 0)] for k in
                 ("alur XML parse", "spiff XML parse", "lxml fromstring", "spec restored from JSON (runtime)")])
    targets = [Target(NAME, f"XML parses during {args.repeat + 1} starts", xml_parses, 0),
               Target(NAME, f"spec restores during {args.repeat + 1} starts", restores, 1)]
    return {"targets": targets}


if __name__ == "__main__":
    run_main(main)
