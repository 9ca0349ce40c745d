"""A case of the SOP in a real browser: the owner starts it and does step 1, the system analyst
does step 2, the reviewer asks for changes at step 3, and an admin inspects the case."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e_helpers import assert_accessible, case, do_steps, login, logout, pdf, ready_step, screenshot, start_case

SOP_NAME = "Pengembangan Aplikasi E-Government"
STEP1 = "Identifikasi kebutuhan aplikasi baru / pengembangan aplikasi"
STEP2 = "Pembuatan spesifikasi kebutuhan"
STEP3 = "Review spesifikasi kebutuhan antara bidang e-government dan pemilik aplikasi"
UNCLAIMED_TAB = "Pelaksana saya (belum diambil)"


def inbox_row(page, title: str, step_name: str):
    """The inbox row of this case's step (in the table the user sees)."""
    return page.locator("table.tasks tbody tr").filter(has_text=title).filter(
        has=page.get_by_role("link", name=step_name, exact=True))


def open_lanes_tab(page) -> None:
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Kotak Masuk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kotak Masuk")
    page.get_by_role("link", name=re.compile("^" + re.escape(UNCLAIMED_TAB))).click()
    expect(page.get_by_role("link", name=re.compile("^" + re.escape(UNCLAIMED_TAB)))).to_have_attribute(
        "aria-current", "page")


def case_of_task(api, url: str) -> dict:
    task_id = re.search(r"/tasks/([0-9a-f-]+)", url).group(1)
    status, task = api.request("GET", f"/api/tasks/{task_id}", "admin")
    assert status == 200, task
    return case(api, task["instance_id"])


def upload(page, filename: str) -> None:
    """Attach a deliverable on the task page and wait until it is listed."""
    page.get_by_label("Pilih berkas untuk diunggah").set_input_files(pdf(filename))
    page.get_by_role("button", name="Unggah", exact=True).click()
    expect(page.locator("#own-files").get_by_role("link", name=filename)).to_be_visible()
    # the uploader by full name, as the server draws the list (upload.js added this row in place)
    expect(page.locator("#own-files li", has_text=filename).locator(".person")).to_have_attribute(
        "title", re.compile(r"^\w+$"))


def test_owner_starts_a_case_and_completes_step_1(page, api):
    title = "Aplikasi antrean puskesmas"
    login(page, "pemilik")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Proses", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proses (SOP)")
    screenshot(page, "processes")
    page.get_by_role("link", name=SOP_NAME).click()
    expect(page.get_by_role("heading", name="Mulai pengajuan baru")).to_be_visible()
    expect(page.locator("svg.alur-diagram")).to_be_visible()
    screenshot(page, "process")
    page.get_by_label("Judul pengajuan").fill(title)
    page.get_by_role("button", name="Mulai", exact=True).click()
    expect(page.get_by_role("status").filter(has_text=title)).to_contain_text("telah dimulai")
    # step 1 is the starter's own: the start leads straight to it
    expect(page.get_by_role("heading", level=1)).to_contain_text(STEP1)
    instance_id = case_of_task(api, page.url)["id"]
    expect(page.get_by_role("region", name="Petunjuk")).to_contain_text("Dokumen identifikasi kebutuhan")
    standard = page.get_by_role("region", name="Mutu baku")  # the SOP's quality standard for the step
    for term, value in [("Kelengkapan", "Dokumen identifikasi kebutuhan"), ("Waktu baku", "3 hari kerja"),
                        ("Output", "Dokumen identifikasi kebutuhan wajib dilampirkan")]:
        expect(standard.locator("div", has=page.locator("dt", has_text=term)).locator("dd")).to_have_text(value)

    upload(page, "identifikasi-kebutuhan.pdf")
    page.get_by_label("Nama aplikasi").fill("SIMPUS Antrean")
    page.get_by_label("Instansi pemilik").fill("Dinas Kesehatan")
    page.get_by_label("Jenis pengembangan").select_option(label="Aplikasi baru")
    page.get_by_label("Latar belakang dan tujuan").fill("Antrean di puskesmas masih manual.")
    screenshot(page, "task")
    page.get_by_role("button", name="Selesaikan").click()

    page.wait_for_url("**/inbox*")
    expect(page.get_by_role("status").filter(has_text="selesai")).to_contain_text(f"Langkah 1 — {STEP1} selesai")
    expect(inbox_row(page, title, STEP1)).to_have_count(0)
    open_lanes_tab(page)
    expect(inbox_row(page, title, STEP1)).to_have_count(0)
    page.get_by_role("link", name="Selesai oleh saya").click()
    expect(page.locator("table.tasks tbody tr").filter(has_text=title)).to_contain_text(STEP1)

    body = case(api, instance_id)
    assert body["title"] == title and body["started_by"] == "pemilik"
    step1 = [t for t in body["tasks"] if t["step"] == 1][0]
    assert step1["state"] == "completed" and step1["completed_by"] == "pemilik"
    assert step1["data"]["nama_aplikasi"] == "SIMPUS Antrean"
    assert ready_step(api, instance_id)["step"] == 2



