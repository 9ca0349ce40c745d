"""Every page passes axe-core (WCAG 2.x A/AA and best practices) with no violation, on a desktop
and at a phone's width, in Indonesian and in English, as each kind of user sees it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e_helpers import assert_accessible, do_steps, login, ready_step, start_case

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
