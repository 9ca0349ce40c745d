"""The traceability benchmark still walks what it claims (no timing thresholds here)."""
from __future__ import annotations

from bench import traceability


def test_the_traceability_bench_walks_its_uat_rounds():
    result = traceability.main(["--db", "sqlite", "--repeat", "1", "--sizes", "1,2"])
    found = result["found"]["sqlite"]
    # steps 1-11 once, step 12 not yet; a second UAT round adds steps 12, 9, 10, 11
    assert found[1]["submissions"] == 11 and found[2]["submissions"] == 15
    # step 8's scenario, then per UAT round step 10's verdict and note, and step 12's decision and note
    assert found[1]["columns"] == 1 + 2 and found[2]["columns"] == 1 + 2 * 2 + 2
    assert all(f[k] > 0 for f in found.values() for k in ("read", "matrix", "views", "check"))
    assert len(result["targets"]) == 3
