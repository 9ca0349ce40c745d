"""Running cases moved to a new version of their process (engine/case_migration.py), on SQLite
and PostgreSQL: dry runs, refusals with their reasons, migrations that carry on to the end."""
from __future__ import annotations

import io
import re

import pytest

from engine.errors import Conflict, Invalid, NotAllowed
from helpers.sop_walk import SOP_KEY, walk
from helpers.cases import all_ready
from helpers.diagrams import SEED, without_step

NEW_STEP2_NAME = "Penyusunan dokumen spesifikasi kebutuhan"


def _set_step_numbers(xml: str, renumber: dict[str, int]) -> str:
    for bpmn_id, number in renumber.items():
        xml = re.sub(rf'(<bpmn:userTask id="{bpmn_id}"[\s\S]*?name="sop.step" value=")\d+(")',
                     rf"\g<1>{number}\g<2>", xml, count=1)
    return xml


def version_two(xml: str | None = None) -> bytes:
    """Version 2 of the seed SOP: step 2 renamed and given two working days instead of one, and a
    new step (a review of the UAT document, by the System Analyst) after step 8, so steps 9–14
    become 10–15."""
    xml = xml or SEED.read_text(encoding="utf-8")
    xml = xml.replace('<bpmn:userTask id="Step02" name="Pembuatan spesifikasi kebutuhan">',
                      f'<bpmn:userTask id="Step02" name="{NEW_STEP2_NAME}">')
    xml = re.sub(r'(<bpmn:userTask id="Step02"[\s\S]*?name="sop.duration" value=")P1D(")', r"\g<1>P2D\g<2>", xml,
                 count=1)
    xml = _set_step_numbers(xml, {f"Step{n:02d}": n + 1 for n in range(9, 15)})
    new_task = """<bpmn:userTask id="Step08b" name="Pemeriksaan dokumen awal UAT">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="sop.step" value="9"/>
          <spiffworkflow:property name="sop.duration" value="P1D"/>
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_08_08b</bpmn:incoming>
      <bpmn:outgoing>Flow_08_GabungPrototype</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="Gateway_GabungPrototype">"""
    xml = xml.replace('<bpmn:exclusiveGateway id="Gateway_GabungPrototype">', new_task, 1)
    xml = xml.replace("""<bpmn:incoming>Flow_07_08</bpmn:incoming>
      <bpmn:outgoing>Flow_08_GabungPrototype</bpmn:outgoing>""", """<bpmn:incoming>Flow_07_08</bpmn:incoming>
      <bpmn:outgoing>Flow_08_08b</bpmn:outgoing>""")
    xml = xml.replace('<bpmn:flowNodeRef>Step08</bpmn:flowNodeRef>',
                      '<bpmn:flowNodeRef>Step08</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>Step08b</bpmn:flowNodeRef>')
    xml = xml.replace('<bpmn:sequenceFlow id="Flow_08_GabungPrototype" sourceRef="Step08"',
                      '<bpmn:sequenceFlow id="Flow_08_08b" sourceRef="Step08" targetRef="Step08b"/>\n'
                      '    <bpmn:sequenceFlow id="Flow_08_GabungPrototype" sourceRef="Step08b"')
    assert xml.count("Step08b") >= 4
    return xml.encode("utf-8")



def drive(svc, instance_id: int, stop_before: int) -> None:
    """Walk a case of version 1 until ``stop_before`` is the ready step (first time it is ready)."""

    class Stop(Exception):
        pass

    def ready():
        tasks = all_ready(svc, instance_id)
        if tasks and tasks[0]["step"] == stop_before:
            raise Stop
        return tasks

    def attach(task, username):
        svc.attach(task["id"], svc.users.get(username), "d.pdf", io.BytesIO(b"%PDF-1.4"))

    def complete(task, username, data):
        svc.complete(task["id"], svc.users.get(username), data)

    with pytest.raises(Stop):
        walk(ready, attach, complete)


