"""The engine's messages in the user's language.

The engine (``engine/``) speaks English, the language of its API; its messages reach the pages
through errors (:mod:`webapp.errors`), the BPMN upload's problem table and the forms. ``say``
words one whole message as the page's language has it (Indonesian, the source language of the
catalog, or its English msgstr), keeping the names inside it (usernames, element ids, lanes, file
names) as they are; ``problem_text`` does the same for one :class:`~engine.errors.Problem`.
A message no pattern knows comes back unchanged. The JSON API never calls this: it keeps the
engine's own words.
"""
from __future__ import annotations

import re
from typing import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.errors import Problem

Say = Callable[[re.Match], str]

#: A case's status (``Instance.status``) inside a sentence.
CASE_STATUS = {"running": _l("berjalan"), "suspended": _l("ditangguhkan"), "completed": _l("selesai"),
               "terminated": _l("dihentikan"), "withdrawn": _l("ditarik kembali"), "error": _l("mengalami galat")}


def _status(word: str) -> str:
    return str(CASE_STATUS.get(word, word))


def _clause(text: str) -> str:
    """A sentence as the second half of ``head: tail``: no full stop, a small first letter
    (an acronym such as ``BPMN`` keeps its capitals)."""
    text = text.rstrip()
    if text.endswith("."):
        text = text[:-1]
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def _refused_case(m: re.Match) -> str:
    status, action = _status(m[1]), m[2]
    if action == "suspend":
        return _("Pengajuan yang %(status)s tidak dapat ditangguhkan.", status=status)
    if action.startswith("resum"):
        return _("Pengajuan yang %(status)s tidak dapat dilanjutkan.", status=status)
    return _("Pengajuan yang %(status)s tidak dapat dihentikan.", status=status)


def _step_already(m: re.Match) -> str:
    if m[1] == "completed":
        return _("Langkah ini sudah selesai.")
    if m[1] == "cancelled":
        return _("Langkah ini sudah dibatalkan.")
    return _("Langkah ini sudah tidak menunggu (%(state)s).", state=m[1])


