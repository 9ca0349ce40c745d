"""The engine's English messages in the user's language on pages; the JSON API keeps them as they are."""
from __future__ import annotations

import html
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from engine import access
from engine.bpmn_loader import load_bpmn, parse_xml
from engine.errors import Invalid, Problem
from engine.expressions import UnsafeExpression, check_expression
from engine.files import check_filename
from engine.forms import FormError, load_form
from sop_walk import SOP_KEY
from test_pages_inbox import ready
from test_pages_tasks import STEP1_DATA, upload

FORMS = Path(__file__).parent.parent / "forms"
SOP_FILE = Path(__file__).parent.parent / "processes" / f"{SOP_KEY}.bpmn"
LANE_REFUSAL = ("you may not do this step: this step belongs to the lane 'Instansi Pemilik', "
                "and you do not hold that role")

#: Engine messages (as the engine's raise sites write them) and what an Indonesian page says.
INDONESIAN = [
    ("item K-05 (Laporan harian) has no 'Skenario uji'", "Butir K-05 (Laporan harian) belum memiliki 'Skenario uji'."),
    ("item K-03 is not in the list 'kebutuhan'", "Butir K-03 tidak ada dalam daftar 'kebutuhan'."),
    ("item K-01 is in the list more than once", "Butir K-01 tercantum lebih dari sekali."),
    ("item id 'X-1' should look like K-01", "Nomor butir 'X-1' seharusnya berbentuk seperti K-01."),
    ("each item needs an id", "Setiap butir memerlukan nomor."),
    ("the list has more than 100 items", "Daftar ini berisi lebih dari 100 butir."),
    (LANE_REFUSAL, "Anda tidak dapat mengerjakan langkah ini: langkah ini dikerjakan oleh pelaksana "
                   "'Instansi Pemilik', dan Anda tidak memegang peran itu."),
    ("you may not do this step: this step is appointed to sari, andi",
     "Anda tidak dapat mengerjakan langkah ini: yang ditunjuk untuk langkah ini adalah sari, andi."),
    ("this step has been taken by pemilik2", "Langkah ini sudah diambil oleh pemilik2."),
    ("this step was taken by budi; only they or an admin may release it",
     "Langkah ini diambil oleh budi; hanya dia atau admin yang boleh melepaskannya."),
    ("this step is already completed", "Langkah ini sudah selesai."),
    ("this step is already cancelled", "Langkah ini sudah dibatalkan."),
    ("use an http:// or https:// address", "Gunakan alamat http:// atau https://."),
    ("the address is longer than 2000 characters", "Alamat paling panjang 2000 karakter."),
    ("choose at least one of the known events", "Pilih paling sedikit satu peristiwa."),
    ("no webhook 7", "Webhook 7 tidak ditemukan."),
    ("this step is not taken by anyone", "Langkah ini tidak sedang diambil siapa pun."),
    ("this step is no longer waiting; reload the case",
     "Langkah ini sudah tidak menunggu; muat ulang halaman pengajuan."),
    ("someone else took this step meanwhile", "Langkah ini baru saja diambil orang lain."),
    ("that was just done by someone else", "Hal itu baru saja dilakukan orang lain."),
    ("the case is being changed by someone else; try again", "Pengajuan ini sedang diubah orang lain; coba lagi."),
    ("the case was changed by someone else meanwhile; reload and try again",
     "Pengajuan ini baru saja diubah orang lain; muat ulang halaman lalu coba lagi."),
    ("the case is suspended; nothing can be done on it now",
     "Pengajuan ini ditangguhkan; saat ini tidak ada yang dapat dikerjakan padanya."),
    ("a case that is 'suspended' cannot be suspended", "Pengajuan yang ditangguhkan tidak dapat ditangguhkan."),
    ("a case that is 'running' cannot be resumed", "Pengajuan yang berjalan tidak dapat dilanjutkan."),
    ("a case that is 'completed' cannot be terminated", "Pengajuan yang selesai tidak dapat dihentikan."),
    ("you may not see this case", "Anda tidak berhak melihat pengajuan ini."),
    ("you may not see this task", "Anda tidak berhak melihat langkah ini."),
    ("you hold none of this process's roles, so you may not start it",
     "Anda tidak memegang satu pun peran dalam proses ini, jadi tidak dapat memulainya."),
    ("only administrators may reassign a step", "Hanya admin yang boleh mengalihkan langkah."),
    ("only administrators may suspend, resume or terminate a case",
     "Hanya admin yang boleh menangguhkan, melanjutkan atau menghentikan pengajuan."),
    ("only administrators manage users", "Hanya admin yang boleh mengelola pengguna."),
    ("only administrators manage holidays", "Hanya admin yang boleh mengelola hari libur."),
    ("unknown action 'pause'", "Tindakan 'pause' tidak dikenal."),
    ("give a reason for terminating", "Tuliskan alasan penghentian."),
    ("status must be one of running, suspended, completed, terminated, error",
     "Status harus salah satu dari: running, suspended, completed, terminated, error."),
    ("tab must be ready, mine, lanes or done", "Tab harus salah satu dari: ready, mine, lanes, done."),
    ("data must be an object", "Data harus berupa objek JSON."),
    ("no task 'abc'", "Langkah 'abc' tidak ditemukan."),
    ("no instance 42", "Pengajuan 42 tidak ditemukan."),
    ("no process 'izin'", "Tidak ada proses 'izin'."),
    ("no process definition 7", "Versi proses 7 tidak ditemukan."),
    ("no attachment 9 on this step", "Lampiran 9 tidak ada pada langkah ini."),
    ("no attachment 9", "Lampiran 9 tidak ditemukan."),
    ("the file is missing from storage", "Berkas itu tidak ditemukan di tempat penyimpanan."),
    ("no holiday 3", "Hari libur 3 tidak ditemukan."),
    ("no user 'tamu'", "Pengguna 'tamu' tidak ditemukan."),
    ("this field is required", "Wajib diisi."),
    ("no active user 'tamu'", "Pengguna 'tamu' tidak ada atau tidak aktif."),
    ("'budi' does not hold the role 'Staf'", "'budi' tidak memegang peran 'Staf'."),
    ("attach the deliverable 'Dokumen identifikasi kebutuhan' before completing",
     "Unggah dokumen keluaran \"Dokumen identifikasi kebutuhan\" sebelum menyelesaikan langkah ini."),
    ("user 'budi' already exists", "Pengguna 'budi' sudah ada."),
    ("use letters, digits, '.', '-' or '_' (at most 80)",
     "Gunakan huruf, angka, '.', '-' atau '_' (paling banyak 80 karakter)."),
    ("the password needs at least 8 characters", "Kata sandi minimal 8 karakter."),
    ("you cannot take away your own administrator rights or deactivate yourself",
     "Anda tidak dapat mencabut hak admin Anda sendiri atau menonaktifkan diri sendiri."),
    ("use YYYY-MM-DD", "Tulis tanggal sebagai TTTT-BB-HH, misalnya 2026-12-24."),
    ("2026-12-24 is already an extra holiday", "2026-12-24 sudah tercatat sebagai hari libur tambahan."),
    ("the file has no name", "Berkas tidak bernama."),
    ("the file name '../rahasia.pdf' contains a path; send a plain file name",
     "Nama berkas '../rahasia.pdf' memuat folder; kirim nama berkasnya saja."),
    ("the file name contains control characters", "Nama berkas memuat karakter kontrol."),
    ("the file name is longer than 200 bytes", "Nama berkas lebih dari 200 byte."),
    ("files of type '.exe' are not accepted; allowed: docx, pdf",
     "Berkas berjenis '.exe' tidak diterima; yang diterima: docx, pdf."),
    ("the file name has no extension (e.g. .pdf, .docx)", "Nama berkas tidak berekstensi (misalnya .pdf, .docx)."),
    ("the file is empty", "Berkas itu kosong."),
    ("the file is larger than 50 MB", "Berkas lebih besar dari 50 MB."),
    ("the upload is larger than 50 MB", "Unggahan lebih besar dari 50 MB."),
    ("the file is 11 bytes; at most 10 are accepted", "Berkas berukuran 11 byte; paling besar 10 byte yang diterima."),
    ("DOCTYPE and entity declarations are not allowed", "Deklarasi DOCTYPE dan entitas tidak diperbolehkan."),
    ("entity references are not allowed", "Rujukan entitas tidak diperbolehkan."),
    ("the root element is 'html', expected bpmn:definitions in namespace http://www.omg.org/spec/BPMN/20100524/MODEL",
     "Elemen akarnya 'html'; seharusnya bpmn:definitions dalam namespace http://www.omg.org/spec/BPMN/20100524/MODEL."),
    ("expected exactly one bpmn:process, found 2", "Berkas harus memuat tepat satu bpmn:process; yang ada 2."),
    ("the process has no id", "Proses tidak memiliki id."),
    ("duplicate id 'Step01'", "Id 'Step01' dipakai lebih dari sekali."),
    ("the id 'End' collides with SpiffWorkflow's internal task names; rename it (e.g. 'EndEvent_1')",
     "Id 'End' sama dengan nama tugas internal SpiffWorkflow; ganti id itu (misalnya 'EndEvent_1')."),
    ("targetRef 'Tidak_Ada' does not name a flow node of this process",
     "targetRef 'Tidak_Ada' tidak menunjuk elemen alur (flow node) mana pun dalam proses ini."),
    ("unsafe or invalid condition 'open(1)': only these functions may be called: len, max",
     "Syarat 'open(1)' tidak aman atau tidak sah: hanya fungsi-fungsi ini yang boleh dipanggil: len, max."),
    ("invalid timer expression (quote durations: \"'P3D'\"): not a valid expression: invalid syntax",
     "Ekspresi timer tidak sah (tulis durasi di antara tanda kutip: \"'P3D'\"): bukan ekspresi yang sah: "
     "invalid syntax."),
    ("script tasks are disabled on this server", "Script task dinonaktifkan di server ini."),
    ("preScript is disabled on this server", "preScript dinonaktifkan di server ini."),
    ("the lane has no name (its name is the role that does its tasks)",
     "Lane pelaksana ini tidak bernama; namanya adalah peran yang mengerjakan tugas-tugasnya."),
    ("flowNodeRef 'Step99' does not name a flow node",
     "flowNodeRef 'Step99' tidak menunjuk elemen alur (flow node) mana pun."),
    ("the task is in no lane, so nobody could do it",
     "Tugas ini tidak berada dalam lane pelaksana mana pun, jadi tidak ada yang dapat mengerjakannya."),
    ("sop.form: 'x.txt' is not a form file name (expected something like step01_x.json)",
     "sop.form: 'x.txt' bukan nama berkas formulir (contohnya step01_x.json)."),
    ("sop.form: form file 'step99_x.json' does not exist in /srv/forms",
     "sop.form: berkas formulir 'step99_x.json' tidak ada di /srv/forms."),
    ("form file 'step01_x.json' is not a valid JSON Schema: 5 is not valid under any of the given schemas",
     "Berkas formulir 'step01_x.json' bukan JSON Schema yang sah: 5 is not valid under any of the given schemas"),
    ("camunda:dueDate '${later}' is not a duration alur can use; give an ISO 8601 duration like P3D "
     "(working time from when the step becomes ready), or set sop.duration",
     "camunda:dueDate '${later}' bukan durasi yang dapat dipakai alur; tulis durasi ISO 8601 seperti P3D "
     "(waktu kerja sejak langkah siap), atau isi sop.duration."),
    ("the diagram holds the process 'a', not 'b'",
     "Diagram ini berisi proses 'a', bukan 'b'. Kembalikan id proses menjadi 'b', atau unggah dari halaman "
     "Proses bila memang proses baru."),
    ("a process with the key 'a' already exists",
     "Sudah ada proses dengan kunci 'a'. Ganti kunci proses, atau sunting proses itu dari halamannya."),
    ("'proses_baru' is the key of a new, unnamed diagram; give the process a key of its own",
     "Beri proses ini kuncinya sendiri (panel Proses), bukan 'proses_baru'."),
    ("the current password is wrong", "Kata sandi sekarang salah."),
    ("the new password is the same as the current one", "Kata sandi baru sama dengan yang sekarang."),
    ("sop.duration '3 hari' is not an ISO 8601 duration like P3D or PT120M",
     "sop.duration '3 hari' bukan durasi ISO 8601 seperti P3D atau PT120M."),
    ("sop.step 'satu' is not a whole number", "sop.step 'satu' bukan bilangan bulat."),
    ("sop.assignee 'a-b' is not a variable name", "sop.assignee 'a-b' bukan nama variabel."),
    ("a flow leaving a decision needs a condition or must be the gateway's default",
     "Alur yang keluar dari percabangan keputusan perlu syarat, atau harus menjadi alur bawaan gateway itu."),
    ("the diagram could not be compiled: 'Step01'", "Diagram tidak dapat dikompilasi: 'Step01'"),
    ("expression longer than 2000 characters", "Ekspresi lebih dari 2000 karakter."),
    ("not a valid expression: invalid syntax", "Bukan ekspresi yang sah: invalid syntax"),
    ("'Lambda' is not allowed in an expression", "'Lambda' tidak diperbolehkan dalam ekspresi."),
    ("name '_x' is not allowed (no underscore names)",
     "Nama '_x' tidak diperbolehkan (nama dengan garis bawah dilarang)."),
    ("bytes literals are not allowed", "Literal bytes tidak diperbolehkan."),
    ("number too large", "Angkanya terlalu besar."),
    ("repeating strings or lists with * is not allowed", "Mengulang teks atau daftar dengan * tidak diperbolehkan."),
    ("function calls take plain positional arguments only", "Fungsi hanya boleh dipanggil dengan argumen posisi biasa."),
    ("Invalid BPMN", "Berkas BPMN tidak sah."),
    ("Invalid BPMN: not well-formed XML", "Berkas BPMN tidak sah: XML-nya tidak tersusun dengan benar."),
    ("Invalid BPMN: not a BPMN 2.0 file", "Berkas BPMN tidak sah: bukan berkas BPMN 2.0."),
    ("BPMN file too large", "Berkas BPMN terlalu besar."),
    ("Invalid attachment", "Lampiran tidak dapat diterima."),
    ("Invalid data", "Data tidak sah."),
    ("Invalid date", "Tanggal tidak sah."),
    ("Invalid filter", "Saringan tidak sah."),
    ("Invalid user", "Data pengguna tidak sah."),
    ("Invalid action", "Tindakan tidak sah."),
    ("The step cannot be completed yet", "Langkah ini belum dapat diselesaikan."),
    ('nested too deeply: at most 20 levels', 'Bersarang terlalu dalam: paling banyak 20 tingkat.'),
    ('the text is too long: at most 100000 characters', 'Teks terlalu panjang: paling banyak 100000 karakter.'),
    ('the list is too long: at most 1000 items', 'Daftar terlalu panjang: paling banyak 1000 butir.'),
    ('too many fields: at most 500', 'Terlalu banyak isian: paling banyak 500.'),
    ('too much data: at most 50000 values in all', 'Data terlalu banyak: paling banyak 50000 nilai seluruhnya.'),
    ('the number is too large', 'Angkanya terlalu besar.'),
    ('the number must be finite (NaN and Infinity are not numbers JSON knows)', 'Angka harus terhingga (NaN dan Infinity bukan angka).'),
    ('text must not contain NUL characters', 'Teks tidak boleh memuat karakter NUL.'),
    ('text must be valid Unicode (a lone surrogate was found)', 'Teks harus berupa Unicode yang sah.'),
    ('field names must be text', 'Nama isian harus berupa teks.'),
    ('a field name must have 1 to 200 characters', 'Nama isian harus 1 sampai 200 karakter.'),
    ('a value of type set is not JSON data', 'Nilai bertipe set bukan data JSON.'),
    ("the saved state of case 7 cannot be read (nested too deeply); an administrator can inspect it with 'alur check'", "Keadaan tersimpan pengajuan 7 tidak dapat dibaca (nested too deeply); admin dapat memeriksanya dengan 'alur check'."),
    ("the duration 'P100Y' is longer than the 1098 days alur accepts", "Durasi 'P100Y' lebih panjang dari 1098 hari yang diterima alur."),
    ("the duration '-P1D' is negative", "Durasi '-P1D' negatif."),
    ('you may end only your own login sessions', 'Anda hanya dapat mengakhiri sesi masuk Anda sendiri.'),
    ('you may revoke only your own API tokens', 'Anda hanya dapat mencabut token API Anda sendiri.'),
    ('only administrators may unlock accounts', 'Hanya admin yang boleh membuka kunci akun.'),
    ('no API token 12', 'Token API 12 tidak ada.'),
    ('The data cannot be accepted', 'Data tidak dapat diterima.'),
    ('The case cannot be started with this data', 'Pengajuan tidak dapat dimulai dengan data ini.'),
    ("The CSRF token is missing.", "Token keamanan formulir tidak ada. Muat ulang halaman lalu kirim lagi."),
    ("The CSRF token has expired.", "Formulir ini sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi."),
    ("The CSRF tokens do not match.", "Token keamanan formulir tidak cocok. Muat ulang halaman lalu kirim lagi."),
]

