"""The fuller Laporan Kinerja: figures against cases completed with a controlled clock, on SQLite and
PostgreSQL; the running tallies agree with a recount; filters; per case; XLSX and guarded CSV."""
from __future__ import annotations

import csv
import io

import pytest

from helpers.bpmn_builder import Flow, Node, build_bpmn
from engine import kpi_tally
from engine.models import KpiHistogram
from helpers.kpi_clock import MONDAY, walk_at
from helpers.sop_walk import SOP_KEY

#: Working minutes per step and round for the three measured cases (step 14 has no standard time).
DURATIONS = [
    {1: 60, 2: 480, 3: 120, 9: 100, 12: 60},
    {1: 120, 2: 240, 3: 60, 9: 200, 12: 120},
    {1: 1920, 2: 960, 3: 240, 9: 300, 12: 180},
]


@pytest.fixture
def three_cases(svc, monkeypatch):
    ids = []
    for i, durations in enumerate(DURATIONS):
        ids.append(walk_at(svc, monkeypatch, f"Kasus {i + 1}", lambda step, rnd, d=durations: d.get(step, 30) * rnd))
    return ids


def by_step(rows):
    return {r["step"]: r for r in rows}


def near(got, exact) -> bool:
    """Within the histograms' stated accuracy (engine/kpi_tally.py): 1 %, and half a minute of rounding."""
    return abs(got - exact) <= 0.01 * exact + 0.5


def test_figures_per_step_from_controlled_clocks(svc, any_db, three_cases):
    rows = by_step(svc.kpi(SOP_KEY))
    step1 = rows[1]
    assert step1["count"] == 3 and step1["target_minutes"] == 1440
    assert near(step1["median_minutes"], 120) and near(step1["p90_minutes"], 1920)
    assert step1["on_time_ratio"] == round(2 / 3, 4)  # 1,920 > 1,440: one late
    # step 2 ran twice per case (one send-back): 6 completions, the second rounds took twice as long
    step2 = rows[2]
    assert step2["count"] == 6
    assert near(step2["median_minutes"], (480 + 960) / 2)  # 240, 480, 480, 960, 960, 1920
    assert near(step2["p90_minutes"], 1920) and step2["on_time_ratio"] == round(3 / 6, 4)
    # review steps count their send-backs; other steps have none to count
    assert rows[3]["sent_back"] == 3 and rows[3]["count"] == 6
    assert rows[12]["sent_back"] == 3 and rows[4]["sent_back"] is None and rows[1]["sent_back"] is None
    # a step without a standard time: counted, but no on-time ratio (not 100 %)
    assert rows[14]["target_minutes"] is None and rows[14]["count"] == 3 and rows[14]["on_time_ratio"] is None
    # the histograms kept at each completion are what a recount from the task rows gives
    kept = sorted((t.definition_id, t.kind, t.period, t.bpmn_id, t.completions, t.on_time, t.sent_back,
                   sorted(t.counts.items())) for t in svc.session.query(KpiHistogram))
    assert svc.rebuild_kpi() == sum(3 * (2 if s in (2, 3, 9, 10, 11, 12) else 1) for s in range(1, 15))
    svc.session.expire_all()
    assert sorted((t.definition_id, t.kind, t.period, t.bpmn_id, t.completions, t.on_time, t.sent_back,
                   sorted(t.counts.items())) for t in svc.session.query(KpiHistogram)) == kept
    assert by_step(svc.kpi(SOP_KEY)) == rows


def test_per_case_working_time_against_the_sum_of_targets(svc, any_db, three_cases):
    cases = svc.kpi_cases(SOP_KEY)
    assert sorted(c["instance_id"] for c in cases) == three_cases
    assert [c["ended_at"] for c in cases] == sorted((c["ended_at"] for c in cases), reverse=True)  # newest first
    first = next(c for c in cases if c["instance_id"] == three_cases[0])
    walked = sum(DURATIONS[0].get(s, 30) * (2 if s in (2, 3, 9, 10, 11, 12) else 1)
                 + (DURATIONS[0].get(s, 30) if s in (2, 3, 9, 10, 11, 12) else 0) for s in range(1, 15))
    assert first["actual_minutes"] == walked and first["steps"] == 20
    targets = {s: svc.calendar.duration_minutes(m.duration) or 0
               for m in svc.compiled(svc.latest_definition(SOP_KEY)).tasks.values() for s in [m.step]}
    assert first["target_minutes"] == sum(targets[s] * (2 if s in (2, 3, 9, 10, 11, 12) else 1) for s in targets)
    assert svc.kpi_cases(SOP_KEY, limit=1, offset=1)[0]["instance_id"] == cases[1]["instance_id"]


