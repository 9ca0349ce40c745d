"""Hostile and broken BPMN is refused with the element and line named, and nothing changes."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers.bpmn_builder import Flow, Node, build_bpmn, parallel_review_process
from engine.errors import Invalid
from engine.expressions import UnsafeExpression, check_expression, evaluate

SOP = Path(__file__).parent.parent / "processes" / "pengembangan_aplikasi_egov.bpmn"


def simple(condition: str = "ok == True", start_id: str = "StartEvent_1", props: dict | None = None) -> bytes:
    nodes = [Node(start_id, "startEvent", "Mulai", "A"),
             Node("Task_1", "userTask", "Kerjakan", "A", props or {}),
             Node("Gw", "exclusiveGateway", "Oke?", "A", default="F_no"),
             Node("EndEvent_1", "endEvent", "Selesai", "A")]
    flows = [Flow("F1", start_id, "Task_1"), Flow("F2", "Task_1", "Gw"),
             Flow("F_yes", "Gw", "EndEvent_1", "ya", condition), Flow("F_no", "Gw", "Task_1", "tidak")]
    return build_bpmn("proses_uji", nodes, flows)


def refused(svc, data: bytes) -> Invalid:
    before = len(svc.list_processes())
    with pytest.raises(Invalid) as exc:
        svc.deploy(data, "x.bpmn")
    assert len(svc.list_processes()) == before
    assert exc.value.problems, "a refusal must list its problems"
    return exc.value


def test_the_sop_is_valid(svc):
    parsed = svc.validate_bpmn(SOP.read_bytes())
    assert parsed.key == "pengembangan_aplikasi_egov"
    assert parsed.lanes == sorted(parsed.lanes, key=parsed.lanes.index)
    assert set(parsed.lanes) == {"System Analyst", "Kasi Sistem", "Staf", "Instansi Pemilik",
                                 "Bidang E-Gov, Persandian dan Statistik"}
    assert sorted(m.step for m in parsed.tasks.values()) == list(range(1, 15))
    assert all(m.documentation for m in parsed.tasks.values())
    assert {m.bpmn_id: m.assignee_variable for m in parsed.tasks.values() if m.assignee_variable} == {
        "Step05": "system_programmer", "Step09": "programmers", "Step13": "programmers", "Step14": "programmers"}


@pytest.mark.parametrize("payload", [
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>',
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&d;&d;&d;</bpmn:definitions>',
    b'<?xml version="1.0"?><!DOCTYPE d SYSTEM "http://evil.example/x.dtd"><x/>',
], ids=["xxe", "entity-bomb", "external-dtd"])
def test_entities_and_dtds_refused(svc, payload):
    problem = refused(svc, payload).problems[0]
    assert "DOCTYPE" in problem.message or "entit" in problem.message
    assert problem.line == 1


def test_non_bpmn_and_garbage(svc):
    assert "root element" in refused(svc, b"<html><body/></html>").problems[0].message
    assert refused(svc, bytes(range(256)) * 10).problems[0].line is not None
    assert refused(svc, b"").problems[0].message == "the file is empty"


def test_too_large(svc):
    exc = refused(svc, b"<a>" + b" " * (svc.config.max_bpmn_bytes + 1) + b"</a>")
    assert "bytes" in exc.problems[0].message


@pytest.mark.parametrize("condition,words", [
    ("__import__('os').system('id')", "functions"),
    ("().__class__.__bases__", "Attribute"),
    ("ok.__class__", "Attribute"),
    ("__builtins__", "underscore"),
    ("open('/etc/passwd').read()", "functions"),
    ("eval('1')", "functions"),
    ("[x for x in range(10)]", "ListComp"),
    ("'a' * 1000000000", "repeating"),
    ("lambda: 1", "Lambda"),
])
def test_code_in_conditions_refused(svc, condition, words):
    problem = refused(svc, simple(condition)).problems[0]
    assert "F_yes" in problem.element and problem.line > 1 and words in problem.message


def test_dangling_flow(svc):
    data = simple().replace(b'targetRef="EndEvent_1"', b'targetRef="Nowhere"')
    problem = refused(svc, data).problems[0]
    assert "Nowhere" in problem.message and "F_yes" in problem.element and problem.line


def test_a_task_in_no_lane_goes_to_the_default_role(svc):
    no_lane = simple().replace(b"<bpmn:flowNodeRef>Task_1</bpmn:flowNodeRef>", b"")
    parsed = svc.validate_bpmn(no_lane)
    assert parsed.tasks["Task_1"].lane == "Process Owner"
    parsed = svc.validate_files([("x.bpmn", no_lane)], default_role="Sekretariat")[0]
    assert parsed.tasks["Task_1"].lane == "Sekretariat" and "Sekretariat" in parsed.lanes


def test_unknown_form_bad_duration_reserved_ids(svc):
    exc = refused(svc, simple(props={"sop.form": "tidak_ada.json", "sop.duration": "3 hari"}))
    messages = " ".join(p.message for p in exc.problems)
    assert "tidak_ada.json" in messages and "ISO 8601" in messages
    assert refused(svc, simple(props={"sop.form": "../../etc/passwd"})).problems
    exc = refused(svc, simple(start_id="Start"))
    assert "collides" in exc.problems[0].message and "Start" in exc.problems[0].element


def test_unsafe_scripts_refused_with_their_line(svc):
    data = simple().replace(b'<bpmn:userTask id="Task_1" name="Kerjakan">',
                            b'<bpmn:scriptTask id="Task_1" name="Kerjakan"><bpmn:script>a = 1\nimport os</bpmn:script>')
    data = data.replace(b"</bpmn:userTask>", b"</bpmn:scriptTask>")
    problem = refused(svc, data).problems[0]
    assert "script" in problem.message and "line 2 of the script" in problem.message
    assert "Task_1" in problem.element and problem.line


def test_new_version_and_identical_content(svc):
    first, created = svc.deploy(simple(), "a.bpmn")
    assert created and first.version == 1
    same, created = svc.deploy(simple(), "a.bpmn")
    assert not created and same.id == first.id
    second, created = svc.deploy(simple("ok == True and 1 == 1"), "a.bpmn")
    assert created and second.version == 2


def test_restricted_evaluator():
    assert evaluate("a > 1 and b in ['x', 'y']", {"a": 2, "b": "x"}) is True
    assert evaluate("len(xs) == 2", {"xs": [1, 2]}) is True
    with pytest.raises(UnsafeExpression):
        check_expression("x if True else y.__dict__")
    with pytest.raises(UnsafeExpression):
        check_expression("import os")


def test_unmatched_gateway_becomes_instance_error(svc):
    nodes = [Node("StartEvent_1", "startEvent", "Mulai", "A"),
             Node("Task_1", "userTask", "Kerjakan", "A"),
             Node("Gw", "exclusiveGateway", "Pilih", "A"),
             Node("Task_2", "userTask", "Lanjut", "A"),
             Node("EndEvent_1", "endEvent", "Selesai", "A")]
    flows = [Flow("F1", "StartEvent_1", "Task_1"), Flow("F2", "Task_1", "Gw"),
             Flow("F3", "Gw", "Task_2", "a", "pilihan == 'a'"), Flow("F4", "Gw", "EndEvent_1", "b", "pilihan == 'b'"),
             Flow("F5", "Task_2", "EndEvent_1")]
    svc.deploy(build_bpmn("tanpa_default", nodes, flows), "x.bpmn")
    user = svc.users.create("pelaksana", "password11", ["A"])
    instance = svc.start("tanpa_default", user, "Uji galat")
    task = svc.inbox(user)[0][0]
    done = svc.complete(task.id, user, {"pilihan": "z"})  # no condition matches: not a crash
    assert done.state == "completed"
    instance = svc.instance(instance.id)
    assert instance.status == "error" and "Pilih" in instance.error_message
    assert [e.kind for e in svc.instance_events(instance.id)][-1] == "error"


def test_second_diagram_runs(svc, any_db):
    """Parallel split/join, an exclusive gateway with a default flow, other lane names."""
    definition, _ = svc.deploy(parallel_review_process(), "izin.bpmn")
    users = {lane: svc.users.create(f"u_{lane.lower()}", "password11", [lane])
             for lane in ("Loket", "Keamanan", "Lingkungan", "Kepala")}
    for score, expected in ((80, "Terbitkan izin"), (10, "Kirim surat penolakan")):
        instance = svc.start("izin_keramaian", users["Loket"], f"Konser {score}", {"catatan": ""})
        svc.complete(svc.inbox(users["Loket"])[0][0].id, users["Loket"], {})
        parallel = [r for r in svc.instance_tasks(instance.id) if r.state == "ready"]
        assert sorted(r.lane for r in parallel) == ["Keamanan", "Lingkungan"]
        svc.complete(svc.inbox(users["Keamanan"])[0][0].id, users["Keamanan"], {"skor": score})
        assert not [r for r in svc.instance_tasks(instance.id) if r.state == "ready" and r.lane == "Kepala"]
        svc.complete(svc.inbox(users["Lingkungan"])[0][0].id, users["Lingkungan"], {})
        nxt = [r for r in svc.instance_tasks(instance.id) if r.state == "ready"]
        assert [r.name for r in nxt] == [expected]
        lane_user = users[nxt[0].lane]
        svc.complete(nxt[0].id, lane_user, {})
        assert svc.instance(instance.id).status == "completed"


def _with_camunda_due_dates(**due: str) -> bytes:
    """The parallel-review process as Camunda Modeler writes it: camunda:dueDate on some tasks,
    no sop.duration on those."""
    xml = parallel_review_process("izin_camunda").replace(
        b'xmlns:spiffworkflow=', b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:spiffworkflow=')
    for task_id, value in due.items():
        start = xml.index(f'<bpmn:userTask id="{task_id}"'.encode())
        end = xml.index(b"</bpmn:userTask>", start)
        element = re.sub(rb'<spiffworkflow:property name="sop.duration" value="[^"]*"/>', b"", xml[start:end])
        element = element.replace(f'id="{task_id}"'.encode(), f'id="{task_id}" camunda:dueDate="{value}"'.encode(), 1)
        xml = xml[:start] + element + xml[end:]
    return xml


def test_camunda_due_date_durations_become_standard_times(svc):
    definition, _ = svc.deploy(_with_camunda_due_dates(Task_Polisi="P2D", Task_Izin="PT90M"), "camunda.bpmn")
    tasks = svc.compiled(definition).tasks
    assert tasks["Task_Polisi"].duration == "P2D" and tasks["Task_Izin"].duration == "PT90M"
    assert tasks["Task_Lingkungan"].duration == "P2D"  # its own sop.duration, untouched


def test_a_camunda_due_date_expression_is_refused_with_where_it_is(svc):
    xml = _with_camunda_due_dates(Task_Polisi="${dateTime().plusDays(2).toDate()}")
    with pytest.raises(Invalid) as refused:
        svc.deploy(xml, "camunda.bpmn")
    (problem,) = refused.value.problems
    assert "camunda:dueDate '${dateTime().plusDays(2).toDate()}'" in problem.message and "P3D" in problem.message
    assert problem.element.startswith("userTask 'Task_Polisi'")
    assert problem.line == xml[:xml.index(b'id="Task_Polisi"')].count(b"\n") + 1
