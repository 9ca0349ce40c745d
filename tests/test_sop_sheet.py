"""Lembar SOP: the sheet of the SOP's BPMN (HTML structure and the PDF's text), a changed diagram
changes the sheet, and the header fields are edited on the process page as a new version."""
from __future__ import annotations

import re
import subprocess

import pytest

from helpers.bpmn_builder import Flow, Node, build_bpmn
from helpers.sop_walk import SOP_KEY

LANES = ["Instansi Pemilik", "System Analyst", "Bidang E-Gov, Persandian dan Statistik", "Kasi Sistem", "Staf"]
#: step → (lane, waktu, output starts with) as SOP.md lists them
EXPECTED = {1: ("Instansi Pemilik", "3 hari", "Dokumen identifikasi kebutuhan"),
            2: ("System Analyst", "1 hari", "Dokumen spesifikasi kebutuhan"),
            3: ("Bidang E-Gov, Persandian dan Statistik", "120 menit", "Dokumen permintaan modifikasi"),
            4: ("Bidang E-Gov, Persandian dan Statistik", "60 menit", "Surat perintah tugas"),
            5: ("Staf", "3 hari", "Dokumen rencana implementasi"),
            9: ("Staf", "90 hari", "Prototype system"),
            11: ("Kasi Sistem", "90 menit", "Rencana jadwal review"),
            14: ("Staf", "—", "Aplikasi jadi")}


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def rows_of(page: str) -> list[str]:
    body = page[page.index('<table class="sop-procedure">'):]
    return re.findall(r'<tr style="height: [\d.]+mm" data-step="(\d+)" data-lane="(\d*)">(.*?)</tr>', body, re.S)


def test_sheet_of_the_sop_lists_its_steps_in_their_lanes(client, login):
    login("budi")
    response = client.get(f"/processes/{SOP_KEY}/sop-sheet")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    # identity block and the header fields from the BPMN's sop.* properties
    for text in ("Nomor SOP", "800/017/SOP/2026", "Tanggal Pembuatan", "5 Januari 2026", "Tanggal Efektif",
                 "1 Desember 2026", "Disahkan oleh", "Kepala Dinas Komunikasi dan Informatika", "Nama SOP",
                 "Pengembangan Aplikasi E-Government", "LOGO"):
        assert text in page, text
    for block in ("Dasar Hukum", "Kualifikasi Pelaksana", "Keterkaitan", "Peralatan/Perlengkapan", "Peringatan",
                  "Pencatatan dan Pendataan"):
        assert f"<h2>{block}:</h2>" in page
    assert page.count("<li>UU RI No.") == 3 and "PP No. 71 Tahun 2019" in page
    # the table: No, Uraian Prosedur, one column per lane, Mutu Baku, Keterangan
    head = page[page.index("<thead>", page.index("sop-procedure")):page.index("</thead>", page.index("sop-procedure"))]
    assert [re.sub(r"\s+", " ", h) for h in re.findall(r'<th scope="col" class="lane">(.*?)</th>', head)] == \
        [lane.replace(",", ",") for lane in LANES]
    for label in ("No", "Uraian Prosedur", "Pelaksana", "Mutu Baku", "Kelengkapan", "Waktu", "Output", "Keterangan"):
        assert f">{label}</th>" in head
    rows = rows_of(page)
    assert [int(n) for n, _, _ in rows] == list(range(1, 15))
    for number, column, cells in rows:
        if int(number) in EXPECTED:
            lane, waktu, output = EXPECTED[int(number)]
            assert LANES[int(column)] == lane
            assert f'<td class="waktu">{waktu}</td>' in cells
            assert re.search(rf'<td class="output">{re.escape(output)}', cells, re.I), (number, cells)
    # flowchart symbols: Mulai on step 1, a diamond for the reviews, Selesai on step 14; decisions explained
    by_no = {int(n): cells for n, _, cells in rows}
    assert ">Mulai<" in by_no[1] and "<polygon" in by_no[3] and "<polygon" in by_no[12] and ">Selesai<" in by_no[14]
    assert "Tidak: kembali ke langkah 2" in by_no[3] and "Tidak: kembali ke langkah 9" in by_no[12]
    assert "<polyline" in by_no[2]  # an arrow in from step 1, across columns


