"""Every page passes axe-core (WCAG 2.x A/AA and best practices) with no violation, on a desktop
and at a phone's width, in Indonesian and in English, as each kind of user sees it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e_helpers import assert_accessible, do_steps, login, ready_step, select, start_case
from helpers.diagrams import without_step

SOP_PAGE = "/processes/pengembangan_aplikasi_egov"


def _pages_of_a_case(api) -> tuple[int, str]:
    instance_id = start_case(api, "Aplikasi antrean puskesmas")
    do_steps(api, instance_id, 1, 2, 3)  # step 3 asks for changes: a second round of step 2
    return instance_id, ready_step(api, instance_id)["id"]


def _check(page, paths: list[str]) -> None:
    """Every path, all of them checked before failing, so one run lists every page's violations."""
    failures = []
    for path in paths:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        try:
            assert_accessible(page)
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("width", ["page", "phone_page"])
def test_every_page_of_an_admin_is_accessible(request, width, api):
    page = request.getfixturevalue(width)
    instance_id, task_id = _pages_of_a_case(api)
    login(page, "admin")
    _check(page, ["/", "/inbox", "/inbox?tab=lanes", "/processes/", SOP_PAGE, "/instances/",
                  f"/instances/{instance_id}", f"/tasks/{task_id}", "/admin/users", "/admin/holidays",
                  "/admin/audit", "/reports/kpi", "/account", "/notifications", "/notifications/settings",
                  "/admin/notifications", "/admin/webhooks"])


def test_a_lane_member_s_pages_are_accessible_in_both_languages(page, api):
    _, task_id = _pages_of_a_case(api)
    login(page, "analis")
    _check(page, ["/inbox", f"/tasks/{task_id}", "/processes/", SOP_PAGE, "/notifications"])
    page.get_by_role("link", name="EN", exact=True).click()
    _check(page, ["/inbox", f"/tasks/{task_id}", "/notifications"])


def test_the_login_page_and_a_refused_form_are_accessible(page, api):
    page.goto("/login")
    assert_accessible(page)
    page.get_by_label("Nama pengguna").fill("analis")
    page.get_by_label("Kata sandi").fill("salah")
    page.get_by_role("button", name="Masuk").click()
    assert_accessible(page)


def _session_pages(page, lang: str, case_id: int, migrations_link: bool) -> None:
    """The pages added this session, as an admin sees them in the current language; every page is
    checked before failing, so one run lists every page's violations."""
    failures: list[str] = []

    def check(what: str) -> None:
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        try:
            assert_accessible(page)
        except AssertionError as exc:
            failures.append(f"[{lang}] {what}: {exc}")

    if migrations_link:  # reached as a user does, from the process page
        page.goto(SOP_PAGE)
        page.locator(f'a[href$="{SOP_PAGE}/migrations"]').first.click()
    else:
        page.goto(f"{SOP_PAGE}/migrations")
    expect(page.locator("[id^=kasus-]")).not_to_have_count(0)
    check("case migration")
    # the modeler on version 1 (all 14 steps), one step selected and its form open in the builder
    page.goto(f"{SOP_PAGE}/edit?version=1")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    # bpmn-js's own tooltips in the page's language too
    palette = page.locator(".djs-palette .entry[aria-label]")
    expect(palette.first).to_be_visible()
    titles = palette.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")
    assert ("Buat tugas" if lang == "id" else "Create task") in titles, titles
    if lang == "id":
        assert not [t for t in titles if t.split()[0] in ("Create", "Activate")], titles
    # a phone opens the diagram fitted (too small to click) and below the fold
    page.evaluate("window.alurModeler.get('canvas').zoom(1)")
    page.locator("#modeler-canvas").scroll_into_view_if_needed()
    select(page, "Step02")
    page.locator("#fb-open-file").click()
    expect(page.locator("li.fb-field").first).to_be_visible()
    check("modeler with the form builder")
    page.goto("/admin/holidays?year=2026")
    expect(page.locator("#national-holiday-list")).to_be_visible()
    check("office settings and national holidays")
    page.goto(f"/instances/{case_id}")
    expect(page.locator("section.traceability tbody tr").first).to_be_visible()
    check("case with its traceability matrix")
    page.goto("/notifications")
    check("notifications")
    page.goto("/cases/")
    expect(page.locator("table.cases tbody tr").first).to_be_visible()
    check("Pengajuan saya")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("width", ["page", "phone_page"])