#: jsonschema's words for a form field (``Problem.field`` set), as the form shows them.
FIELD_CHECKS = [
    ("[] should be non-empty", "Wajib diisi."),
    ("'perbaiki' should not be valid under {'const': 'perbaiki'}",
     "Pilihan ini tidak dapat dipakai bersama keputusan yang dipilih."),
    ("'xxxx' is too long", "Isian ini terlalu panjang."),
    ("'' is too short", "Wajib diisi."),
    ("'31-02-2026' is not a 'date'", "Isi dengan tanggal yang sah (hari-bulan-tahun)."),
    ("'x' is not a 'email'", "Isian ini tidak sesuai format."),
    ("'lama' is not one of ['baru', 'pengembangan']", "Pilih salah satu pilihan yang tersedia."),
    ("0 is less than the minimum of 1", "Paling sedikit 1."),
    ("12 is greater than the maximum of 10", "Paling banyak 10."),
    ("'dua' is not of type 'integer'", "Isi dengan bilangan bulat, misalnya 3."),
    ("'dua' is not of type 'number'", "Isi dengan angka, misalnya 2,5."),
    ("['sari', 'sari'] has non-unique elements", "Ada pilihan yang sama lebih dari sekali."),
]


@pytest.fixture
def page_app(make_app):
    """An app for ``test_request_context`` (no schema needed to say words)."""
    return make_app()


