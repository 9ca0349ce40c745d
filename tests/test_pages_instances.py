"""Instans pages: the list for admins and Process Owners, one case's page, and the admin actions."""
from __future__ import annotations

import io
import re

import pytest

from helpers.sop_walk import SOP_KEY


@pytest.fixture
def case(svc):
    """A case at step 2 (step 1 done by the owner, with its deliverable)."""
    owner = svc.users.get("pemilik")
    instance = svc.start(SOP_KEY, owner, "Aplikasi antrean puskesmas")
    step1 = svc.instance_tasks(instance.id)[0]
    svc.attach(step1.id, owner, "kebutuhan.pdf", io.BytesIO(b"%PDF-1.4 kebutuhan"))
    svc.complete(step1.id, owner, {"nama_aplikasi": "Antrean", "instansi_pemilik": "Dinas Kesehatan",
                                    "jenis_pengembangan": "baru", "latar_belakang": "Antrean panjang"})
    return instance


def ready_row(svc, instance_id):
    return next(t for t in svc.instance_tasks(instance_id) if t.state == "ready")


def test_anonymous_is_sent_to_login(client, case):
    for url in ("/instances/", f"/instances/{case.id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_sees_the_list_with_current_step_and_filters(client, login, svc, case):
    svc.start(SOP_KEY, svc.users.get("pemilik"), "Sistem arsip dinas")
    login("admin")
    page = client.get("/instances/").get_data(as_text=True)
    assert "Aplikasi antrean puskesmas" in page and "Sistem arsip dinas" in page
    assert "Pembuatan spesifikasi kebutuhan" in page  # case's current step (step 2)
    assert "pemilik" in page and "Berjalan" in page
    filtered = client.get("/instances/?q=arsip").get_data(as_text=True)
    assert "Sistem arsip dinas" in filtered and "Aplikasi antrean puskesmas" not in filtered
    assert "Aplikasi antrean" not in client.get("/instances/?status=completed").get_data(as_text=True)
    assert "Aplikasi antrean" not in client.get("/instances/?overdue=1").get_data(as_text=True)
    assert "Aplikasi antrean" in client.get(f"/instances/?process={SOP_KEY}").get_data(as_text=True)


def test_list_pages_and_fetches_current_steps_in_one_query(app, client, login, svc):
    from sqlalchemy import event

    owner = svc.users.get("pemilik")
    for n in range(30):
        svc.start(SOP_KEY, owner, f"Kasus {n:02d}")
    login("admin")
    first = client.get("/instances/").get_data(as_text=True)
    assert "Kasus 29" in first and "Kasus 00" not in first and "Halaman 1 dari 2" in first
    second = client.get("/instances/?page=2").get_data(as_text=True)
    assert "Kasus 00" in second and "Kasus 29" not in second
    from webapp.extensions import db

    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get("/instances/")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    task_queries = [s for s in statements if re.search(r"FROM tasks\b", s) and "instance_id IN" in s]
    assert len(task_queries) == 1, task_queries


def test_process_owner_sees_list_staff_is_refused(client, login, svc, case):
    user = svc.users.get("analis")
    svc.update_user(svc.users.get("admin"), user, roles=["System Analyst", "Process Owner"])
    login("analis")
    assert client.get("/instances/").status_code == 200
    client.post("/logout")
    login("budi")
    response = client.get("/instances/")
    assert response.status_code == 403 and "Process Owner" in response.get_data(as_text=True)


def test_detail_shows_diagram_timeline_data_and_deliverables(client, login, case):
    login("admin")
    response = client.get(f"/instances/{case.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in page and 'class="alur-diagram"' in page  # inline, no JS needed
    assert "Aplikasi antrean puskesmas" in page
    # timeline in Indonesian words, who did it
    assert "Dimulai" in page and "Unggah" in page and "Selesaikan" in page and "pemilik" in page
    # duration of the completed step against its standard time (3 working days)
    assert "3 hari kerja" in page
    assert "Identifikasi kebutuhan aplikasi baru" in page and "Pembuatan spesifikasi kebutuhan" in page
    # current data with the form's titles, and the deliverable with a download link
    assert "Antrean panjang" in page
    assert "kebutuhan.pdf" in page and re.search(r'href="/attachments/\d+"', page)
    assert "Tindakan admin" in page


def test_detail_for_lane_member_has_no_admin_actions_and_outsider_is_refused(client, login, svc, case):
    login("analis")  # System Analyst lane: may view
    page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    assert "Aplikasi antrean puskesmas" in page and "Tindakan admin" not in page
    client.post("/logout")
    svc.create_user(svc.users.get("admin"), "tamu", "rahasia123", [])
    login("tamu", "rahasia123")
    assert client.get(f"/instances/{case.id}").status_code == 403
    assert client.get("/instances/99999").status_code == 404


def test_admin_suspends_resumes_and_terminates_with_reason(client, login, svc, case):
    login("admin")
    response = client.post(f"/instances/{case.id}/status", data={"action": "suspend"})
    assert response.status_code == 302
    assert svc.instance(case.id).status == "suspended"
    assert "Ditangguhkan" in client.get(f"/instances/{case.id}").get_data(as_text=True)
    client.post(f"/instances/{case.id}/status", data={"action": "resume"})
    svc.session.expire_all()
    assert svc.instance(case.id).status == "running"
    # terminate needs a reason: refused with the field marked, nothing changes
    refused = client.post(f"/instances/{case.id}/status", data={"action": "terminate", "reason": "  "})
    assert refused.status_code == 422 and "Tuliskan alasan penghentian" in refused.get_data(as_text=True)
    svc.session.expire_all()
    assert svc.instance(case.id).status == "running"
    client.post(f"/instances/{case.id}/status", data={"action": "terminate", "reason": "Permintaan dibatalkan dinas"})
    svc.session.expire_all()
    assert svc.instance(case.id).status == "terminated"
    events = [(e.kind, e.actor, (e.details or {}).get("reason")) for e in svc.instance_events(case.id)]
    assert ("suspend", "admin", None) in events and ("resume", "admin", None) in events
    assert ("terminate", "admin", "Permintaan dibatalkan dinas") in events
    page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    assert "Hentikan" in page and "Permintaan dibatalkan dinas" in page and "Dihentikan" in page


def test_admin_reassigns_a_ready_step(client, login, svc, case):
    row = ready_row(svc, case.id)
    login("admin")
    response = client.post(f"/instances/{case.id}/tasks/{row.id}/reassign", data={"username": "kasi"})
    assert response.status_code == 302
    svc.session.expire_all()
    row = svc.task(row.id)
    assert [u.username for u in row.assignees] == ["kasi"]
    assert any(e.kind == "reassign" and (e.details or {}).get("to") == "kasi" for e in svc.instance_events(case.id))
    # the step now waits in kasi's inbox, not the analyst's
    assert [r.id for r in svc.inbox(svc.users.get("kasi"), "mine")[0]] == [row.id]
    assert svc.inbox(svc.users.get("analis"), "ready")[0] == []
    page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    assert "Alihkan tugas" in page and "kepada kasi" in page
    refused = client.post(f"/instances/{case.id}/tasks/{row.id}/reassign", data={"username": "nobody"})
    assert refused.status_code == 422


def test_non_admin_cannot_use_admin_actions(client, login, svc, case):
    row = ready_row(svc, case.id)
    login("analis")
    assert client.post(f"/instances/{case.id}/status", data={"action": "suspend"}).status_code == 403
    assert client.post(f"/instances/{case.id}/tasks/{row.id}/reassign", data={"username": "analis"}).status_code == 403
    svc.session.expire_all()
    assert svc.instance(case.id).status == "running"
    assert not any(e.kind in ("suspend", "reassign") for e in svc.instance_events(case.id))


def test_error_state_shows_the_message_to_admins(client, login, svc, case):
    instance = svc.instance(case.id)
    instance.status, instance.error_message = "error", "gateway Gateway_3: name 'spec_ok' is not defined"
    svc.session.commit()
    login("admin")
    page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    assert 'role="alert"' in page and "spec_ok" in page
    client.post("/logout")
    login("analis")
    page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    assert "galat" in page.lower() and "spec_ok" not in page


def test_admin_actions_need_the_csrf_token(make_app, svc, case):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "admin", "password": "demo12345", "csrf_token": token})
    assert client.post(f"/instances/{case.id}/status", data={"action": "suspend"}).status_code == 400
    page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/instances/{case.id}/status", data={"action": "suspend", "csrf_token": token})
    assert response.status_code == 302