# ---- whole messages (matched in full) ------------------------------------------------------
_MESSAGES: list[tuple[re.Pattern, Say]] = [(re.compile(p, re.S), words) for p, words in [
    # refusals and conflicts on steps and cases (engine/ops_tasks.py, ops_instances.py, access.py)
    (r"you may not do this step: (.+)",
     lambda m: _("Anda tidak dapat mengerjakan langkah ini: %(why)s.", why=_clause(say(m[1])))),
    (r"this step belongs to the lane '(.*)', and you do not hold that role",
     lambda m: _("Langkah ini dikerjakan oleh pelaksana '%(lane)s', dan Anda tidak memegang peran itu.",
                 lane=m[1])),
    (r"this step is appointed to (.+)", lambda m: _("Yang ditunjuk untuk langkah ini adalah %(names)s.", names=m[1])),
    (r"this step has been taken by (.+)", lambda m: _("Langkah ini sudah diambil oleh %(user)s.", user=m[1])),
    (r"this step was taken by (.+); only they or an admin may release it",
     lambda m: _("Langkah ini diambil oleh %(user)s; hanya dia atau admin yang boleh melepaskannya.", user=m[1])),
    (r"this step is already (\w+)", _step_already),
    (r"this step is not taken by anyone", lambda m: _("Langkah ini tidak sedang diambil siapa pun.")),
    (r"this step is no longer waiting; reload the case",
     lambda m: _("Langkah ini sudah tidak menunggu; muat ulang halaman pengajuan.")),
    (r"someone else took this step meanwhile", lambda m: _("Langkah ini baru saja diambil orang lain.")),
    # webhooks (engine/ops_notifications.py, engine/webhook_client.py)
    (r"use an http:// or https:// address", lambda m: _("Gunakan alamat http:// atau https://.")),
    (r"the address is longer than (\d+) characters",
     lambda m: _("Alamat paling panjang %(n)s karakter.", n=m[1])),
    (r"choose at least one of the known events", lambda m: _("Pilih paling sedikit satu peristiwa.")),
    (r"no webhook (\d+)", lambda m: _("Webhook %(id)s tidak ditemukan.", id=m[1])),
    (r"that was just done by someone else", lambda m: _("Hal itu baru saja dilakukan orang lain.")),
    (r"the case is being changed by someone else; try again",
     lambda m: _("Pengajuan ini sedang diubah orang lain; coba lagi.")),
    (r"the case was changed by someone else meanwhile; reload and try again",
     lambda m: _("Pengajuan ini baru saja diubah orang lain; muat ulang halaman lalu coba lagi.")),
    (r"the case is (\w+); nothing can be done on it now",
     lambda m: _("Pengajuan ini %(status)s; saat ini tidak ada yang dapat dikerjakan padanya.", status=_status(m[1]))),
    (r"a case that is '(\w+)' cannot be (suspend|resum|terminat)ed", _refused_case),
    (r"you may not see this case", lambda m: _("Anda tidak berhak melihat pengajuan ini.")),
    (r"you may not see this task", lambda m: _("Anda tidak berhak melihat langkah ini.")),
    (r"you hold none of this process's roles, so you may not start it",
     lambda m: _("Anda tidak memegang satu pun peran dalam proses ini, jadi tidak dapat memulainya.")),
    (r"only administrators may reassign a step", lambda m: _("Hanya admin yang boleh mengalihkan langkah.")),
    (r"only administrators may suspend, resume or terminate a case",
     lambda m: _("Hanya admin yang boleh menangguhkan, melanjutkan atau menghentikan pengajuan.")),
    (r"only administrators manage users", lambda m: _("Hanya admin yang boleh mengelola pengguna.")),
    (r"only administrators manage holidays", lambda m: _("Hanya admin yang boleh mengelola hari libur.")),
    (r"unknown action '(.*)'", lambda m: _("Tindakan '%(action)s' tidak dikenal.", action=m[1])),
    (r"give a reason for terminating", lambda m: _("Tuliskan alasan penghentian.")),
    (r"status must be one of (.+)", lambda m: _("Status harus salah satu dari: %(choices)s.", choices=m[1])),
    (r"tab must be ready, mine, lanes or done",
     lambda m: _("Tab harus salah satu dari: ready, mine, lanes, done.")),
    (r"data must be an object", lambda m: _("Data harus berupa objek JSON.")),
    # what is not there (NotFound)
    (r"no task '(.*)'", lambda m: _("Langkah '%(id)s' tidak ditemukan.", id=m[1])),
    (r"no instance (\S+)", lambda m: _("Pengajuan %(id)s tidak ditemukan.", id=m[1])),
    (r"no process '(.*)'", lambda m: _("Tidak ada proses '%(key)s'.", key=m[1])),
    (r"no process definition (\S+)", lambda m: _("Versi proses %(id)s tidak ditemukan.", id=m[1])),
    (r"no attachment (\S+) on this step", lambda m: _("Lampiran %(id)s tidak ada pada langkah ini.", id=m[1])),
    (r"no attachment (\S+)", lambda m: _("Lampiran %(id)s tidak ditemukan.", id=m[1])),
    (r"the file is missing from storage", lambda m: _("Berkas itu tidak ditemukan di tempat penyimpanan.")),
    (r"no holiday (\S+)", lambda m: _("Hari libur %(id)s tidak ditemukan.", id=m[1])),
    (r"no user '(.*)'", lambda m: _("Pengguna '%(u)s' tidak ditemukan.", u=m[1])),
    # the step's form and its people (engine/ops_tasks.py)
    (r"this field is required", lambda m: _("Wajib diisi.")),
    # list fields (engine/item_lists.py)
    (r"item (\S+) \((.*)\) has no '(.*)'",
     lambda m: _("Butir %(id)s (%(label)s) belum memiliki '%(column)s'.", id=m[1], label=m[2], column=m[3])),
    (r"item (\S+) is not in the list '(.*)'",
     lambda m: _("Butir %(id)s tidak ada dalam daftar '%(list)s'.", id=m[1], list=m[2])),
    (r"item (\S+) is in the list more than once",
     lambda m: _("Butir %(id)s tercantum lebih dari sekali.", id=m[1])),
    (r"item id '(.*)' should look like (\S+)",
     lambda m: _("Nomor butir '%(id)s' seharusnya berbentuk seperti %(example)s.", id=m[1], example=m[2])),
    (r"each item needs an id", lambda m: _("Setiap butir memerlukan nomor.")),
    (r"the list has more than (\d+) items", lambda m: _("Daftar ini berisi lebih dari %(n)s butir.", n=m[1])),
    (r"no active user '(.*)'", lambda m: _("Pengguna '%(u)s' tidak ada atau tidak aktif.", u=m[1])),
    (r"'(.*)' does not hold the role '(.*)'", lambda m: _("'%(u)s' tidak memegang peran '%(r)s'.", u=m[1], r=m[2])),
    (r"attach the deliverable '(.*)' before completing",
     lambda m: _("Unggah dokumen keluaran \"%(o)s\" sebelum menyelesaikan langkah ini.", o=m[1])),
    # users and holidays (engine/users.py, engine/ops_administration.py)
    (r"user '(.*)' already exists", lambda m: _("Pengguna '%(u)s' sudah ada.", u=m[1])),
    (r"use letters, digits, '\.', '-' or '_' \(at most 80\)",
     lambda m: _("Gunakan huruf, angka, '.', '-' atau '_' (paling banyak 80 karakter).")),
    (r"the password needs at least 8 characters", lambda m: _("Kata sandi minimal 8 karakter.")),
    (r"the diagram holds the process '(.*)', not '(.*)'",
     lambda m: _("Diagram ini berisi proses '%(found)s', bukan '%(expected)s'. Kembalikan id proses menjadi "
                 "'%(expected)s', atau unggah dari halaman Proses bila memang proses baru.", found=m[1], expected=m[2])),
    (r"a process with the key '(.*)' already exists",
     lambda m: _("Sudah ada proses dengan kunci '%(key)s'. Ganti kunci proses, atau sunting proses itu dari "
                 "halamannya.", key=m[1])),
    (r"'(.*)' is the key of a new, unnamed diagram; give the process a key of its own",
     lambda m: _("Beri proses ini kuncinya sendiri (panel Proses), bukan '%(key)s'.", key=m[1])),
    (r"the current password is wrong", lambda m: _("Kata sandi sekarang salah.")),
    (r"the new password is the same as the current one",
     lambda m: _("Kata sandi baru sama dengan yang sekarang.")),
    (r"you cannot take away your own administrator rights or deactivate yourself",
     lambda m: _("Anda tidak dapat mencabut hak admin Anda sendiri atau menonaktifkan diri sendiri.")),
    (r"use YYYY-MM-DD", lambda m: _("Tulis tanggal sebagai TTTT-BB-HH, misalnya 2026-12-24.")),
    (r"(\S+) is already an extra holiday",
     lambda m: _("%(day)s sudah tercatat sebagai hari libur tambahan.", day=m[1])),
    # attachments (engine/files.py)
    (r"the file has no name", lambda m: _("Berkas tidak bernama.")),
    (r"the file name '(.*)' contains a path; send a plain file name",
     lambda m: _("Nama berkas '%(name)s' memuat folder; kirim nama berkasnya saja.", name=m[1])),
    (r"the file name contains control characters", lambda m: _("Nama berkas memuat karakter kontrol.")),
    (r"the file name is longer than 200 bytes", lambda m: _("Nama berkas lebih dari 200 byte.")),
    (r"files of type '(.*)' are not accepted; allowed: (.+)",
     lambda m: _("Berkas berjenis '%(ext)s' tidak diterima; yang diterima: %(allowed)s.", ext=m[1], allowed=m[2])),
    (r"the file name has no extension \(e\.g\. \.pdf, \.docx\)",
     lambda m: _("Nama berkas tidak berekstensi (misalnya .pdf, .docx).")),
    (r"the file is empty", lambda m: _("Berkas itu kosong.")),
    (r"the file is larger than (\d+) MB", lambda m: _("Berkas lebih besar dari %(n)s MB.", n=m[1])),
    (r"the upload is larger than (\d+) MB", lambda m: _("Unggahan lebih besar dari %(n)s MB.", n=m[1])),
    # the BPMN file (engine/bpmn_loader.py, engine/forms.py, engine/expressions.py)
    (r"the file is (\d+) bytes; at most (\d+) are accepted",
     lambda m: _("Berkas berukuran %(n)s byte; paling besar %(max)s byte yang diterima.", n=m[1], max=m[2])),
    (r"DOCTYPE and entity declarations are not allowed",
     lambda m: _("Deklarasi DOCTYPE dan entitas tidak diperbolehkan.")),
    (r"entity references are not allowed", lambda m: _("Rujukan entitas tidak diperbolehkan.")),
    (r"the root element is '(.*)', expected bpmn:definitions in namespace (\S+)",
     lambda m: _("Elemen akarnya '%(root)s'; seharusnya bpmn:definitions dalam namespace %(ns)s.",
                 root=m[1], ns=m[2])),
    (r"expected exactly one bpmn:process, found (\d+)",
     lambda m: _("Berkas harus memuat tepat satu bpmn:process; yang ada %(n)s.", n=m[1])),
    (r"the process has no id", lambda m: _("Proses tidak memiliki id.")),
    (r"duplicate id '(.*)'", lambda m: _("Id '%(id)s' dipakai lebih dari sekali.", id=m[1])),
    (r"the id '(.*)' collides with SpiffWorkflow's internal task names; rename it \(e\.g\. '(.*)'\)",
     lambda m: _("Id '%(id)s' sama dengan nama tugas internal SpiffWorkflow; ganti id itu (misalnya '%(other)s').",
                 id=m[1], other=m[2])),
    (r"(sourceRef|targetRef) '(.*)' does not name a flow node of this process",
     lambda m: _("%(attr)s '%(ref)s' tidak menunjuk elemen alur (flow node) mana pun dalam proses ini.",
                 attr=m[1], ref=m[2])),
    (r"unsafe or invalid condition '(.*)': (.+)",
     lambda m: _("Syarat '%(cond)s' tidak aman atau tidak sah: %(why)s.", cond=m[1], why=_clause(say(m[2])))),
    (r"invalid timer expression \(quote durations: \"'P3D'\"\): (.+)",
     lambda m: _("Ekspresi timer tidak sah (tulis durasi di antara tanda kutip: \"'P3D'\"): %(why)s.",
                 why=_clause(say(m[1])))),
    (r"script tasks are disabled on this server", lambda m: _("Script task dinonaktifkan di server ini.")),
    (r"(preScript|postScript) is disabled on this server",
     lambda m: _("%(tag)s dinonaktifkan di server ini.", tag=m[1])),
    (r"the lane has no name \(its name is the role that does its tasks\)",
     lambda m: _("Lane pelaksana ini tidak bernama; namanya adalah peran yang mengerjakan tugas-tugasnya.")),
    (r"flowNodeRef '(.*)' does not name a flow node",
     lambda m: _("flowNodeRef '%(ref)s' tidak menunjuk elemen alur (flow node) mana pun.", ref=m[1])),
    (r"the task is in no lane, so nobody could do it",
     lambda m: _("Tugas ini tidak berada dalam lane pelaksana mana pun, jadi tidak ada yang dapat mengerjakannya.")),
    (r"sop\.form: (.+)", lambda m: _("sop.form: %(why)s.", why=_clause(say(m[1])))),
    (r"'(.*)' is not a form file name \(expected something like step01_x\.json\)",
     lambda m: _("'%(name)s' bukan nama berkas formulir (contohnya step01_x.json).", name=m[1])),
    (r"form file '(.*)' does not exist in (.+)",
     lambda m: _("Berkas formulir '%(name)s' tidak ada di %(folder)s.", name=m[1], folder=m[2])),
    (r"form file '(.*?)' is not a valid JSON Schema: (.+)",
     lambda m: _("Berkas formulir '%(name)s' bukan JSON Schema yang sah: %(why)s", name=m[1], why=m[2])),
    (r"sop\.duration '(.*)' is not an ISO 8601 duration like P3D or PT120M",
     lambda m: _("sop.duration '%(value)s' bukan durasi ISO 8601 seperti P3D atau PT120M.", value=m[1])),
    (r"camunda:dueDate '(.*)' is not a duration alur can use; give an ISO 8601 duration like P3D "
     r"\(working time from when the step becomes ready\), or set sop\.duration",
     lambda m: _("camunda:dueDate '%(value)s' bukan durasi yang dapat dipakai alur; tulis durasi ISO 8601 seperti "
                 "P3D (waktu kerja sejak langkah siap), atau isi sop.duration.", value=m[1])),
    (r"sop\.step '(.*)' is not a whole number",
     lambda m: _("sop.step '%(value)s' bukan bilangan bulat.", value=m[1])),
    (r"sop\.assignee '(.*)' is not a variable name",
     lambda m: _("sop.assignee '%(value)s' bukan nama variabel.", value=m[1])),
    (r"a flow leaving a decision needs a condition or must be the gateway's default",
     lambda m: _("Alur yang keluar dari percabangan keputusan perlu syarat, atau harus menjadi alur bawaan "
                 "gateway itu.")),
    (r"the diagram could not be compiled: (.+)",
     lambda m: _("Diagram tidak dapat dikompilasi: %(why)s", why=m[1])),
    (r"expression longer than (\d+) characters",
     lambda m: _("Ekspresi lebih dari %(n)s karakter.", n=m[1])),
    (r"not a valid expression: (.+)", lambda m: _("Bukan ekspresi yang sah: %(why)s", why=m[1])),
    (r"'(\w+)' is not allowed in an expression",
     lambda m: _("'%(what)s' tidak diperbolehkan dalam ekspresi.", what=m[1])),
    (r"name '(.*)' is not allowed \(no underscore names\)",
     lambda m: _("Nama '%(name)s' tidak diperbolehkan (nama dengan garis bawah dilarang).", name=m[1])),
    (r"bytes literals are not allowed", lambda m: _("Literal bytes tidak diperbolehkan.")),
    (r"number too large", lambda m: _("Angkanya terlalu besar.")),
    (r"repeating strings or lists with \* is not allowed",
     lambda m: _("Mengulang teks atau daftar dengan * tidak diperbolehkan.")),
    (r"only these functions may be called: (.+)",
     lambda m: _("Hanya fungsi-fungsi ini yang boleh dipanggil: %(names)s.", names=m[1])),
    (r"function calls take plain positional arguments only",
     lambda m: _("Fungsi hanya boleh dipanggil dengan argumen posisi biasa.")),
    # the titles of refusals (``Invalid.message``)
    (r"Invalid BPMN", lambda m: _("Berkas BPMN tidak sah.")),
    (r"Invalid BPMN: not well-formed XML", lambda m: _("Berkas BPMN tidak sah: XML-nya tidak tersusun dengan benar.")),
    (r"Invalid BPMN: not a BPMN 2\.0 file", lambda m: _("Berkas BPMN tidak sah: bukan berkas BPMN 2.0.")),
    (r"BPMN file too large", lambda m: _("Berkas BPMN terlalu besar.")),
    (r"Invalid attachment", lambda m: _("Lampiran tidak dapat diterima.")),
    (r"Invalid data", lambda m: _("Data tidak sah.")),
    (r"Invalid date", lambda m: _("Tanggal tidak sah.")),
    (r"Invalid filter", lambda m: _("Saringan tidak sah.")),
    (r"Invalid user", lambda m: _("Data pengguna tidak sah.")),
    (r"Invalid action", lambda m: _("Tindakan tidak sah.")),
    (r"The step cannot be completed yet", lambda m: _("Langkah ini belum dapat diselesaikan.")),
    # bounds on data, durations, logins and tokens (engine/data_limits.py, calendar.py, ops_logins.py)
    ('nested too deeply: at most (\\d+) levels',
     lambda m: _("Bersarang terlalu dalam: paling banyak %(n)s tingkat.", n=m[1])),
    ('the text is too long: at most (\\d+) characters',
     lambda m: _("Teks terlalu panjang: paling banyak %(n)s karakter.", n=m[1])),
    ('the list is too long: at most (\\d+) items',
     lambda m: _("Daftar terlalu panjang: paling banyak %(n)s butir.", n=m[1])),
    ('too many fields: at most (\\d+)',
     lambda m: _("Terlalu banyak isian: paling banyak %(n)s.", n=m[1])),
    ('too much data: at most (\\d+) values in all',
     lambda m: _("Data terlalu banyak: paling banyak %(n)s nilai seluruhnya.", n=m[1])),
    ('the number is too large',
     lambda m: _("Angkanya terlalu besar.")),
    ('the number must be finite \\(NaN and Infinity are not numbers JSON knows\\)',
     lambda m: _("Angka harus terhingga (NaN dan Infinity bukan angka).")),
    ('(?:field name: )?text must not contain NUL characters',
     lambda m: _("Teks tidak boleh memuat karakter NUL.")),
    ('(?:field name: )?text must be valid Unicode \\(a lone surrogate was found\\)',
     lambda m: _("Teks harus berupa Unicode yang sah.")),
    ('field names must be text',
     lambda m: _("Nama isian harus berupa teks.")),
    ('a field name must have 1 to (\\d+) characters',
     lambda m: _("Nama isian harus 1 sampai %(n)s karakter.", n=m[1])),
    ('a value of type (\\w+) is not JSON data',
     lambda m: _("Nilai bertipe %(type)s bukan data JSON.", type=m[1])),
    ("the saved state of case (\\d+) cannot be read \\((.*)\\); an administrator can inspect it with 'alur check'",
     lambda m: _("Keadaan tersimpan pengajuan %(id)s tidak dapat dibaca (%(why)s); admin dapat memeriksanya dengan 'alur check'.", id=m[1], why=m[2])),
    ("the duration '(.*)' is longer than the (\\d+) days alur accepts",
     lambda m: _("Durasi '%(value)s' lebih panjang dari %(n)s hari yang diterima alur.", value=m[1], n=m[2])),
    ("the duration '(.*)' is negative",
     lambda m: _("Durasi '%(value)s' negatif.", value=m[1])),
    ('you may end only your own login sessions',
     lambda m: _("Anda hanya dapat mengakhiri sesi masuk Anda sendiri.")),
    ('you may revoke only your own API tokens',
     lambda m: _("Anda hanya dapat mencabut token API Anda sendiri.")),
    ('only administrators may unlock accounts',
     lambda m: _("Hanya admin yang boleh membuka kunci akun.")),
    ('no API token (\\d+)',
     lambda m: _("Token API %(id)s tidak ada.", id=m[1])),
    ('The data cannot be accepted',
     lambda m: _("Data tidak dapat diterima.")),
    ('The case cannot be started with this data',
     lambda m: _("Pengajuan tidak dapat dimulai dengan data ini.")),
    # the web layer's own English, on pages (Flask-WTF's CSRF check)
    (r"The CSRF token is missing\.|The CSRF session token is missing\.",
     lambda m: _("Token keamanan formulir tidak ada. Muat ulang halaman lalu kirim lagi.")),
    (r"The CSRF token has expired\.",
     lambda m: _("Formulir ini sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi.")),
    (r"The CSRF token is invalid\.|The CSRF tokens do not match\.",
     lambda m: _("Token keamanan formulir tidak cocok. Muat ulang halaman lalu kirim lagi.")),
]]

