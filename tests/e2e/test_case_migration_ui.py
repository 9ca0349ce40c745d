"""Kasus pada versi lama in a real browser at a phone's width: an administrator sees each running
case's dry run against the new version, moves the ones that can, and the refused one stays with
its reason; the moved case's timeline says so."""
from __future__ import annotations

from playwright.sync_api import expect

from e2e_helpers import assert_accessible, do_steps, login, screenshot, start_case
from helpers.sop_walk import SOP_KEY
from helpers.diagrams import without_step


def test_admin_moves_the_cases_that_can_move_and_sees_why_one_stays(phone_page, api):
    page = phone_page
    at2 = start_case(api, "Aplikasi di langkah 2")
    do_steps(api, at2, 1)
    at7 = start_case(api, "Aplikasi di langkah 7")
    do_steps(api, at7, 1, 2, 3, 2, 3, 4, 5, 6)
    status, body = api.request("POST", "/api/processes", "admin",
                               files={"file": ("v2.bpmn", without_step("Step07", "06", "08"))})
    assert status == 201 and body["version"] == 2, body

    login(page, "admin")
    page.goto(f"/processes/{SOP_KEY}")
    page.get_by_role("link", name="2 kasus pada versi lama").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kasus pada versi lama")
    movable = page.locator(f"#kasus-{at2}")
    refused = page.locator(f"#kasus-{at7}")
    expect(movable).to_contain_text("Dapat dipindahkan")
    expect(movable).to_contain_text("Langkah 7 'Pembuatan data flow diagram (DFD) dan entity relation diagram (ERD)' "
                                    "tidak lagi ada di depan kasus ini.")
    expect(refused).to_contain_text("Tetap pada versinya")
    expect(refused).to_contain_text("Kasus menunggu di 'Pembuatan data flow diagram (DFD) dan entity relation "
                                    "diagram (ERD)' (Step07), yang tidak ada di versi 2.")
    expect(refused.get_by_role("button")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    screenshot(page, "case-migration-phone")

    page.get_by_role("button", name="Pindahkan 1 kasus yang dapat dipindahkan").click()
    expect(page.get_by_role("status").filter(has_text="1 kasus dipindahkan ke versi 2.")).to_be_visible()
    expect(page.locator(f"#kasus-{at2}")).to_have_count(0)
    expect(page.locator(f"#kasus-{at7}")).to_contain_text("Tetap pada versinya")
    assert_accessible(page)

    assert api.request("GET", f"/api/instances/{at2}", "admin")[1]["version"] == 2
    assert api.request("GET", f"/api/instances/{at7}", "admin")[1]["version"] == 1
    page.goto(f"/instances/{at2}")
    expect(page.locator("li.event-migrate")).to_contain_text("Dipindahkan ke versi baru")
    expect(page.locator("li.event-migrate")).to_contain_text("dari versi 1 ke versi 2")
    assert_accessible(page)


def test_one_case_moved_from_its_card_on_a_desktop(page, api):
    at2 = start_case(api, "Aplikasi di langkah 2")
    do_steps(api, at2, 1)
    status, body = api.request("POST", "/api/processes", "admin",
                               files={"file": ("v2.bpmn", without_step("Step07", "06", "08"))})
    assert status == 201, body
    login(page, "admin")
    page.goto(f"/processes/{SOP_KEY}/migrations")
    assert_accessible(page)
    page.locator(f"#kasus-{at2}").get_by_role("button", name="Pindahkan").click()
    expect(page.get_by_role("status").filter(has_text="dipindahkan ke versi 2")).to_be_visible()
    expect(page.get_by_text("Tidak ada kasus yang berjalan pada versi lama.")).to_be_visible()
    assert_accessible(page)
    assert api.request("GET", f"/api/instances/{at2}", "admin")[1]["version"] == 2
