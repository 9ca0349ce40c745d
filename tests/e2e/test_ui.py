"""The rest of what a user meets: two languages, form errors, a phone's width, the keyboard."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e_helpers import case, do_steps, login, pdf, ready_step, screenshot, start_case


def test_language_switch_between_indonesian_and_english(page):
    login(page, "pemilik")
    header = page.locator("header.site-header")
    menu = page.get_by_role("navigation", name="Menu utama")
    expect(menu.get_by_role("link", name="Kotak Masuk")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "id")

    header.get_by_role("link", name="EN", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    menu = page.get_by_role("navigation", name="Main menu")
    menu.get_by_role("link", name="Inbox", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")  # the choice stays on the next page
    expect(page.get_by_role("link", name=re.compile("^My tasks"))).to_be_visible()
    expect(header.get_by_role("button", name="Log out")).to_be_visible()

    header.get_by_role("link", name="ID", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kotak Masuk")
    expect(page).to_have_url(re.compile(r"/inbox\?(.*&)?lang=id"))  # the same page, in the other language
    expect(header.get_by_role("button", name="Keluar")).to_be_visible()


def test_step_form_errors_are_shown_next_to_the_fields_and_input_is_kept(page, api):
    instance_id = start_case(api, "Aplikasi kepegawaian")
    task = ready_step(api, instance_id)
    login(page, "pemilik")
    page.goto(f"/tasks/{task['id']}")
    page.get_by_label("Instansi pemilik").fill("Badan Kepegawaian Daerah")
    page.get_by_label("Jenis pengembangan").select_option(label="Pengembangan aplikasi yang sudah ada")
    page.get_by_label("Latar belakang dan tujuan").fill("Data pegawai tersebar di banyak berkas.")
    page.get_by_role("button", name="Selesaikan").click()  # no name, no document

    summary = page.get_by_role("alert").filter(has_text="belum dapat diselesaikan")
    expect(summary).to_be_visible()
    # the refused page opens at the summary (the form's action ends with #form-problems), focused
    assert page.url.endswith("#form-problems")
    expect(summary).to_be_in_viewport()
    expect(summary).to_be_focused()
    name = page.get_by_label("Nama aplikasi")
    expect(name).to_have_attribute("aria-invalid", "true")
    name_field = page.locator(".field", has=name)
    expect(name_field.locator(".field-error")).to_be_visible()
    expect(name_field.locator(".field-error")).not_to_be_empty()
    expect(summary.get_by_role("link", name=re.compile("^Nama aplikasi"))).to_be_visible()
    expect(page.locator(".field", has=page.get_by_label("Instansi pemilik")).locator(".field-error")).to_have_count(0)
    expect(page.locator("#dokumen-keluaran .field-error")).to_be_visible()  # the missing deliverable, by the upload
    # what the user typed is still there
    expect(page.get_by_label("Instansi pemilik")).to_have_value("Badan Kepegawaian Daerah")
    expect(page.get_by_label("Jenis pengembangan")).to_have_value("pengembangan")
    expect(page.get_by_label("Latar belakang dan tujuan")).to_have_value("Data pegawai tersebar di banyak berkas.")
    screenshot(page, "task-errors")

    summary.get_by_role("link", name=re.compile("^Nama aplikasi")).click()
    expect(name).to_be_focused()
    name.fill("SIMPEG")
    page.get_by_label("Pilih berkas untuk diunggah").set_input_files(pdf("identifikasi.pdf"))
    page.get_by_role("button", name="Unggah", exact=True).click()
    expect(page.locator("#own-files").get_by_role("link", name="identifikasi.pdf")).to_be_visible()
    expect(page.get_by_label("Instansi pemilik")).to_have_value("Badan Kepegawaian Daerah")  # upload kept the form
    # the new row is complete without a reload: size, uploader, time, and its "Hapus" button
    new_row = page.locator("#own-files li").filter(has_text="identifikasi.pdf")
    expect(new_row).to_contain_text(re.compile(r"\d+ B · Rina Pemilik \(Dinas Kesehatan\) · \d{1,2} \w+ \d{4}, \d{2}\.\d{2} WIB"))
    expect(new_row.get_by_role("button", name="Hapus identifikasi.pdf")).to_be_visible()
    expect(page.locator("form[data-upload] progress")).to_be_hidden()
    expect(page.locator("#attachments-error")).to_have_count(0)  # the deliverable is there now
    page.get_by_role("button", name="Selesaikan").click()
    expect(page.get_by_role("status").filter(has_text="selesai")).to_contain_text("Langkah 1")
    step1 = [t for t in case(api, instance_id)["tasks"] if t["step"] == 1][0]
    assert step1["state"] == "completed"
    assert step1["data"] == {"nama_aplikasi": "SIMPEG", "instansi_pemilik": "Badan Kepegawaian Daerah",
                             "jenis_pengembangan": "pengembangan",
                             "latar_belakang": "Data pegawai tersebar di banyak berkas."}


def test_a_refused_form_opens_at_its_summary_without_javascript(browser, live_server, api):
    task = ready_step(api, start_case(api, "Aplikasi tanpa skrip"))
    context = browser.new_context(base_url=live_server.base, java_script_enabled=False, locale="id-ID",
                                  timezone_id="Asia/Jakarta", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        login(page, "pemilik")
        page.goto(f"/tasks/{task['id']}")
        page.get_by_role("button", name="Selesaikan").click()
        summary = page.get_by_role("alert").filter(has_text="belum dapat diselesaikan")
        expect(summary).to_be_in_viewport()  # the form's action ends with #form-problems
        assert page.evaluate("window.scrollY") > 300
    finally:
        context.close()


def _overflow(page) -> dict:
    return page.evaluate("({body: document.body.scrollWidth, doc: document.documentElement.scrollWidth,"
                         " inner: window.innerWidth})")


def test_inbox_fits_a_phone_screen(phone_page, api):
    page = phone_page
    for title in ("Aplikasi antrean puskesmas dengan nama yang cukup panjang untuk layar ponsel",
                  "Portal data desa", "Aplikasi arsip surat"):
        do_steps(api, start_case(api, title), 1)
    login(page, "analis")
    page.goto("/inbox?tab=lanes")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kotak Masuk")
    expect(page.get_by_role("button", name=re.compile("^Ambil tugas"))).to_have_count(3)
    size = _overflow(page)
    assert size["body"] <= size["inner"] + 1, size
    assert size["doc"] <= size["inner"] + 1, size
    # every tab in sight, none cut: they stack on a phone
    tabs = page.get_by_role("navigation", name="Tab Kotak Masuk").get_by_role("link")
    expect(tabs).to_have_count(3)
    for i in range(3):
        expect(tabs.nth(i)).to_be_in_viewport(ratio=1)
    screenshot(page, "inbox-phone")


def test_no_page_is_wider_than_a_phone(phone_page, api):
    """Plain tables scroll inside their frame (or stack); the page itself never gets wider."""
    page = phone_page
    instance_id = start_case(api, "Aplikasi antrean puskesmas")
    do_steps(api, instance_id, 1, 2)
    login(page, "admin")
    for path in ("/", "/inbox", "/processes/", "/processes/pengembangan_aplikasi_egov", "/instances/",
                 f"/instances/{instance_id}", "/admin/users", "/admin/holidays", "/reports/kpi",
                 f"/tasks/{ready_step(api, instance_id)['id']}"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        size = _overflow(page)
        assert size["doc"] <= size["inner"] + 1, (path, size)
        assert size["body"] <= size["inner"] + 1, (path, size)
    page.goto(f"/instances/{instance_id}")
    screenshot(page, "instance-phone")


def test_login_with_the_keyboard_only(page):
    page.goto("/login")
    screenshot(page, "login")
    username = page.get_by_label("Nama pengguna")
    expect(username).to_be_focused()  # autofocus: no mouse needed to start
    page.keyboard.type("analis")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Kata sandi")).to_be_focused()
    page.keyboard.type("demo12345")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Ingat saya di perangkat ini")).to_be_focused()
    page.keyboard.press("Space")
    expect(page.get_by_label("Ingat saya di perangkat ini")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Masuk")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Selamat datang, Dewi Analis")

    page.keyboard.press("Tab")  # the first stop on every page skips the header
    skip = page.get_by_role("link", name="Langsung ke isi")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
