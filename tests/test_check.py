"""``alur check [--repair]``: a case's state against its task rows, attachments against files."""
from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from helpers.api_driver import FlaskClientAPI
from engine.models import Deliverable, Instance, TaskRecord
from helpers.sop_walk import SOP_KEY


def start_with_attachment(client, tokens) -> tuple[int, str]:
    api = FlaskClientAPI(client, tokens)
    status, inst = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY})
    task = next(t for t in inst["tasks"] if t["state"] == "ready")
    status, body = api.request("POST", f"/api/tasks/{task['id']}/attachments", "pemilik",
                               files={"file": ("kebutuhan.pdf", b"%PDF-1.4 dokumen kebutuhan")})
    assert status == 201, body
    return inst["id"], task["id"]


def test_a_consistent_database_has_no_differences(runner, client, tokens, any_db):
    start_with_attachment(client, tokens)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0 and "no differences" in result.output, result.output


def test_task_rows_that_disagree_with_the_state_are_found_and_repaired(app, runner, client, tokens, any_db):
    from webapp.extensions import db

    instance_id, task_id = start_with_attachment(client, tokens)
    with app.app_context():
        db.session.execute(delete(Deliverable))
        db.session.execute(delete(TaskRecord).where(TaskRecord.id == task_id))
        db.session.execute(update(TaskRecord).values(state="ready"))  # none left but the deleted one
        db.session.commit()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert f"case {instance_id}: task_row_missing" in result.output
    assert "file_orphan" in result.output  # its file stayed when the row went
    result = runner.invoke(args=["check", "--repair"])
    assert "(repaired)" in result.output
    with app.app_context():
        row = db.session.get(TaskRecord, task_id)
        assert row is not None and row.state == "ready"
    result = runner.invoke(args=["check"])
    assert "task_row" not in result.output


def test_missing_files_and_unreadable_states_are_reported(app, runner, client, tokens, any_db):
    from webapp.extensions import db

    instance_id, _task_id = start_with_attachment(client, tokens)
    with app.app_context():
        sha = db.session.scalars(select(Deliverable.sha256)).one()
        row = db.session.get(Instance, instance_id)
        state = json.loads(row.state)
        value: object = 1
        for _ in range(600):
            value = [value]
        state["data"]["racun"] = value
        row.state = json.dumps(state)
        db.session.commit()
    from engine.files import FileStore

    FileStore(app.config["ALUR_FILES_DIR"], 1).path_for(sha).unlink()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert f"case {instance_id}: state_unreadable" in result.output and "file_missing" in result.output
    runner.invoke(args=["check", "--repair"])
    with app.app_context():
        assert db.session.get(Instance, instance_id).status == "error"


def test_a_letter_pdf_not_drawn_yet_is_no_difference_unless_its_docx_is_gone(svc, runner):
    from helpers.cases import advance

    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Surat belum digambar")
    advance(svc, case, 5)
    assert svc.render_pending_documents() == 1
    pdf = svc.session.scalar(select(Deliverable).where(Deliverable.sha256.is_(None)))
    assert pdf is not None and pdf.source_id is not None
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0 and "no differences" in result.output, result.output
    docx = svc.session.get(Deliverable, pdf.source_id)
    svc.files.path_for(docx.sha256).unlink()
    found = {(d.kind, d.subject) for d in svc.check()}
    assert ("pdf_source_missing", f"attachment {pdf.id}") in found and ("file_missing", f"attachment {docx.id}") in found