def test_this_session_s_pages_are_accessible_in_both_languages(request, width, api):
    """Case migration, the modeler's form builder, office settings and holidays, the traceability
    matrix, notifications and Pengajuan saya: Indonesian, then English through the switch."""
    page = request.getfixturevalue(width)
    instance_id = start_case(api, "Aplikasi antrean puskesmas", user="admin")
    do_steps(api, instance_id, 1, 2, 3)  # a requirement list (the matrix), back at step 2
    status, body = api.request("POST", "/api/processes", "admin",
                               files={"file": ("v2.bpmn", without_step("Step07", "06", "08"))})
    assert status == 201 and body["version"] == 2, body
    login(page, "admin")
    _session_pages(page, "id", instance_id, migrations_link=True)
    page.get_by_role("group", name="Bahasa").get_by_role("link", name="EN", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _session_pages(page, "en", instance_id, migrations_link=False)


def test_users_delegations_processes_and_the_sop_sheet_at_a_phone_s_width_in_both_languages(phone_page, api):
    """The pages changed in the last pass, as an admin sees them at 390 px: the users list, the
    acting officials (with one named), the processes list and a version's SOP sheet; Indonesian,
    then English through the switch. Every page axe-clean and none wider than the phone."""
    from datetime import datetime, timedelta, timezone

    page = phone_page
    now = datetime.now(timezone.utc)
    status, body = api.request("POST", "/api/delegations", "admin", json={
        "delegator": "kabid", "delegate": "kasi", "kind": "plh", "starts_at": (now + timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(), "reason": "Dinas luar"})
    assert status == 201, body
    paths = ["/admin/users", "/delegations/", "/processes/", f"{SOP_PAGE}/sop-sheet"]
    login(page, "admin")
    failures: list[str] = []
    for lang in ("id", "en"):
        if lang == "en":
            page.get_by_role("group", name="Bahasa").get_by_role("link", name="EN", exact=True).click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        for path in paths:
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            expect(page.locator("html")).to_have_attribute("lang", lang)
            wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if wide > 1:
                failures.append(f"[{lang}] {path}: the page is {wide}px wider than the phone")
            try:
                assert_accessible(page)
            except AssertionError as exc:
                failures.append(f"[{lang}] {path}: {exc}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("lang, lane, standard, target, running, waiting", [
    ("id", "Pelaksana", "Waktu baku", "Target", "Berjalan", "Menunggu"),
    ("en", "Lane", "Standard time", "Target", "Running", "Waiting")])
def test_the_case_page_cases_list_and_kpi_report_at_a_phone_s_width_in_both_languages(
        phone_page, api, lang, lane, standard, target, running, waiting):
    """The pages whose rows now say their labels once per table (the case page, the cases list,
    Laporan Kinerja) and draw their moments, people and badges in Python (webapp/markup.py, as do
    the inbox and the process page): at 390 px each table stacks its cells under those labels, in
    the page's language, with no axe-core violation."""
    page = phone_page
    instance_id = start_case(api, "Aplikasi antrean puskesmas")
    do_steps(api, instance_id, 1, 2, 3)
    login(page, "admin")
    if lang == "en":
        page.goto("/")
        page.get_by_role("group", name="Bahasa").get_by_role("link", name="EN", exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    _check(page, [f"/instances/{instance_id}", "/instances/", "/reports/kpi", "/inbox", SOP_PAGE])
    page.goto(f"/instances/{instance_id}")
    # a step's moment: the short form in the cell, the long one (with the zone) as its title, both
    # as babel writes them in the page's language
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    moment = page.locator("#h-steps ~ .table-wrap time.short").first
    local = datetime.fromisoformat(moment.get_attribute("datetime")).astimezone(ZoneInfo("Asia/Jakarta"))
    assert moment.get_attribute("title") == format_datetime(local, "d MMMM y, HH.mm", locale=lang) + " WIB"
    expect(moment).to_have_text(format_datetime(local, "d MMM y, HH.mm", locale=lang))
    expect(page.locator("#h-steps ~ .table-wrap .badge-ready").first).to_have_text(waiting)
    step_cells = page.locator("#h-steps ~ .table-wrap tbody td")
    expect(step_cells.first).to_be_visible()
    labels = step_cells.evaluate_all("tds => tds.map(td => td.dataset.label)")
    assert labels.count(lane) >= 4 and labels.count(standard) >= 4, labels  # every step row
    # the stacked cell shows its label before the value (CSS ::before, from data-label)
    shown = step_cells.first.evaluate("td => getComputedStyle(td, '::before').content")
    assert lane in shown, shown
    page.goto("/instances/")
    expect(page.locator("table .badge-running").first).to_have_text(running)
    page.goto("/reports/kpi")
    kpi_labels = page.locator("table tbody td").evaluate_all("tds => tds.map(td => td.dataset.label)")
    assert kpi_labels.count(target) >= 14, kpi_labels  # a row per step of the SOP
