"""Laporan Kinerja: per step target against realisation, as a table and a server-drawn chart."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

from helpers.kpi_clock import MONDAY, complete_at
from helpers.sop_walk import SOP_KEY, form_data


@pytest.fixture
def measured(svc, monkeypatch):
    """Steps 1 and 2 of one case done on MONDAY: step 1 late (4 working days against 3), step 2
    on time (2 hours), by a controlled clock."""
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean puskesmas")
    step1 = svc.instance_tasks(instance.id)[0]
    complete_at(svc, monkeypatch, step1.id, "pemilik", {"nama_aplikasi": "Antrean", "instansi_pemilik": "Dinkes",
                                                         "jenis_pengembangan": "baru"}, MONDAY, 4 * 480)
    step2 = next(t for t in svc.instance_tasks(instance.id) if t.state == "ready")
    complete_at(svc, monkeypatch, step2.id, "analis", form_data(svc.task_form(step2), 2, {}), MONDAY, 120)
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
    from helpers.bpmn_builder import parallel_review_process

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


def test_report_downloads_as_csv_for_a_spreadsheet(client, login, measured):
    import csv

    import flask_babel

    login("kabid")
    page = client.get(f"/reports/kpi?process={SOP_KEY}").get_data(as_text=True)
    assert f'href="/reports/kpi.csv?process={SOP_KEY}"' in page
    response = client.get(f"/reports/kpi.csv?process={SOP_KEY}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert re.fullmatch(rf'attachment; filename="laporan-kinerja-{SOP_KEY}-\d{{4}}-\d{{2}}-\d{{2}}.csv"',
                        response.headers["Content-Disposition"])
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")  # Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))  # Indonesian Excel: ";" and a decimal comma
    assert rows[0] == ["Proses", "Versi", "Langkah", "Nama langkah", "Pelaksana", "Target (menit kerja)",
                       "Jumlah selesai", "Realisasi median (menit kerja)", "Realisasi persentil 90 (menit kerja)",
                       "Tepat waktu (%)", "Dikembalikan"]
    assert len(rows) == 15
    step1, step2, step3, step9 = rows[1], rows[2], rows[3], rows[9]
    assert step1[:5] == ["Pengembangan Aplikasi E-Government", "1", "1",
                         "Identifikasi kebutuhan aplikasi baru / pengembangan aplikasi", "Instansi Pemilik"]
    # medians and percentiles come from the report's histograms: within 1 % above 100 minutes
    assert step1[5:7] == ["1440", "1"] and step1[9:] == ["0,0", ""]
    assert all(abs(float(v.replace(",", ".")) - 1920) <= 0.01 * 1920 + 0.5 for v in step1[7:9])
    assert step2[5:7] == ["480", "1"] and step2[9:] == ["100,0", ""]
    assert all(abs(float(v.replace(",", ".")) - 120) <= 0.01 * 120 + 0.5 for v in step2[7:9])
    assert step3[10] == "0"  # a review step: how often it sent work back
    assert step9[0] and step9[6:] == ["0", "", "", "", ""]  # nothing measured yet: empty cells, not zeros
    assert client.get("/reports/kpi.csv?process=nope").status_code == 404
    # in English, the headers too (the svc fixture's request context caches the language: refresh)
    flask_babel.refresh()
    english = client.get("/reports/kpi.csv?lang=en").data.decode("utf-8")
    assert english.splitlines()[0].lstrip("\ufeff").startswith("Process,Version,Step,Step name,Lane,Target (working minutes),")
    step1 = next(csv.reader(io.StringIO(english.lstrip("\ufeff").splitlines()[1])))
    assert step1[5:7] == ["1440", "1"] and step1[9] == "0.0"
    assert all(abs(float(v) - 1920) <= 0.01 * 1920 + 0.5 for v in step1[7:9])


def test_report_of_a_period_counts_the_completions_of_those_days(client, login, svc, period_days):
    from engine.errors import Invalid

    monday, thursday, last_month = period_days
    login("kabid")
    page = client.get(f"/reports/kpi?since={monday}&until={thursday}").get_data(as_text=True)
    assert "Periode:" in page and f'name="since" value="{monday}"' in page
    assert "2 langkah selesai tercatat." in page  # step 2 on Monday, step 1 on Thursday
    assert f'href="/reports/kpi.csv?since={monday}&amp;until={thursday}"' in page
    assert "1 langkah selesai tercatat." in client.get(f"/reports/kpi?since={thursday}").get_data(as_text=True)
    page = client.get(f"/reports/kpi?until={last_month}").get_data(as_text=True)
    assert "0 langkah selesai tercatat." in page
    # the CSV of a period: named after it, nothing counted in a month without completions
    response = client.get(f"/reports/kpi.csv?since={last_month}&until={last_month}")
    assert f'laporan-kinerja-semua-{last_month}_{last_month}.csv' in response.headers["Content-Disposition"]
    rows = response.data.decode("utf-8").splitlines()[1:]
    assert len(rows) == 14 and {r.split(";")[6] for r in rows} == {"0"}
    # the engine: the same period, and a period that ends before it starts is refused
    assert sum(r["count"] for r in svc.kpi(SOP_KEY, since=monday)) == 2
    assert sum(r["count"] for r in svc.kpi(SOP_KEY, until=monday)) == 1
    with pytest.raises(Invalid):
        svc.kpi(SOP_KEY, since=monday, until=last_month)


def test_the_api_reports_a_period_and_names_a_bad_date(client, tokens, period_days):
    monday, _, last_month = period_days
    auth = {"Authorization": f"Bearer {tokens['kabid']}"}
    rows = client.get(f"/api/reports/kpi?process_key={SOP_KEY}&since={monday}", headers=auth).get_json()
    assert sum(r["count"] for r in rows) == 2
    rows = client.get(f"/api/reports/kpi?process_key={SOP_KEY}&until={last_month}", headers=auth).get_json()
    assert sum(r["count"] for r in rows) == 0
    response = client.get("/api/reports/kpi?since=kemarin", headers=auth)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == [{"field": "since", "message": "use YYYY-MM-DD",
                                                        "code": "date.format"}]


@pytest.fixture
def period_days(svc, measured):
    """(MONDAY, the Thursday step 1 was completed, a day a month before) as office days."""
    monday = MONDAY.astimezone(svc.calendar.tz).date()
    return monday, monday + timedelta(days=3), monday - timedelta(days=31)


@pytest.mark.parametrize("lang, median, p90, no_data", [
    ("en", "Actual (median)", "90th percentile", "no data yet"),
    ("id", "Realisasi (median)", "Persentil 90", "belum ada data")])
def test_the_rows_labels_and_the_charts_words_follow_the_language(client, login, measured, lang, median, p90,
                                                                 no_data):
    """The table's phone labels (``data-label``) and the chart's words, said once per table in
    the page's language, stand on every row. (One language a test: the ``measured`` fixture's
    app context outlives the requests, and Flask-Babel keeps the first request's locale in it.)"""
    login("budi")
    page = client.get(f"/reports/kpi?lang={lang}").get_data(as_text=True)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)
    step1 = next(r for r in rows if "Identifikasi kebutuhan" in r)
    assert f'data-label="{median}"' in step1 and f'data-label="{p90}"' in step1
    assert page.count(no_data) >= 2  # the chart's steps not measured yet, in its tooltips and labels
    other = "Realisasi (median)" if lang == "en" else "Actual (median)"
    assert other not in page