def finish(svc, instance_id: int) -> list[int]:
    """Walk a case to its end; answers the step numbers done, as its version numbers them. The walk
    decides by version 1's numbers (step 3 and 12 are the reviews), read off the BPMN id here."""
    done: list[int] = []

    def ready():
        rows = [r for r in svc.instance_tasks(instance_id) if r.state == "ready"]
        tasks = all_ready(svc, instance_id)
        for row, task in zip(rows, tasks):
            task["real_step"] = row.step
            task["step"] = int(row.bpmn_id[4:]) if row.bpmn_id[4:].isdigit() else 0
        return tasks

    def attach(task, username):
        svc.attach(task["id"], svc.users.get(username), "d.pdf", io.BytesIO(b"%PDF-1.4"))

    def complete(task, username, data):
        svc.complete(task["id"], svc.users.get(username), data)
        done.append(task["real_step"])

    walk(ready, attach, complete)
    return done


def open_row(svc, instance_id):
    (row,) = [r for r in svc.instance_tasks(instance_id) if r.state == "ready"]
    return row


def test_cases_on_step_2_and_9_move_to_version_2_and_run_to_the_end(svc, any_db):
    admin, owner = svc.users.get("admin"), svc.users.get("pemilik")
    at2 = svc.start(SOP_KEY, owner, "Di langkah 2")
    drive(svc, at2.id, stop_before=2)
    at9 = svc.start(SOP_KEY, owner, "Di langkah 9")
    drive(svc, at9.id, stop_before=9)
    before9 = open_row(svc, at9.id)
    before9_id, before9_assignees = before9.id, {u.username for u in before9.assignees}
    svc.deploy(version_two(), "v2.bpmn", admin, expected_key=SOP_KEY)

    dry = svc.migrate_instance(at2.id, admin, 2, dry_run=True)
    assert dry.plan.can_migrate and not dry.migrated and dry.plan.reasons == []
    said = [c.message for c in dry.plan.changes]
    assert f"step 2: its name 'Pembuatan spesifikasi kebutuhan' becomes '{NEW_STEP2_NAME}'" in said
    assert "standard time of step 2: 1 hari kerja → 2 hari kerja" in said
    assert "step 9 'Pemeriksaan dokumen awal UAT' is added ahead of the case" in said
    assert svc.instance(at2.id).definition.version == 1, "a dry run changes nothing"

    row2 = open_row(svc, at2.id)
    row2_id, row2_minutes, row2_due = row2.id, row2.target_minutes, row2.due_at
    moved = svc.migrate_instance(at2.id, admin, 2, dry_run=False)
    assert moved.migrated and svc.instance(at2.id).definition.version == 2
    after2 = open_row(svc, at2.id)
    assert after2.id == row2_id, "the open step carries on: same task, same inbox entry"
    assert after2.name == NEW_STEP2_NAME and after2.target_minutes == 2 * row2_minutes
    assert after2.due_at > row2_due
    events = svc.instance_events(at2.id)
    assert events[-1].kind == "migrate" and events[-1].actor == "admin"
    assert events[-1].details["from_version"] == 1 and events[-1].details["to_version"] == 2

    dry9 = svc.migrate_instance(at9.id, admin, 2)
    said9 = [c.message for c in dry9.plan.changes]
    assert "step 'Pembuatan prototype system' is numbered 10 instead of 9" in said9
    assert not any("added" in s for s in said9), "the new step is behind this case"
    svc.migrate_instance(at9.id, admin, 2, dry_run=False)
    row9 = open_row(svc, at9.id)
    assert row9.id == before9_id and row9.step == 10 and row9.bpmn_id == "Step09"
    assert {u.username for u in row9.assignees} == before9_assignees == {"sari", "andi"}

    steps2 = finish(svc, at2.id)
    assert 9 in steps2 and steps2[-1] == 15, steps2  # the added step was done, numbered 9
    assert svc.instance(at2.id).status == "completed"
    steps9 = finish(svc, at9.id)
    assert steps9[0] == 10 and steps9[-1] == 15 and 9 not in steps9
    assert svc.instance(at9.id).status == "completed"