def test_analyst_sees_step_2_in_the_inbox_and_completes_it(page, api):
    title = "Aplikasi e-retribusi pasar"
    instance_id = start_case(api, title)
    do_steps(api, instance_id, 1)
    for other in ("Aplikasi arsip surat", "Portal data desa"):  # a realistic inbox: more than one case
        do_steps(api, start_case(api, other), 1)

    login(page, "analis")
    open_lanes_tab(page)
    expect(page.locator("table.tasks tbody tr")).to_have_count(3)
    row = inbox_row(page, title, STEP2)
    expect(row).to_contain_text("System Analyst")
    # waiting since / due time: the short form in the cells, the time zone (Jakarta) in the headers
    expect(row).to_contain_text(re.compile(r"\d{1,2} \w{3} \d{4}, \d{2}\.\d{2}"))
    expect(page.locator("table.tasks thead")).to_contain_text("Batas waktu (WIB)")
    screenshot(page, "inbox")
    row.get_by_role("button", name="Ambil tugas").click()
    expect(page.get_by_role("status").filter(has_text="Anda mengambil tugas")).to_contain_text(STEP2)
    expect(inbox_row(page, title, STEP2)).to_have_count(0)  # no longer unclaimed

    page.get_by_role("link", name=re.compile("^Tugas saya")).click()
    row = inbox_row(page, title, STEP2)
    expect(row).to_contain_text("Dewi Analis")  # claimed by, by full name
    row.get_by_role("link", name=STEP2).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(STEP2)
    earlier = page.get_by_role("region", name="Langkah sebelumnya: jawaban dan dokumen")
    earlier.get_by_text(f"Langkah 1 — {STEP1}").click()  # unfold step 1: its answers and documents
    expect(earlier.get_by_role("link", name="langkah-1.pdf")).to_be_visible()

    upload(page, "spesifikasi-kebutuhan.pdf")
    page.get_by_label("Ringkasan kebutuhan").fill("Pendaftaran pedagang, tagihan retribusi, laporan harian.")
    # the requirement list: one blank row to start; "Tambah baris" asks for another (no script needed)
    page.get_by_label("Uraian kebutuhan").fill("Pendaftaran pedagang pasar")
    page.get_by_label("Prioritas").select_option(label="Tinggi")
    page.get_by_role("button", name="Tambah baris").click()
    expect(page.get_by_label("Uraian kebutuhan")).to_have_count(2)
    expect(page.get_by_label("Uraian kebutuhan").first).to_have_value("Pendaftaran pedagang pasar")
    page.get_by_label("Uraian kebutuhan").nth(1).fill("Tagihan retribusi harian")
    page.get_by_label("Prioritas").nth(1).select_option(label="Sedang")
    page.get_by_role("button", name="Selesaikan").click()
    expect(page.get_by_role("status").filter(has_text="selesai")).to_contain_text(f"Langkah 2 — {STEP2} selesai")
    expect(inbox_row(page, title, STEP2)).to_have_count(0)

    body = case(api, instance_id)
    step2 = [t for t in body["tasks"] if t["step"] == 2][0]
    assert step2["completed_by"] == "analis" and step2["data"]["kebutuhan"] == [
        {"id": "K-01", "deskripsi": "Pendaftaran pedagang pasar", "prioritas": "tinggi"},
        {"id": "K-02", "deskripsi": "Tagihan retribusi harian", "prioritas": "sedang"}]
    assert [a["filename"] for a in step2["attachments"]] == ["spesifikasi-kebutuhan.pdf"]
    assert ready_step(api, instance_id)["step"] == 3


