"""The lists of cases (Instans, Pengajuan) and the audit log at a phone's width, in Indonesian
and in English: each column's label looked up once a page still labels every stacked cell, a
search of two words finds what both begin, and every page is axe-clean and no wider than the phone."""
from __future__ import annotations

from playwright.sync_api import expect

from e2e_helpers import assert_accessible, login, start_case

LABELS = {"id": ["Nomor", "Status", "Langkah saat ini", "Dimulai oleh"],
          "en": ["Number", "Status", "Current step", "Started by"]}
STATUS = {"id": "Berjalan", "en": "Running"}


def test_case_lists_and_the_audit_log_on_a_phone_in_both_languages(phone_page, api):
    page = phone_page
    for title in ("Aplikasi antrean puskesmas", "Aplikasi arsip desa", "Arsip antrean kecamatan"):
        start_case(api, title, user="admin")
    login(page, "admin")
    failures: list[str] = []

    def check(lang: str, path: str) -> None:
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 1:
            failures.append(f"[{lang}] {path}: the page is {wide}px wider than the phone")
        try:
            assert_accessible(page)
        except AssertionError as exc:
            failures.append(f"[{lang}] {path}: {exc}")

    for lang in ("id", "en"):
        if lang == "en":
            page.get_by_role("group", name="Bahasa").get_by_role("link", name="EN", exact=True).click()
        check(lang, "/instances/?q=antrean+arsip")
        rows = page.locator("table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Arsip antrean kecamatan")
        for label in LABELS[lang]:  # every stacked cell says its column
            expect(rows.first.locator(f'[data-label="{label}"]')).to_have_count(1)
        expect(rows.first.locator(".badge-running")).to_have_text(STATUS[lang])
        check(lang, "/instances/?q=antrean")
        expect(page.locator("table tbody tr")).to_have_count(2)
        check(lang, "/cases/?scope=all&q=arsip")
        expect(page.locator("table.cases tbody tr")).to_have_count(2)
        expect(page.locator("table.cases tbody tr").first.locator(f'[data-label="{LABELS[lang][2]}"]')).to_have_count(1)
        expect(page.locator("table.cases tbody tr .badge-running").first).to_have_text(STATUS[lang])
        check(lang, "/admin/audit")
        expect(page.locator("table tbody tr").first.locator("td[data-label]")).to_have_count(5)
    assert not failures, "\n".join(failures)