def test_a_case_waiting_at_a_removed_step_stays_with_its_reason(svc, any_db):
    admin, owner = svc.users.get("admin"), svc.users.get("pemilik")
    at7 = svc.start(SOP_KEY, owner, "Di langkah 7")
    drive(svc, at7.id, stop_before=7)
    at2 = svc.start(SOP_KEY, owner, "Di langkah 2")
    drive(svc, at2.id, stop_before=2)
    svc.deploy(without_step("Step07", "06", "08"), "v2.bpmn", admin, expected_key=SOP_KEY)

    plan = svc.migrate_instance(at7.id, admin, 2).plan
    assert not plan.can_migrate
    (reason,) = plan.reasons
    assert reason.code == "migration.waiting_step_removed" and reason.params["bpmn_id"] == "Step07"
    assert "waits at 'Pembuatan data flow diagram (DFD) dan entity relation diagram (ERD)' (Step07)" in reason.message
    with pytest.raises(Conflict) as refused:
        svc.migrate_instance(at7.id, admin, 2, dry_run=False)
    assert refused.value.code == "migration.refused" and "Step07" in refused.value.message
    assert svc.instance(at7.id).definition.version == 1
    assert not [e for e in svc.instance_events(at7.id) if e.kind == "migrate"]

    overview = svc.migrate_all(SOP_KEY, admin)
    by_id = {c.instance.id: c for c in overview.cases}
    assert by_id[at2.id].migrated and not by_id[at7.id].migrated
    assert by_id[at7.id].plan.reasons[0].code == "migration.waiting_step_removed"
    assert svc.instance(at2.id).definition.version == 2 and svc.instance(at7.id).definition.version == 1
    said = [c.message for c in by_id[at2.id].plan.changes]
    assert any(s.startswith("step 7 'Pembuatan data flow diagram") and s.endswith("no longer ahead of the case")
               for s in said), said
    # the case left behind still runs on version 1
    assert finish(svc, at7.id)[-1] == 14


def test_a_gateway_reading_data_nobody_fills_in_refuses_the_move(svc, any_db):
    admin, owner = svc.users.get("admin"), svc.users.get("pemilik")
    at11 = svc.start(SOP_KEY, owner, "Di langkah 11")
    drive(svc, at11.id, stop_before=11)
    xml = SEED.read_text(encoding="utf-8").replace(
        "prototype_accepted == True", "prototype_accepted == True and anggaran_tersedia == True")
    svc.deploy(xml.encode(), "v2.bpmn", admin, expected_key=SOP_KEY)
    plan = svc.migrate_instance(at11.id, admin, 2).plan
    assert [r.code for r in plan.reasons] == ["migration.gateway_data_missing"]
    assert plan.reasons[0].params == {"gateway": "Prototype diterima?", "variable": "anggaran_tersedia",
                                      "version": 2}
    # a name the open step or a step between fills in is no obstacle: step 11's own form field
    at9 = svc.start(SOP_KEY, owner, "Di langkah 9")
    drive(svc, at9.id, stop_before=9)
    xml3 = SEED.read_text(encoding="utf-8").replace(
        "prototype_accepted == True", "prototype_accepted == True and len(hasil_review_internal) > 0")
    svc.deploy(xml3.encode(), "v3.bpmn", admin, expected_key=SOP_KEY)
    for case in (at11, at9):
        plan = svc.migrate_instance(case.id, admin, 3).plan
        assert plan.can_migrate, [r.message for r in plan.reasons]
        svc.migrate_instance(case.id, admin, 3, dry_run=False)
        assert finish(svc, case.id)[-1] == 14 and svc.instance(case.id).status == "completed"


def test_who_may_move_cases_and_to_which_versions(svc):
    admin, owner, analis = svc.users.get("admin"), svc.users.get("pemilik"), svc.users.get("analis")
    case = svc.start(SOP_KEY, owner, "Kasus")
    svc.deploy(version_two(), "v2.bpmn", admin, expected_key=SOP_KEY)
    with pytest.raises(NotAllowed):
        svc.migrate_instance(case.id, analis, 2)
    with pytest.raises(NotAllowed):
        svc.migrate_instance(case.id, owner, 2, dry_run=False)
    with pytest.raises(Invalid) as older:
        svc.migrate_instance(case.id, admin, 1)
    assert older.value.api_code == "migration.not_later" and older.value.problems[0].code == "migration.not_later"
    with pytest.raises(Exception) as missing:
        svc.migrate_instance(case.id, admin, 7)
    assert getattr(missing.value, "code", "") == "migration.no_version"
    svc.set_status(case.id, admin, "suspend", "tunggu")
    plan = svc.migrate_instance(case.id, admin, 2).plan
    assert [r.code for r in plan.reasons] == ["migration.not_running"]


