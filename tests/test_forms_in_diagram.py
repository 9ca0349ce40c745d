"""A step's form carried in the diagram (``<alur:form>``, built in the modeler): checked at deploy
like a form file, used by the step like one, stored with the version and downloaded with it."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from engine.errors import Invalid
from helpers.cases import advance
from helpers.sop_walk import SOP_KEY, form_data

SEED = Path(__file__).resolve().parents[1] / "processes" / "pengembangan_aplikasi_egov.bpmn"
STEP2_FILE = json.loads((SEED.parents[1] / "forms" / "step02_spesifikasi_kebutuhan.json").read_text(encoding="utf-8"))
#: Step 2's form file with three more fields (its requirement list stays: steps 8 and 10 read it)
FORM = {**STEP2_FILE, "properties": {**STEP2_FILE["properties"],
    "ringkasan": {"type": "string", "title": "Ringkasan kebutuhan", "maxLength": 500},
    "jumlah_modul": {"type": "integer", "title": "Jumlah modul", "minimum": 1},
    "perlu_integrasi": {"type": "boolean", "title": "Perlu integrasi"},
    "sistem_terkait": {"type": "string", "title": "Sistem terkait"}},
    "required": [*STEP2_FILE.get("required", []), "ringkasan", "jumlah_modul"],
    "allOf": [{"if": {"properties": {"perlu_integrasi": {"const": True}}, "required": ["perlu_integrasi"]},
               "then": {"required": ["sistem_terkait"]}}]}


def with_form(form_text: str, *, keep_file: bool = False, step: str = "Step02") -> bytes:
    """The seed SOP with ``step``'s form carried in the diagram instead of its form file."""
    xml = SEED.read_text(encoding="utf-8")
    xml = xml.replace("<bpmn:definitions ", '<bpmn:definitions xmlns:alur="urn:alur:bpmn:1.0" ', 1)
    task = re.search(rf'<bpmn:userTask id="{step}"[\s\S]*?</bpmn:userTask>', xml).group(0)
    changed = task if keep_file else re.sub(r'\s*<spiffworkflow:property name="sop.form" value="[^"]*"/>', "", task)
    changed = changed.replace("</bpmn:extensionElements>",
                              f"  <alur:form><![CDATA[{form_text}]]></alur:form>\n      </bpmn:extensionElements>", 1)
    return xml.replace(task, changed).encode("utf-8")


def test_a_step_uses_the_form_its_diagram_carries(svc, any_db):
    admin = svc.users.get("admin")
    definition, created = svc.deploy(with_form(json.dumps(FORM)), "v2.bpmn", admin, expected_key=SOP_KEY)
    assert created and definition.version == 2
    assert "<alur:form>" in definition.bpmn_xml, "the form is stored (and downloaded) with the version"
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Formulir di diagram")
    row = advance(svc, case, 2)
    assert svc.task_form(row) == FORM
    analis = svc.users.get("analis")
    svc.attach(row.id, analis, "spesifikasi.pdf", io.BytesIO(b"%PDF-1.4"))
    base = form_data(STEP2_FILE, 2, {})
    with pytest.raises(Invalid) as refused:
        svc.complete(row.id, analis, {**base, "ringkasan": "Antrean", "jumlah_modul": 3, "perlu_integrasi": True})
    assert [p.field for p in refused.value.problems] == ["sistem_terkait"], "required when integration is needed"
    with pytest.raises(Invalid) as refused:
        svc.complete(row.id, analis, {**base, "ringkasan": "Antrean", "jumlah_modul": 0})
    assert [p.field for p in refused.value.problems] == ["jumlah_modul"]
    done = svc.complete(row.id, analis, {**base, "ringkasan": "Antrean", "jumlah_modul": 3, "perlu_integrasi": False})
    assert done.state == "completed" and done.data["jumlah_modul"] == 3


@pytest.mark.parametrize("text, words", [
    ("{not json", "is not JSON"),
    (json.dumps({"type": "string"}), "must be a JSON Schema of type object"),
    (json.dumps({"type": "object", "properties": {"x": {"type": "teks"}}}), "is not a valid JSON Schema"),
    (json.dumps({"type": "object", "properties": {"x": {"type": "string", "description": "x" * 70000}}}),
     "larger than 64 KB"),
])
def test_a_broken_form_in_the_diagram_is_refused_with_its_step_and_line(svc, text, words):
    with pytest.raises(Invalid) as refused:
        svc.deploy(with_form(text, step="Step07"), "v2.bpmn", svc.users.get("admin"), expected_key=SOP_KEY)
    (problem,) = refused.value.problems
    assert words in problem.message and "Step07" in problem.message and problem.line


def test_a_step_keeps_one_form(svc):
    with pytest.raises(Invalid) as refused:
        svc.deploy(with_form(json.dumps(FORM), keep_file=True), "v2.bpmn", svc.users.get("admin"),
                   expected_key=SOP_KEY)
    (problem,) = refused.value.problems
    assert problem.code == "bpmn.form_both" and "Step02" in problem.element


CHECKLIST = {"type": "object", "properties": {
    "kelengkapan": {"type": "array", "title": "Kelengkapan dokumen", "uniqueItems": True, "x-widget": "checklist",
                    "items": {"type": "string", "enum": ["KAK", "RAB", "Jadwal"]}},
    "keputusan": {"type": "boolean", "title": "Dokumen lengkap", "x-choices": {"true": "Ya", "false": "Tidak"}}},
    "required": ["keputusan"]}


