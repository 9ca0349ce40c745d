"""The task page: what a step asks for, its form from the JSON Schema, uploads, claim and complete."""
from __future__ import annotations

import io
import re

import pytest

from helpers.sop_walk import SOP_KEY
from helpers.cases import advance, ready
from helpers.pages import STEP1_DATA, page_of, upload

STEP1 = "Identifikasi kebutuhan aplikasi baru / pengembangan aplikasi"


@pytest.fixture
def case(svc):
    return svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean puskesmas")


@pytest.fixture
def step1(svc, case):
    return ready(svc, case.id)



def error_after(page, field_id):
    """The error text shown right after the field with ``field_id`` (None if there is none)."""
    m = re.search(rf'id="{field_id}-error"><p>([^<]+)</p>', page)
    return m[1] if m else None



def test_task_page_shows_the_step_and_its_quality_standard(client, login, step1):
    login("pemilik")
    page = page_of(client, step1.id)
    assert "<h1" in page and STEP1 in page and "Aplikasi antrean puskesmas" in page
    assert "Instansi Pemilik" in page and "Menunggu" in page
    assert "Petunjuk" in page and "Tuangkan hasilnya dalam Dokumen identifikasi kebutuhan" in page
    assert "Kelengkapan" in page and "Waktu baku" in page and "3 hari kerja" in page
    assert "Dokumen identifikasi kebutuhan" in page and "wajib dilampirkan" in page
    assert re.search(r"\d{1,2} \w+ \d{4}, \d{2}\.\d{2} WIB", page)  # due time, Indonesian style
    # the form, from the JSON Schema: labels, a select with x-enum-titles, a textarea
    assert '<label for="f-nama_aplikasi">Nama aplikasi' in page
    assert '<option value="baru">Aplikasi baru</option>' in page
    assert '<textarea id="f-latar_belakang" name="latar_belakang"' in page
    assert 'type="file"' in page and "<progress" in page and "upload.js" in page
    assert ">Selesaikan</button>" in page and ">Ambil tugas</button>" in page


def test_a_user_who_may_not_see_gets_403(client, login, svc, step1):
    svc.users.create("tamu", "rahasia123", [], full_name="Tamu")
    svc.session.commit()
    login("tamu", "rahasia123")
    response = client.get(f"/tasks/{step1.id}")
    assert response.status_code == 403 and "Akses ditolak" in response.get_data(as_text=True)
    assert client.post(f"/tasks/{step1.id}/complete", data=STEP1_DATA).status_code == 403
    assert upload(client, step1.id).status_code == 403


def test_a_user_who_may_see_but_not_do_reads_only(client, login, svc, step1):
    login("analis")  # System Analyst is a lane of the SOP: may see the case, not do step 1
    page = page_of(client, step1.id)
    assert STEP1 in page and "Anda hanya dapat membacanya" in page and "Instansi Pemilik" in page
    assert ">Selesaikan</button>" not in page and 'type="file"' not in page and "Ambil tugas" not in page
    assert client.post(f"/tasks/{step1.id}/complete", data=STEP1_DATA).status_code == 403
    assert upload(client, step1.id).status_code == 403


