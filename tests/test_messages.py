"""Messages by code: every code the engine raises is registered (engine/messages.py) with its
params supplied, and has Indonesian words in the web app's catalogue (webapp/message_text.py)
with an English translation; pages say refusals in the user's language, the JSON API keeps the
engine's English and sends each problem's code and params."""
from __future__ import annotations

import ast
import html
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po

from engine import access
from engine.bpmn_loader import load_bpmn, parse_xml
from engine.errors import AlurError, Conflict, Invalid, NotFound, Problem
from engine.expressions import UnsafeExpression, check_expression
from engine.files import check_filename
from engine.forms import FormError, load_form, validate_data
from engine.messages import MESSAGES, Message, fields
from helpers.sop_walk import SOP_KEY
from helpers.cases import ready
from helpers.pages import STEP1_DATA, upload

ROOT = Path(__file__).parent.parent
FORMS = ROOT / "forms"
SOP_FILE = ROOT / "processes" / f"{SOP_KEY}.bpmn"
LANE_REFUSAL = ("you may not do this step: this step belongs to the lane 'Instansi Pemilik', "
                "and you do not hold that role")
#: What raises or builds a registered message: the first argument is its code.
MAKERS = {"AlurError", "NotFound", "NotAllowed", "Conflict", "TooLarge", "Invalid", "Problem", "Message",
          "LoginLocked", "StateUnreadable", "UnsafeExpression", "UnsafeScript", "FormError", "DurationWordsError",
          "_refuse", "StepBudgetExceeded", "Undeliverable", "WebhookFailed"}
#: Keywords that say where a problem is or what the API answers, not the message's params.
NOT_PARAMS = {"field", "element", "line", "api_code"}
#: Codes whose English is a library's own words (``detail``); the pages name the limit ``n`` too.
LIBRARY_WORDS = {code for code, template in MESSAGES.items() if template == "{detail}"}
FILE_TYPES = {"bpmn", "dmn", "json", "py", "docx", "pdf", "xlsx", "csv", "txt"}
CODE = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z0-9_]*$")