# ---- a form field's JSON Schema checks (jsonschema's words, found anywhere in a field's problem) ----
_VALIDATION: list[tuple[re.Pattern, Say]] = [(re.compile(p), words) for p, words in [
    (r"should be non-empty|is too short|expected a minimum of 1", lambda m: _("Wajib diisi.")),
    (r"is not a '(date)'", lambda m: _("Isi dengan tanggal yang sah (hari-bulan-tahun).")),
    (r"is not a '(uri|email)'", lambda m: _("Isian ini tidak sesuai format.")),
    (r"is not one of", lambda m: _("Pilih salah satu pilihan yang tersedia.")),
    (r"is less than the minimum of (\S+)", lambda m: _("Paling sedikit %(n)s.", n=m[1])),
    (r"is greater than the maximum of (\S+)", lambda m: _("Paling banyak %(n)s.", n=m[1])),
    (r"is not of type 'integer'", lambda m: _("Isi dengan bilangan bulat, misalnya 3.")),
    (r"is not of type 'number'", lambda m: _("Isi dengan angka, misalnya 2,5.")),
    (r"has non-unique elements", lambda m: _("Ada pilihan yang sama lebih dari sekali.")),
    (r"should not be valid under", lambda m: _("Pilihan ini tidak dapat dipakai bersama keputusan yang dipilih.")),
    (r"is too long|is longer than", lambda m: _("Isian ini terlalu panjang.")),
]]

