"""Documents from templates as a step's deliverable: the SOP's Surat Perintah Tugas at steps 4 and 6,
read back with python-docx and pdftotext; a replaced template is used from then on; a template
that fails refuses the completion and changes nothing; templates run in a sandbox. The letter is
queued by the completion and rendered by the worker (``svc.render_pending_documents``, what its
pass calls) as a DOCX, never by a read; its PDF is listed beside it and drawn from the DOCX by its
first download (then kept: the second download sends the stored file); the case record and its
ZIP render a queued letter and draw its PDF first."""
from __future__ import annotations

import io
import subprocess
import zipfile

import pytest
from docx import Document

from engine.errors import Invalid, NotAllowed
from helpers.sop_walk import SOP_KEY, form_data, user_for


def _ready(svc, instance_id):
    return next(t for t in svc.instance_tasks(instance_id) if t.state == "ready")


def walk_to(svc, instance_id: int, last_step: int, rounds=None) -> None:
    """Complete steps up to ``last_step`` (the first review approves), attaching where required."""
    rounds = rounds if rounds is not None else {3: 1, 12: 1}
    while True:
        row = _ready(svc, instance_id)
        if row.step > last_step:
            return
        assignees = [u.username for u in row.assignees] if row.has_assignees else []
        user = svc.users.get(user_for({"assignees": assignees, "lane": row.lane}))
        meta = svc.task_meta(row)
        if meta.output_required and not meta.properties.get("sop.document"):
            svc.attach(row.id, user, f"langkah-{row.step}.pdf", io.BytesIO(b"%PDF-1.4 isi"))
        svc.complete(row.id, user, form_data(svc.task_form(row), row.step, rounds))


def text_of(docx_bytes: bytes) -> str:
    document = Document(io.BytesIO(docx_bytes))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def files_of(svc, instance_id, step):
    svc.render_pending_documents()  # the worker's part
    rows = [t for t in svc.instance_tasks(instance_id) if t.step == step and t.state == "completed"]
    return [f for r in rows for f in svc.attachments(task_id=r.id)]


def test_step_4_renders_the_spt_naming_the_system_programmer(svc, any_db, tmp_path):
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean puskesmas")
    walk_to(svc, instance.id, 4)
    files = files_of(svc, instance.id, 4)
    assert sorted(f.filename.rsplit(".", 1)[1] for f in files) == ["docx", "pdf"]
    docx = next(f for f in files if f.filename.endswith(".docx"))
    number = svc.instance(instance.id).number  # the registration number names the letter
    assert docx.filename == f"spt_system_programmer-{number or instance.id}.docx" and docx.uploaded_by == "kabid"
    text = text_of(svc.files.path_for(docx.sha256).read_bytes())
    budi = svc.users.get("budi")
    assert "SURAT PERINTAH TUGAS" in text
    assert f"1 | Budi Santoso | {budi.nip} | {budi.rank} | {budi.position}" in text
    kabid = svc.users.get("kabid")
    assert kabid.full_name in text and f"NIP. {kabid.nip}" in text and kabid.position in text
    assert "Aplikasi antrean puskesmas" in text and "{{" not in text
    # an Indonesian date: "Ditetapkan pada tanggal 1 Desember 2026" or the form's own date
    assert "Ditetapkan pada tanggal" in text
    pdf = next(f for f in files if f.filename.endswith(".pdf"))
    assert pdf.sha256 is None and pdf.size is None and pdf.source_id == docx.id  # drawn when first asked for
    events = [e for e in svc.instance_events(instance.id) if e.kind == "document"]
    assert len(events) == 1 and [f["sha256"] for f in events[0].details["files"]] == [docx.sha256, None]
    pdf, stored = svc.attachment_file(pdf.id, svc.users.get("pemilik"))
    path = tmp_path / "spt.pdf"
    path.write_bytes(stored.read_bytes())
    pdf_text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
    assert "SURAT PERINTAH TUGAS" in pdf_text and "Budi Santoso" in pdf_text and budi.nip in pdf_text
    assert pdf.size == stored.stat().st_size and pdf.content_type == "application/pdf"


