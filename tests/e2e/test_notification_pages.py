"""The notification pages in a real browser, on a phone: the unread count in the menu, the list,
opening and marking read, one's settings; the admin's office defaults, failed deliveries, webhooks."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e_helpers import assert_accessible, do_steps, login, screenshot, start_case


def _fits(page) -> None:
    size = page.evaluate("({body: document.body.scrollWidth, doc: document.documentElement.scrollWidth,"
                         " inner: window.innerWidth})")
    wide = page.evaluate("[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right"
                         " > window.innerWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 5)")
    assert size["doc"] <= size["inner"] + 1 and size["body"] <= size["inner"] + 1, (size, wide)


def _accessible(page) -> None:
    assert_accessible(page)


def test_a_person_sees_reads_and_sets_their_notifications_on_a_phone(phone_page, api):
    page = phone_page
    do_steps(api, start_case(api, "Aplikasi antrean puskesmas"), 1)
    login(page, "analis")
    menu = page.get_by_role("navigation", name="Menu utama")
    expect(menu.get_by_role("link", name=re.compile(r"^Pemberitahuan 1"))).to_be_visible()
    menu.get_by_role("link", name=re.compile("^Pemberitahuan")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pemberitahuan")
    item = page.get_by_role("link", name=re.compile("^Langkah menunggu Anda: "))
    expect(item).to_have_count(1)
    _fits(page)
    _accessible(page)
    screenshot(page, "notifications-phone")
    item.click()
    expect(page).to_have_url(re.compile(r"/tasks/[0-9a-f-]{36}$"))
    expect(menu.get_by_role("link", name="Pemberitahuan")).to_be_visible()  # no count: it was read
    page.goto("/notifications/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengaturan pemberitahuan")
    _fits(page)
    _accessible(page)
    page.get_by_role("radio", name="Ringkasan harian").check()
    page.get_by_label("Jam ringkasan harian").select_option("9")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status")).to_contain_text("Pengaturan pemberitahuan disimpan.")
    expect(page.get_by_role("radio", name="Ringkasan harian")).to_be_checked()
    expect(page.get_by_label("Jam ringkasan harian")).to_have_value("9")


def test_an_admin_sets_office_defaults_and_registers_a_webhook_on_a_phone(phone_page, api):
    page = phone_page
    login(page, "admin")
    page.goto("/admin/notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Pemberitahuan kantor")
    expect(page.get_by_text("Tidak ada pengiriman yang gagal.")).to_be_visible()
    _fits(page)
    _accessible(page)
    page.get_by_role("radio", name="Mati").first.check()
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status")).to_contain_text("Pengaturan bawaan kantor disimpan.")
    page.goto("/admin/webhooks")
    page.get_by_label("Alamat (URL)").fill("https://e-office.example.go.id/alur")
    page.get_by_role("checkbox", name=re.compile("Melewati batas waktu")).check()
    page.get_by_role("button", name="Tambah").click()
    expect(page.get_by_text("Kunci penandatangan")).to_be_visible()
    expect(page.get_by_role("cell", name="step_ready, overdue, case_completed")).to_be_visible()
    _fits(page)
    _accessible(page)
    screenshot(page, "webhooks-phone")
    page.get_by_role("button", name=re.compile("^Nonaktifkan")).click()
    expect(page.get_by_text("Nonaktif", exact=True)).to_be_visible()