def test_filters_period_version_and_lane(svc, three_cases):
    from datetime import timedelta

    monday = MONDAY.astimezone(svc.calendar.tz).date()
    assert sum(r["count"] for r in svc.kpi(SOP_KEY, until=monday - timedelta(days=1))) == 0
    lane = svc.kpi(SOP_KEY, lane="Kasi Sistem")
    assert [r["step"] for r in lane] == [11] and lane[0]["count"] == 6
    assert sum(r["count"] for r in svc.kpi(SOP_KEY, version=1)) == 60
    assert svc.kpi(SOP_KEY, version=9) == []


def test_xlsx_reads_back_with_number_formats(client, login, three_cases):
    from openpyxl import load_workbook

    login("kabid")
    response = client.get(f"/reports/kpi.xlsx?process={SOP_KEY}")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    steps, cases = book.worksheets
    header = [c.value for c in steps[1]]
    assert header[:4] == ["Proses", "Versi", "Langkah", "Nama langkah"]
    step1 = [c for c in steps[2]]
    assert step1[2].value == 1 and step1[5].value == 1440 and near(step1[7].value, 120) and near(step1[8].value, 1920)
    assert step1[9].value == pytest.approx(0.6667) and step1[9].number_format == "0.0%"
    assert step1[5].number_format == "#,##0"
    assert [c.value for c in cases[1]][2] == "Nomor kasus" and cases.max_row == 4


@pytest.fixture
def injected(svc):
    """A process whose name and step name a spreadsheet would run as formulas."""
    svc.users.create("loket", "demo12345", ["Loket"])
    nodes = [Node("Mulai_1", "startEvent", "", "Loket"),
             Node("Task_1", "userTask", "@SUM(1+1)", "Loket", {"sop.step": 1, "sop.duration": "PT60M"}),
             Node("Selesai_1", "endEvent", "", "Loket")]
    flows = [Flow("F1", "Mulai_1", "Task_1"), Flow("F2", "Task_1", "Selesai_1")]
    svc.deploy(build_bpmn("jahat", nodes, flows, name='=HYPERLINK("http://evil.example","klik")'), "jahat.bpmn",
               svc.users.get("admin"))
    svc.session.commit()


def test_formula_looking_names_are_exported_as_text(client, login, injected):
    from openpyxl import load_workbook

    login("admin")
    text = client.get("/reports/kpi.csv?process=jahat").data.decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\",\"klik\")" and rows[1][3] == "'@SUM(1+1)"
    book = load_workbook(io.BytesIO(client.get("/reports/kpi.xlsx?process=jahat").data))
    cell = book.worksheets[0]["A2"]
    assert cell.value == '=HYPERLINK("http://evil.example","klik")' and cell.data_type == "s"
    assert book.worksheets[0]["D2"].data_type == "s"


def test_english_csv_uses_commas_and_decimal_points(client, login, three_cases):
    import flask_babel

    login("kabid")
    text = client.get(f"/reports/kpi.csv?process={SOP_KEY}&lang=en").data.decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Process" and rows[1][9] == "66.7"
    flask_babel.refresh()  # the svc fixture's request context caches the language
    text = client.get(f"/reports/kpi.csv?process={SOP_KEY}&lang=id").data.decode("utf-8").lstrip("\ufeff")
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[1][9] == "66,7"


def test_page_shows_percentile_send_backs_cases_and_the_realisation_map(client, login, three_cases):
    login("kabid")
    page = client.get(f"/reports/kpi?process={SOP_KEY}").get_data(as_text=True)
    assert "Persentil 90" in page and "Dikembalikan" in page and "Per kasus" in page
    assert "Kasus 1" in page and "Kasus 3" in page
    svg = page[page.index('class="diagram realisation-map"'):]
    assert 'data-element-id="Step01"' in svg and "state-kpi-ok" in svg  # step 1: median 120 within 3 days
    assert "state-kpi-none" in svg  # step 14 has no standard time
    assert 'name="version"' in page and 'name="lane"' in page