def test_step_6_lists_every_appointed_programmer(svc):
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Portal data desa")
    walk_to(svc, instance.id, 6)
    docx = next(f for f in files_of(svc, instance.id, 6) if f.filename.endswith(".docx"))
    text = text_of(svc.files.path_for(docx.sha256).read_bytes())
    sari, andi = svc.users.get("sari"), svc.users.get("andi")
    assert f"1 | Sari Wulandari | {sari.nip} | {sari.rank} | {sari.position}" in text
    assert "2 | Andi Pratama" in text and "{%" not in text


def _template(body: str) -> bytes:
    document = Document()
    document.add_paragraph(body)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_replaced_template_is_used_from_then_on(svc):
    admin = svc.users.get("admin")
    versions = svc.document_templates(SOP_KEY)
    assert set(versions) == {"spt_system_programmer.docx", "spt_programmer.docx"}
    svc.upload_template(SOP_KEY, "spt_system_programmer.docx",
                        _template("SPT baru untuk {{ orang.system_programmer.nama }} ({{ orang.system_programmer.nip }})"),
                        admin)
    assert len(svc.document_templates(SOP_KEY)["spt_system_programmer.docx"]) == 2
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi arsip")
    walk_to(svc, instance.id, 4)
    docx = next(f for f in files_of(svc, instance.id, 4) if f.filename.endswith(".docx"))
    assert text_of(svc.files.path_for(docx.sha256).read_bytes()) == \
        f"SPT baru untuk Budi Santoso ({svc.users.get('budi').nip})"
    with pytest.raises(NotAllowed):
        svc.upload_template(SOP_KEY, "spt_programmer.docx", _template("x"), svc.users.get("budi"))
    with pytest.raises(Invalid):
        svc.upload_template(SOP_KEY, "spt_programmer.docx", b"not a docx", admin)
    with pytest.raises(Invalid):
        svc.upload_template(SOP_KEY, "spt_programmer.docx", _template("{% for %}"), admin)


def test_a_template_cannot_reach_python_and_a_failing_one_is_reported(svc):
    admin = svc.users.get("admin")
    svc.upload_template(SOP_KEY, "spt_system_programmer.docx",
                        _template("{{ data.__class__.__mro__[1].__subclasses__() }}"), admin)
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi uji")
    walk_to(svc, instance.id, 3)
    step4 = _ready(svc, instance.id)
    svc.complete(step4.id, svc.users.get("kabid"), {"system_programmer": "budi"})  # the step is done
    assert svc.render_pending_documents() == 0
    assert svc.attachments(task_id=step4.id) == []  # the sandbox refused the template: nothing attached
    errors = [e for e in svc.instance_events(instance.id) if e.kind == "document_error"]
    assert len(errors) == 1 and "unsafe" in errors[0].details["message"].lower()
    assert svc.render_pending_documents() == 0 and svc.attachments(task_id=step4.id) == [] and len(
        [e for e in svc.instance_events(instance.id) if e.kind == "document_error"]) == 1  # tried once
    assert svc.letters_in_preparation(instance.id) == set()  # failed, not pending


def test_completing_queues_the_letter_reads_never_render_it_the_worker_attaches_it_once(svc, any_db):
    from engine.models import DocumentJob

    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrian")
    walk_to(svc, instance.id, 3)
    step4 = _ready(svc, instance.id)
    svc.complete(step4.id, svc.users.get("kabid"), {"system_programmer": "budi"})
    job = svc.session.query(DocumentJob).one()
    assert job.done_at is None and job.context["orang"]["system_programmer"]["nip"] == svc.users.get("budi").nip
    # reads list what is stored and say the letter is being prepared; none of them renders it
    assert svc.attachments(task_id=step4.id) == []
    assert [f for f in svc.attachments(instance_id=instance.id) if f.task_id == step4.id] == []
    assert svc.attachments_by_task([step4.id]) == {step4.id: []}
    assert svc.letters_in_preparation(instance.id) == {step4.id}
    svc.session.expire_all()
    assert svc.session.get(DocumentJob, job.id).done_at is None
    assert svc.render_pending_documents() == 1 and svc.render_pending_documents() == 0
    svc.session.expire_all()
    assert len([f for f in svc.attachments(instance_id=instance.id) if f.task_id == step4.id]) == 2
    assert svc.letters_in_preparation(instance.id) == set()