def test_pages_speak_english_on_request(client, login, case):
    login("admin")
    page = client.get("/instances/?lang=en").get_data(as_text=True)
    assert "Current step" in page and "Started by" in page and "Langkah saat ini" not in page
    assert '<th scope="col">Process (SOP)</th>' in page  # one process per row
    page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    assert "History" in page and "Administrator actions" in page and "Started" in page


def _section(page, heading_id):
    return re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', page, re.S).group(0)


def test_detail_names_people_by_full_name_loaded_in_one_query(app, client, login, svc, case):
    from sqlalchemy import event

    from helpers.cases import advance
    from webapp.extensions import db

    advance(svc, case, 5)  # steps 1–4 done by four people; step 4 appointed budi
    login("admin")
    with app.app_context():
        engine = db.engine
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    started = re.search(r"<dt>Dimulai oleh</dt><dd>(.*?)</dd>", page, re.S).group(1)
    assert started == 'Rina Pemilik (Dinas Kesehatan) <span class="muted">(pemilik)</span>'
    history = _section(page, "h-history")
    for username, name in [("pemilik", "Rina Pemilik (Dinas Kesehatan)"), ("analis", "Dewi Analis"),
                           ("kabid", "Hendra Kabid E-Gov")]:
        assert f'<span class="person" title="{username}">{name}</span>' in history
    assert "Rina Pemilik (Dinas Kesehatan)" in _section(page, "h-files")  # who uploaded
    assert "Budi Santoso" in _section(page, "h-answers")  # the appointed system programmer, by name
    by_name = [s for s in statements if re.search(r"FROM users\b", s) and re.search(r"users\.username IN", s)]
    assert len(by_name) == 1, by_name
    assert not [s for s in statements if re.search(r"users\.username = ", s)], "one query, not one per person"


