"""Retention: `alur archive` archives finished cases after N months and removes orphaned files,
keeping what the case page, the report and the record need."""
from __future__ import annotations

import io
import os
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, update

from engine.models import AuditEvent, Instance, TaskRecord, utcnow
from engine.ops_retention import ARCHIVED, ORPHAN_GRACE, months_before
from helpers.sop_walk import SOP_KEY

STEP1 = {"nama_aplikasi": "Antrean", "instansi_pemilik": "Dinas Kesehatan", "jenis_pengembangan": "baru",
         "latar_belakang": "Antrean panjang"}


def finished_case(svc, title: str, ended_months_ago: int, with_file: bytes = b"%PDF-1.4 kebutuhan"):
    """A case with step 1 done (its deliverable attached), then terminated ``ended_months_ago`` ago."""
    owner, admin = svc.users.get("pemilik"), svc.users.get("admin")
    case = svc.start(SOP_KEY, owner, title)
    step1 = svc.instance_tasks(case.id)[0]
    svc.attach(step1.id, owner, "kebutuhan.pdf", io.BytesIO(with_file))
    svc.complete(step1.id, owner, STEP1)
    svc.set_status(case.id, admin, "terminate", "tidak dilanjutkan")
    ended = months_before(utcnow(), ended_months_ago) - timedelta(days=1)
    svc.session.execute(update(Instance).where(Instance.id == case.id).values(ended_at=ended))
    svc.session.commit()
    return case


def age_files(root, hours: float) -> None:
    then = time.time() - hours * 3600
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(dirpath, name), (then, then))


def test_months_before_counts_calendar_months():
    moment = datetime(2026, 3, 31, 10, 0, tzinfo=timezone.utc)
    assert months_before(moment, 1) == datetime(2026, 2, 28, 10, 0, tzinfo=timezone.utc)
    assert months_before(moment, 12) == datetime(2025, 3, 31, 10, 0, tzinfo=timezone.utc)
    assert months_before(moment, 15) == datetime(2024, 12, 31, 10, 0, tzinfo=timezone.utc)


def test_archive_compacts_old_finished_cases_and_keeps_their_record(any_db, svc, client, login):
    old = finished_case(svc, "Kasus lama", 13)
    recent = finished_case(svc, "Kasus baru", 2)
    running = svc.start(SOP_KEY, svc.users.get("pemilik"), "Masih berjalan")
    svc.session.commit()
    steps_before = [(t.id, t.state, t.completed_at) for t in svc.instance_tasks(old.id)]
    state_before = svc.session.scalar(select(Instance.state).where(Instance.id == old.id))

    dry = svc.archive_finished(None, after_months=12, dry_run=True)
    assert dry.cases == 1 and dry.case_ids == [old.id] and dry.state_bytes == len(state_before)
    svc.session.expire_all()
    assert svc.session.get(Instance, old.id).archived_at is None  # a dry run changes nothing

    done = svc.archive_finished(svc.users.get("admin"), after_months=12)
    assert done.cases == 1 and done.case_ids == [old.id]
    svc.session.expire_all()
    archived = svc.session.get(Instance, old.id)
    assert archived.archived_at is not None and archived.serializer_version == ARCHIVED
    assert len(archived.state) < len(state_before)
    assert svc.instance_data(archived)["nama_aplikasi"] == "Antrean"  # the final data is kept
    assert [(t.id, t.state, t.completed_at) for t in svc.instance_tasks(old.id)] == steps_before
    assert svc.attachments(instance_id=old.id)  # files stay
    assert svc.session.scalar(select(AuditEvent.actor).where(
        AuditEvent.instance_id == old.id, AuditEvent.kind == "archive")) == "admin"
    for other in (recent, running):
        assert svc.session.get(Instance, other.id).archived_at is None
    # a second run finds nothing more
    assert svc.archive_finished(None, after_months=12).cases == 0
    # the case page and the API still show the archived case with its steps and data
    login("admin")
    page = client.get(f"/instances/{old.id}").get_data(as_text=True)
    assert "Kasus lama" in page and "Antrean" in page and "Identifikasi kebutuhan" in page
    assert client.get(f"/instances/{old.id}/documents.zip").status_code == 200