def switch_language() -> None:
    """Let the next request choose its language again: the ``svc`` fixture keeps a request context
    open, so the client's requests share its ``g`` and with it Flask-Babel's cached locale."""
    from flask_babel import refresh

    refresh()


def text_of(response) -> str:
    """A page's text with entities resolved (``&#39;`` → ``'``), tags kept."""
    return html.unescape(response.get_data(as_text=True))


# ---- the table ------------------------------------------------------------------------------
def test_each_engine_message_is_said_in_indonesian(page_app):
    from webapp.engine_text import problem_text, say

    with page_app.test_request_context("/"):
        for message, expected in INDONESIAN:
            assert say(message) == expected, message
            assert problem_text(Problem(message, element="x", line=3)) == expected
        for message, expected in FIELD_CHECKS:
            assert problem_text(Problem(message, field="jumlah")) == expected, message


def test_every_pattern_meets_an_engine_message():
    from webapp.engine_text import PATTERNS

    messages = [m for m, _ in INDONESIAN + FIELD_CHECKS]
    unused = [p.pattern for p in PATTERNS if not any(p.fullmatch(m) or p.search(m) for m in messages)]
    assert unused == []


def test_unknown_text_passes_through_unchanged(page_app):
    from webapp.engine_text import problem_text, say

    with page_app.test_request_context("/"):
        for text in ("", "something new went wrong", "Pilih berkas BPMN (.bpmn) untuk diunggah.",
                     "line 3: a thing the engine never said", "The requested URL was not found on the server."):
            assert say(text) == text
        # jsonschema's words only count for a form field: a diagram's problem keeps its own
        assert problem_text(Problem("'x' is not one of ['a']", element="Task_1")) == "'x' is not one of ['a']"
        # a joined message whose halves are known elsewhere: both halves are said
        assert say("Invalid data: data must be an object") == "Data tidak sah: data harus berupa objek JSON"