def test_migrate_over_real_http(app, live_server):
    """POST /api/instances/{id}/migrate on a real server: dry run, move, refusal with reasons, rights."""
    from helpers.api_driver import RequestsAPI
    from webapp.services import service

    base, tokens = live_server.base, live_server.tokens
    api = RequestsAPI(base, tokens)
    with app.test_request_context():
        svc = service()
        owner = svc.users.get("pemilik")
        at2 = svc.start(SOP_KEY, owner, "Di langkah 2")
        drive(svc, at2.id, stop_before=2)
        at7 = svc.start(SOP_KEY, owner, "Di langkah 7")
        drive(svc, at7.id, stop_before=7)
        ids = at2.id, at7.id
    status, body = api.request("POST", "/api/processes", "admin",
                               files={"file": ("v2.bpmn", without_step("Step07", "06", "08"))})
    assert status == 201 and body["version"] == 2, body
    at2_id, at7_id = ids

    status, body = api.request("POST", f"/api/instances/{at2_id}/migrate", "admin", json={"to_version": 2, "dry_run": True})
    assert status == 200, body
    assert body["can_migrate"] is True and body["migrated"] is False and body["reasons"] == []
    assert {"code": "migration.step_removed", "params": {"step": "7", "name": body["changes"][0]["params"]["name"]},
            "message": body["changes"][0]["message"]} == body["changes"][0]
    status, body = api.request("POST", f"/api/instances/{at2_id}/migrate", "admin", json={"to_version": 2, "dry_run": False})
    assert status == 200 and body["migrated"] is True and body["from_version"] == 1 and body["to_version"] == 2
    status, case = api.request("GET", f"/api/instances/{at2_id}", "admin")
    assert case["version"] == 2 and case["events"][-1]["kind"] == "migrate"

    status, body = api.request("POST", f"/api/instances/{at7_id}/migrate", "admin", json={"to_version": 2})
    assert status == 200 and body["can_migrate"] is False
    assert body["reasons"][0]["code"] == "migration.waiting_step_removed"
    status, body = api.request("POST", f"/api/instances/{at7_id}/migrate", "admin", json={"to_version": 2, "dry_run": False})
    assert status == 409 and body["error"]["code"] == "migration.refused"
    assert body["error"]["details"][0]["element"] == "Step07"

    assert api.request("POST", f"/api/instances/{at7_id}/migrate", "analis", json={"to_version": 2})[0] == 403
    assert api.request("POST", f"/api/instances/{at7_id}/migrate", "admin", json={"to_version": "2"})[0] == 422
    assert api.request("POST", f"/api/instances/{at7_id}/migrate", "admin", json={"dry_run": "no"})[0] == 422
    assert api.request("POST", f"/api/instances/{at7_id}/migrate", "admin", json={"to_version": 1})[0] == 422
    assert api.request("POST", f"/api/instances/{at7_id}/migrate", "admin", json={"to_version": 9})[0] == 404
    assert api.request("POST", "/api/instances/999999/migrate", "admin", json={})[0] == 404


def test_migration_page_rights_and_a_refused_move(app, client, login, runner):
    from webapp.services import service

    with app.test_request_context():
        svc = service()
        at7 = svc.start(SOP_KEY, svc.users.get("pemilik"), "Di langkah 7")
        drive(svc, at7.id, stop_before=7)
        svc.deploy(without_step("Step07", "06", "08"), "v2.bpmn", svc.users.get("admin"), expected_key=SOP_KEY)
        at7_id = at7.id
    assert runner.invoke(args=["user", "add", "pemilik_proses", "--password", "demo12345",
                               "--role", "Process Owner"]).exit_code == 0
    login("analis")
    assert client.get(f"/processes/{SOP_KEY}/migrations").status_code == 403
    assert client.post(f"/processes/{SOP_KEY}/migrations").status_code == 403
    client.post("/logout")
    login("pemilik_proses")
    page = client.get(f"/processes/{SOP_KEY}/migrations").get_data(as_text=True)
    assert "Tetap pada versinya" in page and "(Step07)" in page and "<button" not in page.split("<main")[-1]
    assert client.post(f"/processes/{SOP_KEY}/migrations/{at7_id}").status_code == 403
    client.post("/logout")
    login("admin")
    answer = client.post(f"/processes/{SOP_KEY}/migrations/{at7_id}", follow_redirects=True).get_data(as_text=True)
    assert "Kasus tidak dipindahkan: Kasus menunggu di" in answer
    with app.test_request_context():
        assert service().instance(at7_id).definition.version == 1