def test_orphaned_files_are_removed_after_the_grace_period_and_shared_bytes_stay(svc):
    owner = svc.users.get("pemilik")
    case = svc.start(SOP_KEY, owner, "Berkas")
    step1 = svc.instance_tasks(case.id)[0]
    kept = svc.attach(step1.id, owner, "tetap.pdf", io.BytesIO(b"%PDF-1.4 tetap"))
    dropped = svc.attach(step1.id, owner, "hapus.pdf", io.BytesIO(b"%PDF-1.4 hapus"))
    shared = svc.attach(step1.id, owner, "sama.pdf", io.BytesIO(b"%PDF-1.4 sama"))
    svc.attach(step1.id, owner, "sama-lagi.pdf", io.BytesIO(b"%PDF-1.4 sama"))  # same bytes, two rows
    svc.remove_attachment(dropped.id, owner)
    svc.remove_attachment(shared.id, owner)
    root = svc.files.root
    assert svc.files.path_for(dropped.sha256).exists()  # removing an attachment leaves the bytes
    # a fresh orphan may be an upload whose row is not written yet: it stays
    assert svc.archive_finished(None, after_months=12).orphan_files == 0
    age_files(root, ORPHAN_GRACE.total_seconds() / 3600 + 1)
    (root / ".upload-stale").write_bytes(b"half an upload")
    age_files(root, ORPHAN_GRACE.total_seconds() / 3600 + 1)
    dry = svc.archive_finished(None, after_months=12, dry_run=True)
    assert dry.orphan_files == 2 and svc.files.path_for(dropped.sha256).exists()
    assert sorted(dry.orphan_paths) == sorted([".upload-stale", f"{dropped.sha256[:2]}/{dropped.sha256}"])
    done = svc.archive_finished(None, after_months=12)
    assert done.orphan_files == 2 and done.orphan_bytes > 0
    assert not svc.files.path_for(dropped.sha256).exists() and not (root / ".upload-stale").exists()
    assert svc.files.path_for(kept.sha256).exists() and svc.files.path_for(shared.sha256).exists()


def test_uploading_bytes_that_are_already_stored_makes_them_fresh(svc):
    owner = svc.users.get("pemilik")
    case = svc.start(SOP_KEY, owner, "Berkas lagi")
    step1 = svc.instance_tasks(case.id)[0]
    first = svc.attach(step1.id, owner, "a.pdf", io.BytesIO(b"%PDF-1.4 sama"))
    svc.remove_attachment(first.id, owner)
    age_files(svc.files.root, 48)
    svc.attach(step1.id, owner, "b.pdf", io.BytesIO(b"%PDF-1.4 sama"))
    assert time.time() - svc.files.path_for(first.sha256).stat().st_mtime < 600


def test_the_command_says_what_it_would_do_and_refuses_a_bad_policy(runner, svc):
    old = finished_case(svc, "Kasus lama", 25)
    result = runner.invoke(args=["archive", "--dry-run", "--after-months", "24"])
    assert result.exit_code == 0, result.output
    assert f"would archive 1 case(s) that ended before" in result.output and f": {old.id}" in result.output
    assert "would remove 0 orphaned file(s)" in result.output
    svc.session.expire_all()
    assert svc.session.get(Instance, old.id).archived_at is None
    assert runner.invoke(args=["archive", "--after-months", "0"]).exit_code != 0
    result = runner.invoke(args=["archive"])  # the policy's default: 12 months
    assert result.exit_code == 0 and "archived 1 case(s)" in result.output
    svc.session.expire_all()
    assert svc.session.get(Instance, old.id).archived_at is not None
    assert svc.session.scalar(select(TaskRecord.id).where(TaskRecord.instance_id == old.id)) is not None


def test_only_administrators_archive(svc):
    from engine.errors import Invalid, NotAllowed

    try:
        svc.archive_finished(svc.users.get("kabid"), after_months=12)
    except NotAllowed:
        pass
    else:
        raise AssertionError("a non-admin archived cases")
    try:
        svc.archive_finished(None, after_months=0)
    except Invalid:
        pass
    else:
        raise AssertionError("a policy of 0 months was accepted")
