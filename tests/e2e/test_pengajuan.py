"""Pengajuan saya, search, the discussion thread, withdrawal and acting officials (Plt/Plh) in a
real browser at a phone's width (390 px), each page checked with axe-core."""
from __future__ import annotations

from playwright.sync_api import expect

from e2e_helpers import assert_accessible, case, do_steps, login, logout, ready_step, start_case


def menu(page):
    return page.get_by_role("navigation", name="Menu utama")


def test_pengajuan_saya_search_thread_and_withdrawal_on_a_phone(phone_page, api):
    page = phone_page
    first = start_case(api, "Aplikasi perizinan online")
    second = start_case(api, "Aplikasi arsip digital")
    first_no, second_no = case(api, first)["number"], case(api, second)["number"]
    login(page, "pemilik")
    menu(page).get_by_role("link", name="Pengajuan saya").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengajuan")
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(second_no)
    expect(rows.first).to_contain_text("Identifikasi kebutuhan")   # where it stands
    assert_accessible(page)

    page.get_by_label("Cari nomor, judul atau isian").fill(first_no)
    page.get_by_role("button", name="Cari", exact=True).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(first_no)
    assert_accessible(page)

    rows.first.get_by_role("link", name="Aplikasi perizinan online").click()
    expect(page.locator(".case-number")).to_have_text(first_no)
    page.get_by_label("Tulis komentar").fill("Mohon @analis periksa lampirannya.")
    page.get_by_role("button", name="Kirim komentar").click()
    expect(page.locator("#diskusi .mention")).to_have_text("@analis")
    expect(page.locator("#diskusi .comment-body")).to_contain_text("periksa lampirannya")
    assert_accessible(page)

    page.goto(f"/instances/{second}")
    page.get_by_label("Alasan penarikan (wajib)").fill("Diajukan dua kali")
    page.get_by_role("button", name="Tarik kembali", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="ditarik kembali")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ditarik kembali")
    expect(page.locator(".timeline")).to_contain_text("Diajukan dua kali")
    assert_accessible(page)


def test_an_acting_official_does_the_kabid_s_step_on_a_phone(phone_page, api):
    page = phone_page
    instance_id = start_case(api, "Aplikasi layanan pajak")
    do_steps(api, instance_id, 1, 2)
    step3 = ready_step(api, instance_id)
    login(page, "kabid")
    page.goto("/account")
    page.get_by_role("link", name="tunjuk siapa yang mewakili Anda").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Plt/Plh")
    assert_accessible(page)
    page.get_by_label("Diwakili oleh").select_option("kasi")
    page.get_by_label("Plh (Pelaksana Harian)").check()
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status").filter(has_text="mewakili")).to_be_visible()
    expect(page.locator("table tbody tr").first).to_contain_text("Berlaku")
    assert_accessible(page)
    logout(page)

    login(page, "kasi")
    page.goto("/inbox?tab=lanes")
    page.get_by_role("link", name=step3["name"]).click()
    expect(page.locator(".acting-note")).to_contain_text("atas nama")
    assert_accessible(page)
    page.get_by_role("button", name="Ambil tugas").click()
    expect(page.get_by_role("status").filter(has_text="Anda mengambil tugas")).to_be_visible()
    events = case(api, instance_id)["events"]
    assert events[-1]["kind"] == "claim" and events[-1]["actor"] == "kasi"
    assert events[-1]["details"]["on_behalf_of"] == "kabid"
