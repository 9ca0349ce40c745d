"""List fields on the task page (rows to add, edit and remove without a script; problems next to the
item and column), bound lists showing what changed, and the traceability matrix on the case page,
in the case record and as XLSX."""
from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from helpers.sop_walk import SOP_KEY
from helpers.cases import advance, ready
from helpers.cases import do

STEP2_ROWS = {"ringkasan_kebutuhan": "Antrean puskesmas",
              "kebutuhan.0.deskripsi": "Pendaftaran antrean daring", "kebutuhan.0.prioritas": "tinggi",
              "kebutuhan.1.deskripsi": "", "kebutuhan.1.prioritas": "",  # the blank row: not kept
              "kebutuhan.2.deskripsi": "Nomor antrean lewat SMS", "kebutuhan.2.prioritas": "sedang"}


def upload(client, task_id):
    client.post(f"/tasks/{task_id}/attachments", data={"file": (io.BytesIO(b"%PDF-1.4 x"), "dok.pdf")},
                content_type="multipart/form-data")


def error_of(page, input_id):
    m = re.search(rf'id="{input_id}-error"><p>([^<]+)</p>', page)
    return m[1] if m else None


def test_an_item_list_is_edited_row_by_row_without_a_script(client, login, svc):
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean")
    row = advance(svc, case, 2)
    login("analis")
    upload(client, row.id)
    page = client.get(f"/tasks/{row.id}").get_data(as_text=True)
    # one blank row to start, its inputs named by row and column; "Tambah baris" asks for another
    assert 'name="kebutuhan.0.deskripsi"' in page and 'name="kebutuhan.1.deskripsi"' not in page
    assert '<button type="submit" name="add_row" value="kebutuhan"' in page
    more = client.post(f"/tasks/{row.id}/complete", data={"kebutuhan.0.deskripsi": "Satu", "add_row": "kebutuhan"})
    assert more.status_code == 200
    text = more.get_data(as_text=True)
    assert 'name="kebutuhan.1.deskripsi"' in text and ">Satu</textarea>" in text
    assert svc.task(row.id).state == "ready"

    # a row without its priority: refused, the problem said next to that row's column, naming the item
    bad = dict(STEP2_ROWS, **{"kebutuhan.2.prioritas": ""})
    response = client.post(f"/tasks/{row.id}/complete", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_of(page, "f-kebutuhan-2-prioritas") == "Wajib diisi."
    # the row kept the number the engine gave it, and the summary names item and column
    assert '<input type="hidden" name="kebutuhan.2.id" value="K-02">' in page
    assert "K-02 · Prioritas: Wajib diisi." in page
    assert 'href="#f-kebutuhan-2-prioritas"' in page

    response = client.post(f"/tasks/{row.id}/complete", data=STEP2_ROWS)
    assert response.status_code == 302
    assert svc.task(row.id).data["kebutuhan"] == [
        {"id": "K-01", "deskripsi": "Pendaftaran antrean daring", "prioritas": "tinggi"},
        {"id": "K-02", "deskripsi": "Nomor antrean lewat SMS", "prioritas": "sedang"}]
    done = client.get(f"/tasks/{row.id}").get_data(as_text=True)
    assert re.search(r"K-02</span><br><span class=\"muted\">Uraian kebutuhan:</span> Nomor antrean lewat SMS", done)


def test_a_bound_list_shows_the_changes_and_names_the_uncovered_item(client, login, svc):
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean").id
    do(svc, case, 1)
    do(svc, case, 2, {"ringkasan_kebutuhan": "x", "kebutuhan": [
        {"deskripsi": d, "prioritas": "tinggi"} for d in ("Daftar", "Cetak karcis", "Laporan")]})
    do(svc, case, 3, {"spec_approved": False, "catatan_modifikasi": "Tanpa karcis"})
    row2 = ready(svc, case)
    login("analis")
    upload(client, row2.id)
    # round 2 starts from round 1's rows (ids kept); K-02 removed with its box, one added in the blank row
    page = client.get(f"/tasks/{row2.id}").get_data(as_text=True)
    assert '<input type="hidden" name="kebutuhan.1.id" value="K-02">' in page
    assert 'name="kebutuhan.3.deskripsi"' in page  # the blank row after the three
    response = client.post(f"/tasks/{row2.id}/complete", data={
        "ringkasan_kebutuhan": "x",
        **{f"kebutuhan.{n}.{k}": v for n, (i, d) in enumerate([("K-01", "Daftar"), ("K-02", "Cetak karcis"),
                                                               ("K-03", "Laporan")])
           for k, v in (("id", i), ("deskripsi", d), ("prioritas", "tinggi"))},
        "kebutuhan.1.@hapus": "true",
        "kebutuhan.3.deskripsi": "Ekspor data", "kebutuhan.3.prioritas": "rendah"})
    assert response.status_code == 302
    assert [i["id"] for i in svc.task(row2.id).data["kebutuhan"]] == ["K-01", "K-03", "K-04"]
    client.post("/logout")
    do(svc, case, 3, {"spec_approved": True})
    for step in (4, 5, 6, 7):
        do(svc, case, step)
    row8 = ready(svc, case)
    login("analis")
    upload(client, row8.id)
    page = client.get(f"/tasks/{row8.id}").get_data(as_text=True)
    legends = re.findall(r'<span class="item-id">(K-\d+)</span> — ([^<\n]+)', page)
    assert legends[:3] == [("K-01", "Daftar"), ("K-03", "Laporan"), ("K-04", "Ekspor data")]
    assert re.search(r'K-04</span> — Ekspor data\s*<span class="badge badge-added">baru</span>', page)
    assert re.search(r'<del><span class="item-id">K-02</span> — Cetak karcis</del>', page)
    response = client.post(f"/tasks/{row8.id}/complete", data={
        "skenario_uji.0.id": "K-01", "skenario_uji.0.skenario": "Uji daftar",
        "skenario_uji.1.id": "K-03", "skenario_uji.1.skenario": "Uji laporan",
        "skenario_uji.2.id": "K-04", "skenario_uji.2.skenario": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_of(page, "f-skenario_uji-2-skenario") == "Butir K-04 (Ekspor data) belum memiliki &#39;Skenario uji&#39;."
    assert ">Uji laporan</textarea>" in page


def test_the_case_page_the_record_and_the_workbook_show_the_matrix(app, client, login, svc):
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean").id
    do(svc, case, 1)
    do(svc, case, 2, {"ringkasan_kebutuhan": "x", "kebutuhan": [
        {"deskripsi": "Daftar", "prioritas": "tinggi"}, {"deskripsi": "Laporan", "prioritas": "rendah"}]})
    do(svc, case, 3, {"spec_approved": True})
    for step in (4, 5, 6, 7):
        do(svc, case, step)
    do(svc, case, 8, {"skenario_uji": [{"id": "K-01", "skenario": "Uji daftar"}, {"id": "K-02", "skenario": "Uji laporan"}]})
    do(svc, case, 9)
    do(svc, case, 10, {"tanggal_uat": "2026-12-01", "hasil_uji": [
        {"id": "K-01", "hasil": "lulus"}, {"id": "K-02", "hasil": "gagal", "catatan": "Total salah"}]})
    login("admin")
    page = client.get(f"/instances/{case}").get_data(as_text=True)
    section = re.search(r'<section aria-labelledby="h-trace-kebutuhan".*?</section>', page, re.S).group(0)
    assert "Ketertelusuran: Daftar kebutuhan" in section
    assert "Langkah 8: Skenario uji per kebutuhan" in section and "Langkah 10: Hasil uji per kebutuhan" in section
    k2 = re.search(r'<th scope="row">K-02</th>(.*?)</tr>', section, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", k2)[:6] == ["Laporan", "Rendah", "Uji laporan", "Gagal", "Total salah", "—"]

    workbook = client.get(f"/instances/{case}/traceability.xlsx")
    assert workbook.status_code == 200 and workbook.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[1][:4] == ["Butir", "Uraian kebutuhan", "Prioritas", "Langkah 8: Skenario uji per kebutuhan"]
    assert rows[2][3:6] == ["Skenario uji", "Hasil", "Catatan hasil uji"]
    assert rows[4][:6] == ["K-02", "Laporan", "Rendah", "Uji laporan", "Gagal", "Total salah"]

    from flask import render_template

    with app.test_request_context("/"):
        instance = svc.instance(case)
        markup = render_template("instances/record.html", record=svc.case_record(instance),
                                 matrices=svc.traceability(instance), process=instance.definition,
                                 tz=svc.calendar.tz, now=instance.started_at)
    assert "<h2>Ketertelusuran: Daftar kebutuhan</h2>" in markup and "Total salah" in markup
    client.post("/logout")
    svc.create_user(svc.users.get("admin"), "tamu", "rahasia123", [])
    login("tamu", "rahasia123")  # not in the case: neither its page nor its workbook
    assert client.get(f"/instances/{case}/traceability.xlsx").status_code == 403


def test_the_case_page_shows_the_last_three_rounds_and_the_workbook_all(client, login, svc):
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Banyak putaran UAT").id
    for step in (1, 2):
        do(svc, case, step)
    do(svc, case, 3, {"spec_approved": True})
    for step in range(4, 9):
        do(svc, case, step)
    for loop in range(4):  # four UAT rounds: the first three sent back at step 12
        for step in (9, 10, 11):
            do(svc, case, step)
        do(svc, case, 12, {"prototype_accepted": loop == 3, "catatan_review": f"putaran {loop + 1}"})
    login("admin")
    page = client.get(f"/instances/{case}").get_data(as_text=True)
    section = re.search(r'<section aria-labelledby="h-trace-kebutuhan".*?</section>', page, re.S).group(0)
    assert "Hasil · putaran 4" in section and "Hasil · putaran 2" in section
    assert "Hasil · putaran 1" not in section and "semua putaran ada pada berkas XLSX" in section
    sheet = load_workbook(io.BytesIO(client.get(f"/instances/{case}/traceability.xlsx").data)).active
    headers = [c.value for c in sheet[3]]
    assert "Hasil · putaran 1" in headers and "Hasil · putaran 4" in headers


def test_the_matrix_over_real_http(app, live_server):
    """GET /api/instances/{id}/traceability on a real server: the matrix as data, and who may see it."""
    from helpers.api_driver import RequestsAPI
    from webapp.services import service

    base, tokens = live_server.base, live_server.tokens
    api = RequestsAPI(base, tokens)
    with app.test_request_context():
        svc = service()
        case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Matriks lewat HTTP").id
        do(svc, case, 1)
        do(svc, case, 2, {"ringkasan_kebutuhan": "x", "kebutuhan": [
            {"deskripsi": "Daftar", "prioritas": "tinggi"}, {"deskripsi": "Laporan", "prioritas": "rendah"}]})
        do(svc, case, 3, {"spec_approved": True})
        for step in (4, 5, 6, 7):
            do(svc, case, step)
        do(svc, case, 8, {"skenario_uji": [{"id": "K-01", "skenario": "Uji daftar"}, {"id": "K-02", "skenario": "Uji laporan"}]})
        svc.create_user(svc.users.get("admin"), "tamu", "demo12345", [])
        svc.session.commit()
    status, body = api.request("GET", f"/api/instances/{case}/traceability", "pemilik")
    assert status == 200, body
    [m] = body["matrices"]
    assert m["field"] == "kebutuhan" and [g["step"] for g in m["groups"]] == [8, 10, 12]
    assert [g["rounds"] for g in m["groups"]] == [[1], [], []]
    k2 = m["rows"][1]
    assert k2["id"] == "K-02" and k2["origin"][0] == {"title": "Uraian kebutuhan", "value": "Laporan"}
    assert k2["cells"] == [{"step": 8, "field": "skenario_uji", "round": 1, "column": "skenario", "value": "Uji laporan"}]
    assert not k2["uncovered"] and k2["gaps"] == []
    assert api.request("GET", f"/api/instances/{case}/traceability", "tamu")[0] == 403  # not in the case
    assert api.request("GET", "/api/instances/999999/traceability", "admin")[0] == 404
    assert api.request("GET", f"/api/instances/{case}/traceability", "nobody")[0] == 401