def test_pdf_of_a_version_holds_the_sheet(client, login, tmp_path, tokens):
    response = client.get(f"/api/processes/{SOP_KEY}/sop-sheet.pdf?version=1",
                          headers={"Authorization": f"Bearer {tokens['kabid']}"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data, tmp_path)
    flat = " ".join(text.split())
    for phrase in ("Nomor SOP", "800/017/SOP/2026", "Disahkan oleh", "Dasar Hukum", "Uraian Prosedur",
                   "Mutu Baku", "Identifikasi kebutuhan aplikasi baru", "Implementasi", "60 menit", "90 hari",
                   "Mulai", "Selesai", "kembali ke langkah 2"):
        assert phrase in flat, phrase
    assert client.get(f"/api/processes/{SOP_KEY}/sop-sheet.pdf").status_code == 401
    auth = {"Authorization": f"Bearer {tokens['kabid']}"}
    assert client.get(f"/api/processes/{SOP_KEY}/sop-sheet.pdf?version=99", headers=auth).status_code == 404
    assert client.get("/api/processes/tidak_ada/sop-sheet.pdf", headers=auth).status_code == 404


def test_a_changed_diagram_changes_the_sheet(client, login, svc):
    nodes = [Node("Mulai_1", "startEvent", "", "Loket"),
             Node("Task_A", "userTask", "Terima berkas permohonan", "Loket",
                  {"sop.step": 1, "sop.duration": "PT45M", "sop.output": "Tanda terima"}),
             Node("Task_B", "userTask", "Periksa kelengkapan", "Verifikator",
                  {"sop.step": 2, "sop.duration": "P2D", "sop.output": "Berita acara"}),
             Node("Selesai_1", "endEvent", "", "Verifikator")]
    flows = [Flow("F1", "Mulai_1", "Task_A"), Flow("F2", "Task_A", "Task_B"), Flow("F3", "Task_B", "Selesai_1")]
    admin = svc.users.get("admin")
    svc.deploy(build_bpmn("izin_usaha", nodes, flows, name="Izin Usaha"), "izin.bpmn", admin)
    nodes[2] = Node("Task_B", "userTask", "Verifikasi berkas dan lapangan", "Verifikator",
                    {"sop.step": 2, "sop.duration": "P5D", "sop.output": "Berita acara"})
    svc.deploy(build_bpmn("izin_usaha", nodes, flows, name="Izin Usaha"), "izin.bpmn", admin)
    svc.session.commit()
    login("admin")
    old = client.get("/processes/izin_usaha/sop-sheet?version=1").get_data(as_text=True)
    new = client.get("/processes/izin_usaha/sop-sheet").get_data(as_text=True)
    assert "Periksa kelengkapan" in old and "2 hari" in old and "Verifikasi berkas" not in old
    assert "Verifikasi berkas dan lapangan" in new and "5 hari" in new and "45 menit" in new
    assert [lane for _, lane, _ in rows_of(new)] == ["0", "1"]


def test_header_fields_are_edited_as_a_new_version(client, login, svc):
    login("admin")
    page = client.get(f"/processes/{SOP_KEY}").get_data(as_text=True)
    assert f"/processes/{SOP_KEY}/sop-sheet" in page and f"/processes/{SOP_KEY}/sop-fields" in page
    form = client.get(f"/processes/{SOP_KEY}/sop-fields").get_data(as_text=True)
    assert 'value="800/017/SOP/2026"' in form
    response = client.post(f"/processes/{SOP_KEY}/sop-fields", data={
        "sop_nomor": "800/020/SOP/2027", "sop_tanggal_revisi": "2027-02-03", "sop_instansi": "Diskominfo Kota",
        "disahkan_nama": "Ir. Siti Rahma, M.T.", "disahkan_nip": "197001011995032001",
        "disahkan_jabatan": "Kepala Dinas", "sop_dasar_hukum": "UU A\nUU B", "sop_kualifikasi": "",
        "sop_keterkaitan": "SOP Bidang", "sop_peralatan": "Laptop", "sop_peringatan": "Hati-hati",
        "sop_pencatatan": "Indikator", "sop_tanggal_pembuatan": "2026-01-05", "sop_tanggal_efektif": ""})
    assert response.status_code == 302
    assert svc.latest_definition(SOP_KEY).version == 2
    sheet = client.get(f"/processes/{SOP_KEY}/sop-sheet").get_data(as_text=True)
    for text in ("800/020/SOP/2027", "3 Februari 2027", "Diskominfo Kota", "Ir. Siti Rahma, M.T.",
                 "NIP. 197001011995032001", "<li>UU B</li>"):
        assert text in sheet, text
    # the old version's sheet is as it was
    assert "800/017/SOP/2026" in client.get(f"/processes/{SOP_KEY}/sop-sheet?version=1").get_data(as_text=True)
    # a bad date names its field and changes nothing
    response = client.post(f"/processes/{SOP_KEY}/sop-fields", data={"sop_tanggal_efektif": "besok"})
    assert response.status_code == 422 and "sop.tanggal_efektif" in response.get_data(as_text=True)
    assert svc.latest_definition(SOP_KEY).version == 2
    # staff may read the sheet but not edit it
    login("budi")
    assert client.get(f"/processes/{SOP_KEY}/sop-fields").status_code == 403


@pytest.mark.parametrize("name", ["sop.tanggal_revisi"])
def test_with_header_keeps_the_rest_of_the_file(svc, name):
    from engine import flowchart, sop_sheet

    xml = svc.latest_definition(SOP_KEY).bpmn_xml
    changed = sop_sheet.with_header(xml, {name: "2027-01-01", "sop.keterkaitan": ""}).decode("utf-8")
    props = flowchart.read(changed).properties
    assert props[name] == "2027-01-01" and "sop.keterkaitan" not in props
    assert changed.count("<bpmn:userTask") == xml.count("<bpmn:userTask")
    svc.validate_bpmn(changed.encode("utf-8"))