def test_the_worker_pass_renders_queued_letters(app, svc):
    from webapp.worker import one_pass, render_documents

    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrian")
    walk_to(svc, instance.id, 4)
    walk_to(svc, instance.id, 6)  # steps 4 and 6 each queue a letter
    assert len(svc.letters_in_preparation(instance.id)) == 2
    assert render_documents(app) + one_pass(app)["documents_rendered"] == 2
    svc.session.expire_all()
    names = sorted(f.filename.rsplit(".", 1)[1] for f in svc.attachments(instance_id=instance.id)
                   if f.filename.startswith("spt_"))
    assert names == ["docx", "docx", "pdf", "pdf"] and svc.letters_in_preparation(instance.id) == set()


def test_the_case_record_renders_a_queued_letter_first(svc):
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrian")
    walk_to(svc, instance.id, 4)
    assert svc.letters_in_preparation(instance.id)
    record = svc.case_record(svc.instance(instance.id))
    assert svc.letters_in_preparation(instance.id) == set()
    letters = [f for f in record.documents if f.filename.startswith("spt_")]
    assert {f.filename.rsplit(".", 1)[1] for f in letters} == {"docx", "pdf"}
    assert all(f.sha256 and svc.files.path_for(f.sha256).is_file() for f in letters)  # the PDF drawn first


def test_profiles_carry_nip_position_rank_and_unit(svc, client, login):
    login("admin")
    response = client.post("/admin/users/andi", data={
        "full_name": "Andi Pratama", "email": "", "education_level": "SMA", "field_of_study": "", "expertise": "",
        "nip": "19950101 202001 1 003", "position": "Pranata Komputer", "rank": "Pengatur Muda / II-a",
        "unit": "Bidang E-Gov", "roles": ["Staf"], "active": "1"})
    assert response.status_code == 302
    andi = svc.users.get("andi")
    svc.session.refresh(andi)
    assert (andi.nip, andi.position, andi.rank, andi.unit) == ("199501012020011003", "Pranata Komputer",
                                                               "Pengatur Muda / II-a", "Bidang E-Gov")
    response = client.post("/admin/users/andi", data={"nip": "123", "education_level": "SMA", "roles": ["Staf"],
                                                      "active": "1"})
    assert response.status_code == 422 and "NIP terdiri dari 18 angka" in response.get_data(as_text=True)
    login("andi")
    page = client.get("/account").get_data(as_text=True)
    assert "199501012020011003" in page and "Pengatur Muda / II-a" in page
    with pytest.raises(Invalid):
        svc.users.update(andi, nip="abc")