def test_the_preview_draws_the_form_as_the_task_page_does(client, login):
    login("admin")
    page = client.post("/processes/modeler/form-preview", json={"schema": CHECKLIST}).get_data(as_text=True)
    assert '<fieldset class="checklist"' in page and 'value="RAB"' in page and 'type="radio"' in page
    assert 'name="pratinjau-kelengkapan"' in page, "the preview's inputs keep clear of the modeler's ids"
    broken = client.post("/processes/modeler/form-preview", json={"schema": {"type": "string"}}).get_data(as_text=True)
    assert "harus berupa JSON Schema bertipe object" in broken
    opened = client.get("/processes/modeler/forms/step03_review_spesifikasi.json").get_json()
    assert "spec_approved" in opened["properties"]
    assert client.get("/processes/modeler/forms/tidak_ada.json").status_code == 404
    login("budi")
    assert client.post("/processes/modeler/form-preview", json={"schema": CHECKLIST}).status_code == 403


def test_choices_and_checklists_share_one_fieldset_macro(client, login):
    """A choice is radio buttons (the value in each id, required with the field); a checklist is
    check boxes (numbered ids, never required one by one): one macro draws both."""
    login("admin")
    page = client.post("/processes/modeler/form-preview", json={"schema": CHECKLIST}).get_data(as_text=True)
    choice = page[page.index('<fieldset class="choices"'):]
    choice = choice[:choice.index("</fieldset>")]
    checklist = page[page.index('<fieldset class="checklist"'):]
    checklist = checklist[:checklist.index("</fieldset>")]
    assert re.findall(r'<div class="choice">\s*<input type="radio" id="([^"]+)"[^>]* required>', choice) == [
        "f-pratinjau-keputusan-true", "f-pratinjau-keputusan-false"]
    assert re.findall(r'<div class="check">\s*<input type="checkbox" id="([^"]+)" name="pratinjau-kelengkapan" '
                      r'value="(\w+)">', checklist) == [
        ("f-pratinjau-kelengkapan-1", "KAK"), ("f-pratinjau-kelengkapan-2", "RAB"), ("f-pratinjau-kelengkapan-3", "Jadwal")]
    assert '<label for="f-pratinjau-kelengkapan-2">RAB</label>' in checklist
    assert "(wajib)" in choice and "(wajib)" not in checklist
    macros = Path(__file__).resolve().parent.parent / "webapp" / "templates" / "_macros.html"
    text = macros.read_text(encoding="utf-8")
    assert '<fieldset class="choices"' not in text and '<fieldset class="checklist"' not in text


def test_a_downloaded_bpmn_carries_its_form_to_a_fresh_alur(app, make_app, tmp_path, client, login):
    """The BPMN download of a version whose step 7 carries its form deploys on another alur (its own
    database, no such form file) and the step's page draws the same fields."""
    from webapp.services import service

    with app.test_request_context():
        svc = service()
        svc.deploy(with_form(json.dumps(CHECKLIST), step="Step07"), "v2.bpmn", svc.users.get("admin"),
                   expected_key=SOP_KEY)
    login("admin")
    downloaded = client.get(f"/processes/{SOP_KEY}/bpmn").get_data()
    assert b"<alur:form>" in downloaded

    def step2_fields(an_app) -> str:
        with an_app.test_request_context():
            svc = service()
            case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Kasus")
            row = advance(svc, case, 7)
            row_id = row.id
        browser = an_app.test_client()
        browser.post("/login", data={"username": "analis", "password": "demo12345"})  # step 7: System Analyst
        page = browser.get(f"/tasks/{row_id}").get_data(as_text=True)
        return page[page.index('<fieldset class="checklist"'):page.index("</form>", page.index('<fieldset class="checklist"'))]

    here = step2_fields(app)
    fresh = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.db'}", ALUR_FILES_DIR=str(tmp_path / "f2"))
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0  # the SOP's version 1 and its people
    path = tmp_path / "downloaded.bpmn"
    path.write_bytes(downloaded)
    result = runner.invoke(args=["deploy", str(path)])
    assert result.exit_code == 0, result.output
    assert step2_fields(fresh).replace(" ", "") == here.replace(" ", "")


START_FORM = {"type": "object", "properties": {
    "nama_pemohon": {"type": "string", "title": "Nama pemohon", "maxLength": 200}}, "required": ["nama_pemohon"]}


def test_a_start_event_carries_the_form_a_new_case_must_pass(svc, client, login):
    xml = SEED.read_text(encoding="utf-8").replace("<bpmn:definitions ", '<bpmn:definitions xmlns:alur="urn:alur:bpmn:1.0" ', 1)
    xml = xml.replace('<bpmn:startEvent id="StartEvent_Mulai" name="Mulai">',
                      '<bpmn:startEvent id="StartEvent_Mulai" name="Mulai"><bpmn:extensionElements>'
                      f'<alur:form>{json.dumps(START_FORM)}</alur:form></bpmn:extensionElements>', 1)
    svc.deploy(xml.encode(), "v2.bpmn", svc.users.get("admin"), expected_key=SOP_KEY)
    owner = svc.users.get("pemilik")
    with pytest.raises(Invalid) as refused:
        svc.start(SOP_KEY, owner, "Tanpa nama", {})
    assert [p.field for p in refused.value.problems] == ["nama_pemohon"]
    case = svc.start(SOP_KEY, owner, "Dengan nama", {"nama_pemohon": "Dinas Kesehatan"})
    assert svc.instance_data(case)["nama_pemohon"] == "Dinas Kesehatan"
    login("pemilik")
    page = client.get(f"/processes/{SOP_KEY}").get_data(as_text=True)
    assert 'name="nama_pemohon"' in page  # the start form on the process page
