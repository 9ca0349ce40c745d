"""Forms built in the modeler's panel, in a real browser: a step's form file opened in the builder,
fields added (a decision, a field required only when the decision is yes, a checklist, a person
picker), the live preview drawn as the task page draws it, published inside the BPMN, downloaded
with it, and the step then asks that form."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e_helpers import assert_accessible, do_steps, login, ready_step, screenshot, start_case
from e2e_helpers import open_modeler, select
from helpers.sop_walk import SOP_KEY, form_data


def field_card(builder, n: int):
    return builder.locator("li.fb-field").nth(n)


def test_a_form_built_in_the_panel_travels_in_the_bpmn_and_is_asked_by_its_step(page, api):
    open_modeler(page)
    select(page, "Step02")
    panel = page.get_by_role("complementary", name="Properti langkah")
    panel.get_by_role("button", name="Buka berkas ini di pembuat formulir").click()
    builder = panel.get_by_role("region", name="Isian formulir langkah ini")
    expect(builder).to_be_visible()
    expect(panel.get_by_label("Formulir", exact=True)).to_have_value("__diagram__")
    preview = builder.get_by_role("group", name="Pratinjau: seperti di halaman tugas")
    before = builder.locator("li.fb-field").count()
    assert before >= 2  # the file's fields, now editable here
    expect(preview.locator(".field").first).to_be_visible()

    def add(label: str, name: str, kind: str, **more) -> None:
        builder.get_by_role("button", name="Tambah isian").click()
        card = builder.locator("li.fb-field").last
        card.get_by_label("Label", exact=True).fill(label)
        card.get_by_label("Label", exact=True).press("Tab")
        card.get_by_label("Nama data").fill(name)
        card.get_by_label("Nama data").press("Tab")
        card = builder.locator("li.fb-field").last
        card.get_by_label("Jenis").select_option(label=kind)
        card = builder.locator("li.fb-field").last
        if "options" in more:
            card.get_by_label("Pilihan (satu per baris)").fill(more["options"])
            card.get_by_label("Pilihan (satu per baris)").press("Tab")
        if "role" in more:
            card.get_by_label("Dipilih dari lane").select_option(label=more["role"])
        if more.get("required"):
            card.get_by_label("Wajib diisi").check()
        if "when" in more:
            card.get_by_label("Wajib bila keputusan").select_option(label=more["when"])
            builder.locator("li.fb-field").last.get_by_label("bernilai").select_option(label="Ya")

    add("Perlu integrasi dengan sistem lain", "perlu_integrasi", "Keputusan ya/tidak", required=True)
    add("Sistem yang diintegrasikan", "sistem_terkait", "Teks pendek", when="Perlu integrasi dengan sistem lain")
    add("Kelengkapan dokumen", "kelengkapan", "Daftar periksa", options="KAK\nRAB\nJadwal")
    add("Penanggung jawab teknis", "penanggung_jawab", "Pilih orang (dari lane)", role="Staf")
    expect(builder.locator("li.fb-field")).to_have_count(before + 4)
    # the preview draws the fields as the task page will
    expect(preview.get_by_role("group", name="Perlu integrasi dengan sistem lain")).to_contain_text("Ya")
    expect(preview.get_by_role("group", name="Kelengkapan dokumen")).to_contain_text("RAB")
    expect(preview.get_by_role("group", name="Penanggung jawab teknis")).to_contain_text("Budi Santoso")
    screenshot(page, "form-builder")
    assert_accessible(page)

    page.get_by_role("button", name="Terbitkan sebagai versi baru").click()
    diff = page.get_by_role("region", name="Perubahan terhadap versi yang berlaku")
    expect(diff).to_contain_text("Langkah 2 memakai formulir lain (step02_spesifikasi_kebutuhan.json → "
                                 "formulir di diagram).")
    diff.get_by_role("button", name="Terbitkan sekarang").click()
    page.wait_for_url(re.compile(rf"/processes/{SOP_KEY}$"))

    status, xml = api.request("GET", f"/api/processes/{SOP_KEY}/bpmn", "admin")
    text = xml if isinstance(xml, str) else xml.decode()
    assert "<alur:form>" in text and "sistem_terkait" in text, "the form is in the BPMN download"
    step2 = re.search(r'<bpmn:userTask id="Step02"[\s\S]*?</bpmn:userTask>', text).group(0)
    assert "<alur:form>" in step2 and 'name="sop.form"' not in step2, "one form per step: the file's is gone"

    case = start_case(api, "Dengan formulir baru")
    do_steps(api, case, 1)
    task = ready_step(api, case)
    assert task["step"] == 2 and "sistem_terkait" in task["form"]["properties"]
    status, body = api.request("POST", f"/api/tasks/{task['id']}/attachments", "analis",
                               files={"file": ("spek.pdf", b"%PDF-1.4")})
    assert status == 201
    data = form_data(task["form"], 2, {})  # the file's own fields, as the SOP walk fills them
    data.pop("sistem_terkait")
    data.update(perlu_integrasi=True, kelengkapan=["KAK"], penanggung_jawab="budi")
    status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", "analis", json={"data": data})
    assert status == 422 and [d["field"] for d in body["error"]["details"]] == ["sistem_terkait"], body
    data["sistem_terkait"] = "SIMPEG"
    status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", "analis", json={"data": data})
    assert status == 200, body
    # the task page asks the built form (checked at a phone's width elsewhere: the checklist is a fieldset)
    login(page, "admin")
    page.goto(f"/instances/{case}")
    expect(page.locator("main")).to_contain_text("KAK")


DRAW = """() => {
    // a second lane, two more steps and a decision, as the palette and the context pad would make them
    const m = window.alurModeler, reg = m.get('elementRegistry'), modeling = m.get('modeling');
    const pool = reg.get('Participant_1'), lane1 = reg.get('Lane_1');
    modeling.updateProperties(lane1, {name: 'Instansi Pemilik'});
    const lane2 = modeling.addLane(pool, 'bottom');
    modeling.updateProperties(lane2, {name: 'Kasi Sistem'});
    modeling.removeElements([reg.get('Flow_2')]);
    const end = reg.get('EndEvent_1'), step1 = reg.get('Step01');
    modeling.moveShape(end, {x: 60, y: 0});
    const cy2 = lane2.y + lane2.height / 2;
    const step2 = modeling.createShape({type: 'bpmn:UserTask'}, {x: 450, y: cy2}, pool);
    const gw = modeling.createShape({type: 'bpmn:ExclusiveGateway'}, {x: 610, y: cy2}, pool);
    const step3 = modeling.createShape({type: 'bpmn:UserTask'}, {x: 610, y: 180}, pool);
    modeling.connect(step1, step2);
    modeling.connect(step2, gw);
    const yes = modeling.connect(gw, step3);
    const no = modeling.connect(gw, step1);
    modeling.connect(step3, end);
    return {step2: step2.id, gw: gw.id, step3: step3.id, yes: yes.id, no: no.id};
}"""


def pick(page, element_id: str) -> None:
    page.evaluate("(id) => { const m = window.alurModeler; m.get('selection').select(m.get('elementRegistry').get(id)); }",
                  element_id)


def test_a_new_process_with_forms_made_in_the_panel_runs_end_to_end(page, api):
    """Two lanes, three steps, a decision and every form made in the panel (the start event's too);
    published, then run by the two lanes' people (the decision sends the case back once), the last
    step in the browser."""
    login(page, "admin")
    page.goto("/processes/")
    page.get_by_role("link", name="Buat proses baru di modeler").click()
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    panel = page.get_by_role("complementary", name="Properti langkah")
    panel.get_by_label("Kunci proses").fill("izin_keramaian")
    panel.get_by_label("Kunci proses").press("Tab")
    panel.get_by_label("Nama proses").fill("Izin Keramaian")
    panel.get_by_label("Nama proses").press("Tab")
    ids = page.evaluate(DRAW)
    builder = panel.get_by_role("region", name="Isian formulir langkah ini")

    def step(element_id: str, name: str, number: int) -> None:
        pick(page, element_id)
        expect(panel.locator("#panel-id")).to_have_text(element_id)
        panel.get_by_label("Nama langkah").fill(name)
        panel.get_by_label("Nama langkah").press("Tab")
        panel.get_by_label("Nomor langkah").fill(str(number))
        panel.get_by_label("Nomor langkah").press("Tab")
        panel.get_by_label("Waktu baku", exact=True).fill("2 jam")
        panel.get_by_label("Waktu baku", exact=True).press("Tab")
        expect(panel.get_by_label("Waktu baku", exact=True)).to_have_value("2 jam")
        panel.get_by_label("Formulir", exact=True).select_option(label="Dibuat di sini (disimpan di diagram)")
        expect(builder).to_be_visible()

    def add(label: str, name: str, kind: str, **more) -> None:
        builder.get_by_role("button", name="Tambah isian").click()
        card = builder.locator("li.fb-field").last
        card.get_by_label("Label", exact=True).fill(label)
        card.get_by_label("Label", exact=True).press("Tab")
        card.get_by_label("Nama data").fill(name)
        card.get_by_label("Nama data").press("Tab")
        builder.locator("li.fb-field").last.get_by_label("Jenis").select_option(label=kind)
        card = builder.locator("li.fb-field").last
        if "options" in more:
            card.get_by_label("Pilihan (satu per baris)").fill(more["options"])
            card.get_by_label("Pilihan (satu per baris)").press("Tab")
        if more.get("required"):
            card.get_by_label("Wajib diisi").check()
        if "when" in more:
            card.get_by_label("Wajib bila keputusan").select_option(label=more["when"])
            builder.locator("li.fb-field").last.get_by_label("bernilai").select_option(label=more["is"])

    # the start event: no lane, number or standard time, but the form a new case starts with
    pick(page, "StartEvent_1")
    expect(panel.locator("#panel-id")).to_have_text("StartEvent_1")
    expect(panel.get_by_label("Pelaksana (lane)")).to_be_hidden()
    expect(panel.get_by_label("Dokumen keluaran wajib dilampirkan")).to_be_hidden()
    panel.get_by_label("Formulir", exact=True).select_option(label="Dibuat di sini (disimpan di diagram)")
    add("Nama pemohon", "nama_pemohon", "Teks pendek", required=True)
    step("Step01", "Ajukan permohonan izin", 1)
    add("Nama kegiatan", "nama_kegiatan", "Teks pendek", required=True)
    step(ids["step2"], "Periksa kelengkapan permohonan", 2)
    add("Permohonan lengkap", "lengkap", "Keputusan ya/tidak", required=True)
    add("Yang kurang", "kekurangan", "Teks panjang", when="Permohonan lengkap", **{"is": "Tidak"})
    expect(builder.get_by_role("group", name="Pratinjau: seperti di halaman tugas")).to_contain_text("Yang kurang")
    step(ids["step3"], "Terima izin keramaian", 3)
    add("Dokumen diterima", "dokumen_diterima", "Daftar periksa", options="Surat izin\nTanda terima", required=True)

    pick(page, ids["yes"])
    panel.get_by_label("Label alur").fill("ya")
    panel.get_by_label("Label alur").press("Tab")
    panel.get_by_label("Syarat", exact=True).fill("lengkap == True")
    panel.get_by_label("Syarat", exact=True).press("Tab")
    pick(page, ids["no"])
    panel.get_by_label("Label alur").fill("tidak")
    panel.get_by_label("Label alur").press("Tab")
    panel.get_by_label("Alur bawaan: dipakai bila tidak ada syarat yang terpenuhi").check()
    expect(page.locator("#modeler-check-title")).to_have_text("Pemeriksaan: tidak ada masalah.", timeout=10_000)
    assert_accessible(page)

    page.get_by_role("button", name="Terbitkan proses").click()
    page.wait_for_url(re.compile(r"/processes/izin_keramaian$"))
    status, xml = api.request("GET", "/api/processes/izin_keramaian/bpmn", "admin")
    assert (xml if isinstance(xml, str) else xml.decode()).count("<alur:form>") == 4

    # run by the two lanes' people: the check sends it back once, the last step in the browser
    status, refused = api.request("POST", "/api/instances", "pemilik", json={"process_key": "izin_keramaian"})
    assert status == 422 and refused["error"]["details"][0]["field"] == "nama_pemohon"
    status, case = api.request("POST", "/api/instances", "pemilik", json={
        "process_key": "izin_keramaian", "data": {"nama_pemohon": "Karang Taruna RW 04"}})
    assert status == 201, case

    def complete(user: str, data: dict, expect_status: int = 200) -> dict:
        task = ready_step(api, case["id"])
        status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", user, json={"data": data})
        assert status == expect_status, body
        return body

    complete("pemilik", {"nama_kegiatan": "Konser amal"})
    refused = complete("kasi", {"lengkap": False}, 422)
    assert [d["field"] for d in refused["error"]["details"]] == ["kekurangan"]
    complete("kasi", {"lengkap": False, "kekurangan": "Surat rekomendasi RT"})
    assert ready_step(api, case["id"])["step"] == 1  # back to the applicant
    complete("pemilik", {"nama_kegiatan": "Konser amal (lengkap)"})
    complete("kasi", {"lengkap": True})
    task = ready_step(api, case["id"])
    assert task["step"] == 3 and task["lane"] == "Instansi Pemilik"
    login(page, "pemilik")
    page.goto(f"/tasks/{task['id']}")
    page.get_by_role("group", name="Dokumen diterima").get_by_label("Surat izin").check()
    assert_accessible(page)
    page.get_by_role("button", name="Selesaikan").click()
    status, body = api.request("GET", f"/api/instances/{case['id']}", "admin")
    assert body["status"] == "completed", body["status"]
    assert body["data"]["dokumen_diterima"] == ["Surat izin"] and body["data"]["lengkap"] is True
