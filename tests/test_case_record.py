"""Lembar kendali: the record of a case that went through both review loops, as PDF (read back
with pdftotext) and in the case's ZIP."""
from __future__ import annotations

import io
import subprocess
import zipfile

from helpers.kpi_clock import walk_at


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(data)
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())


def test_record_of_a_case_with_two_review_loops(client, login, svc, monkeypatch, tmp_path, any_db):
    instance_id = walk_at(svc, monkeypatch, "Aplikasi antrean puskesmas", lambda step, rnd: 30 * rnd)
    record = svc.case_record(svc.instance(instance_id))
    assert [s.row.step for s in record.steps] == [1, 2, 3, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 9, 10, 11, 12, 13, 14]
    third = [s for s in record.steps if s.row.step == 3]
    assert [s.sent_back for s in third] == [True, False] and [s.round for s in third] == [1, 2]
    assert ("Spesifikasi disetujui", "Tidak") in third[0].decisions or any(v == "Tidak" for _, v in third[0].decisions)
    assert all(s.on_time for s in record.steps if s.target)  # an hour or two against hours and days
    login("kabid")
    response = client.get(f"/instances/{instance_id}/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    assert "LEMBAR KENDALI" in text and "Aplikasi antrean puskesmas" in text
    assert "Dikembalikan untuk diperbaiki" in text and text.count("Dikembalikan untuk diperbaiki") == 2
    assert "Hendra Kabid" in text and "tepat waktu" in text
    for f in svc.attachments(instance_id=instance_id):
        assert f.sha256[:32] in text.replace(" ", "")  # every document with its sha256
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/instances/{instance_id}/documents.zip").data))
    assert f"lembar-kendali-{instance_id}.pdf" in archive.namelist()
    # the requirements' traceability matrix: in the record, and beside it as a workbook
    assert "Ketertelusuran: Daftar kebutuhan" in text and "K-03" in text
    assert f"ketertelusuran-{instance_id}.xlsx" in archive.namelist()
    svc.create_user(svc.users.get("admin"), "tamu", "rahasia123", [])
    login("tamu", "rahasia123")
    assert client.get(f"/instances/{instance_id}/record.pdf").status_code == 403


def test_the_case_page_links_the_record_and_maps_its_realisation(client, login, svc, monkeypatch):
    instance_id = walk_at(svc, monkeypatch, "Portal data desa", lambda step, rnd: 2500 if step == 1 else 30)
    login("admin")
    page = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    assert f'href="/instances/{instance_id}/record.pdf"' in page
    section = page[page.index('id="h-realisation"'):]
    assert "state-kpi-late" in section  # step 1: 2,500 working minutes against 1,440
    assert "state-kpi-ok" in section and "state-kpi-none" in section