def test_invalid_data_comes_back_422_with_messages_next_to_fields_and_input_kept(client, login, step1):
    login("pemilik")
    upload(client, step1.id)
    response = client.post(f"/tasks/{step1.id}/complete",
                           data={"nama_aplikasi": "Antrean Online", "instansi_pemilik": "",
                                 "latar_belakang": "Antrean <panjang>"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_after(page, "f-instansi_pemilik") == "Wajib diisi."
    assert error_after(page, "f-jenis_pengembangan") == "Wajib diisi."
    assert error_after(page, "f-nama_aplikasi") is None
    assert 'name="nama_aplikasi" value="Antrean Online"' in page  # kept
    assert "Antrean &lt;panjang&gt;</textarea>" in page  # kept, escaped
    assert 'aria-invalid="true"' in page and 'aria-describedby="f-instansi_pemilik-help f-instansi_pemilik-error"' in page
    assert "Langkah ini belum dapat diselesaikan" in page
    # the refused page opens at the problem summary: the form posts to …#form-problems (no JS
    # needed to get there), the summary takes focus (tabindex -1, focus.js), no inline script
    assert f'action="/tasks/{step1.id}/complete#form-problems"' in page
    assert re.search(r'<div class="flash flash-error" role="alert" tabindex="-1" id="form-problems">', page)
    assert '<script src="/static/focus.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "no inline script"
    assert "focus.js" not in page_of(client, step1.id)  # only after a refusal


def test_a_number_field_with_words_is_refused_next_to_it(client, login, svc, case):
    row = advance(svc, case, 13)
    login(row.assignees[0].username)
    upload(client, row.id, "pelatihan.pdf")
    response = client.post(f"/tasks/{row.id}/complete",
                           data={"tanggal_pelatihan": "2026-12-01", "jumlah_peserta": "dua belas"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_after(page, "f-jumlah_peserta") == "Isi dengan bilangan bulat, misalnya 3."
    assert 'value="dua belas"' in page
    response = client.post(f"/tasks/{row.id}/complete", data={"tanggal_pelatihan": "2026-12-01", "jumlah_peserta": "0"})
    assert response.status_code == 422
    assert error_after(response.get_data(as_text=True), "f-jumlah_peserta") == "Paling sedikit 1."


def test_missing_deliverable_is_said_next_to_the_upload(client, login, step1):
    login("pemilik")
    response = client.post(f"/tasks/{step1.id}/complete", data=STEP1_DATA)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_after(page, "attachments") == (
        'Unggah dokumen keluaran &#34;Dokumen identifikasi kebutuhan&#34; sebelum menyelesaikan langkah ini.')
    assert 'value="Antrean Online"' in page and "<option value=\"baru\" selected>" in page


def test_upload_lists_the_attachment_and_it_downloads(client, login, step1):
    login("pemilik")
    response = upload(client, step1.id, "kebutuhan aplikasi.pdf")
    assert response.status_code == 302 and "#dokumen-keluaran" in response.headers["Location"]
    page = page_of(client, step1.id)
    assert 'Lampiran &#34;kebutuhan aplikasi.pdf&#34; diunggah.' in page
    link = re.search(r'href="(/attachments/\d+)" download>kebutuhan aplikasi.pdf</a>', page)
    assert link
    download = client.get(link[1])
    assert download.status_code == 200 and download.data == b"%PDF-1.4 dokumen"
    assert "attachment" in download.headers["Content-Disposition"]
    # no file chosen: said next to the upload
    response = client.post(f"/tasks/{step1.id}/attachments", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert error_after(response.get_data(as_text=True), "attachments") == "Pilih berkas yang akan diunggah."


def test_upload_by_script_answers_json(client, login, step1):
    login("pemilik")
    response = upload(client, step1.id, "a.pdf", Accept="application/json")
    assert response.status_code == 201
    body = response.get_json()
    assert body["filename"] == "a.pdf" and body["url"].startswith("/attachments/") and "diunggah" in body["message"]
    # what upload.js needs to draw the whole row as the page does: size, who, when, and "Hapus"
    assert body["size"] == len(b"%PDF-1.4 dokumen") and body["size_label"] == "16 B"
    assert body["uploaded_by"] == "pemilik" and body["uploaded_at"].startswith("20")
    assert body["uploaded_by_label"] == "Rina Pemilik (Dinas Kesehatan)"  # as the page names people
    assert re.fullmatch(r"\d{1,2} \w+ \d{4}, \d{2}\.\d{2} WIB", body["uploaded_at_label"])
    assert body["delete_url"] == f"/tasks/{step1.id}/attachments/{body['id']}/delete" and body["delete_label"] == "Hapus"
    page = page_of(client, step1.id)  # the same row, drawn by the server
    assert f'<form method="post" action="{body["delete_url"]}" class="inline">' in page
    assert '16 B · <span class="person" title="pemilik">Rina Pemilik (Dinas Kesehatan)</span> · <time' in page
    response = client.post(f"/tasks/{step1.id}/attachments", data={}, content_type="multipart/form-data",
                           headers={"Accept": "application/json"})
    assert response.status_code == 422 and response.get_json()["error"]["message"] == "Pilih berkas yang akan diunggah."


def test_remove_an_attachment(client, login, svc, step1):
    login("pemilik")
    upload(client, step1.id, "salah.pdf")
    attachment_id = svc.attachments(task_id=step1.id)[0].id
    response = client.post(f"/tasks/{step1.id}/attachments/{attachment_id}/delete")
    assert response.status_code == 302
    page = page_of(client, step1.id)
    assert "dihapus" in page and 'download>salah.pdf' not in page


def test_complete_moves_the_case_on(client, login, svc, case, step1):
    login("pemilik")
    upload(client, step1.id)
    response = client.post(f"/tasks/{step1.id}/complete", data=STEP1_DATA)
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"
    inbox = client.get("/inbox").get_data(as_text=True)
    assert f"Langkah 1 — {STEP1} selesai." in inbox
    svc.session.expire_all()
    done = svc.task(step1.id)
    assert done.state == "completed" and done.completed_by == "pemilik"
    assert done.data["latar_belakang"] == "Antrean panjang\ndi loket" and done.data["jenis_pengembangan"] == "baru"
    assert ready(svc, case.id).step == 2
    # the finished step reads back, and the next step sees its document
    page = page_of(client, step1.id)
    assert "Langkah ini sudah selesai" in page and "Antrean Online" in page and "Aplikasi baru" in page
    client.post("/logout")
    login("analis")
    page = page_of(client, ready(svc, case.id).id)
    assert "Langkah sebelumnya: jawaban dan dokumen" in page and "download>kebutuhan.pdf</a>" in page
    assert "Langkah 1" in page and "Antrean Online" in page and "Aplikasi baru" in page  # step 1's answers too


def test_a_decision_is_two_labelled_choices_without_default_and_sends_the_case_back(client, login, svc, case):
    row = advance(svc, case, 3)
    login("kabid")
    page = page_of(client, row.id)
    assert 'type="checkbox" id="f-spec_approved"' not in page
    assert '<input type="radio" id="f-spec_approved-true" name="spec_approved" value="true" required>' in page
    assert '<input type="radio" id="f-spec_approved-false" name="spec_approved" value="false" required>' in page
    assert '<label for="f-spec_approved-true">Setujui spesifikasi</label>' in page
    assert '<label for="f-spec_approved-false">Kembalikan untuk perbaikan</label>' in page
    assert "checked" not in page.split('id="f-spec_approved-true"')[1].split("</fieldset>")[0]
    assert '<input type="date" id="f-tanggal_review_spesifikasi"' in page
    # choosing nothing is refused: the decision has no default
    response = client.post(f"/tasks/{row.id}/complete", data={"tanggal_review_spesifikasi": "27-11-2026",
                                                             "catatan_modifikasi": "Tambah modul laporan"})
    assert response.status_code == 422
    assert error_after(response.get_data(as_text=True), "f-spec_approved") == "Wajib diisi."
    assert 'href="#f-spec_approved-true"' in response.get_data(as_text=True)
    # sending back needs the modification notes (the schema's if/then), next to that field
    response = client.post(f"/tasks/{row.id}/complete", data={"spec_approved": "false",
                                                             "tanggal_review_spesifikasi": "27-11-2026"})
    assert response.status_code == 422
    assert error_after(response.get_data(as_text=True), "f-catatan_modifikasi") == "Wajib diisi."
    response = client.post(f"/tasks/{row.id}/complete", data={"spec_approved": "false",
                                                             "tanggal_review_spesifikasi": "27-11-2026",
                                                             "catatan_modifikasi": "Tambah modul laporan"})
    assert response.status_code == 302
    svc.session.expire_all()
    done = svc.task(row.id)
    assert done.data["spec_approved"] is False and done.data["tanggal_review_spesifikasi"] == "2026-11-27"
    assert ready(svc, case.id).step == 2


def test_a_bad_date_is_refused(client, login, svc, case):
    row = advance(svc, case, 3)
    login("kabid")
    response = client.post(f"/tasks/{row.id}/complete",
                           data={"spec_approved": "true", "tanggal_review_spesifikasi": "31-02-2026"})
    assert response.status_code == 422
    assert error_after(response.get_data(as_text=True), "f-tanggal_review_spesifikasi") == (
        "Isi dengan tanggal yang sah (hari-bulan-tahun).")


def test_appointment_picker_shows_qualifications_and_warnings(client, login, svc, case):
    row = advance(svc, case, 4)
    login("kabid")
    page = page_of(client, row.id)
    assert '<legend>System programmer <span class="req">(wajib)</span></legend>' in page
    for username in ("budi", "sari", "andi"):
        assert f'name="system_programmer" value="{username}"' in page
    assert 'type="radio"' in page and 'value="pemilik"' not in page  # only holders of x-role "Staf"
    assert "Teknik Informatika" in page and "pemrograman web dan mobile" in page
    andi = page[page.index('value="andi"'):]
    andi = andi[:andi.index("</li>")]
    assert "Belum memenuhi kualifikasi" in andi and "pendidikan D-III, S-1, S-2 atau S-3" in andi
    assert "bidang studi Teknik Komputer, Teknik Informatika" in andi and "keahlian belum dicatat" in andi
    assert "Kualifikasi pelaksana menurut SOP:" in page  # the SOP's own words above the candidates
    budi = page[page.index('value="budi"'):]
    assert "Belum memenuhi kualifikasi" not in budi[:budi.index("</li>")]
    upload(client, row.id, "surat-tugas.pdf")
    response = client.post(f"/tasks/{row.id}/complete", data={"system_programmer": "budi",
                                                             "nomor_surat_tugas": "800/12/2026"})
    assert response.status_code == 302
    step5 = ready(svc, case.id)
    assert step5.step == 5 and [u.username for u in step5.assignees] == ["budi"]


def test_picking_several_programmers(client, login, svc, case):
    row = advance(svc, case, 6)
    login("kabid")
    upload(client, row.id, "surat-tugas.pdf")
    response = client.post(f"/tasks/{row.id}/complete", data={})
    assert response.status_code == 422
    assert error_after(response.get_data(as_text=True), "f-programmers") == "Wajib diisi."
    response = client.post(f"/tasks/{row.id}/complete", data={"programmers": ["sari", "andi"]})
    assert response.status_code == 302
    svc.session.expire_all()
    assert svc.task(row.id).data["programmers"] == ["sari", "andi"]


def test_claim_and_release_on_the_task_page(client, login, svc, step1):
    login("pemilik")
    response = client.post(f"/tasks/{step1.id}/claim")
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{step1.id}"
    page = page_of(client, step1.id)
    assert "Anda mengambil tugas" in page and ">Lepaskan tugas</button>" in page and "Ambil tugas</button>" not in page
    client.post(f"/tasks/{step1.id}/unclaim")
    page = page_of(client, step1.id)
    assert "Tugas dilepaskan" in page and ">Ambil tugas</button>" in page
    # taken by someone else: read-only for me
    svc.users.create("pemilik2", "rahasia123", ["Instansi Pemilik"], full_name="Pemilik Dua")
    svc.session.commit()
    svc.claim(step1.id, svc.users.get("pemilik2"))
    page = page_of(client, step1.id)
    assert 'sedang dikerjakan oleh <span class="person" title="pemilik2">Pemilik Dua</span>' in page
    assert ">Selesaikan</button>" not in page


def test_task_page_stays_light(client, login, step1):
    login("pemilik")
    assert len(client.get(f"/tasks/{step1.id}").data) < 100_000
    assert len(client.get("/static/alur.css").data) < 30_000


def test_completing_twice_says_it_is_already_done(client, login, svc, step1):
    login("pemilik")
    upload(client, step1.id)
    assert client.post(f"/tasks/{step1.id}/complete", data=STEP1_DATA).status_code == 302
    response = client.post(f"/tasks/{step1.id}/complete", data=STEP1_DATA)
    assert response.status_code == 302 and response.headers["Location"] == f"/tasks/{step1.id}"
    page = page_of(client, step1.id)
    assert "sudah selesai atau berubah sementara itu" in page and "Langkah ini sudah selesai" in page


def test_form_render_types_what_people_type():
    from werkzeug.datastructures import MultiDict

    from webapp.form_render import fields, parse

    schema = {"type": "object", "required": ["nama"], "properties": {
        "nama": {"type": "string"}, "jumlah": {"type": "integer"}, "nilai": {"type": "number"},
        "setuju": {"type": "boolean"}, "tanggal": {"type": "string", "format": "date"},
        "daftar": {"type": "array", "items": {"type": "string"}},
        "tingkat": {"type": "integer", "enum": [1, 2], "x-enum-titles": ["Satu", "Dua"]},
        "petugas": {"type": "array", "items": {"type": "string", "x-widget": "user", "x-role": "Staf"}}}}
    form = MultiDict([("nama", "  Budi "), ("jumlah", "1.000"), ("nilai", "2,5"), ("tanggal", "7/3/2026"),
                      ("daftar", "satu\r\n\r\n dua \n"), ("tingkat", "2"), ("petugas", "sari"), ("petugas", "andi")])
    data, problems = parse(schema, form)
    assert problems == []
    assert data == {"nama": "Budi", "jumlah": 1000, "nilai": 2.5, "setuju": False, "tanggal": "2026-03-07",
                    "daftar": ["satu", "dua"], "tingkat": 2, "petugas": ["sari", "andi"]}
    data, problems = parse(schema, MultiDict([("jumlah", "3.5"), ("nilai", "banyak")]))
    assert {p.field for p in problems} == {"jumlah", "nilai"} and "nama" not in data
    drawn = {f.name: f for f in fields(schema, {"daftar": ["a", "b"], "setuju": True})}
    assert drawn["daftar"].kind == "lines" and drawn["daftar"].value == "a\nb"
    assert drawn["setuju"].kind == "checkbox" and drawn["setuju"].value is True
    assert drawn["tingkat"].options == [("1", "Satu"), ("2", "Dua")] and drawn["nama"].required
    assert drawn["petugas"].kind == "users" and drawn["tanggal"].kind == "date"
