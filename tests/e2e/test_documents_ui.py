"""The SOP sheet and the fuller Laporan Kinerja in a real browser, at desktop and phone width."""
from __future__ import annotations

from playwright.sync_api import expect

from e2e_helpers import assert_accessible, do_steps, login, screenshot, start_case
from helpers.sop_walk import SOP_KEY


def _overflow(page) -> dict:
    return page.evaluate("({body: document.body.scrollWidth, doc: document.documentElement.scrollWidth,"
                         " inner: window.innerWidth})")


def test_sop_sheet_page_and_its_pdf_link(page):
    login(page, "kabid")
    page.goto(f"/processes/{SOP_KEY}")
    page.get_by_role("link", name="Lembar SOP").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lembar SOP")
    sheet = page.locator(".sop-procedure tbody tr")
    expect(sheet).to_have_count(14)
    expect(sheet.nth(2).locator("svg.sop-flow polygon").first).to_be_visible()  # step 3 is a decision
    # the arrows of consecutive rows meet: each row's flowchart fills its row exactly
    heights = page.evaluate("""[...document.querySelectorAll('.sop-procedure tbody tr')].map(
        tr => [tr.getBoundingClientRect().height, tr.querySelector('svg.sop-flow').getBoundingClientRect().height])""")
    assert all(abs(row - svg) <= 2.5 for row, svg in heights), heights
    link = page.get_by_role("link", name="Unduh PDF")
    assert link.get_attribute("href").startswith(f"/api/processes/{SOP_KEY}/sop-sheet.pdf")
    # WeasyPrint draws the sheet in the request: a loaded CI machine needs more than the default 15 s
    response = page.request.get(link.get_attribute("href"), timeout=90_000)
    assert response.status == 200 and response.body().startswith(b"%PDF")
    assert_accessible(page)
    screenshot(page, "sop-sheet")


def test_sop_sheet_and_report_fit_a_phone(phone_page, api):
    page = phone_page
    do_steps(api, start_case(api, "Portal data desa"), 1, 2)
    login(page, "admin")
    for path in (f"/processes/{SOP_KEY}/sop-sheet", f"/processes/{SOP_KEY}/sop-fields",
                 f"/reports/kpi?process={SOP_KEY}"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        size = _overflow(page)
        assert size["doc"] <= size["inner"] + 1 and size["body"] <= size["inner"] + 1, (path, size)
        assert_accessible(page)
    page.goto(f"/reports/kpi?process={SOP_KEY}")
    page.get_by_label("Pelaksana").select_option("System Analyst")
    page.get_by_role("button", name="Saring").click()
    expect(page.locator("table.kpi tbody tr")).to_have_count(3)  # steps 2, 7 and 8
    expect(page.get_by_role("link", name="Unduh sebagai XLSX")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "report-phone")


def test_a_letters_pdf_is_offered_on_a_phone_and_drawn_by_its_first_download(phone_page, api):
    """Step 4's Surat Perintah Tugas: the worker renders the DOCX; the case page lists the PDF
    beside it ("drawn on download"), and its download draws it; after that the page gives its size."""
    page = phone_page
    instance_id = start_case(api, "Aplikasi surat tugas")
    do_steps(api, instance_id, 1, 2, 3, 2, 3, 4)
    login(page, "kabid")
    page.goto(f"/instances/{instance_id}")
    pdf_link = page.locator("a[download]", has_text=".pdf").filter(has_text="spt_system_programmer")
    for _ in range(30):  # the worker renders the letter a moment after the step
        if pdf_link.count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(pdf_link.first).to_be_visible()
    row = page.locator("table.files-table tr", has=pdf_link.first)
    expect(row).to_contain_text("PDF dibuat saat diunduh")
    size = _overflow(page)
    assert size["doc"] <= size["inner"] + 1 and size["body"] <= size["inner"] + 1, size
    assert_accessible(page)
    # WeasyPrint draws it in this request: a loaded CI machine needs more than the default 15 s
    with page.expect_download(timeout=90_000) as caught:
        pdf_link.first.click()
    path = caught.value.path()
    with open(path, "rb") as drawn:
        assert drawn.read(5) == b"%PDF-"
    page.reload()
    row = page.locator("table.files-table tr", has=page.locator("a[download]", has_text=".pdf")
                       .filter(has_text="spt_system_programmer").first)
    expect(row).not_to_contain_text("PDF dibuat saat diunduh")
    expect(row).to_contain_text("KB")
    screenshot(page, "letter-pdf-phone")
    # in English too: the letter of a second case, whose PDF is still to be drawn
    second = start_case(api, "Aplikasi surat tugas kedua")
    do_steps(api, second, 1, 2, 3, 2, 3, 4)
    page.get_by_role("group", name="Bahasa").get_by_role("link", name="EN", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"/instances/{second}")
    pending = page.locator("table.files-table tr", has_text="PDF drawn on download")
    for _ in range(30):
        if pending.count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    expect(pending.first).to_be_visible()
    size = _overflow(page)
    assert size["doc"] <= size["inner"] + 1 and size["body"] <= size["inner"] + 1, size
    assert_accessible(page)
