"""SOP tables in: an office's table (XLSX, DOCX, CSV in the Permenpan-RB layout) becomes a draft
BPMN that deploys and runs; what cannot be read is named by row and column."""
from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from engine.bpmn_loader import load_bpmn
from engine.calendar import WorkingCalendar
from engine.durations import DurationWordsError, describe_duration, parse_duration_words
from engine.errors import Invalid, NotAllowed, TooLarge
from engine.sop_table import read_sop_table
from engine.sop_table_import import draft_from_sop_table
from engine.sop_table_read import read_table_file
from helpers.sop_tables import sop_table_fixture as fixture

ROOT = Path(__file__).parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "sop_tables"
SEED = ROOT / "processes" / "pengembangan_aplikasi_egov.bpmn"
FORMATS = ["xlsx", "docx", "csv"]
LANE_USER = {"Instansi Pemilik": "pemilik", "System Analyst": "analis", "Kasi Sistem": "kasi",
             "Bidang E-Gov, Persandian dan Statistik": "kabid", "Staf": "budi"}
BPMN = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}



def draft(data: bytes, name: str = "table.xlsx"):
    return draft_from_sop_table(data, name, forms_dir=ROOT / "forms", max_bpmn_bytes=5 * 1024 * 1024)


def loaded(xml: bytes | str):
    return load_bpmn(xml.encode() if isinstance(xml, str) else xml, forms_dir=ROOT / "forms",
                     max_bytes=5 * 1024 * 1024)


def csv_table(*rows: list[str], header=("No", "Uraian Prosedur", "Kasubag", "Sekretaris", "Kelengkapan",
                                        "Waktu", "Output", "Keterangan")) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Nama SOP", "Pelayanan Surat Masuk"])
    writer.writerow(list(header))
    writer.writerows(rows)
    return out.getvalue().encode()


# ---- durations in words --------------------------------------------------------------------

@pytest.mark.parametrize("words, iso", [
    ("3 hari", "P3D"), ("3 hari kerja", "P3D"), ("1 Hari", "P1D"), ("120 menit", "PT120M"), ("1 jam", "PT1H"),
    ("2 jam", "PT2H"), ("2,5 jam", "PT150M"), ("1 jam 30 menit", "PT90M"), ("1 minggu", "P5D"),
    ("1 bulan", "P1M"), ("0,5 hari", "PT4H"), ("P3D", "P3D"), ("pt120m", "PT120M"), ("—", None), ("-", None),
    ("", None),
])
def test_durations_are_read_as_offices_write_them(words, iso):
    assert parse_duration_words(words) == iso


@pytest.mark.parametrize("words", ["3", "tiga hari", "1 jam lagi", "2 tahun cahaya", "P9X", "99999 hari"])
def test_what_is_not_a_duration_says_so(words):
    with pytest.raises(DurationWordsError):
        parse_duration_words(words)


def test_durations_are_said_back_in_words():
    assert describe_duration("P3D") == "3 hari kerja"
    assert describe_duration("PT120M") == "120 menit"
    assert describe_duration("P1DT2H", "en") == "1 working day(s) 2 hour(s)"
    assert describe_duration("not one") == "not one"


# ---- the seed SOP's own table --------------------------------------------------------------

