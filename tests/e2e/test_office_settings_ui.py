"""An office in WITA with a 5½-day week: the holidays page shows its working days and hours and
the year's national holidays, at a phone's width, in both languages, axe-clean."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e_helpers import assert_accessible, login


@pytest.fixture
def wita_office(monkeypatch):
    """The server (``live_server`` reads the environment) runs a WITA office open Saturday mornings."""
    monkeypatch.setenv("ALUR_TIMEZONE", "Asia/Makassar")
    monkeypatch.setenv("ALUR_OFFICE_HOURS", "07:30-16:00")
    monkeypatch.setenv("ALUR_WORKING_DAYS", "mon-fri, sat 07:30-12:00")


def test_the_holidays_page_shows_the_office_and_the_national_holidays_on_a_phone(wita_office, phone_page):
    page = phone_page
    login(page, "admin")
    page.goto("/admin/holidays?year=2026")
    office = page.locator("section", has=page.get_by_role("heading", name="Hari dan jam kerja kantor"))
    expect(office.get_by_role("caption")).to_have_text("Zona waktu: Asia/Makassar (WITA)")
    expect(office.get_by_role("row", name="Senin–Jumat 07.30–16.00 WITA")).to_be_visible()
    expect(office.get_by_role("row", name="Sabtu 07.30–12.00 WITA")).to_be_visible()
    national = page.locator("#national-holiday-list")
    expect(page.get_by_role("heading", name="Hari libur nasional 2026")).to_be_visible()
    expect(national.get_by_role("cell", name="Hari Raya Idul Fitri", exact=True)).to_have_count(1)
    expect(national.locator("time[datetime='2026-08-17']")).to_be_visible()
    # nothing wider than the phone's screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    page.get_by_role("link", name="2027 →").click()
    expect(page.get_by_role("heading", name="Hari libur nasional 2027")).to_be_visible()
    page.goto("/admin/holidays?year=2026&lang=en")
    expect(page.get_by_role("row", name="Monday–Friday 07.30–16.00 WITA")).to_be_visible()
    expect(page.locator("#national-holiday-list").get_by_role("cell", name="Independence Day", exact=True)).to_have_count(1)
    assert_accessible(page)
