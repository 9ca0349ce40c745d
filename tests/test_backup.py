"""``alur backup PATH`` / ``alur restore PATH`` for real, on SQLite and PostgreSQL: a case with an
uploaded deliverable is backed up, the database and the files folder are wiped, the archive is
restored, and the case opens again and its file downloads with the same SHA-256."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from engine.models import AuditEvent, Base
from helpers.api_driver import FlaskClientAPI
from helpers.sop_walk import SOP_KEY

DOCUMENT = b"%PDF-1.4 spesifikasi kebutuhan " + bytes(range(256)) * 40


def _case_with_a_file(api) -> tuple[int, int]:
    status, inst = api.request("POST", "/api/instances", "pemilik",
                               json={"process_key": SOP_KEY, "title": "Aplikasi arsip digital"})
    assert status == 201, inst
    task = next(t for t in inst["tasks"] if t["state"] == "ready")
    status, body = api.request("POST", f"/api/tasks/{task['id']}/attachments", "pemilik",
                               files={"file": ("kebutuhan.pdf", DOCUMENT)})
    assert status == 201, body
    return inst["id"], body["id"]


def _wipe(app) -> None:
    """Every table dropped and the files folder removed: what a lost server leaves."""
    from webapp.extensions import db

    with app.app_context():
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        Base.metadata.drop_all(db.engine)
        db.engine.dispose()
    shutil.rmtree(app.config["ALUR_FILES_DIR"], ignore_errors=True)


def test_backup_wipe_restore_and_the_case_opens_with_its_file(app, runner, client, tokens, any_db, tmp_path):
    api = FlaskClientAPI(client, tokens)
    instance_id, attachment_id = _case_with_a_file(api)
    archive = tmp_path / "alur-backup.tar.gz"

    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        names = tar.getnames()
    assert manifest["database"] == any_db and manifest["alembic_revision"]
    sha = hashlib.sha256(DOCUMENT).hexdigest()
    stored = sorted(p for p in Path(app.config["ALUR_FILES_DIR"]).rglob("*") if p.is_file())
    assert len([k for k in manifest["files"] if k.startswith("files/")]) == len(stored)  # deliverables, templates
    assert sha in {v["sha256"] for k, v in manifest["files"].items() if k.startswith("files/")}
    assert set(names) == {"manifest.json", *manifest["files"]}
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 1  # never overwrites

    _wipe(app)
    with app.app_context():
        from webapp.extensions import db

        assert inspect(db.engine).get_table_names() == []  # nothing left
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output

    status, body = api.request("GET", f"/api/instances/{instance_id}", "admin")
    assert status == 200 and body["title"] == "Aplikasi arsip digital", body
    status, data = api.request("GET", f"/api/attachments/{attachment_id}", "pemilik")
    assert status == 200 and hashlib.sha256(data).hexdigest() == sha
    assert runner.invoke(args=["check"]).exit_code == 0
    from webapp.extensions import db

    with app.app_context():
        kinds = list(db.session.scalars(select(AuditEvent.kind).where(AuditEvent.kind.in_(["backup", "restore"]))
                                        .order_by(AuditEvent.id)))
    assert kinds == ["restore"]  # the backup's own event was recorded after its copy was taken

    # the target now holds a case: refused without --force, then replaced with it
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 1 and "--force" in result.output
    result = runner.invoke(args=["restore", "--force", str(archive)])
    assert result.exit_code == 0, result.output
    status, data = api.request("GET", f"/api/attachments/{attachment_id}", "pemilik")
    assert status == 200 and hashlib.sha256(data).hexdigest() == sha


def _rewritten(archive: Path, target: Path, change) -> Path:
    """A copy of the archive with ``change(name, data) -> data`` applied to each member."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            data = change(member.name, src.extractfile(member).read())
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return target


def test_a_damaged_or_foreign_archive_is_refused_before_anything_is_written(app, runner, client, tokens, tmp_path):
    api = FlaskClientAPI(client, tokens)
    instance_id, attachment_id = _case_with_a_file(api)
    archive = tmp_path / "ok.tar.gz"
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    _case_with_a_file(api)  # a second case after the backup: a refused restore must keep it
    files_dir = Path(app.config["ALUR_FILES_DIR"])
    before = {p: p.read_bytes() for p in files_dir.rglob("*") if p.is_file()}

    def flip(name: str, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 1]) if name.startswith("files/") else data

    def escape(name: str, data: bytes) -> bytes:
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["files"]["files/../../evil"] = {"sha256": "0" * 64, "size": 1}
            return json.dumps(manifest).encode()
        return data

    (tmp_path / "not-a-tar").write_bytes(b"plain text")
    cases = {"a flipped byte": (_rewritten(archive, tmp_path / "flip.tar.gz", flip), "sha256"),
             "an extra manifest entry": (_rewritten(archive, tmp_path / "esc.tar.gz", escape), "missing member"),
             "a text file": (tmp_path / "not-a-tar", "not a tar archive")}
    for what, (path, said) in cases.items():
        result = runner.invoke(args=["restore", "--force", str(path)])
        assert result.exit_code == 1 and said in result.output, (what, result.output)
    status, body = api.request("GET", "/api/instances?limit=10", "admin")
    assert status == 200 and len(body) == 2, body
    assert {p: p.read_bytes() for p in files_dir.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("any_db", ["postgresql"])  # SQLite needs no outside tool
def test_postgresql_without_its_client_tools_says_what_to_install(app, runner, any_db, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    archive = tmp_path / "b.tar.gz"
    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 1 and "pg_dump is not on PATH" in result.output
    assert "postgresql-client" in result.output and not archive.exists()


def test_a_letter_whose_pdf_was_not_drawn_is_backed_up_as_such_and_drawn_after_restore(svc, tmp_path):
    """The worker rendered the letter's DOCX; its PDF row has no bytes yet. The backup holds the
    DOCX and the row; after a restore into an empty store the first download draws the PDF."""
    from engine.models import Deliverable
    from helpers.cases import advance

    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Surat dicadangkan")
    advance(svc, case, 5)
    assert svc.render_pending_documents() == 1
    pdf = svc.session.scalar(select(Deliverable).where(Deliverable.sha256.is_(None)))
    docx = svc.session.get(Deliverable, pdf.source_id)
    pdf_id, docx_sha = pdf.id, docx.sha256
    report = svc.backup(tmp_path / "cadangan.tar.gz")
    assert report.files >= 1
    shutil.rmtree(svc.files.root)
    svc.restore(tmp_path / "cadangan.tar.gz", force=True)
    svc.session.expire_all()
    assert svc.files.path_for(docx_sha).is_file() and svc.session.get(Deliverable, pdf_id).sha256 is None
    drawn, path = svc.attachment_file(pdf_id, svc.users.get("kabid"))
    assert path.read_bytes().startswith(b"%PDF-") and drawn.size == path.stat().st_size
    assert [d for d in svc.check() if d.kind.startswith(("file", "pdf"))] == []