def test_templates_on_the_process_page(client, login, svc):
    login("admin")
    page = client.get(f"/processes/{SOP_KEY}").get_data(as_text=True)
    assert "Templat dokumen" in page and "spt_system_programmer.docx" in page and "spt_programmer.docx" in page
    first = svc.document_templates(SOP_KEY)["spt_programmer.docx"][0]
    response = client.get(f"/processes/{SOP_KEY}/templates/{first.id}")
    assert response.status_code == 200 and Document(io.BytesIO(response.data)).paragraphs
    response = client.post(f"/processes/{SOP_KEY}/templates", data={
        "name": "spt_programmer.docx", "file": (io.BytesIO(_template("Baru {{ nomor }}")), "baru.docx")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert len(svc.document_templates(SOP_KEY)["spt_programmer.docx"]) == 2
    response = client.post(f"/processes/{SOP_KEY}/templates", data={
        "name": "spt_programmer.docx", "file": (io.BytesIO(b"bukan docx"), "x.docx")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Templat tidak diterima" in response.get_data(as_text=True)
    login("budi")
    assert client.post(f"/processes/{SOP_KEY}/templates", data={
        "name": "spt_programmer.docx", "file": (io.BytesIO(_template("x")), "x.docx")},
        content_type="multipart/form-data").status_code == 403


def test_the_completion_rule_asks_no_upload_of_a_step_whose_document_alur_writes(svc):
    """One rule (``completion_problems``) for the engine's refusal and the page's list: step 4's
    letter is rendered by alur (sop.document), so only its form is asked; step 1 needs its upload."""
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean puskesmas")
    step1 = _ready(svc, case.id)
    assert "task.deliverable_missing" in {p.code for p in svc.completion_problems(step1, {})}
    walk_to(svc, case.id, 3)
    step4 = _ready(svc, case.id)
    assert step4.step == 4 and svc.task_meta(step4).output_required
    codes = {p.code for p in svc.completion_problems(step4, {})}
    assert codes and "task.deliverable_missing" not in codes


def test_the_case_page_says_a_letter_is_being_prepared_until_the_worker_renders_it(svc, client, login):
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrian")
    walk_to(svc, instance.id, 4)
    login("kabid")
    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "sedang disiapkan" in page and "spt_system_programmer" not in page
    assert svc.render_pending_documents() == 1
    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "sedang disiapkan" not in page and "spt_system_programmer" in page


# --- the letter's PDF: drawn from the DOCX on its first download, then kept ----------------------

def _letter(svc, title="Aplikasi antrian"):
    """A case at step 5 whose step-4 letter the worker has rendered: (case, DOCX row, PDF row)."""
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), title)
    walk_to(svc, instance.id, 4)
    assert svc.render_pending_documents() == 1
    files = [f for f in svc.attachments(instance_id=instance.id) if f.filename.startswith("spt_")]
    docx = next(f for f in files if f.filename.endswith(".docx"))
    pdf = next(f for f in files if f.filename.endswith(".pdf"))
    return instance, docx, pdf


def _count_drawings(monkeypatch, delay: float = 0.0) -> list[int]:
    """Count (and optionally slow down) the real PDF drawings."""
    import time

    from engine import documents

    real, calls = documents.docx_pdf, []

    def counted(data, title):
        calls.append(1)
        time.sleep(delay)
        return real(data, title)

    monkeypatch.setattr(documents, "docx_pdf", counted)
    return calls


def _stored_pdfs(svc) -> list:
    """The PDFs alur drew that the store holds (the walk's uploads are PDFs too, not drawn)."""
    return [p for p in svc.files.root.rglob("*") if p.is_file() and len(p.name) == 64
            and p.stat().st_size > 1000 and p.read_bytes().startswith(b"%PDF-")]


def test_the_worker_renders_only_the_docx_and_the_first_download_draws_the_pdf_once(
        svc, client, login, tokens, monkeypatch, any_db):
    drawings = _count_drawings(monkeypatch)
    instance, docx, pdf = _letter(svc)
    assert drawings == [] and _stored_pdfs(svc) == []  # the worker drew no PDF
    assert pdf.sha256 is None and pdf.size is None and docx.sha256 and pdf.source_id == docx.id
    step4 = next(t for t in svc.instance_tasks(instance.id) if t.step == 4)
    # the API lists the PDF (its shape kept: size and sha256 null until drawn) with a url that draws it
    bearer = {"Authorization": f"Bearer {tokens['kabid']}"}
    listed = client.get(f"/api/tasks/{step4.id}", headers=bearer).get_json()["attachments"]
    entry = next(a for a in listed if a["filename"] == pdf.filename)
    assert entry["id"] == pdf.id and entry["size"] is None and entry["sha256"] is None
    assert entry["content_type"] == "application/pdf" and entry["url"] == f"/api/attachments/{pdf.id}"
    # the case page offers its link, saying it is drawn on download
    login("kabid")
    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert f'href="/attachments/{pdf.id}" download>{pdf.filename}</a>' in page and "PDF dibuat saat diunduh" in page
    assert drawings == []  # listing drew nothing
    first = client.get(f"/attachments/{pdf.id}")
    assert first.status_code == 200 and first.mimetype == "application/pdf" and first.data.startswith(b"%PDF-")
    assert drawings == [1]
    svc.session.expire_all()
    kept = svc.session.get(type(pdf), pdf.id)
    assert kept.size == len(first.data) and svc.files.path_for(kept.sha256).read_bytes() == first.data
    # the second download (web page and API) is a plain file send of the stored bytes
    again = client.get(f"/attachments/{pdf.id}")
    api = client.get(entry["url"], headers=bearer)
    assert again.data == first.data and api.status_code == 200 and api.data == first.data and drawings == [1]
    assert api.headers["ETag"].strip('"') == kept.sha256 and len(_stored_pdfs(svc)) == 1
    listed = client.get(f"/api/tasks/{step4.id}", headers=bearer).get_json()["attachments"]
    entry = next(a for a in listed if a["id"] == pdf.id)
    assert entry["sha256"] == kept.sha256 and entry["size"] == len(first.data)
    page = client.get(f"/instances/{instance.id}").get_data(as_text=True)
    assert "PDF dibuat saat diunduh" not in page


def test_the_api_download_draws_a_pdf_too(svc, client, tokens):
    from engine.models import Deliverable

    _instance, _docx, pdf = _letter(svc)
    # who may not see the case may not draw its PDF either
    stranger = svc.users.create("tamu", "password11", [])
    svc.session.commit()
    with pytest.raises(NotAllowed):
        svc.attachment_file(pdf.id, stranger)
    svc.session.expire_all()
    assert svc.session.get(Deliverable, pdf.id).sha256 is None
    response = client.get(f"/api/attachments/{pdf.id}", headers={"Authorization": f"Bearer {tokens['pemilik']}"})
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert pdf.filename in response.headers["Content-Disposition"]
    svc.session.expire_all()
    assert svc.session.get(Deliverable, pdf.id).size == len(response.data)


def test_two_first_downloads_at_once_store_one_pdf_and_both_get_it(svc, monkeypatch, any_db):
    import threading

    from sqlalchemy.orm import Session

    from engine.models import Deliverable
    from engine.service import WorkflowService

    drawings = _count_drawings(monkeypatch, delay=0.3)  # both requests inside the drawing at once
    instance, _docx, pdf = _letter(svc)
    barrier, got, failed = threading.Barrier(2), [], []
    bind = svc.session.get_bind()

    def download():
        session = Session(bind=bind, expire_on_commit=False)
        try:
            rival = WorkflowService(session, svc.config)
            barrier.wait()
            row, path = rival.attachment_file(pdf.id, rival.users.get("kabid"))
            got.append((row.sha256, path.read_bytes()))
        except Exception as exc:  # noqa: BLE001 - the test says which
            failed.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=download) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failed == [] and len(got) == 2 and got[0] == got[1] and got[0][1].startswith(b"%PDF-")
    svc.session.expire_all()
    assert svc.session.get(Deliverable, pdf.id).sha256 == got[0][0] and len(_stored_pdfs(svc)) == 1
    if any_db == "postgresql":  # the row lock: the second waited for the first's PDF instead of drawing
        assert drawings == [1]


def test_a_pdf_that_cannot_be_drawn_says_so_by_code_never_a_500(svc, client, login, tokens):
    instance, docx, pdf = _letter(svc)
    svc.files.path_for(docx.sha256).write_bytes(b"PK\x03\x04 not a word document any more")
    login("kabid")
    page = client.get(f"/attachments/{pdf.id}")
    assert page.status_code == 503 and "tidak dapat dibuat dari dokumen Word-nya" in page.get_data(as_text=True)
    from flask_babel import force_locale

    from engine.messages import Message
    from webapp.message_text import say

    with force_locale("en"):  # the page's words in English (this test's client shares one request context)
        assert "could not be drawn from its Word document" in str(say(Message("document.pdf_failed", name="x.pdf")))
    api = client.get(f"/api/attachments/{pdf.id}", headers={"Authorization": f"Bearer {tokens['kabid']}"})
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "unavailable"
    assert pdf.filename in api.get_json()["error"]["message"]
    svc.session.expire_all()
    assert svc.session.get(type(pdf), pdf.id).sha256 is None  # nothing stored: the next download tries again
    # the case's ZIP still comes, the PDF listed as missing beside the rest
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/instances/{instance.id}/documents.zip").data))
    assert pdf.filename in archive.read("HILANG.txt").decode()
    # a DOCX gone from storage: 404, said by its own code
    svc.files.path_for(docx.sha256).unlink()
    gone = client.get(f"/attachments/{pdf.id}")
    assert gone.status_code == 404 and "sumber PDF" in gone.get_data(as_text=True)


def test_the_case_zip_holds_the_drawn_pdf(svc, client, login):
    instance, _docx, pdf = _letter(svc)
    login("kabid")
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/instances/{instance.id}/documents.zip").data))
    name = next(n for n in archive.namelist() if n.endswith(pdf.filename))
    assert archive.read(name).startswith(b"%PDF-") and "HILANG.txt" not in archive.namelist()
    svc.session.expire_all()
    assert svc.session.get(type(pdf), pdf.id).sha256 is not None  # drawn and kept


def test_a_letter_queued_while_the_worker_delivers_a_full_outbox_is_rendered_before_the_mail_ends(
        app, svc, monkeypatch):
    """Under load the outbox fills as fast as it drains; the worker delivers it a slice at a time and
    renders the letters queued meanwhile between slices, so a letter never waits for the mail."""
    from sqlalchemy import func, select, update

    from engine.models import DocumentJob
    from engine.notification_models import Notification
    from webapp import worker

    cases = [svc.start(SOP_KEY, svc.users.get("pemilik"), f"Aplikasi {n}") for n in range(10)]
    for case in cases:
        walk_to(svc, case.id, 4)  # ten letters queued, and the mail of every step
    svc.session.execute(update(DocumentJob).values(error="ditahan"))  # held: not queued yet
    svc.session.commit()
    mails = svc.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.channel == "email", Notification.status == "pending"))
    assert mails > 40, mails  # more than two delivery batches
    monkeypatch.setattr(worker, "MAIL_SLICE", 0.0)  # a slice is one batch
    real_render, real_documents = worker.render_email, worker._render_documents
    seen = {"mails": 0, "letters_at": []}

    def render_email(n, user):
        seen["mails"] += 1
        if seen["mails"] == 3:  # a step completed meanwhile: its letter is queued now
            from webapp.extensions import db

            db.session.execute(update(DocumentJob).where(DocumentJob.instance_id == cases[0].id).values(error=None))
        return real_render(n, user)

    def render_documents(service, stop):
        done = real_documents(service, stop)
        if done:
            seen["letters_at"].append(seen["mails"])
        return done

    monkeypatch.setattr(worker, "render_email", render_email)
    monkeypatch.setattr(worker, "_render_documents", render_documents)
    result = worker.one_pass(app)
    assert result["sent"] >= mails and result["documents_rendered"] == 1
    assert seen["letters_at"] and seen["letters_at"][0] < mails  # rendered while mail was still waiting
    svc.session.expire_all()
    assert any(f.filename.startswith("spt_") for f in svc.attachments(instance_id=cases[0].id))
