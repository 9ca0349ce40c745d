"""Retention: `alur archive` archives finished cases after N months and removes orphaned files,
keeping what the case page, the report and the record need."""
from __future__ import annotations

import io
import os
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import Text, cast, func, select, update

from engine.models import AuditEvent, Deliverable, Instance, Submission, TaskRecord, utcnow
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


# ---- what an archived case still shows: task rows compacted, pages and reports the same ----------
def walked_case(svc, title: str, ended_months_ago: int, body: bytes):
    """A whole SOP lifecycle (both review loops once), each deliverable ``body`` + its step, then
    its end moved ``ended_months_ago`` back."""
    from helpers.cases import all_ready
    from helpers.sop_walk import walk

    case = svc.start(SOP_KEY, svc.users.get("pemilik"), title)

    def attach(task, username):
        svc.attach(task["id"], svc.users.get(username), f"langkah-{task['step']}.pdf",
                   io.BytesIO(body + str(task["step"]).encode()))

    walk(lambda: all_ready(svc, case.id), attach,
         lambda task, username, data: svc.complete(task["id"], svc.users.get(username), data))
    ended = months_before(utcnow(), ended_months_ago) - timedelta(days=1)
    svc.session.execute(update(Instance).where(Instance.id == case.id).values(ended_at=ended))
    svc.session.commit()
    assert svc.session.get(Instance, case.id).status == "completed"
    return case


def _views(svc, client, case_id: int) -> dict:
    """What the pages, the API and the reports show of a case, less what archiving itself adds
    (its audit event) and what changes by the minute (tokens, the record's print time)."""
    import re

    svc.session.expire_all()
    instance = svc.instance(case_id)
    api = client.get(f"/api/instances/{case_id}").get_json()
    # the events are the newest few: archiving's own event pushes the oldest shown one out
    events = [e["id"] for e in api.pop("events") if e["kind"] != "archive"]
    record = svc.case_record(instance)
    steps = [(s.row.id, s.round, s.who, s.target, s.actual, s.on_time, s.decisions, s.notes, s.sent_back,
              [d.sha256 for d in s.documents]) for s in record.steps] if hasattr(record, "steps") else record
    rows = svc.instance_tasks(case_id)
    page = client.get(f"/instances/{case_id}").get_data(as_text=True)
    page = re.sub(r'name="csrf_token" value="[^"]*"', "", page)
    page = re.sub(r"nonce-[A-Za-z0-9+/=_-]+|nonce=\"[^\"]*\"", "", page)
    done = next(r for r in rows if r.state == "completed" and r.data)
    task_page = client.get(f"/tasks/{done.id}").get_data(as_text=True)
    return {
        "api": api,
        "events": events,
        "api_task": client.get(f"/api/tasks/{done.id}").get_json(),
        "record": steps,
        "record_pdf": client.get(f"/instances/{case_id}/record.pdf").status_code,
        "traceability": repr(svc.traceability(instance)),
        "traceability_xlsx": client.get(f"/instances/{case_id}/traceability.xlsx").status_code,
        "kpi_csv": client.get("/reports/kpi.csv").get_data(as_text=True),
        "rows": [(r.id, r.state, r.completed_at, r.completed_by, r.actual_minutes, r.data, r.round, r.returned)
                 for r in rows],
        "task_page_values": sorted(re.findall(r'value="([^"]+)"', re.sub(
            r'name="csrf_token" value="[^"]*"', "", task_page))),
        "page_steps": re.findall(r"<td[^>]*>([^<]{3,})</td>", page),
    }


def test_archived_case_shows_the_same_after_its_task_rows_are_compacted(any_db, svc, client, login):
    old = walked_case(svc, "Lingkar penuh", 13, b"%PDF-1.4 lingkar ")
    login("admin")
    _views(svc, client, old.id)  # the case record renders the letters the worker has not yet
    before = _views(svc, client, old.id)
    stored = svc.session.execute(select(func.count(), func.sum(func.length(cast(TaskRecord.data, Text))))
                                 .where(TaskRecord.instance_id == old.id, TaskRecord.data.is_not(None))).one()
    assert stored[0] >= 14

    dry = svc.archive_finished(None, after_months=12, dry_run=True)
    assert dry.cases == 1 and dry.task_rows == stored[0] and dry.task_bytes == stored[1]
    done = svc.archive_finished(None, after_months=12)
    assert (done.task_rows, done.task_bytes) == (dry.task_rows, dry.task_bytes)
    assert svc.session.scalar(select(func.count()).where(
        TaskRecord.instance_id == old.id, TaskRecord.data.is_not(None))) == 0  # the blobs are gone from the rows
    assert svc.session.scalar(select(func.count()).where(Submission.instance_id == old.id)) == stored[0]

    after = _views(svc, client, old.id)
    # (reading the record is itself an event: a few more push the oldest shown ones out)
    events = before.pop("events")
    assert len(events) > 10 and set(events[4:]) <= set(after.pop("events"))
    for name in before:
        assert after[name] == before[name], name
    assert before["record_pdf"] == 200 and before["traceability_xlsx"] in (200, 404)
    assert any(v for v in before["task_page_values"])  # the completed step's answers are on its page
    # reading the archived rows changes nothing (the answers are told, not written back)
    svc.session.commit()
    assert svc.session.scalar(select(func.count()).where(
        TaskRecord.instance_id == old.id, TaskRecord.data.is_not(None))) == 0