def test_answers_per_step_follow_each_form_with_its_titles_and_dates(client, login, svc, case):
    from datetime import date

    from helpers.cases import advance
    from webapp.i18n import format_moment

    from helpers.sop_walk import form_data

    review = advance(svc, case, 3)
    svc.complete(review.id, svc.users.get("kabid"), form_data(svc.task_form(review), 3, {}))  # sent back
    advance(svc, case, 5)  # steps 2, 3 (approved), 4
    login("admin")
    section = _section(client.get(f"/instances/{case.id}").get_data(as_text=True), "h-answers")
    steps = re.findall(r'<span class="step-answers-name">([^<]+)</span>', section)
    assert [s.split(" — ")[0] for s in steps] == ["Langkah 1", "Langkah 2", "Langkah 3", "Langkah 4"]
    # each step's newest round, in its form's order and with its titles
    step1 = section.split('<details class="step-answers" open>')[1]
    titles = re.findall(r"<dt>([^<]+)</dt>", step1)
    form = svc.task_form([t for t in svc.instance_tasks(case.id) if t.step == 1][0])
    submitted = [s for s in svc.submissions(case.id) if s.step == 1][0].data
    assert titles == [p["title"] for n, p in form["properties"].items() if n in submitted]
    assert titles[:3] == ["Nama aplikasi", "Instansi pemilik", "Jenis pengembangan"]
    assert "Aplikasi baru" in step1  # an enum value by its title
    # step 3 twice: the approval on top, the send-back folded below it, both with their outcomes
    step3 = section.split('<details class="step-answers" open>')[3]
    assert "Disetujui" in step3.split('<details class="earlier-round">')[0]
    assert "Setujui spesifikasi" in step3  # the choice by its label, not "Ya"
    earlier = step3.split('<details class="earlier-round">')[1]
    assert "Putaran ke-1" in earlier and "Dikembalikan ke langkah 2" in earlier
    assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r"<[^>]+>", "", section))  # no ISO dates to read
    with client.application.test_request_context("/"):
        today = format_moment(date.today(), "date")  # the walk's dates are today's
    assert f"<dd>{today}</dd>" in section and re.fullmatch(r"\d{1,2} \w+ \d{4}", today)