#: Every pattern (the tests check that some engine message meets each).
PATTERNS: tuple[re.Pattern, ...] = tuple(p for p, _words in _MESSAGES + _VALIDATION)


def _whole(message: str) -> str | None:
    """The words of the pattern that matches all of ``message``, or None."""
    for pattern, words in _MESSAGES:
        m = pattern.fullmatch(message)
        if m:
            return words(m)
    return None


def say(message: str) -> str:
    """One engine message in the page's language; an unknown one comes back as it was.

    A message joined from two (``head: tail``) that no pattern knows as a whole has each half
    said on its own.
    """
    if not message:
        return message
    text = _whole(message)
    if text is not None:
        return text
    head, sep, tail = message.partition(": ")
    if sep and tail:
        head_text, tail_text = say(head), say(tail)
        if head_text != head or tail_text != tail:
            return head_text.rstrip(".") + ": " + _clause(tail_text)
    return message


def problem_text(problem: Problem) -> str:
    """A problem's message in the page's language (where it is, field or element and line, aside).

    A form field's problem may also be one of jsonschema's checks, found anywhere in its message
    (``'x' is not of type 'integer'``)."""
    if problem.field:
        text = _whole(problem.message)
        if text is not None:
            return text
        for pattern, words in _VALIDATION:
            m = pattern.search(problem.message)
            if m:
                return words(m)
    return say(problem.message)