def _calls(folder: str):
    """(file, call, code literal or None) for each call of a message maker under ``folder``."""
    for path in sorted((ROOT / folder).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name not in MAKERS or not node.args:
                continue
            first = node.args[0]
            code = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
            yield path.name, node, first, code


def test_every_code_the_engine_raises_is_registered():
    unknown, worded = [], []
    for name, node, first, code in _calls("engine"):
        if isinstance(first, ast.JoinedStr) or (code is not None and not CODE.match(code)):
            worded.append(f"{name}:{node.lineno}")  # English words where a code belongs
        elif code is not None and code not in MESSAGES:
            unknown.append(f"{name}:{node.lineno} {code}")
    assert worded == [] and unknown == []


def test_every_code_named_anywhere_in_the_engine_is_registered():
    """Codes kept in tables (``REFUSED_ACTION``, ``SPIFF_HINTS``, ...) and chosen at run time too
    (the API's ``api_code`` words and file names aside)."""
    areas = {code.split(".")[0] for code in MESSAGES}
    named = set()
    for path in sorted((ROOT / "engine").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        api_words = {id(k.value) for node in ast.walk(tree) if isinstance(node, ast.Call)
                     for k in node.keywords if k.arg == "api_code"}
        api_words |= {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Assign)
                      and any(getattr(t, "id", None) == "api_code" for t in node.targets)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value) \
                    and node.value.split(".")[0] in areas and id(node) not in api_words \
                    and node.value.rsplit(".", 1)[1] not in FILE_TYPES:
                named.add(node.value)
    assert sorted(named - set(MESSAGES)) == []


def test_the_params_each_template_names_are_supplied():
    missing = []
    for folder in ("engine", "webapp"):
        for name, node, _first, code in _calls(folder):
            if code not in MESSAGES:
                continue
            given = {k.arg for k in node.keywords if k.arg} - NOT_PARAMS
            splat = [k for k in node.keywords if k.arg is None]
            # ``**where(el)`` only says where; any other splat may carry params
            if any(not (isinstance(k.value, ast.Call) and getattr(k.value.func, "id", "") == "where") for k in splat):
                continue
            if fields(MESSAGES[code]) - given:
                missing.append(f"{name}:{node.lineno} {code} lacks {sorted(fields(MESSAGES[code]) - given)}")
    assert missing == []


def test_every_code_has_indonesian_words_and_an_english_translation():
    from webapp.message_text import TEXTS

    assert sorted(set(MESSAGES) - set(TEXTS)) == [] and sorted(set(TEXTS) - set(MESSAGES)) == []
    catalog = {m.id: m.string for m in read_po(open(ROOT / "webapp/translations/en/LC_MESSAGES/messages.po", "rb"))
               if m.id}
    untranslated, mismatched = [], []
    for code, lazy in TEXTS.items():
        msgid = lazy._args[0]
        names = set(re.findall(r"%\((\w+)\)", msgid))
        allowed = fields(MESSAGES[code]) | ({"n"} if code in LIBRARY_WORDS else set())
        if not names <= allowed:
            mismatched.append(f"{code}: {sorted(names - allowed)}")
        english = catalog.get(msgid)
        if not english:
            untranslated.append(code)
        elif set(re.findall(r"%\((\w+)\)", english)) != names:
            mismatched.append(f"{code} (English)")
    assert untranslated == [] and mismatched == []


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


# ---- saying by code -------------------------------------------------------------------------
def test_a_message_is_its_english_with_its_code_beside():
    said = Message("task.not_found", id="abc")
    assert said == "no task 'abc'" and said.code == "task.not_found" and said.params == {"id": "abc"}
    error = NotFound("task.not_found", id="abc")
    assert (error.code, error.message, error.api_code) == ("task.not_found", "no task 'abc'", "not_found")
    assert Conflict("task.already_completed", api_code="already_completed").api_code == "already_completed"
    problem = Problem("user.lacks_role", field="kasi", u="budi", r="Staf")
    assert problem.as_dict() == {"message": "'budi' does not hold the role 'Staf'", "field": "kasi",
                                 "code": "user.lacks_role", "params": {"u": "budi", "r": "Staf"}}
    # a reason inside a refusal keeps its own code, in the API's params too
    nested = Problem("bpmn.sop_form", element="userTask 'A'", line=3, why=Message("form.bad_name", name="x.txt"))
    assert nested.message == "sop.form: 'x.txt' is not a form file name (expected something like step01_x.json)"
    assert nested.as_dict()["params"]["why"] == {"code": "form.bad_name", "params": {"name": "x.txt"},
                                                 "message": str(nested.params["why"])}
    # words that are no code (a page's own sentence) stay as they are
    plain = AlurError("Sudah ada.")
    assert plain.code == "unregistered" and plain.message == "Sudah ada."


def test_pages_say_each_code_in_indonesian_and_english(page_app):
    from webapp.message_text import say

    samples = [
        (NotFound("task.not_found", id="abc"), "Langkah 'abc' tidak ditemukan.", "No step 'abc'."),
        (Conflict("instance.cannot_suspend", status="suspended"),
         "Pengajuan yang ditangguhkan tidak dapat ditangguhkan.", "A case that is suspended cannot be suspended."),
        (Conflict("instance.not_running", status="suspended"),
         "Pengajuan ini ditangguhkan; saat ini tidak ada yang dapat dikerjakan padanya.",
         "The case is suspended; nothing can be done on it now."),
        (Problem("bpmn.unsafe_condition", cond="open(1)",
                 why=Message("expression.functions", names="len, max")),
         "Syarat 'open(1)' tidak aman atau tidak sah: hanya fungsi-fungsi ini yang boleh dipanggil: len, max.",
         "Unsafe or invalid condition 'open(1)': only these functions may be called: len, max."),
        (Problem("file.bad_type", ext=".exe", allowed="docx, pdf"),
         "Berkas berjenis '.exe' tidak diterima; yang diterima: docx, pdf.",
         "Files of type '.exe' are not accepted; allowed: docx, pdf."),
        (Message("sop_table.bad_time", step=3, text="tiga hari"),
         "Langkah 3: 'tiga hari' bukan waktu baku seperti '3 hari', '120 menit' atau '1 jam'.",
         "Step 3: 'tiga hari' is not a standard time such as '3 hari', '120 menit' or '1 jam'."),
        (Message("expression.percent"), "Pemformatan teks dengan '%' tidak diperbolehkan.",
         "'%' formatting of text is not allowed."),
        ("Pilih berkas BPMN (.bpmn) untuk diunggah.", "Pilih berkas BPMN (.bpmn) untuk diunggah.",
         "Pilih berkas BPMN (.bpmn) untuk diunggah."),
        ("The CSRF token has expired.", "Formulir ini sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi.",
         "This form has expired. Reload the page and send it again."),
    ]
    for lang in ("id", "en"):
        switch_language()
        with page_app.test_request_context(f"/?lang={lang}"):
            for what, indonesian, english in samples:
                assert say(what) == (indonesian if lang == "id" else english), what


def _raised(call) -> list:
    """The refusal and its problems (or the reason) an engine check raises."""
    try:
        call()
    except Invalid as exc:
        return [exc] + exc.problems
    except (FormError, UnsafeExpression) as exc:
        return [exc.msg]
    raise AssertionError("expected a refusal")


def test_what_the_engines_checks_say_is_all_translated(page_app, tmp_path):
    """Messages produced by the engine's own code paths, not copied: each has Indonesian words."""
    from webapp.message_text import TEXTS, say

    sop = SOP_FILE.read_bytes()
    broken = (sop.replace(b'targetRef="Gateway_ReviewSpesifikasi"', b'targetRef="Tidak_Ada"', 1)
              .replace(b'name="Kasi Sistem"', b'name=""', 1)
              .replace(b"<bpmn:flowNodeRef>Step11</bpmn:flowNodeRef>", b"<bpmn:flowNodeRef>Step99</bpmn:flowNodeRef>")
              .replace(b'name="sop.step" value="1"', b'name="sop.step" value="satu"', 1)
              .replace(b'name="sop.duration" value="P3D"', b'name="sop.duration" value="3 hari"', 1)
              .replace(b'value="step01_identifikasi_kebutuhan.json"', b'value="kebutuhan.txt"', 1)
              .replace(b"spec_approved == True", b"__import__('os')", 1))
    (tmp_path / "step01_rusak.json").write_text("{", encoding="utf-8")
    said = _raised(lambda: load_bpmn(broken, forms_dir=FORMS, max_bytes=10**7))
    assert len(said) >= 8, said
    for data, limit in ((b"x" * 11, 10), (b"  ", 10**6), (b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', 10**6),
                        (b"<html/>", 10**6), (b"<a>", 10**6)):
        said += _raised(lambda: parse_xml(data, limit))
    for name in ("", "../rahasia.pdf", "a\x01.pdf", "a" * 201 + ".pdf", "setup.exe", "README"):
        said += _raised(lambda: check_filename(name))
    for source in ("x" * 2001, "1 +", "lambda: 1", "_x > 1", "b'x'", "10000000000000 > 1", "'a' * 3",
                   "open(1)", "len(*x)"):
        said += _raised(lambda: check_expression(source))
    said += _raised(lambda: load_form(FORMS, "kebutuhan.txt"))
    said += _raised(lambda: load_form(FORMS, "step99_tidak_ada.json"))
    said += _raised(lambda: load_form(tmp_path, "step01_rusak.json"))
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 1}, "d": {"format": "date"},
                                               "pilihan": {"enum": ["a", "b"]}}, "required": ["wajib"]}
    said += validate_data(schema, {"n": "dua", "d": "31-02-2026", "pilihan": "c"})
    said += validate_data(schema, {"n": 0, "wajib": 1})
    lane_row = SimpleNamespace(has_assignees=False, lane="Staf", assignees=[])
    appointed = SimpleNamespace(has_assignees=True, lane="Staf", assignees=[SimpleNamespace(username="sari")])
    said += [Message("task.not_yours", why=access.refusal(None, row)) for row in (lane_row, appointed)]
    codes = {getattr(s, "code", None) for s in said}
    assert None not in codes and "unregistered" not in codes and codes <= set(TEXTS), codes
    with page_app.test_request_context("/"):
        words = " | ".join(say(s) for s in said)
    assert "targetRef 'Tidak_Ada' tidak menunjuk elemen alur" in words
    assert "sop.form: 'kebutuhan.txt' bukan nama berkas formulir" in words
    assert "Syarat '__import__('os')' tidak aman atau tidak sah: hanya fungsi-fungsi ini yang boleh dipanggil" in words
    assert "Isi dengan bilangan bulat, misalnya 3." in words and "Paling sedikit 1." in words
    assert "Isi dengan tanggal yang sah" in words and "Pilih salah satu pilihan yang tersedia." in words
    assert "Anda tidak dapat mengerjakan langkah ini: yang ditunjuk untuk langkah ini adalah sari." in words


def test_the_api_details_carry_code_and_params(client, tokens, svc):
    from helpers.api_driver import FlaskClientAPI

    api = FlaskClientAPI(client, tokens)
    status, body = api.request("POST", "/api/instances", "pemilik",
                               json={"process_key": SOP_KEY, "data": {"catatan": "a\u0000b"}})
    assert status == 422 and body["error"]["code"] == "data.out_of_bounds"
    assert body["error"]["message"] == "The data cannot be accepted"
    assert body["error"]["details"] == [{"message": "text must not contain NUL characters", "field": "catatan",
                                         "code": "data.nul"}]


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
    from helpers.api_driver import FlaskClientAPI

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