def test_detail_in_english_translates_headings_and_the_diagram(client, login, svc, case):
    login("admin")
    page = client.get(f"/instances/{case.id}?lang=en").get_data(as_text=True)
    assert "<dt>Process (SOP)</dt>" in page and '<h2 id="h-steps">Steps</h2>' in page
    assert "Actual" in page and "Realisation" not in page
    svg = re.search(r'<svg[^>]*class="alur-diagram".*?</svg>', page, re.S).group(0)
    assert "— In progress</title>" in svg and "— Completed</title>" in svg and "Sedang berjalan" not in svg
    assert '<span class="swatch swatch-active" aria-hidden="true"></span>In progress' in page  # the key
    # short dates in the steps table, the zone once in its header, the full form on hover
    steps = _section(page, "h-steps")
    assert "(WIB)</span>" in steps
    assert re.search(r'<time class="short" datetime="[^"]+" title="\d{1,2} \w+ \d{4}, \d{2}\.\d{2} WIB">'
                     r"\d{1,2} \w{3} \d{4}, \d{2}\.\d{2}</time>", steps)
    # the full-size diagram, in the page's language; the API's stays Indonesian
    response = client.get(f"/instances/{case.id}/diagram.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "In progress" in response.get_data(as_text=True)
    assert f'href="/instances/{case.id}/diagram.svg"' in page
    api_svg = client.get(f"/api/instances/{case.id}/diagram.svg").get_data(as_text=True)
    assert "Sedang berjalan" in api_svg and "In progress" not in api_svg


def test_full_size_diagram_is_for_those_who_may_see_the_case(client, login, svc, case):
    svc.create_user(svc.users.get("admin"), "tamu", "rahasia123", [])
    login("tamu", "rahasia123")
    assert client.get(f"/instances/{case.id}/diagram.svg").status_code == 403


def test_all_documents_of_a_case_download_as_one_zip_a_folder_per_step(client, login, svc, case):
    import zipfile

    analyst = svc.users.get("analis")
    step2 = ready_row(svc, case.id)
    svc.attach(step2.id, analyst, "spesifikasi.pdf", io.BytesIO(b"%PDF-1.4 versi 1"))
    svc.attach(step2.id, analyst, "spesifikasi.pdf", io.BytesIO(b"%PDF-1.4 versi 2"))  # a revised copy
    login("analis")  # a member of a lane of the case, not an admin
    page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    assert f'href="/instances/{case.id}/documents.zip"' in page
    response = client.get(f"/instances/{case.id}/documents.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert f'filename=pengajuan-{case.id}-dokumen.zip' in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    step1_folder = "01 Identifikasi kebutuhan aplikasi baru - pengembangan aplikasi"  # its "/" made safe
    assert sorted(archive.namelist()) == sorted([
        f"{step1_folder}/kebutuhan.pdf",
        "02 Pembuatan spesifikasi kebutuhan/spesifikasi.pdf",
        "02 Pembuatan spesifikasi kebutuhan/spesifikasi (2).pdf", f"lembar-kendali-{case.id}.pdf"])
    assert archive.read(f"lembar-kendali-{case.id}.pdf").startswith(b"%PDF")
    assert archive.read(f"{step1_folder}/kebutuhan.pdf") == b"%PDF-1.4 kebutuhan"
    assert archive.read("02 Pembuatan spesifikasi kebutuhan/spesifikasi (2).pdf") == b"%PDF-1.4 versi 2"


def test_the_zip_is_for_those_who_may_see_the_case_and_says_what_storage_lost(client, login, svc, case):
    import zipfile

    svc.create_user(svc.users.get("admin"), "tamu", "rahasia123", [])
    login("tamu", "rahasia123")  # no role in the process, did not start the case
    assert client.get(f"/instances/{case.id}/documents.zip").status_code == 403
    login("admin")
    for f in svc.attachments(instance_id=case.id):
        svc.files.path_for(f.sha256).unlink()
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/instances/{case.id}/documents.zip").data))
    assert archive.namelist() == [f"lembar-kendali-{case.id}.pdf", "HILANG.txt"]
    assert "kebutuhan.pdf" in archive.read("HILANG.txt").decode()
    empty = svc.start(SOP_KEY, svc.users.get("pemilik"), "Tanpa dokumen")
    response = client.get(f"/instances/{empty.id}/documents.zip")
    assert response.status_code == 404 and "belum memiliki dokumen" in response.get_data(as_text=True)


@pytest.mark.parametrize("lang, lane, standard, ready, uploaded_by", [
    ("en", "Lane", "Standard time", "Ready since (WIB)", "Uploaded by"),
    ("id", "Pelaksana", "Waktu baku", "Siap sejak (WIB)", "Diunggah oleh")])
def test_the_case_tables_row_labels_follow_the_language(client, login, case, lang, lane, standard, ready,
                                                        uploaded_by):
    """The steps' and files' phone labels (``data-label``), said once per table in the page's
    language, stand on every row. (One language a test: the ``svc`` fixture's app context
    outlives the requests, and Flask-Babel keeps the first request's locale in it.)"""
    login("admin")
    page = client.get(f"/instances/{case.id}?lang={lang}").get_data(as_text=True)
    steps = re.findall(r"<tr[^>]*>(.*?)</tr>", _section(page, "h-steps"), re.S)[1:]
    assert len(steps) == 2
    for row in steps:
        assert f'data-label="{lane}"' in row and f'data-label="{standard}"' in row
        assert f'data-label="{ready}"' in row
    (upload,) = re.findall(r"<tr>(.*?)</tr>", _section(page, "h-files"), re.S)[1:]
    assert "kebutuhan.pdf" in upload and f'data-label="{uploaded_by}"' in upload