# ---- files of archived cases: moved to the archive folder when no live case holds them -----------
def test_files_only_archived_cases_hold_move_to_the_archive_folder_and_stay_downloadable(any_db, svc, client, login):
    old = finished_case(svc, "Arsip berkas", 13, with_file=b"%PDF-1.4 hanya arsip")
    shared = finished_case(svc, "Arsip berbagi", 13, with_file=b"%PDF-1.4 dipakai bersama")
    live = finished_case(svc, "Masih baru", 1, with_file=b"%PDF-1.4 dipakai bersama")
    alone = svc.attachments(instance_id=old.id)[0]
    both = svc.attachments(instance_id=shared.id)[0]
    store = svc.files

    dry = svc.archive_finished(None, after_months=12, dry_run=True)
    assert dry.files_moved == 1 and dry.moved_bytes == alone.size
    assert store.live_path(alone.sha256).exists()  # a dry run moves nothing
    done = svc.archive_finished(None, after_months=12)
    assert done.cases == 2 and done.files_moved == 1 and done.moved_bytes == alone.size
    assert not store.live_path(alone.sha256).exists() and store.archive_path(alone.sha256).exists()
    assert store.live_path(both.sha256).exists()  # a live case still holds these bytes
    assert store.path_for(alone.sha256) == store.archive_path(alone.sha256)

    login("admin")
    download = client.get(f"/attachments/{alone.id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 hanya arsip"
    zipped = client.get(f"/instances/{old.id}/documents.zip")
    assert zipped.status_code == 200 and b"HILANG" not in zipped.data
    assert not [d for d in svc.check() if d.kind.startswith("file")]  # alur check finds them there

    # the same bytes uploaded for a live case come back to the live folder
    owner = svc.users.get("pemilik")
    again = svc.start(SOP_KEY, owner, "Lagi")
    svc.attach(svc.instance_tasks(again.id)[0].id, owner, "lagi.pdf", io.BytesIO(b"%PDF-1.4 hanya arsip"))
    assert store.live_path(alone.sha256).exists() and not store.archive_path(alone.sha256).exists()
    assert client.get(f"/attachments/{alone.id}").data == b"%PDF-1.4 hanya arsip"
    assert live.id


def test_orphans_in_the_archive_folder_are_collected_after_the_grace_period(svc):
    old = finished_case(svc, "Arsip yatim", 13, with_file=b"%PDF-1.4 yatim")
    gone = svc.attachments(instance_id=old.id)[0]
    svc.archive_finished(None, after_months=12)
    path = svc.files.archive_path(gone.sha256)
    assert path.exists()
    svc.session.execute(Deliverable.__table__.delete().where(Deliverable.id == gone.id))
    svc.session.commit()
    (path.parent / f".moving-{gone.sha256}").write_bytes(b"half a move")
    assert svc.archive_finished(None, after_months=12).orphan_files == 0  # within the grace period
    age_files(svc.files.root, ORPHAN_GRACE.total_seconds() / 3600 + 1)
    dry = svc.archive_finished(None, after_months=12, dry_run=True)
    assert sorted(dry.orphan_paths) == sorted([f"archive/{gone.sha256[:2]}/{gone.sha256}",
                                               f"archive/{gone.sha256[:2]}/.moving-{gone.sha256}"])
    assert svc.archive_finished(None, after_months=12).orphan_files == 2
    assert not path.exists()


def test_a_backup_holds_the_archive_folder_and_restore_brings_it_back(svc, tmp_path):
    old = finished_case(svc, "Arsip cadangan", 13, with_file=b"%PDF-1.4 cadangan")
    kept = svc.attachments(instance_id=old.id)[0]
    svc.archive_finished(None, after_months=12)
    archived = svc.files.archive_path(kept.sha256)
    assert archived.exists()
    backup = svc.backup(tmp_path / "cadangan.tar.gz")
    assert backup.files >= 1
    archived.unlink()
    svc.restore(tmp_path / "cadangan.tar.gz", force=True)
    assert archived.read_bytes() == b"%PDF-1.4 cadangan"


# ---- the policy, applied by the worker ------------------------------------------------------------
def test_the_worker_applies_the_admins_policy_in_batches_and_notes_its_last_run(any_db, svc):
    from engine.models import RetentionPolicy
    from engine.ops_retention import RUN_EVERY

    admin = svc.users.get("admin")
    cases = [finished_case(svc, f"Kebijakan {n}", 7) for n in range(3)]
    assert svc.apply_retention() == {"cases_archived": 0}  # no policy: nothing
    assert svc.retention_policy().after_months is None
    policy = svc.set_retention_policy(admin, 6)
    assert policy.after_months == 6 and policy.changed_by == "admin"
    assert svc.session.scalar(select(AuditEvent.details).where(AuditEvent.kind == "retention_policy")) == {
        "after_months": 6, "before": None}

    now = utcnow()
    first = svc.apply_retention(now=now, limit=2)
    assert first["cases_archived"] == 2
    svc.session.expire_all()
    run = svc.retention_policy()
    assert run.last_run["more"] is True and run.last_run["cases"] == 2 and run.run_started_at is None
    second = svc.apply_retention(now=now + timedelta(seconds=5), limit=2)  # it goes on at once
    assert second["cases_archived"] == 1
    svc.session.expire_all()
    assert svc.retention_policy().last_run["more"] is False
    assert all(svc.session.get(Instance, c.id).archived_at is not None for c in cases)
    # then it waits a day before looking again
    late = finished_case(svc, "Terlambat", 7)
    assert svc.apply_retention(now=now + timedelta(hours=1))["cases_archived"] == 0
    assert svc.apply_retention(now=now + RUN_EVERY + timedelta(minutes=1))["cases_archived"] == 1
    svc.session.expire_all()
    assert svc.session.get(Instance, late.id).archived_at is not None
    # a run another worker holds is left to it
    svc.session.execute(update(RetentionPolicy).values(run_started_at=now + 2 * RUN_EVERY - timedelta(minutes=5),
                                                       last_run=None, last_run_at=None))
    svc.session.commit()
    finished_case(svc, "Lain", 7)
    assert svc.apply_retention(now=now + 2 * RUN_EVERY)["cases_archived"] == 0
    # turned off: nothing
    svc.set_retention_policy(admin, None)
    svc.session.execute(update(RetentionPolicy).values(run_started_at=None))
    svc.session.commit()
    assert svc.apply_retention(now=now + 3 * RUN_EVERY) == {"cases_archived": 0}


def test_only_administrators_set_the_policy_and_it_is_bounded(svc):
    from engine.errors import Invalid, NotAllowed

    for months in (0, 1201, "12", True):
        try:
            svc.set_retention_policy(svc.users.get("admin"), months)
        except Invalid:
            pass
        else:
            raise AssertionError(f"{months!r} was accepted")
    try:
        svc.set_retention_policy(svc.users.get("kabid"), 12)
    except NotAllowed:
        pass
    else:
        raise AssertionError("a non-admin set the policy")


def test_the_worker_pass_applies_the_policy(app, svc):
    from webapp.worker import one_pass

    old = finished_case(svc, "Lewat worker", 25)
    svc.set_retention_policy(svc.users.get("admin"), 24)
    result = one_pass(app)
    assert result["cases_archived"] == 1
    svc.session.expire_all()
    assert svc.session.get(Instance, old.id).archived_at is not None


def test_dry_run_command_tells_rows_and_files(runner, svc):
    finished_case(svc, "Kata perintah", 25, with_file=b"%PDF-1.4 perintah")
    result = runner.invoke(args=["archive", "--dry-run", "--after-months", "24"])
    assert result.exit_code == 0, result.output
    assert "would compact 1 task row(s)" in result.output
    assert "would move 1 file(s) no live case refers to, 0.0 KB" in result.output


def test_the_retention_page_sets_the_policy_and_refuses_a_bad_one(client, login, svc):
    login("kabid")
    assert client.get("/admin/retention").status_code in (302, 403)
    login("admin")
    page = client.get("/admin/retention").get_data(as_text=True)
    assert "Tidak ada pengarsipan otomatis." in page and "Belum pernah dijalankan" in page
    refused = client.post("/admin/retention", data={"after_months": "0"})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert "1 sampai 1200 bulan" in refused.get_data(as_text=True)
    assert client.post("/admin/retention", data={"after_months": "abc"}).status_code == 422
    assert svc.retention_policy().after_months is None
    saved = client.post("/admin/retention", data={"after_months": "18"}, follow_redirects=True)
    assert saved.status_code == 200 and "lebih dari 18 bulan lalu" in saved.get_data(as_text=True)
    svc.session.expire_all()
    assert svc.retention_policy().after_months == 18
    finished_case(svc, "Halaman", 19)
    svc.apply_retention()
    page = client.get("/admin/retention").get_data(as_text=True)
    assert 'id="last-run"' in page and "Pengajuan diarsipkan</th><td>1</td>" in page
    off = client.post("/admin/retention", data={"after_months": ""}, follow_redirects=True)
    assert "Pengajuan tidak lagi diarsipkan otomatis." in off.get_data(as_text=True)
    svc.session.expire_all()
    assert svc.retention_policy().after_months is None


def test_a_backup_finds_a_file_archiving_moved_while_it_copied(tmp_path):
    from engine.ops_backup import _moved

    sha = "ab" + "0" * 62
    live, archived = tmp_path / "ab" / sha, tmp_path / "archive" / "ab" / sha
    archived.parent.mkdir(parents=True)
    archived.write_bytes(b"x")
    assert _moved(tmp_path, live) == archived
    live.parent.mkdir()
    archived.replace(live)
    assert _moved(tmp_path, archived) == live
    live.unlink()
    assert _moved(tmp_path, live) is None and _moved(tmp_path, tmp_path / ".upload-x") is None


def test_audit_events_are_partition_friendly():
    """docs/architecture.md: no foreign key points at the log (a partition drops alone), and its
    reads have an index ending (at, id)."""
    from engine.models import Base

    log = Base.metadata.tables["audit_events"]
    pointing_at_it = [(t.name, fk.parent.name) for t in Base.metadata.sorted_tables for fk in t.foreign_keys
                      if fk.column.table is log]
    assert pointing_at_it == []
    assert ["at", "id"] in [[c.name for c in ix.columns] for ix in log.indexes]


# ---- a letter whose PDF is drawn on its first download (engine/renditions.py) ----------------------
def test_an_archived_letter_whose_pdf_was_not_drawn_is_drawn_from_the_archive_folder(any_db, svc, client, login):
    from helpers.cases import advance

    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Surat yang diarsipkan")
    advance(svc, case, 5)
    assert svc.render_pending_documents() == 1  # the worker: the DOCX, and a PDF row without bytes
    svc.set_status(case.id, svc.users.get("admin"), "terminate", "tidak dilanjutkan")
    svc.session.execute(update(Instance).where(Instance.id == case.id)
                        .values(ended_at=months_before(utcnow(), 13) - timedelta(days=1)))
    svc.session.commit()
    docx = next(f for f in svc.attachments(instance_id=case.id) if f.filename.endswith(".docx"))
    pdf = next(f for f in svc.attachments(instance_id=case.id) if f.source_id == docx.id)
    assert pdf.sha256 is None
    age_files(svc.files.root, ORPHAN_GRACE.total_seconds() / 3600 + 1)
    done = svc.archive_finished(None, after_months=12)  # the orphan sweep runs too
    assert done.cases == 1 and done.orphan_files == 0
    assert svc.files.archive_path(docx.sha256).exists() and not svc.files.live_path(docx.sha256).exists()
    assert [d for d in svc.check() if d.kind.startswith(("file", "pdf"))] == []  # not drawn is not missing
    login("admin")
    download = client.get(f"/attachments/{pdf.id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")
    svc.session.expire_all()
    drawn = svc.session.get(Deliverable, pdf.id)
    # only an archived case holds the drawn bytes: they go to the archive folder, where they are found
    assert svc.files.archive_path(drawn.sha256).read_bytes() == download.data
    assert not svc.files.live_path(drawn.sha256).exists()
    assert client.get(f"/attachments/{pdf.id}").data == download.data
    age_files(svc.files.root, ORPHAN_GRACE.total_seconds() / 3600 + 1)
    assert svc.archive_finished(None, after_months=12).orphan_files == 0
    assert [d for d in svc.check() if d.kind.startswith(("file", "pdf"))] == []
