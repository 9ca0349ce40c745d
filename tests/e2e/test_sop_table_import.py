"""Impor tabel SOP in a real browser: a process owner uploads the office's Excel table, checks the
diagram alur drew from it in the modeler, and publishes it; a file with no table says why."""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from e2e_helpers import assert_accessible, login, screenshot

TABLE = Path(__file__).parent.parent / "fixtures" / "sop_tables" / "sop_pengembangan_aplikasi_egov.xlsx"


def test_import_an_sop_table_check_it_in_the_modeler_and_publish(page, api):
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, "admin")
    page.goto("/processes/")
    section = page.get_by_role("region", name="Impor tabel SOP")
    assert_accessible(page)
    section.get_by_label("Berkas tabel SOP").set_input_files(str(TABLE))
    section.get_by_role("button", name="Impor dan buka di modeler").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Periksa SOP hasil impor")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    expect(page.locator('.djs-element[data-element-id^="Step"]')).to_have_count(14)
    expect(page.locator('[data-element-id="Step03"]')).to_contain_text("Review spesifikasi kebutuhan")
    expect(page.locator("#p-key")).to_have_value("pengembangan_aplikasi_e_government")
    screenshot(page, "sop-table-import")
    page.get_by_role("button", name="Terbitkan proses").click()
    page.wait_for_url(re.compile(r"/processes/pengembangan_aplikasi_e_government$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pengembangan Aplikasi E-Government")
    assert errors == []
    status, body = api.request("GET", "/api/processes", "admin")
    assert status == 200
    assert {"pengembangan_aplikasi_e_government", "pengembangan_aplikasi_egov"} <= {p["key"] for p in body}


def test_a_file_without_an_sop_table_is_refused_with_the_reason(phone_page):
    page = phone_page
    login(page, "admin")
    page.goto("/processes/")
    section = page.get_by_role("region", name="Impor tabel SOP")
    section.get_by_label("Berkas tabel SOP").set_input_files(
        {"name": "catatan.csv", "mimeType": "text/csv", "buffer": b"hanya catatan biasa\nbukan tabel"})
    section.get_by_role("button", name="Impor dan buka di modeler").click()
    expect(page.get_by_role("alert")).to_contain_text("Uraian Prosedur")
    assert_accessible(page)
