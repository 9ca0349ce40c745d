"""Requirements traced in a real browser at phone width: step 10 asks a verdict per requirement
(the requirement and its scenario shown with it), refuses a failure without its note next to that
item, and the case page shows the matrix — axe-core clean, in Indonesian and English."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e_helpers import PDF, SCREENSHOTS, assert_accessible, case, do_steps, login, logout, ready_step, screenshot, start_case


def test_step_10_asks_a_verdict_per_requirement_on_a_phone(phone_page, api):
    page = phone_page
    instance_id = start_case(api, "Aplikasi antrean puskesmas")
    do_steps(api, instance_id, 1, 2, 3, 2, 3, 4, 5, 6, 7, 8, 9)  # the walk's requirements K-01 … K-03
    task = ready_step(api, instance_id)
    assert task["step"] == 10
    status, body = api.request("POST", f"/api/tasks/{task['id']}/attachments", "pemilik",
                               files={"file": ("laporan-uat.pdf", PDF)})
    assert status == 201, body

    login(page, "pemilik")
    page.goto(f"/tasks/{task['id']}")
    items = page.locator("fieldset.item")
    expect(items).to_have_count(3)
    k2 = items.filter(has_text="K-02")
    # each requirement comes with what the case says of it: its description and its scenario
    expect(k2.locator(".item-context")).to_contain_text("Uraian kebutuhan")
    expect(k2.locator(".item-context")).to_contain_text("Skenario uji")
    assert_accessible(page)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the per-item form is {width} px wide on a 390 px phone"

    page.get_by_label("Tanggal UAT").fill("2026-12-01")
    for n in (1, 2, 3):
        items.filter(has_text=f"K-0{n}").get_by_role("combobox", name=re.compile("^Hasil")).select_option(label="Gagal" if n == 2 else "Lulus")
    page.get_by_role("button", name="Selesaikan").click()
    # refused: the failed requirement needs its note, said next to that item's note
    expect(page.locator("#form-problems")).to_contain_text("K-02 · Catatan hasil uji")
    k2 = page.locator("fieldset.item").filter(has_text="K-02")
    expect(k2.get_by_label("Catatan hasil uji")).to_have_attribute("aria-invalid", "true")
    expect(k2.get_by_role("combobox", name=re.compile("^Hasil"))).to_have_value("gagal")  # what was chosen stays
    screenshot(page, "uat-per-requirement-phone")
    assert_accessible(page)
    k2.get_by_label("Catatan hasil uji").fill("Nomor antrean tidak terkirim")
    page.get_by_role("button", name="Selesaikan").click()
    expect(page.get_by_role("status").filter(has_text="selesai")).to_contain_text("Langkah 10")
    step10 = [t for t in case(api, instance_id)["tasks"] if t["step"] == 10][0]
    assert [(i["id"], i["hasil"]) for i in step10["data"]["hasil_uji"]] == [
        ("K-01", "lulus"), ("K-02", "gagal"), ("K-03", "lulus")]

    logout(page)
    login(page, "admin")
    for lang in ("en", "id"):
        page.goto(f"/instances/{instance_id}?lang={lang}")
        matrix = page.locator("section.traceability")
        expect(matrix.get_by_role("heading", level=2)).to_have_text(
            re.compile("Ketertelusuran: Daftar kebutuhan" if lang == "id" else "Traceability: Daftar kebutuhan"))
        expect(matrix.locator("tbody tr").filter(has_text="K-02")).to_contain_text("Nomor antrean tidak terkirim")
        assert_accessible(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # the matrix alone (the whole case page is long)
    page.locator("section.traceability").screenshot(path=str(SCREENSHOTS / "traceability-matrix-phone.png"))


def test_the_requirement_list_is_edited_on_a_phone_without_losing_its_ids(phone_page, api):
    """Step 2 at 390 px: rows added with "Tambah baris"; on the rework one is removed with its box and
    one added in the blank row; the kept requirement keeps its number, the new one gets the next."""
    page = phone_page
    instance_id = start_case(api, "Aplikasi arsip surat")
    do_steps(api, instance_id, 1)
    task = ready_step(api, instance_id)
    status, _body = api.request("POST", f"/api/tasks/{task['id']}/attachments", "analis",
                                files={"file": ("spesifikasi.pdf", PDF)})
    assert status == 201
    login(page, "analis")
    page.goto(f"/tasks/{task['id']}")
    page.get_by_label("Ringkasan kebutuhan").fill("Arsip surat masuk dan keluar")
    page.get_by_label("Uraian kebutuhan").fill("Pencatatan surat masuk")
    page.get_by_role("combobox", name=re.compile("^Prioritas")).select_option(label="Tinggi")
    page.get_by_role("button", name="Tambah baris").click()
    rows = page.locator("fieldset.item")
    expect(rows).to_have_count(2)
    assert "/complete" not in page.url  # item_rows.js added the row in the page (without it: a round trip)
    expect(rows.nth(1).get_by_label("Uraian kebutuhan")).to_be_focused()
    rows.nth(1).get_by_label("Uraian kebutuhan").fill("Disposisi pimpinan")
    rows.nth(1).get_by_role("combobox", name=re.compile("^Prioritas")).select_option(label="Sedang")
    assert_accessible(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Selesaikan").click()
    expect(page.get_by_role("status").filter(has_text="selesai")).to_contain_text("Langkah 2")
    logout(page)

    do_steps(api, instance_id, 3)  # the review asks for changes
    task = ready_step(api, instance_id)
    assert task["step"] == 2 and task["round"] == 2
    status, _body = api.request("POST", f"/api/tasks/{task['id']}/attachments", "analis",
                                files={"file": ("spesifikasi-2.pdf", PDF)})
    login(page, "analis")
    page.goto(f"/tasks/{task['id']}")
    rows = page.locator("fieldset.item")
    expect(rows).to_have_count(3)  # the two kept from round 1, and a blank one
    expect(rows.nth(0).locator("legend")).to_contain_text("K-01")
    rows.nth(0).get_by_label("Hapus butir K-01 dari daftar").check()
    rows.nth(2).get_by_label("Uraian kebutuhan").fill("Pencarian arsip")
    rows.nth(2).get_by_role("combobox", name=re.compile("^Prioritas")).select_option(label="Rendah")
    assert_accessible(page)
    page.get_by_role("button", name="Selesaikan").click()
    expect(page.get_by_role("status").filter(has_text="selesai")).to_contain_text("Langkah 2")
    step2 = [t for t in case(api, instance_id)["tasks"] if t["step"] == 2 and t["state"] == "completed"][-1]
    assert [(i["id"], i["deskripsi"]) for i in step2["data"]["kebutuhan"]] == [
        ("K-02", "Disposisi pimpinan"), ("K-03", "Pencarian arsip")]