def _graph(xml: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Step number by element id, and the flows (source, target, label)."""
    root = etree.fromstring(xml.encode())
    steps = {}
    for task in root.iterfind(".//bpmn:userTask", BPMN):
        for prop in task.iter("{http://spiffworkflow.org/bpmn/schema/1.0/core}property"):
            if prop.get("name") == "sop.step":
                steps[task.get("id")] = prop.get("value")
    flows = [(f.get("sourceRef"), f.get("targetRef"), f.get("name") or "")
             for f in root.iterfind(".//bpmn:sequenceFlow", BPMN)]
    return steps, flows


def _back_to(xml: str, decision_step: str) -> set[str]:
    """The steps the "tidak" flow after ``decision_step`` reaches first (through gateways)."""
    steps, flows = _graph(xml)
    by_number = {v: k for k, v in steps.items()}
    after = [t for s, t, _n in flows if s == by_number[decision_step]]
    reached, frontier = set(), [t for s, t, n in flows if s in after and n == "tidak"]
    while frontier:
        node = frontier.pop()
        if node in steps:
            reached.add(steps[node])
        else:
            frontier.extend(t for s, t, _n in flows if s == node)
    return reached


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_seed_sop_table_imports_as_the_seed_process(fmt):
    result = draft(fixture(fmt), f"sop.{fmt}")
    assert [str(p) for p in result.problems] == []
    ours, seed = loaded(result.xml), loaded(SEED.read_bytes())
    assert ours.name == "Pengembangan Aplikasi E-Government"
    assert sorted(ours.lanes) == sorted(seed.lanes)
    calendar = WorkingCalendar()

    def steps(parsed):
        return {m.step: (m.name, m.lane, calendar.duration_minutes(m.duration), (m.output or "").lower())
                for m in parsed.tasks.values()}

    assert steps(ours) == steps(seed)
    assert sorted(steps(ours)) == list(range(1, 15))
    # both review loops: step 3 back to step 2, step 12 back to step 9
    assert _back_to(result.xml, "3") == {"2"}
    assert _back_to(result.xml, "12") == {"9"}


def test_the_header_fields_become_process_properties():
    for fmt in ("xlsx", "docx"):
        table = read_sop_table(read_table_file(fixture(fmt), f"sop.{fmt}"))
        props = table.properties
        assert props["sop.nomor"] == "800/017/SOP/2026"
        assert props["sop.tanggal_efektif"] == "05-01-2026" and "sop.tanggal_revisi" not in props
        assert props["sop.dasar_hukum"].splitlines()[0] == "1. UU RI No. 23 Tahun 2014 tentang Pemerintah Daerah"
        assert props["sop.kualifikasi"].startswith("a. Pendidikan D-III")
        assert props["sop.keterkaitan"] == "SOP Bidang"
        assert "Alat tulis kantor" in props["sop.peralatan"]
        assert props["sop.peringatan"].startswith("Ketidaksesuaian kebutuhan")
        assert props["sop.pencatatan"] == "Indikator kinerja, target dan realisasi"
        assert "NIP. 19700101 199503 1 001" in props["sop.disahkan_oleh"]
    root = etree.fromstring(draft(fixture("xlsx")).xml.encode())
    process = root.find("bpmn:process", BPMN)
    names = {p.get("name") for p in process.find("bpmn:extensionElements", BPMN).iter(
        "{http://spiffworkflow.org/bpmn/schema/1.0/core}property")}
    assert {"sop.nomor", "sop.dasar_hukum", "sop.peringatan"} <= names


def test_every_element_is_drawn():
    root = etree.fromstring(draft(fixture("xlsx")).xml.encode())
    drawn = {el.get("bpmnElement") for el in root.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape",
                                                      "{http://www.omg.org/spec/BPMN/20100524/DI}BPMNEdge")}
    process = root.find("bpmn:process", BPMN)
    elements = {el.get("id") for el in process if etree.QName(el).localname not in
                ("laneSet", "extensionElements", "documentation")}
    lanes = {el.get("id") for el in process.iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}lane")}
    assert elements | lanes | {"Participant_SOP"} <= drawn


def test_an_imported_sop_deploys_and_runs_end_to_end_with_both_loops(svc, any_db):
    result = svc.draft_from_sop_table(fixture("xlsx"), "sop.xlsx", svc.users.get("admin"))
    definition, created = svc.deploy(result.xml.encode(), "sop.bpmn", svc.users.get("admin"), new_process=True)
    assert created and definition.key == "pengembangan_aplikasi_e_government"
    instance = svc.start(definition.key, svc.users.get("pemilik"), "Aplikasi dari tabel")
    done: list[int] = []
    decided: set[int] = set()
    for _ in range(40):
        ready = [r for r in svc.instance_tasks(instance.id) if r.state == "ready"]
        if not ready:
            break
        row = ready[0]
        user = svc.users.get(LANE_USER[row.lane])
        if svc.task_meta(row).output_required:
            svc.attach(row.id, user, f"langkah-{row.step}.pdf", io.BytesIO(b"%PDF-1.4 isi"))
        data = {}
        if svc.task_form(row) is not None:  # a decision: send back once, then approve
            data = {"disetujui": True} if row.step in decided else {"disetujui": False, "catatan": "Perbaiki"}
            decided.add(row.step)
        svc.complete(row.id, user, data)
        done.append(row.step)
    assert svc.instance(instance.id).status == "completed"
    assert done == [1, 2, 3, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 9, 10, 11, 12, 13, 14]


def test_only_process_owners_import_tables(svc):
    with pytest.raises(NotAllowed):
        svc.draft_from_sop_table(fixture("csv"), "sop.csv", svc.users.get("analis"))


# ---- what cannot be read is named by row and column --------------------------------------------

def test_problems_name_the_row_and_the_column():
    data = csv_table(["1", "Terima surat", "√", "", "Surat", "1 jam", "Agenda surat", ""],
                     ["2", "Disposisi surat", "", "", "Agenda", "sebentar", "Lembar disposisi", ""],
                     ["3", "Periksa kelengkapan?", "", "√", "Lembar disposisi", "30 menit", "", "perlu dicek"],
                     ["4", "Arsipkan", "√", "√", "", "", "", "jika ditolak kembali ke langkah 9"])
    result = draft(data, "surat.csv")
    found = {(p.code, p.line, p.field) for p in result.problems}
    assert ("sop_table.no_actor", 4, "Pelaksana") in found  # spreadsheet row 4 = step 2
    assert ("sop_table.bad_time", 4, "Waktu") in found
    assert ("sop_table.decision_without_target", 5, "Keterangan") in found
    assert ("sop_table.many_actors", 6, "Pelaksana") in found
    assert ("sop_table.bad_target", 6, "Keterangan") in found
    loaded(result.xml)  # still a draft that deploys: the owner fixes the rest in the modeler


def test_a_list_layout_with_one_pelaksana_column_makes_a_lane_per_actor():
    data = csv_table(["1", "Terima surat masuk", "Staf TU", "Surat", "15 menit", "Agenda", ""],
                     ["2", "Beri disposisi", "Sekretaris", "Agenda", "1 hari", "Lembar disposisi", ""],
                     ["3", "Tindak lanjuti", "Staf TU", "Disposisi", "2 hari", "Nota dinas", ""],
                     header=("No", "Uraian Kegiatan", "Pelaksana", "Kelengkapan", "Waktu", "Output", "Keterangan"))
    result = draft(data, "list.csv")
    assert [str(p) for p in result.problems] == []
    parsed = loaded(result.xml)
    assert parsed.lanes == ["Staf TU", "Sekretaris"]
    assert [(m.step, m.lane) for m in sorted(parsed.tasks.values(), key=lambda m: m.step)] == \
        [(1, "Staf TU"), (2, "Sekretaris"), (3, "Staf TU")]


@pytest.mark.parametrize("data, code", [
    (b"just some words\nand more", "sop_table.no_table"),
    (b"%PDF-1.4 a scan", "sop_table.pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "sop_table.legacy_office"),
    (b"PK\x03\x04garbage", "sop_table.damaged"),
    (b"   ", "sop_table.empty"),
    # A JPEG: neither UTF-8 nor Windows-1252 text (0x81 and 0x8f have no meaning there).
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x81\x8f\x90\x9d", "sop_table.not_csv"),
    (b"\x81\x8d\x8f\x90\x9d;a;b", "sop_table.not_csv"),
])
def test_a_file_that_holds_no_sop_table_is_refused_with_a_reason(data, code):
    with pytest.raises(Invalid) as refused:
        draft(data, "x.bin")
    assert [p.code for p in refused.value.problems] == [code]


def test_reading_a_table_without_a_clear_separator_leaves_the_csv_module_as_it_was():
    before = csv.excel.delimiter
    with pytest.raises(Invalid):
        draft(b"satu;dua\ntiga", "x.csv")
    assert csv.excel.delimiter == before


def test_an_archive_that_unpacks_to_too_much_is_refused_before_it_is_read():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/big.xml", b"\0" * (60 * 1024 * 1024))
    with pytest.raises(TooLarge):
        draft(out.getvalue(), "bomb.xlsx")


def test_too_many_rows_are_refused():
    rows = [[str(i), f"Langkah {i}", "√", "", "", "1 jam", "", ""] for i in range(1, 700)]
    with pytest.raises(Invalid) as refused:
        draft(csv_table(*rows), "long.csv")
    assert refused.value.problems[0].code == "sop_table.too_many_rows"


# ---- over HTTP -------------------------------------------------------------------------------

def test_the_api_answers_a_draft_and_its_problems(client, tokens):
    def post(user, data, name):
        return client.post("/api/sop-tables", headers={"Authorization": f"Bearer {tokens[user]}"},
                           data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")

    answer = post("admin", fixture("xlsx"), "sop.xlsx")
    assert answer.status_code == 200, answer.json
    assert answer.json["problems"] == [] and answer.json["bpmn"].startswith("<?xml")
    loaded(answer.json["bpmn"])
    assert post("analis", fixture("xlsx"), "sop.xlsx").status_code == 403
    refused = post("admin", b"no table here", "x.csv")
    assert refused.status_code == 422
    assert refused.json["error"]["details"][0]["code"] == "sop_table.no_table"
    with_problems = post("admin", csv_table(["1", "Terima", "√", "", "", "lama", "", ""]), "t.csv").json
    assert ("sop_table.bad_time", 3, "Waktu") in [(p["code"], p.get("line"), p.get("field"))
                                                  for p in with_problems["problems"]]
