"""What diagrams from other modelers mean once deployed: who does lane-less steps, several
processes and files in one deployment, call activities, decision tables, safe scripts, timers
as modelers write them, sop.* inside subprocesses, messages between processes, and the guard
that stops a runaway case instead of hanging a worker."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine import runtime
from engine.bpmn_dialects import timer_literal
from engine.errors import Invalid, NotAllowed
from engine.safe_scripts import UnsafeScript, check_script, run_script

CORPUS = Path(__file__).parent / "corpus"


def files(name: str) -> list[tuple[str, bytes]]:
    item = CORPUS / name
    return [(p.name, p.read_bytes()) for p in (sorted(item.iterdir()) if item.is_dir() else [item])]


def ready(svc, instance) -> list:
    return [t for t in svc.instance_tasks(instance.id) if t.state == "ready"]


@pytest.fixture
def admin(svc):
    return svc.users.find("admin")


def test_camunda_candidates_and_default_role(svc, admin):
    (definition, created), = svc.deploy_files(files("camunda7_lane_less.bpmn"), admin)
    assert created and svc.default_role(definition) == "Process Owner"
    svc.users.create("peg", "rahasia123", ["Kepegawaian"])
    peg = svc.users.find("peg")
    case = svc.start("cuti_pegawai", admin, data={"lengkap": True})
    (step,) = ready(svc, case)
    assert step.lane == "Kepegawaian" and step.due_at is not None  # camunda:dueDate P2D as standard time
    with pytest.raises(NotAllowed):
        svc.complete(step.id, svc.users.find("analis"), {})
    svc.complete(step.id, peg, {"lengkap": True})
    (approve,) = ready(svc, case)
    assert approve.has_assignees and [u.username for u in approve.assignees] == ["kabid"]  # camunda:assignee


def test_zeebe_assignment_call_activity_and_feel_condition(svc, admin):
    deployed = svc.deploy_files(files("camunda8_zeebe.bpmn"), admin)
    assert [d.key for d, _ in deployed] == ["izin_usaha", "terbit_izin"]
    svc.users.create("veri", "rahasia123", ["Verifikator"])
    case = svc.start("izin_usaha", admin)
    (step,) = ready(svc, case)
    assert step.lane == "Verifikator" and step.target_minutes == 120
    svc.complete(step.id, svc.users.find("veri"), {"lengkap": True, "penandatangan": "kabid"})
    (sign,) = ready(svc, case)  # inside the called process, appointed by "=penandatangan"
    assert sign.bpmn_id == "Task_Tandatangan" and [u.username for u in sign.assignees] == ["kabid"]
    svc.complete(sign.id, svc.users.find("kabid"), {})
    assert svc.instance(case.id).status == "completed"


def test_bundle_with_call_activity_and_decision_table(svc, admin):
    deployed = svc.deploy_files(files("bundle_pengadaan"), admin)
    assert {d.key for d, _ in deployed} == {"pengadaan_utama", "pengadaan_kontrak"}
    case = svc.start("pengadaan_utama", admin, data={"nilai": 500_000_000})
    (step,) = ready(svc, case)
    assert step.bpmn_id == "Task_Kontrak" and step.step == 3 and step.target_minutes is not None
    assert svc.instance_data(case)["metode"] == "tender"
    # a later version of the main process alone still finds the deployed called process and table
    main = dict(files("bundle_pengadaan"))["utama.bpmn"].replace(b'name="Pengadaan"', b'name="Pengadaan v2"')
    definition, created = svc.deploy(main, "utama.bpmn", admin)
    assert created and definition.version == 2
    case = svc.start("pengadaan_utama", admin, data={"nilai": 1000})
    assert svc.instance_data(case)["metode"] == "pengadaan langsung"


def test_unsafe_decision_cell_refused_with_line(svc, admin):
    bundle = dict(files("bundle_pengadaan"))
    bundle["metode.dmn"] = bundle["metode.dmn"].replace(b'"tender"', b"__import__('os').getcwd()")
    with pytest.raises(Invalid) as exc:
        svc.deploy_files(list(bundle.items()), admin)
    (problem,) = exc.value.problems
    assert "metode.dmn" in problem.element and problem.line and "decision table cell" in problem.message


def test_missing_decision_and_called_process_refused(svc, admin):
    with pytest.raises(Invalid) as exc:
        svc.deploy_files([("utama.bpmn", dict(files("bundle_pengadaan"))["utama.bpmn"])], admin)
    messages = {p.message.split(":")[0] for p in exc.value.problems}
    assert any("no DMN decision 'metode_pengadaan'" in m for m in messages)
    assert any("no process 'pengadaan_kontrak'" in m for m in messages)
    assert all(p.line for p in exc.value.problems)


def test_human_task_in_embedded_subprocess_keeps_its_sop_properties(svc, admin):
    svc.deploy_files(files("embedded_subprocess.bpmn"), admin)
    svc.users.create("ppk", "rahasia123", ["PPK"])
    case = svc.start("pengadaan_sub", admin)
    (step,) = ready(svc, case)
    assert (step.bpmn_id, step.step, step.lane, step.target_minutes) == ("Task_Nilai", 2, "PPK", 2 * 8 * 60)
    assert svc.task_meta(step).output == "Berita acara evaluasi"


def test_safe_scripts_and_timers_as_written(svc, admin):
    svc.deploy_files(files("spiffarena_lanes_script_timer.bpmn"), admin)
    svc.users.create("mohon", "rahasia123", ["Pemohon"])
    case = svc.start("Process_belanja_x1y2", svc.users.find("mohon"))
    (step,) = ready(svc, case)
    svc.complete(step.id, svc.users.find("mohon"), {})
    data = svc.instance_data(svc.instance(case.id))
    assert (data["total"], data["disetujui"], data["catatan"]) == (300000, True, "diajukan")


def test_script_language():
    assert [n for n, _ in check_script("a = 1\n  \nb = a * 2")] == [["a"], ["b"]]
    context = {"jumlah": 3, "harga": 10}
    run_script("total = jumlah * harga\ndisetujui = total < 100\npilihan = {1, 2}", context)
    assert context["total"] == 30 and context["disetujui"] is True and context["pilihan"] == [1, 2]
    for bad, line in (("import os", 1), ("a = 1\nfor x in y: pass", 2), ("a.b = 1", 1), ("x = open('f')", 1),
                      ("x = y.__class__", 1), ("__x = 1", 1), ("def f(): pass", 1)):
        with pytest.raises(UnsafeScript) as exc:
            check_script(bad)
        assert exc.value.line == line


@pytest.mark.parametrize("written, literal", [
    ("PT1H", "'PT1H'"), ("'PT1H'", None), ("R3/PT1H", "'R3/PT1H'"), ("2026-01-31T09:00:00", "'2026-01-31T09:00:00'"),
    ("timedelta(seconds=30)", "'PT30S'"), ("timedelta(hours=1, minutes=30)", "'PT1H30M'"),
    ("timedelta(days=x)", None), ("open('x')", None)])
def test_timers_as_modelers_write_them(written, literal):
    assert timer_literal(written) == literal


def test_juel_refusal_says_how_to_rewrite(svc, admin):
    with pytest.raises(Invalid) as exc:
        svc.deploy_files(files("camunda7_juel_and_delegate.bpmn"), admin)
    juel, delegate = sorted(exc.value.problems, key=lambda p: p.line)
    assert "jumlah > 1000000 and not lunas" in delegate.message or "jumlah > 1000000 and not lunas" in juel.message
    assert any("Java" in p.message and "Task_Bayar" in p.element for p in exc.value.problems)


def test_not_executable_names_the_attribute(svc, admin):
    with pytest.raises(Invalid) as exc:
        svc.deploy_files(files("bpmnio_not_executable.bpmn"), admin)
    (problem,) = exc.value.problems
    assert 'isExecutable="true"' in problem.message and "Process_1" in problem.element and problem.line == 3


def test_runaway_cases_stop_with_an_error_for_the_admin(svc, admin):
    for name, key in (("self_calling.bpmn", "memanggil_diri"), ("loop_without_people.bpmn", "putaran_tanpa_orang")):
        svc.deploy_files(files(name), admin)
        case = svc.start(key, admin)
        assert case.status == "error" and case.error_message
        assert any(e.kind == "error" for e in svc.instance_events(case.id))


def test_a_runaway_case_s_error_is_kept_by_code_and_said_in_the_reader_s_language(svc, admin, client, login, tokens):
    from flask_babel import refresh

    from engine.stored_messages import loaded

    svc.deploy_files(files("self_calling.bpmn"), admin)
    error = loaded(svc.start("memanggil_diri", admin).error_message)
    assert error.code in ("engine.too_deep", "engine.step_budget", "engine.recursion"), error
    svc.deploy_files(files("loop_without_people.bpmn"), admin)
    case = svc.start("putaran_tanpa_orang", admin)
    error = loaded(case.error_message)
    assert error.code == "engine.step_budget" and error.params["n"] > runtime.STEP_BUDGET and error.params["name"]
    login("admin")
    page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    said = f"Pengajuan menjalankan {error.params['n']} langkah tanpa sampai pada langkah seseorang"
    assert page.count(said) == 2, "the error box and the timeline's error event, both in the reader's language"
    refresh()  # the svc fixture's request context holds Flask-Babel's locale: let the next request choose
    page = client.get(f"/instances/{case.id}?lang=en").get_data(as_text=True)
    assert page.count(f"The case ran {error.params['n']} steps without reaching a person") == 2
    assert "{&#34;code" not in page
    (event,) = [e for e in svc.instance_events(case.id) if e.kind == "error"]
    assert event.details["message"] == str(error) and event.details["message_code"] == "engine.step_budget"
    answer = client.get("/api/instances?status=error", headers={"Authorization": f"Bearer {tokens['admin']}"})
    (listed,) = [c for c in answer.get_json() if c["id"] == case.id]
    assert listed["error"] == str(error) and listed["error"].startswith(f"the case ran {error.params['n']} steps")


def test_spiffworkflow_errors_inside_the_engine_become_case_errors(svc, admin):
    """A multi-instance task over a collection the case does not have: SpiffWorkflow raises."""
    xml = dict(files("bpmnio_plain_tasks.bpmn"))["bpmnio_plain_tasks.bpmn"].replace(
        b'<bpmn:task id="Activity_Catat" name="Catat surat">',
        b'<bpmn:task id="Activity_Catat" name="Catat surat"><bpmn:multiInstanceLoopCharacteristics>'
        b'<bpmn:loopDataInputRef>tidak_ada</bpmn:loopDataInputRef></bpmn:multiInstanceLoopCharacteristics>')
    svc.deploy(xml, "mi.bpmn", admin)
    case = svc.start("surat_masuk", admin)
    assert case.status in ("error", "running")
    if case.status == "error":
        assert case.error_message


def test_message_exchange_between_two_processes(svc, admin):
    deployed = svc.deploy_files(files("bundle_pesan"), admin)
    assert {d.key for d, _ in deployed} == {"pemohon_izin", "dinas_izin"}
    request = svc.start("pemohon_izin", admin)
    (fill,) = ready(svc, request)
    svc.complete(fill.id, admin, {"nama": "Budi"})
    # the throw started a case of the other process, correlated on the requesting case
    waits = svc.message_waits(request.id)
    assert [(w.name, w.correlation_key) for w in waits] == [("jawaban_izin", str(request.id))]
    answering = [i for i in svc.list_instances(admin, process_key="dinas_izin")[0]]
    assert len(answering) == 1 and answering[0].correlation_key == str(request.id)
    (work,) = ready(svc, answering[0])
    svc.complete(work.id, admin, {})
    assert svc.instance(request.id).status == "completed"
    assert svc.message_waits(request.id) == []


def test_message_api_delivers_by_name_and_key(svc, admin):
    svc.deploy_files(files("bundle_pesan"), admin)
    started = svc.deliver_message("ajuan_izin", "REG-1", {"nama": "Sari"}, admin)
    assert len(started) == 1
    case = svc.instance(started[0])
    assert case.correlation_key == "REG-1" and svc.instance_data(case)["nama"] == "Sari"
    assert svc.deliver_message("tidak_ada", None, None, admin) == []
    with pytest.raises(Invalid):
        svc.deliver_message("", None, [1], admin)
    with pytest.raises(NotAllowed):
        svc.deliver_message("ajuan_izin", None, None, svc.users.find("analis"))


def test_message_api_shape(client, app):
    from helpers.api_driver import basic

    with app.app_context():
        from webapp.services import service

        service().deploy_files(files("bundle_pesan"))
    resp = client.post("/api/messages", json={"name": "ajuan_izin", "correlation_key": "A-7", "data": {"x": 1}},
                       headers=basic("admin"))
    assert resp.status_code == 200 and list(resp.get_json()) == ["delivered_to"]
    (case_id,) = resp.get_json()["delivered_to"]
    page = client.get(f"/api/instances/{case_id}", headers=basic("admin")).get_json()
    assert page["status"] == "running"
    resp = client.post("/api/messages", json={"name": 5}, headers=basic("admin"))
    assert resp.status_code == 422
    resp = client.post("/api/messages", json={"name": "ajuan_izin"}, headers=basic("analis"))
    assert resp.status_code == 403


def test_call_activity_pinned_to_a_deployed_version(svc, admin):
    bundle = dict(files("bundle_pengadaan"))
    svc.deploy_files([("kontrak.bpmn", bundle["kontrak.bpmn"])], admin)
    svc.deploy_files([("kontrak.bpmn", bundle["kontrak.bpmn"].replace(b'name="Susun kontrak"',
                                                                     b'name="Susun kontrak baru"'))], admin)
    main = bundle["utama.bpmn"].replace(
        b'calledElement="pengadaan_kontrak"',
        b'calledElement="pengadaan_kontrak" camunda:calledElementBinding="version" camunda:calledElementVersion="1"')
    svc.deploy_files([("utama.bpmn", main), ("metode.dmn", bundle["metode.dmn"])], admin)
    case = svc.start("pengadaan_utama", admin, data={"nilai": 1})
    (step,) = ready(svc, case)
    assert step.name == "Susun kontrak"
    with pytest.raises(Invalid) as exc:
        svc.deploy_files([("utama.bpmn", main.replace(b'calledElementVersion="1"', b'calledElementVersion="7"')),
                          ("metode.dmn", bundle["metode.dmn"])], admin)
    assert "version 7" in exc.value.problems[0].message


def test_multi_instance_event_gateway_and_event_subprocess(svc, admin):
    """Two people confirm (multi-instance), while an event-based gateway waits for a message or
    a day; an event subprocess waits for a signal instead of starting with the case."""
    svc.deploy_files(files("spiff_events_multi_instance.bpmn"), admin)
    case = svc.start("rapat_koordinasi", admin)
    steps = ready(svc, case)
    assert [s.bpmn_id for s in steps] == ["Task_Undangan", "Task_Undangan"]
    assert case.next_timer_at is not None  # the day-long timer of the event-based gateway
    assert [(w.name, w.correlation_key) for w in svc.message_waits(case.id)] == [("batal_rapat", str(case.id))]
    assert svc.deliver_message("batal_rapat", "someone else's case", {}, admin) == []
    assert svc.deliver_message("batal_rapat", str(case.id), {"alasan": "hujan"}, admin) == [case.id]
    case = svc.instance(case.id)
    assert case.status == "completed"  # the terminate end event ends the whole case
    assert all(t.state != "ready" for t in svc.instance_tasks(case.id))


def test_error_start_events_refused(svc, admin):
    xml = dict(files("spiff_events_multi_instance.bpmn"))["spiff_events_multi_instance.bpmn"].replace(
        b'<bpmn:signalEventDefinition id="SED_2" signalRef="Signal_Darurat" />',
        b'<bpmn:errorEventDefinition id="EED_2" errorRef="Error_Tolak" />')
    with pytest.raises(Invalid) as exc:
        svc.deploy(xml, "x.bpmn", admin)
    (problem,) = exc.value.problems
    assert "Event_Sub_Start" in problem.element and "boundary event" in problem.message and problem.line


def test_every_refusal_names_an_element_and_a_line(svc, admin):
    for data in (b"", b"   ", b"<a>", b"<html/>", b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'):
        with pytest.raises(Invalid) as exc:
            svc.deploy_files([("rusak.bpmn", data)], admin)
        assert all(p.element and p.line for p in exc.value.problems), exc.value.problems
    with pytest.raises(Invalid) as exc:
        svc.deploy_files(files("omg_complex_gateway.bpmn"), admin)
    (problem,) = exc.value.problems
    assert "_cx" in problem.element and problem.line == 5 and "event-based gateways" in problem.message