def test_english_pages_get_the_english_words(page_app):
    from webapp.engine_text import say

    with page_app.test_request_context("/?lang=en"):
        assert say(LANE_REFUSAL) == ("You may not do this step: this step belongs to the lane 'Instansi Pemilik', "
                                     "and you do not hold that role.")
        assert say("the case is suspended; nothing can be done on it now") == \
            "The case is suspended; nothing can be done on it now."
        assert say("a case that is 'completed' cannot be suspended") == "A case that is completed cannot be suspended."
        assert say("this step is already completed") == "This step is already completed."
        assert say("no task 'abc'") == "No step 'abc'."
        assert say("item K-04 (Ekspor data) has no 'Skenario uji'") == "Item K-04 (Ekspor data) has no 'Skenario uji'."


def _raised(call) -> list[str]:
    """The messages of an engine refusal: its own and each problem's."""
    try:
        call()
    except Invalid as exc:
        return [exc.message] + [p.message for p in exc.problems]
    except (FormError, UnsafeExpression) as exc:
        return [str(exc)]
    raise AssertionError("expected a refusal")


def test_what_the_engines_checks_say_is_all_translated(page_app, tmp_path):
    """Messages produced by the engine's own code paths, not copied: each has Indonesian words."""
    from webapp.engine_text import say

    sop = SOP_FILE.read_bytes()
    broken = (sop.replace(b'targetRef="Gateway_ReviewSpesifikasi"', b'targetRef="Tidak_Ada"', 1)
              .replace(b'name="Kasi Sistem"', b'name=""', 1)
              .replace(b"<bpmn:flowNodeRef>Step11</bpmn:flowNodeRef>", b"<bpmn:flowNodeRef>Step99</bpmn:flowNodeRef>")
              .replace(b'name="sop.step" value="1"', b'name="sop.step" value="satu"', 1)
              .replace(b'name="sop.duration" value="P3D"', b'name="sop.duration" value="3 hari"', 1)
              .replace(b'value="step01_identifikasi_kebutuhan.json"', b'value="kebutuhan.txt"', 1)
              .replace(b"spec_approved == True", b"__import__('os')", 1))
    (tmp_path / "step01_rusak.json").write_text("{", encoding="utf-8")
    messages = _raised(lambda: load_bpmn(broken, forms_dir=FORMS, max_bytes=10**7))
    assert len(messages) >= 8, messages
    for data, limit in ((b"x" * 11, 10), (b"  ", 10**6), (b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', 10**6),
                        (b"<html/>", 10**6)):
        messages += _raised(lambda: parse_xml(data, limit))
    messages += _raised(lambda: parse_xml(b"<a>", 10**6))[:1]  # the problem itself is lxml's words
    for name in ("", "../rahasia.pdf", "a\x01.pdf", "a" * 201 + ".pdf", "setup.exe", "README"):
        messages += _raised(lambda: check_filename(name))
    for source in ("x" * 2001, "1 +", "lambda: 1", "_x > 1", "b'x'", "10000000000000 > 1", "'a' * 3",
                   "open(1)", "len(*x)"):
        messages += _raised(lambda: check_expression(source))
    messages += _raised(lambda: load_form(FORMS, "kebutuhan.txt"))
    messages += _raised(lambda: load_form(FORMS, "step99_tidak_ada.json"))
    messages += _raised(lambda: load_form(tmp_path, "step01_rusak.json"))
    lane_row = SimpleNamespace(has_assignees=False, lane="Staf", assignees=[])
    appointed = SimpleNamespace(has_assignees=True, lane="Staf", assignees=[SimpleNamespace(username="sari")])
    messages += ["you may not do this step: " + access.refusal(None, row) for row in (lane_row, appointed)]
    with page_app.test_request_context("/"):
        untranslated = [m for m in messages if say(m) == m]
        assert untranslated == []
        said = " | ".join(say(m) for m in messages)
    assert "targetRef 'Tidak_Ada' tidak menunjuk elemen alur" in said
    assert "sop.form: 'kebutuhan.txt' bukan nama berkas formulir" in said
    assert "Syarat '__import__('os')' tidak aman atau tidak sah: hanya fungsi-fungsi ini yang boleh dipanggil" in said


# ---- pages ----------------------------------------------------------------------------------
@pytest.fixture
def step1(svc):
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean puskesmas")
    return ready(svc, case.id)


def test_another_lanes_step_is_refused_in_indonesian_naming_the_lane(client, login, step1):
    login("analis")  # may see the case (a lane of the SOP), may not do step 1
    response = client.post(f"/tasks/{step1.id}/complete", data=STEP1_DATA)
    page = text_of(response)
    assert response.status_code == 403 and "Akses ditolak" in page
    assert ("Anda tidak dapat mengerjakan langkah ini: langkah ini dikerjakan oleh pelaksana 'Instansi Pemilik', "
            "dan Anda tidak memegang peran itu.") in page
    assert "you may not do this step" not in page
    switch_language()
    # the same refusal with English chosen
    response = client.post(f"/tasks/{step1.id}/complete?lang=en", data=STEP1_DATA)
    page = text_of(response)
    assert response.status_code == 403 and "Access denied" in page
    assert ("You may not do this step: this step belongs to the lane 'Instansi Pemilik', "
            "and you do not hold that role.") in page


def test_a_step_taken_by_someone_else_is_refused_in_indonesian(client, login, svc, step1):
    svc.users.create("pemilik2", "rahasia123", ["Instansi Pemilik"], full_name="Pemilik Dua")
    svc.session.commit()
    svc.claim(step1.id, svc.users.get("pemilik2"))
    login("pemilik")
    response = upload(client, step1.id)
    assert response.status_code == 403
    assert "Langkah ini sudah diambil oleh pemilik2." in text_of(response)


def test_the_json_api_keeps_the_engines_english(client, tokens, step1):
    from api_driver import FlaskClientAPI

    api = FlaskClientAPI(client, tokens)
    status, body = api.request("POST", f"/api/tasks/{step1.id}/complete", "analis", json={"data": STEP1_DATA})
    assert status == 403 and body["error"] == {"code": "forbidden", "message": LANE_REFUSAL}
    status, body = api.request("GET", "/api/tasks/tidak-ada", "analis")
    assert status == 404 and body["error"]["message"] == "no task 'tidak-ada'"


def test_working_on_a_completed_step_gives_409_in_indonesian(client, login, step1):
    login("pemilik")
    upload(client, step1.id)
    assert client.post(f"/tasks/{step1.id}/complete", data=STEP1_DATA).status_code == 302
    response = upload(client, step1.id, "lagi.pdf")
    page = text_of(response)
    assert response.status_code == 409 and "Sudah berubah sementara itu" in page
    assert "Langkah ini sudah selesai." in page and "already" not in page
    switch_language()
    page = text_of(client.post(f"/tasks/{step1.id}/attachments?lang=en",
                               data={"file": (io.BytesIO(b"%PDF-1.4"), "lagi.pdf")},
                               content_type="multipart/form-data"))
    assert "This step is already completed." in page


def test_a_suspended_case_is_said_in_indonesian(client, login, svc, step1):
    login("admin")
    assert client.post(f"/instances/{step1.instance_id}/status", data={"action": "suspend"}).status_code == 302
    response = client.post(f"/instances/{step1.instance_id}/status", data={"action": "suspend"})
    assert response.status_code == 409
    assert "Pengajuan yang ditangguhkan tidak dapat ditangguhkan." in text_of(response)
    login("pemilik")
    response = upload(client, step1.id)
    assert response.status_code == 409
    assert "Pengajuan ini ditangguhkan; saat ini tidak ada yang dapat dikerjakan padanya." in text_of(response)


def test_a_missing_step_is_said_in_indonesian(client, login):
    login("pemilik")
    response = client.get("/tasks/tidak-ada")
    assert response.status_code == 404 and "Langkah 'tidak-ada' tidak ditemukan." in text_of(response)


def test_bpmn_upload_problems_in_indonesian_and_english(client, login, svc):
    login("admin")
    data = SOP_FILE.read_bytes().replace(b'targetRef="Gateway_ReviewSpesifikasi"', b'targetRef="Tidak_Ada"', 1)
    line = data[:data.index(b'targetRef="Tidak_Ada"')].count(b"\n") + 1
    form = lambda: {"file": (io.BytesIO(data), "sop-rusak.bpmn"), "expected_key": SOP_KEY}  # noqa: E731
    response = client.post("/processes/deploy", data=form(), content_type="multipart/form-data")
    page = text_of(response)
    assert response.status_code == 422
    row = re.search(r"<tr>\s*<td>baris (\d+)</td>\s*<td><code>([^<]+)</code></td>\s*<td>([^<]+)</td>", page)
    assert row, page
    assert int(row[1]) == line and "Flow_03_ReviewSpesifikasi" in row[2]
    assert row[3] == "targetRef 'Tidak_Ada' tidak menunjuk elemen alur (flow node) mana pun dalam proses ini."
    switch_language()
    response = client.post("/processes/deploy?lang=en", data=form(), content_type="multipart/form-data")
    page = text_of(response)
    assert response.status_code == 422
    assert "targetRef 'Tidak_Ada' does not name a flow node of this process." in page
    assert [d.version for d in svc.versions(SOP_KEY)] == [1]


def test_every_engine_message_has_an_english_translation():
    from babel.messages.pofile import read_po

    po_path = Path(__file__).parent.parent / "webapp" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with open(po_path, "rb") as f:
        po = read_po(f, locale="en")
    ours = [m for m in po if m.id and any(loc == "webapp/engine_text.py" for loc, _ in m.locations)]
    assert len(ours) > 90
    assert [m.id for m in ours if not m.string] == []
