"""Laporan Kinerja: per step target against realisation, as a table and a server-drawn chart."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from sop_walk import SOP_KEY, form_data


@pytest.fixture
def measured(svc):
    """Steps 1 and 2 of one case done: step 1 late (4 working days against 3), step 2 on time (2 hours)."""
    owner, analyst = svc.users.get("pemilik"), svc.users.get("analis")
    instance = svc.start(SOP_KEY, owner, "Aplikasi antrean puskesmas")
    step1 = svc.instance_tasks(instance.id)[0]
    svc.attach(step1.id, owner, "kebutuhan.pdf", io.BytesIO(b"%PDF"))
    svc.complete(step1.id, owner, {"nama_aplikasi": "Antrean", "instansi_pemilik": "Dinkes",
                                    "jenis_pengembangan": "baru"})
    step2 = next(t for t in svc.instance_tasks(instance.id) if t.state == "ready")
    svc.attach(step2.id, analyst, "spesifikasi.pdf", io.BytesIO(b"%PDF"))
    svc.complete(step2.id, analyst, form_data(svc.task_form(step2), 2, {}))
    step1 = svc.task(step1.id)
    step1.actual_minutes, step1.completed_at = 4 * 480, step1.due_at + timedelta(days=1)
    step2 = svc.task(step2.id)
    step2.actual_minutes = 120
    svc.session.commit()
    return instance


def test_anonymous_is_sent_to_login(client):
    response = client.get("/reports/kpi")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_user_reads_target_against_realisation(client, login, measured):
    login("budi")  # staff, not admin: the report is for everyone logged in
    response = client.get("/reports/kpi")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Laporan Kinerja" in page and "Persentase tepat waktu" in page
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)
    step1 = next(r for r in rows if "Identifikasi kebutuhan" in r)
    step2 = next(r for r in rows if "Pembuatan spesifikasi kebutuhan" in r)
    step9 = next(r for r in rows if "Pembuatan prototype system" in r)
    assert "3 hari kerja" in step1 and "4 hari kerja" in step1 and "0%" in step1 and "Melewati target" in step1
    assert "1 hari kerja" in step2 and "120 menit" in step2 and "100%" in step2 and "Melewati" not in step2
    assert "90 hari kerja" in step9 and "—" in step9  # nothing measured yet
    # the chart is inline SVG drawn on the server: one group per step, the late one in red
    chart = re.search(r'<svg[^>]*class="kpi-chart".*?</svg>', page, re.S).group(0)
    assert chart.count("<g>") == 14 and "#c62828" in chart and "Identifikasi kebutuhan" in chart


def test_filter_by_process_and_unknown_process(client, login, svc, measured):
    from bpmn_builder import parallel_review_process

    svc.deploy(parallel_review_process(), "izin.bpmn", svc.users.get("admin"))
    login("kabid")
    both = client.get("/reports/kpi").get_data(as_text=True)
    assert "Izin Keramaian" in both and "Pengembangan Aplikasi E-Government" in both
    one = client.get("/reports/kpi?process=izin_keramaian").get_data(as_text=True)
    assert "Cek lingkungan" in one and "Identifikasi kebutuhan" not in one
    assert client.get("/reports/kpi?process=tidak_ada").status_code == 404


def test_report_prints_without_the_filter(client, login, measured):
    login("admin")
    page = client.get("/reports/kpi").get_data(as_text=True)
    assert 'class="filters no-print"' in page
    css = client.get("/static/admin.css").get_data(as_text=True)
    assert "@media print" in css and ".no-print" in css


def test_report_in_english_and_its_chart_fits_the_card(client, login, measured):
    login("admin")
    page = client.get("/reports/kpi?lang=en").get_data(as_text=True)
    assert "Actual (median)" in page and "Over target" in page and "Realisation" not in page
    # the chart scales to its card (viewBox), about as wide as the page's content
    chart = re.search(r'<svg[^>]*class="kpi-chart"[^>]*>', page).group(0)
    assert re.search(r'viewBox="0 0 (\d+) ', chart) and int(re.search(r'viewBox="0 0 (\d+) ', chart)[1]) >= 1000
    assert ".diagram-scroll svg { display: block; width: 100%" in client.get("/static/admin.css").get_data(as_text=True)
