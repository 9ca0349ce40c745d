"""Kualifikasi Pelaksana from the process, in a real browser: the appointment picker shows the SOP's
words and marks candidates by the process's lists; the pages where an office records them (the
SOP header editor, the user form) pass axe-core, on a desktop and at a phone's width."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e_helpers import assert_accessible, do_steps, login, ready_step, start_case
from helpers.sop_walk import SOP_KEY


@pytest.mark.parametrize("width", ["page", "phone_page"])
def test_the_picker_checks_the_sop_s_own_qualifications(request, width, api):
    page = request.getfixturevalue(width)
    case = start_case(api, "Aplikasi antrean puskesmas")
    do_steps(api, case, 1, 2, 3, 2, 3)
    task = ready_step(api, case)
    assert task["step"] == 4
    login(page, "kabid")
    page.goto(f"/tasks/{task['id']}")
    picker = page.get_by_role("group", name="System programmer")
    expect(picker).to_contain_text("Kualifikasi pelaksana menurut SOP:")
    expect(picker).to_contain_text("Pendidikan D-III, S-1 atau S-2 Teknik Komputer")
    andi = picker.locator("li", has_text="Andi Pratama")
    expect(andi).to_contain_text("Belum memenuhi kualifikasi: pendidikan D-III, S-1, S-2 atau S-3")
    expect(picker.locator("li", has_text="Budi Santoso")).not_to_contain_text("Belum memenuhi")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)


def test_the_lists_are_edited_with_the_sop_header_and_suggested_on_the_user_form(phone_page, api):
    page = phone_page
    login(page, "admin")
    page.goto(f"/processes/{SOP_KEY}/sop-fields")
    levels = page.get_by_label("Jenjang pendidikan yang memenuhi")
    expect(levels).to_have_value("D-III\nS-1\nS-2\nS-3")
    assert_accessible(page)
    levels.fill("S-1\nS-2")
    page.get_by_role("button", name="Simpan sebagai versi baru").click()
    expect(page.get_by_role("status").filter(has_text="versi 2")).to_be_visible()
    page.goto("/admin/users/new")
    field = page.get_by_label("Jenjang pendidikan")
    assert field.get_attribute("list") == "education_levels"
    assert page.locator("#education_levels option").evaluate_all("os => os.map(o => o.value)")[:2] == ["S-1", "S-2"]
    assert_accessible(page)
