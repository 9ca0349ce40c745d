"""The benchmarks still run and report what they claim: no timing thresholds here (those live in
bench/ and docs/benchmarks.md), only that a tiny run completes every step and counts right."""
from __future__ import annotations

from bench import completion, deploy
from bench.common import Target


def test_target_verdicts():
    assert Target("b", "ratio", 1.5, 2.0).row()[4] == "met"
    assert Target("b", "ratio", 2.5, 2.0).row()[4] == "MISSED"
    assert not Target("b", "ratio", 2.5, 2.0).met
    assert Target("b", "rate", 60, 50, higher_is_better=True).met
    assert not Target("b", "no figure", None, 2.0).met
    over = Target("b", "ratio", 2.5, 2.0, informative=True)
    assert over.met and not over.within and over.row()[4] == "over (informative)"
    assert Target("b", "ratio", 1.0, 2.0, informative=True).row()[4] == "within (informative)"


def test_engine_completion_bench_walks_whole_lifecycles(capsys):
    result = completion.main(["--lifecycles", "1", "--db", "sqlite", "--no-http"])
    run = result["engine"]["sqlite"]
    # 14 steps, steps 2-3 and 9-12 once more (both review loops taken once)
    assert len(run["order"]) == 20
    assert run["order"][:5] == ["1", "2", "3", "2 (again)", "3 (again)"]
    assert all(len(times) == 1 and times[0] > 0 for times in run["alur"].values())
    for floor in ("stock", "spec in memory", "compacted"):  # every floor walked the same steps
        assert set(run["bare"][floor]) == set(run["alur"])
        assert all(len(times) == 1 and times[0] > 0 for times in run["bare"][floor].values())
    honest = next(t for t in result["targets"] if t.name == "engine complete (sqlite) / honest floor")
    assert honest.value > 0 and not honest.informative and honest.limit == 2.0
    assert {"engine complete (sqlite) / compacted floor", "engine complete (sqlite) / stock baseline"} <= {
        t.name for t in result["targets"]}
    assert "Completion per step" in capsys.readouterr().out


def test_deploy_bench_starts_without_parsing_xml():
    result = deploy.main(["--repeat", "2"])
    figures = {t.name: t.value for t in result["targets"]}
    assert figures["XML parses during 3 starts"] == 0
    assert figures["spec restores during 3 starts"] == 1


def test_scale_bench_seeds_levels_and_every_page_answers():
    from bench import scale

    result = scale.main(["--levels", "45,60", "--db", "sqlite", "--repeat", "1"])
    run = result["runs"]["sqlite"]
    assert run["failures"] == []
    assert run["sizes"][60][0] > run["sizes"][45][0]  # more cases, more task rows
    labels = {r["label"] for r in run["results"]}
    assert {"inbox", "audit log", "cases ?q=antrean (a seventh)", "case page (finished case)"} <= labels
    assert all(r["medians"][45] > 0 and r["medians"][60] > 0 for r in run["results"])
