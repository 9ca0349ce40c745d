"""Sunting diagram in a real browser: bpmn-js loads the SOP, the step panel edits a step's SOP
properties, publishing makes version 2, and a broken diagram comes back with its problems marked."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e_helpers import login, open_modeler, screenshot, select
from helpers.sop_walk import SOP_KEY



def test_edit_a_steps_properties_and_publish_a_new_version(page, api):
    errors = open_modeler(page)
    expect(page.locator("#panel-empty")).to_be_visible()
    select(page, "Step02")
    panel = page.get_by_role("complementary", name="Properti langkah")
    expect(panel.get_by_label("Waktu baku", exact=True)).to_have_value("1 hari kerja")  # P1D, in words
    expect(panel.get_by_label("Pelaksana (lane)")).to_have_value("Lane_SystemAnalyst")
    expect(panel.get_by_label("Dokumen keluaran (Output)")).to_have_value("Dokumen spesifikasi kebutuhan")
    expect(panel.get_by_label("Dokumen keluaran wajib dilampirkan")).to_be_checked()
    expect(panel.get_by_label("Formulir", exact=True)).to_have_value("step02_spesifikasi_kebutuhan.json")

    panel.get_by_label("Waktu baku", exact=True).fill("sebentar saja")
    panel.get_by_label("Waktu baku", exact=True).press("Tab")
    expect(panel.locator("#p-duration-error")).to_contain_text("bukan waktu baku")
    expect(panel.get_by_label("Waktu baku", exact=True)).to_have_attribute("aria-invalid", "true")
    panel.get_by_label("Waktu baku", exact=True).fill("2 hari kerja")
    panel.get_by_label("Waktu baku", exact=True).press("Tab")  # a change event: one undoable edit
    expect(panel.locator("#p-duration-error")).to_be_hidden()
    panel.get_by_label("Nama langkah").fill("Penyusunan spesifikasi kebutuhan")
    panel.get_by_label("Nama langkah").press("Tab")
    expect(page.locator('[data-element-id="Step02"]')).to_contain_text("Penyusunan spesifikasi kebutuhan")
    expect(page.locator("#modeler-status")).to_have_text("Ada perubahan yang belum diterbitkan.")
    screenshot(page, "modeler")
    assert errors == []  # bpmn-js runs under alur's Content-Security-Policy, and without complaints

    page.get_by_role("button", name="Terbitkan sebagai versi baru").click()
    diff = page.get_by_role("region", name="Perubahan terhadap versi yang berlaku")
    expect(diff).to_contain_text("Waktu baku langkah 2: 1 hari kerja → 2 hari kerja.")
    expect(diff).to_contain_text("Nama langkah 2: 'Pembuatan spesifikasi kebutuhan' menjadi "
                                 "'Penyusunan spesifikasi kebutuhan'.")
    expect(diff.locator("li")).to_have_count(2)
    diff.get_by_role("button", name="Terbitkan sekarang").click()
    page.wait_for_url(re.compile(rf"/processes/{SOP_KEY}$"))
    expect(page.get_by_text("Versi 2 dari Pengembangan Aplikasi E-Government telah diterbitkan.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Penyusunan spesifikasi kebutuhan")  # the steps table

    # the new version runs with the edit, and every other step kept its SOP properties
    status, processes = api.request("GET", "/api/processes", "admin")
    assert status == 200 and [(p["key"], p["version"]) for p in processes] == [(SOP_KEY, 2)]
    status, xml = api.request("GET", f"/api/processes/{SOP_KEY}/bpmn", "admin")
    text = xml if isinstance(xml, str) else xml.decode()
    assert 'name="Penyusunan spesifikasi kebutuhan"' in text
    assert text.count('name="sop.step"') == 14 and text.count('name="sop.form"') == 14
    assert re.search(r'<bpmn:userTask id="Step02"[\s\S]*?name="sop.duration" value="P2D"', text)


def test_a_broken_diagram_is_refused_and_its_problems_are_marked(page):
    open_modeler(page)
    # a lane without a name: nobody would hold its role (the engine's check, as for an upload)
    page.evaluate("""() => {
        const modeler = window.alurModeler;
        const lane = modeler.get('elementRegistry').filter(e => e.type === 'bpmn:Lane')[0];
        modeler.get('modeling').updateProperties(lane, {name: ''});
    }""")
    # the server's checks run as one edits: the lane is marked before anything is published
    expect(page.locator("#modeler-check-title")).to_have_text(
        "Pemeriksaan: 1 masalah. Bentuk yang bermasalah ditandai merah.")
    expect(page.locator(".djs-element.alur-problem")).to_have_count(1)
    page.get_by_role("button", name="Terbitkan sebagai versi baru").click()
    problems = page.get_by_role("alert")
    expect(problems).to_contain_text("Diagram tidak diterbitkan.")
    expect(problems).to_contain_text("lane")
    marked = page.locator(".djs-element.alur-problem")
    expect(marked).to_have_count(1)
    # the problem's button selects the element it names
    problems.get_by_role("button").first.click()
    expect(page.locator(".djs-element.selected")).to_have_count(1)


def test_draw_a_new_process_and_publish_it(page):
    login(page, "admin")
    page.goto("/processes/")
    page.get_by_role("link", name="Buat proses baru di modeler").click()
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    expect(page.locator('[data-element-id="Step01"]')).to_contain_text("Langkah pertama")
    panel = page.get_by_role("complementary", name="Properti langkah")
    expect(panel.get_by_label("Kunci proses")).to_have_value("proses_baru")

    page.get_by_role("button", name="Terbitkan proses").click()  # the placeholder key is refused
    expect(page.get_by_role("alert")).to_contain_text("bukan 'proses_baru'")

    panel.get_by_label("Kunci proses").fill("izin_keramaian")
    panel.get_by_label("Kunci proses").press("Tab")
    panel.get_by_label("Nama proses").fill("Izin Keramaian")
    panel.get_by_label("Nama proses").press("Tab")
    expect(page.locator('[data-element-id="Participant_1"]')).to_contain_text("Izin Keramaian")
    select(page, "Step01")
    panel.get_by_label("Nama langkah").fill("Terima berkas permohonan")
    panel.get_by_label("Nama langkah").press("Tab")
    page.get_by_role("button", name="Terbitkan proses").click()
    page.wait_for_url(re.compile(r"/processes/izin_keramaian$"))
    expect(page.get_by_text("Proses Izin Keramaian telah diterbitkan sebagai versi 1.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Terima berkas permohonan")


def test_a_decisions_condition_is_edited_in_the_panel_and_checked_on_publish(page, api):
    open_modeler(page)
    select(page, "Flow_ReviewSpesifikasi_04")
    panel = page.get_by_role("complementary", name="Properti langkah")
    expect(panel.get_by_label("Label alur")).to_have_value("ya")
    expect(panel.get_by_label("Syarat", exact=True)).to_have_value("spec_approved == True")
    expect(panel.get_by_label("Alur bawaan: dipakai bila tidak ada syarat yang terpenuhi")).not_to_be_checked()

    # an unsafe condition is refused, and the flow is marked
    panel.get_by_label("Syarat", exact=True).fill("__import__('os').system('id')")
    panel.get_by_label("Syarat", exact=True).press("Tab")
    page.get_by_role("button", name="Terbitkan sebagai versi baru").click()
    expect(page.get_by_role("alert")).to_contain_text("Flow_ReviewSpesifikasi_04")
    expect(page.locator('.djs-element.alur-problem[data-element-id="Flow_ReviewSpesifikasi_04"]')).to_have_count(1)

    panel.get_by_label("Syarat", exact=True).fill("spec_approved == True and jumlah_kebutuhan >= 1")
    panel.get_by_label("Syarat", exact=True).press("Tab")
    page.get_by_role("button", name="Terbitkan sebagai versi baru").click()
    diff = page.get_by_role("region", name="Perubahan terhadap versi yang berlaku")
    expect(diff).to_contain_text("Keputusan 'Spesifikasi disetujui?' berubah arah atau syaratnya.")
    diff.get_by_role("button", name="Terbitkan sekarang").click()
    page.wait_for_url(re.compile(rf"/processes/{SOP_KEY}$"))
    status, xml = api.request("GET", f"/api/processes/{SOP_KEY}/bpmn", "admin")
    text = xml if isinstance(xml, str) else xml.decode()
    assert "spec_approved == True and jumlah_kebutuhan &gt;= 1" in text
    assert 'default="Flow_ReviewSpesifikasi_GabungSpesifikasi"' in text  # the other way stays the default
