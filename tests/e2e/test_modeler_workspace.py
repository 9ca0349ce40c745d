"""The modeler as a place to work, in a real browser: the canvas takes the page's width with the
panel beside it (and all of it when the panel is folded away), the whole diagram is in view on
opening and clear of the palette, a step moves to another lane from a list, and the page passes
axe-core on a desktop and at a phone's width."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e_helpers import assert_accessible, login, screenshot
from helpers.sop_walk import SOP_KEY
from e2e_helpers import select


def open_at(page, width: int, height: int = 900):
    page.set_viewport_size({"width": width, "height": height})
    login(page, "admin")
    page.goto(f"/processes/{SOP_KEY}/edit")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    expect(page.locator("#modeler-check-title")).to_have_text("Pemeriksaan: tidak ada masalah.")


def boxes(page) -> dict:
    return {name: page.locator(selector).bounding_box() for name, selector in {
        "canvas": "#modeler-canvas", "palette": ".djs-palette", "panel": "#modeler-panel",
        "pool": '[data-element-id="Participant_SOP"]'}.items()}


def test_the_canvas_takes_the_width_and_shows_the_whole_diagram_clear_of_the_palette(page):
    open_at(page, 1440)
    b = boxes(page)
    assert b["canvas"]["width"] >= 1440 - 22 * 16 - 80, b["canvas"]  # the page's width, less the panel
    assert b["panel"]["x"] >= b["canvas"]["x"] + b["canvas"]["width"], "the panel is beside the canvas"
    # the whole pool is in the canvas, and its lane labels (its left band) are right of the palette
    assert b["pool"]["x"] >= b["palette"]["x"] + b["palette"]["width"]
    assert b["pool"]["x"] + b["pool"]["width"] <= b["canvas"]["x"] + b["canvas"]["width"] + 1
    assert b["pool"]["y"] >= b["canvas"]["y"] and \
        b["pool"]["y"] + b["pool"]["height"] <= b["canvas"]["y"] + b["canvas"]["height"] + 1
    screenshot(page, "modeler-wide")
    assert_accessible(page)

    toggle = page.get_by_role("button", name="Sembunyikan panel")
    toggle.click()
    expect(page.get_by_role("button", name="Tampilkan panel")).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#modeler-panel")).to_be_hidden()
    wider = page.locator("#modeler-canvas").bounding_box()
    assert wider["width"] >= 1440 - 80 and wider["width"] > b["canvas"]["width"] + 300
    pool = page.locator('[data-element-id="Participant_SOP"]').bounding_box()
    assert pool["width"] > b["pool"]["width"], "fitted again to the wider canvas"
    page.get_by_role("button", name="Tampilkan panel").click()
    expect(page.locator("#modeler-panel")).to_be_visible()

    # zoomed in and scrolled away, one button brings the whole diagram back
    page.evaluate("() => window.alurModeler.get('canvas').zoom(2.5)")
    page.get_by_role("button", name="Paskan diagram ke layar").click()
    assert boxes(page)["pool"]["x"] >= b["palette"]["x"] + b["palette"]["width"]


def test_a_step_moves_to_another_lane_from_the_list_and_the_diff_says_so(page, api):
    open_at(page, 1440)
    select(page, "Step02")
    panel = page.get_by_role("complementary", name="Properti langkah")
    lanes = panel.get_by_label("Pelaksana (lane)")
    assert lanes.locator("option").all_text_contents() == [
        "Instansi Pemilik", "System Analyst", "Bidang E-Gov, Persandian dan Statistik", "Kasi Sistem", "Staf"]
    lanes.select_option(label="Kasi Sistem")
    expect(lanes).to_have_value("Lane_KasiSistem")
    page.get_by_role("button", name="Terbitkan sebagai versi baru").click()
    diff = page.get_by_role("region", name="Perubahan terhadap versi yang berlaku")
    expect(diff).to_contain_text("Langkah 2 pindah dari 'System Analyst' ke 'Kasi Sistem'.")
    assert_accessible(page)
    diff.get_by_role("button", name="Kembali menyunting").click()
    expect(diff).to_be_hidden()
    expect(page.get_by_role("button", name="Terbitkan sebagai versi baru")).to_be_focused()
    page.get_by_role("button", name="Terbitkan sebagai versi baru").click()
    diff.get_by_role("button", name="Terbitkan sekarang").click()
    page.wait_for_url(re.compile(rf"/processes/{SOP_KEY}$"))
    status, body = api.request("GET", "/api/processes", "admin")
    assert body[0]["version"] == 2


def test_a_lane_takes_its_role_from_the_server_s_roles(page):
    open_at(page, 1440)
    page.evaluate("""() => {
        const m = window.alurModeler, lane = m.get('elementRegistry').get('Lane_KasiSistem');
        m.get('selection').select(lane);
    }""")
    panel = page.get_by_role("complementary", name="Properti langkah")
    role = panel.get_by_label("Peran", exact=True)
    expect(role).to_have_value("Kasi Sistem")
    assert role.get_attribute("list") == "known-roles"
    known = page.locator("#known-roles option").evaluate_all("os => os.map(o => o.value)")
    assert {"Kasi Sistem", "Staf", "Process Owner"} <= set(known)
    role.fill("Staf")
    role.press("Tab")
    expect(page.locator('[data-element-id="Lane_KasiSistem"]')).to_contain_text("Staf")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_modeler_is_accessible_and_fits_a_phone(page, width):
    open_at(page, width, 844)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    b = boxes(page)
    assert b["pool"]["x"] >= b["palette"]["x"] + b["palette"]["width"]
    assert b["pool"]["x"] + b["pool"]["width"] <= b["canvas"]["x"] + b["canvas"]["width"] + 1
    assert_accessible(page)
    page.locator("#modeler-canvas").scroll_into_view_if_needed()
    select(page, "Step02")
    expect(page.get_by_label("Waktu baku", exact=True)).to_have_value("1 hari kerja")
    assert_accessible(page)
    if width == 390:
        screenshot(page, "modeler-phone")
