"""Forms built in the modeler's panel, in a real browser: a step's form file opened in the builder,
fields added (a decision, a field required only when the decision is yes, a checklist, a person
picker), the live preview drawn as the task page draws it, published inside the BPMN, downloaded
with it, and the step then asks that form."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e_helpers import assert_accessible, do_steps, login, ready_step, screenshot, start_case
from sop_walk import SOP_KEY, form_data
from test_modeler import open_modeler, select


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