def test_reviewer_sends_step_2_back_and_the_analyst_sees_why_on_a_phone(phone_page, api):
    """At 390 px: the decision is two labelled choices with none chosen; the analyst's step 2 comes
    back with a banner (who, from which step, the note, round 2), its form prefilled, the first
    round's document marked as superseded."""
    page = phone_page
    title = "Aplikasi perizinan online"
    instance_id = start_case(api, title)
    do_steps(api, instance_id, 1, 2)

    login(page, "kabid")
    page.goto("/inbox")
    # nothing taken by kabid yet: the inbox opens on the lane's tab, where the step waits
    expect(page.get_by_role("link", name=re.compile("^" + re.escape(UNCLAIMED_TAB)))).to_have_attribute(
        "aria-current", "page")
    inbox_row(page, title, STEP3).get_by_role("link", name=STEP3).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(STEP3)
    decision = page.get_by_role("group", name=re.compile("^Spesifikasi disetujui"))
    approve, send_back = decision.get_by_label("Setujui spesifikasi"), decision.get_by_label("Kembalikan untuk perbaikan")
    expect(approve).not_to_be_checked()
    expect(send_back).not_to_be_checked()
    assert_accessible(page)
    # no choice made: refused, the error beside the decision
    page.get_by_label("Catatan permintaan modifikasi kebutuhan").fill("Tambahkan modul pembayaran non-tunai.")
    page.get_by_role("button", name="Selesaikan").click()
    expect(decision).to_contain_text("Wajib diisi.")
    assert_accessible(page)
    send_back = page.get_by_role("group", name=re.compile("^Spesifikasi disetujui")).get_by_label(
        "Kembalikan untuk perbaikan")
    send_back.check()
    page.get_by_label("Tanggal review spesifikasi").fill("2026-11-27")
    screenshot(page, "decision-phone")
    page.get_by_role("button", name="Selesaikan").click()
    flash = page.get_by_role("status").filter(has_text="selesai")
    expect(flash).to_contain_text("Langkah 3")
    expect(flash).to_contain_text(f"Berikutnya: Langkah 2 — {STEP2}, oleh pelaksana System Analyst.")
    logout(page)

    login(page, "analis")
    page.goto("/inbox")
    row = inbox_row(page, title, STEP2)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=STEP2).click()
    banner = page.get_by_role("region", name=re.compile("^Dikembalikan untuk diperbaiki"))
    expect(banner).to_contain_text("putaran ke-2")
    expect(banner).to_contain_text("Dikembalikan dari langkah 3 oleh Hendra Kabid E-Gov")
    expect(banner).to_contain_text("Tambahkan modul pembayaran non-tunai.")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
    # the form starts from the first round's answers
    expect(page.get_by_label("Ringkasan kebutuhan")).not_to_have_value("")
    # the first round's document is superseded; step 1's can still be downloaded
    output = page.locator("#dokumen-keluaran")
    expect(output.locator("li.superseded", has_text="langkah-2.pdf")).to_contain_text("diganti")
    earlier = page.get_by_role("region", name="Langkah sebelumnya: jawaban dan dokumen")
    earlier.get_by_text(f"Langkah 1 — {STEP1}").click()
    with page.expect_download() as download:
        earlier.get_by_role("link", name="langkah-1.pdf").click()
    assert download.value.suggested_filename == "langkah-1.pdf"
    assert_accessible(page)  # with a step unfolded
    screenshot(page, "rework-phone")
    page.goto(f"/instances/{instance_id}")  # the analyst takes part in the case: its answers per step
    expect(page.get_by_role("region", name="Jawaban per langkah")).to_contain_text("Dikembalikan ke langkah 2")
    assert_accessible(page)

    body = case(api, instance_id)
    review = [t for t in body["tasks"] if t["step"] == 3][0]
    assert review["completed_by"] == "kabid" and review["data"]["spec_approved"] is False
    assert review["data"]["catatan_modifikasi"] == "Tambahkan modul pembayaran non-tunai."
    step2 = ready_step(api, instance_id)
    assert step2["step"] == 2 and step2["round"] == 2 and step2["returned"]["from_step"] == 3


def test_admin_sees_the_diagram_and_the_timeline(page, api):
    title = "Aplikasi pengaduan masyarakat"
    instance_id = start_case(api, title)
    do_steps(api, instance_id, 1, 2, 3)  # the review asked for changes: step 2 again

    login(page, "admin")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Instans").click()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    assert page.url.endswith(f"/instances/{instance_id}")

    diagram = page.get_by_role("region", name="Diagram proses, dapat digulir").locator("svg.alur-diagram")
    expect(diagram).to_be_visible()  # the case's state; the realisation map below is a diagram too
    active = diagram.locator("g.state-active")
    expect(active).to_have_count(1)
    expect(active).to_have_attribute("data-element-id", "Step02")
    expect(active.locator("title")).to_have_text(f"{STEP2} — Sedang berjalan")
    for done in ("Step01", "Step03"):
        expect(diagram.locator(f'g[data-element-id="{done}"]')).to_have_class(re.compile(r"\bstate-completed\b"))

    timeline = page.get_by_role("region", name="Riwayat")
    completions = timeline.locator("li").filter(has_text="Selesaikan")
    expect(completions).to_have_count(3)
    people = [("pemilik", "Rina Pemilik (Dinas Kesehatan)", STEP1), ("analis", "Dewi Analis", STEP2),
              ("kabid", "Hendra Kabid E-Gov", STEP3)]  # webapp/cli.py DEMO_USERS
    for i, (user, name, step) in enumerate(people):
        expect(completions.nth(i)).to_contain_text(name)  # the full name, the username on hover
        expect(completions.nth(i).locator(f'[title="{user}"]')).to_have_text(name)
        expect(completions.nth(i)).to_contain_text(step)
    expect(timeline.locator("li").first).to_contain_text("Dimulai")
    screenshot(page, "instance")

    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Laporan Kinerja").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Laporan Kinerja")
    expect(page.get_by_role("main")).to_contain_text(STEP1)
    screenshot(page, "report")
