"""Durations out of range are refused at deploy with element and line; expressions cannot build
huge values at run time (issue 11)."""
from __future__ import annotations

import time

import pytest

from helpers.api_driver import FlaskClientAPI
from helpers.bpmn_builder import Flow, Node, build_bpmn
from engine.calendar import MAX_DURATION_DAYS, duration_problem
from engine.expressions import UnsafeExpression, evaluate


@pytest.fixture
def api(client, tokens):
    return FlaskClientAPI(client, tokens)


def one_step(duration: str | None = None, *, timer: str | None = None, condition: str | None = None) -> bytes:
    props = {"sop.step": 1}
    if duration is not None:
        props["sop.duration"] = duration
    nodes = [Node("Mulai", "startEvent", "Mulai", "Staf"),
             Node("Task_A", "userTask", "Kerjakan", "Staf", props)]
    flows = [Flow("F1", "Mulai", "Task_A")]
    if timer is not None:
        nodes.append(Node("Tunggu", "intermediateCatchEvent", "Tunggu", "Staf",
                          inner=f'<bpmn:timerEventDefinition id="T1"><bpmn:timeDuration>{timer}</bpmn:timeDuration>'
                                '</bpmn:timerEventDefinition>'))
        flows.append(Flow("F2", "Task_A", "Tunggu"))
        last = "Tunggu"
    elif condition is not None:
        nodes += [Node("Cek", "exclusiveGateway", "Cek", "Staf", default="F4"),
                  Node("Task_B", "userTask", "Lanjut", "Staf")]
        flows += [Flow("F2", "Task_A", "Cek"), Flow("F3", "Cek", "Task_B", "ya", condition),
                  Flow("F4", "Cek", "Task_B", "tidak")]
        last = "Task_B"
    else:
        last = "Task_A"
    nodes.append(Node("Selesai", "endEvent", "Selesai", "Staf"))
    flows.append(Flow("F9", last, "Selesai"))
    return build_bpmn("batas_durasi", nodes, flows, name="Batas durasi")


@pytest.mark.parametrize("duration", ["P9999999999D", "P100Y", "P4Y", "PT99999999999999H", "-P1D"])
def test_out_of_range_standard_times_are_refused_with_element_and_line(api, duration, any_db):
    status, body = api.request("POST", "/api/processes", "admin", files={"file": ("b.bpmn", one_step(duration))})
    assert status == 422, body
    problem = body["error"]["details"][0]
    assert "Task_A" in problem["element"] and problem["line"] > 1, problem
    assert "sop.duration" in problem["message"]


def test_a_long_but_sane_standard_time_deploys_and_starts(api):
    status, body = api.request("POST", "/api/processes", "admin", files={"file": ("b.bpmn", one_step("P2Y"))})
    assert status == 201, body
    status, inst = api.request("POST", "/api/instances", "budi", json={"process_key": "batas_durasi"})
    assert status == 201, inst
    assert inst["tasks"][0]["due_at"] > inst["started_at"]


def test_timer_durations_are_bounded_too(api, runner, tmp_path):
    status, body = api.request("POST", "/api/processes", "admin",
                               files={"file": ("b.bpmn", one_step(timer="'P100Y'"))})
    assert status == 422 and "timer" in body["error"]["details"][0]["message"], body
    path = tmp_path / "b.bpmn"
    path.write_bytes(one_step("P9999999999D"))
    result = runner.invoke(args=["deploy", str(path)])
    assert result.exit_code == 1 and "line" in result.output and "Task_A" in result.output


def test_duration_problem():
    assert duration_problem("P3D") is None and duration_problem("PT120M") is None
    assert duration_problem(f"P{MAX_DURATION_DAYS}D") is None
    assert "longer than" in duration_problem(f"P{MAX_DURATION_DAYS + 1}D")
    assert "not an ISO 8601 duration" in duration_problem("P9999999999999999999D")
    assert "not an ISO 8601 duration" in duration_problem("3 hari")


def test_expressions_cannot_build_huge_values():
    with pytest.raises(UnsafeExpression):
        evaluate("len(x * 200000000)", {"x": "ab"})
    with pytest.raises(UnsafeExpression):
        evaluate("len(200000000 * x)", {"x": [1, 2]})
    with pytest.raises(UnsafeExpression):
        evaluate('"%0999999999d" % 1', {})
    assert evaluate("len(x * 3) == 6 and n % 4 == 2", {"x": "ab", "n": 10}) is True
    assert evaluate("a + b", {"a": [1], "b": [2]}) == [1, 2]


def test_a_condition_repeating_data_hugely_errs_the_case_quickly(api):
    status, body = api.request("POST", "/api/processes", "admin",
                               files={"file": ("b.bpmn", one_step(condition="len(catatan * 200000000) > 0"))})
    assert status == 201, body
    status, inst = api.request("POST", "/api/instances", "budi", json={"process_key": "batas_durasi"})
    assert status == 201, inst
    task = next(t for t in inst["tasks"] if t["state"] == "ready")
    started = time.perf_counter()
    status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", "budi", json={"data": {"catatan": "ab"}})
    assert status == 200, body
    assert time.perf_counter() - started < 5
    status, inst = api.request("GET", f"/api/instances/{inst['id']}", "budi")
    assert inst["status"] == "error" and "len(catatan * 200000000)" in inst["error"]
