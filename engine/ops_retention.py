"""Retention: finished cases archived after a while, their files moved aside, files nobody
refers to removed.

A finished case keeps nothing running: its SpiffWorkflow state is only read to show its final
data. Archiving (a batch of cases per transaction, each audited):

- replaces that state (kilobytes per case, more after many loops) by the final data alone, and
  marks the case ``archived_at``;
- compacts its task rows: a completed row's ``data`` is the very answer its submission keeps
  (``submissions``, the record people read), so it is dropped from the row when the two are
  equal, and read back from the submission when the row is read (:meth:`CaseLookups.
  with_kept_data`); every other column (who, when, due, realisation, round) stays, for the
  case page, the case record, the report and the API;
- after the batch commits, moves the bytes its deliverables name to the store's archive folder
  (``files/archive/ab/ab…``, :data:`engine.files.ARCHIVE_DIR`) when no live case and no template
  refers to them; readers find them there (:meth:`FileStore.path_for`), an upload of the same
  bytes for a live case brings them back, backups include the folder.

Audit events stay: they are the record. Deliverables are stored by content, shared between
cases, so a file is removed only when no row refers to it any more (an attachment removed, a
case deleted), in the live or the archive folder, and only once it has been unreferenced longer
than a grace period: an upload writes its bytes before its row, and must not lose them to a
collection running meanwhile.

The policy (archive after N months, or not at all) is the admin's (:class:`RetentionPolicy`); the
worker applies it by itself (:meth:`RetentionOperations.apply_retention`), at most once every
:data:`RUN_EVERY` and :data:`WORKER_LIMIT` cases a pass, off the request path; ``alur archive``
runs the same work by hand, ``--dry-run`` saying what it would do.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Text as SqlText, cast, func, null, or_, select, update

from . import audit
from .errors import Conflict, Invalid, NotAllowed, Problem
from .files import ARCHIVE_DIR, move_file as _move
from .models import Base, Deliverable, Instance, RetentionPolicy, Submission, TaskRecord, User, utcnow
from .case_lookups import ARCHIVED, CaseLookups

log = logging.getLogger("alur.retention")

FINISHED = ("completed", "terminated")
BATCH = 200
#: An unreferenced file younger than this may belong to an upload not yet committed.
ORPHAN_GRACE = timedelta(hours=6)
MAX_MONTHS = 1200
#: How often the worker applies the policy (a run that stopped at its limit goes on at once).
RUN_EVERY = timedelta(hours=24)
#: Cases archived in one worker pass, so a first run over years of cases does not hold the
#: worker (timers, reminders, mail) for long; the next pass goes on.
WORKER_LIMIT = 1000
#: A claimed run not finished after this long is taken as dead (a worker killed mid-run).
CLAIM_TIMEOUT = timedelta(hours=1)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day if shorter)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


@dataclass
class ArchiveReport:
    """What an archive run did (or, dry, would do)."""

    cutoff: datetime
    dry_run: bool
    cases: int = 0
    state_bytes: int = 0
    case_ids: list[int] = field(default_factory=list)
    #: task rows whose ``data`` (equal to their submission's) is dropped, and its bytes
    task_rows: int = 0
    task_bytes: int = 0
    #: files moved to the archive folder (no live case refers to them), and their bytes
    files_moved: int = 0
    moved_bytes: int = 0
    orphan_files: int = 0
    orphan_bytes: int = 0
    orphan_paths: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """The numbers, for the policy's record of its last run (JSON)."""
        keep = ("cases", "state_bytes", "task_rows", "task_bytes", "files_moved", "moved_bytes",
                "orphan_files", "orphan_bytes")
        return {k: v for k, v in asdict(self).items() if k in keep}


def _json_text(column):
    """A JSON column as its stored text (both databases keep the text as written)."""
    return cast(column, SqlText)


class RetentionOperations(CaseLookups):
    # ---- the policy -----------------------------------------------------------------------------
    def retention_policy(self) -> RetentionPolicy:
        """The policy row (an unsaved one saying "never" where none was set yet)."""
        return self.session.get(RetentionPolicy, 1) or RetentionPolicy(id=1, after_months=None)

    def set_retention_policy(self, admin: User, after_months: int | None) -> RetentionPolicy:
        """An administrator sets the months after which the worker archives finished cases
        (None: it archives none; ``alur archive`` still works by hand). Audited."""
        if not admin.is_admin:
            raise NotAllowed("retention.admins_only")
        if after_months is not None and (isinstance(after_months, bool) or not isinstance(after_months, int)
                                         or not 1 <= after_months <= MAX_MONTHS):
            raise Invalid("retention.invalid", [Problem("retention.bad_months", field="after_months", n=MAX_MONTHS)])
        policy = self.session.get(RetentionPolicy, 1)
        if policy is None:
            policy = RetentionPolicy(id=1)
            self.session.add(policy)
        before = policy.after_months
        policy.after_months, policy.changed_by, policy.changed_at = after_months, admin.username, utcnow()
        audit.record(self.session, "retention_policy", admin.username, after_months=after_months, before=before)
        self._commit()
        return policy

    def apply_retention(self, now: datetime | None = None, limit: int = WORKER_LIMIT) -> dict[str, int]:
        """The worker's share: when a policy is set and its last run is older than RUN_EVERY (or
        stopped at its limit), archive up to ``limit`` cases, then (once nothing is left) move
        and collect files, and note the run on the policy. One worker runs it at a time: the
        run is claimed by a conditional UPDATE another worker's loses."""
        now = now or utcnow()
        policy = self.session.get(RetentionPolicy, 1)
        self.session.commit()
        if policy is None or policy.after_months is None:
            return {"cases_archived": 0}
        more = bool((policy.last_run or {}).get("more"))
        if policy.last_run_at is not None and not more and now - policy.last_run_at < RUN_EVERY:
            return {"cases_archived": 0}
        claimed = self.session.execute(
            update(RetentionPolicy).where(
                RetentionPolicy.id == 1,
                or_(RetentionPolicy.run_started_at.is_(None), RetentionPolicy.run_started_at < now - CLAIM_TIMEOUT))
            .values(run_started_at=now)).rowcount
        self.session.commit()
        if claimed != 1:
            return {"cases_archived": 0}
        try:
            report = self.archive_finished(None, after_months=policy.after_months, now=now, limit=limit,
                                           collect_files=None)
        except BaseException as exc:
            self.session.rollback()
            self.session.execute(update(RetentionPolicy).where(RetentionPolicy.id == 1).values(run_started_at=None))
            self.session.commit()
            if isinstance(exc, Conflict):  # a case written meanwhile (a race on its row): the next pass goes on
                log.warning("retention: run stopped: %s", exc.message)
                return {"cases_archived": 0}
            raise
        figures = report.figures()
        figures["more"] = limit is not None and report.cases >= limit
        figures["after_months"] = policy.after_months
        # the run noted and the claim given back in one statement: no other worker starts between
        self.session.execute(update(RetentionPolicy).where(RetentionPolicy.id == 1)
                             .values(run_started_at=None, last_run_at=now, last_run=figures))
        self.session.commit()
        return {"cases_archived": report.cases, "files_archived": report.files_moved,
                "orphans_removed": report.orphan_files}

    # ---- archiving ------------------------------------------------------------------------------
    def archive_finished(self, actor: User | None, *, after_months: int, dry_run: bool = False,
                         now: datetime | None = None, limit: int | None = None,
                         collect_files: bool | None = True) -> ArchiveReport:
        """Archive every case that ended (completed or terminated) more than ``after_months``
        months ago and is not archived yet, a batch per transaction, each audited, moving files
        only archived cases refer to aside; then collect orphaned files (``collect_files`` None:
        only when the run archived everything due, not stopping at ``limit``). ``dry_run``
        changes nothing and says what would be done (a file shared by cases of two different
        batches counts as staying: each batch sees the other's case as not archived yet).
        ``actor`` None is the system (the command line, the worker)."""
        if actor is not None and not actor.is_admin:
            raise NotAllowed("retention.admins_only")
        if isinstance(after_months, bool) or not isinstance(after_months, int) or not 1 <= after_months <= MAX_MONTHS:
            raise Invalid("retention.invalid", [Problem("retention.bad_months", field="after_months", n=MAX_MONTHS)])
        now = now or utcnow()
        report = ArchiveReport(cutoff=months_before(now, after_months), dry_run=dry_run)
        due = (select(Instance.id, func.length(Instance.state))
               .where(Instance.archived_at.is_(None), Instance.status.in_(FINISHED),
                      Instance.ended_at < report.cutoff).order_by(Instance.id))
        last = 0
        while limit is None or report.cases < limit:
            size = BATCH if limit is None else min(BATCH, limit - report.cases)
            batch = self.session.execute(due.where(Instance.id > last).limit(size)).all()
            if not batch:
                break
            last = batch[-1][0]
            ids = [i for i, _n in batch]
            report.cases += len(batch)
            report.state_bytes += sum(n or 0 for _i, n in batch)
            report.case_ids += ids[: max(0, 20 - len(report.case_ids))]
            rows, row_bytes = self._redundant_task_data(ids)
            report.task_rows += rows
            report.task_bytes += row_bytes
            shas = self._files_only_these_hold(ids)
            if not dry_run:
                for instance_id in ids:
                    self._archive_one(instance_id, actor, now)
                self._commit()
            self._move_to_archive(shas, report, dry_run)
        if collect_files or (collect_files is None and (limit is None or report.cases < limit)):
            self._collect_orphans(report, dry_run)
        return report

    def _archive_one(self, instance_id: int, actor: User | None, now: datetime) -> None:
        instance = self.session.get(Instance, instance_id)
        data = self.instance_data(instance)
        summary = json.dumps({"data": data, "status": instance.status}, default=str)
        state_bytes = len(instance.state or "")
        self._write_case(instance, {"state": summary, "serializer_version": ARCHIVED, "archived_at": now})
        compacted = self.session.execute(
            update(TaskRecord).where(TaskRecord.id.in_(self._redundant_rows([instance_id]).with_only_columns(
                TaskRecord.id)))
            .values(data=null()).execution_options(synchronize_session=False)).rowcount
        audit.record(self.session, "archive", actor.username if actor else None, instance_id=instance_id,
                     state_bytes=state_bytes, task_rows=compacted)

    # ---- task rows ------------------------------------------------------------------------------
    def _redundant_rows(self, instance_ids: list[int]):
        """Completed task rows of these cases whose ``data`` is the text their submission keeps."""
        return (select(TaskRecord.id, func.length(_json_text(TaskRecord.data)))
                .join(Submission, Submission.task_id == TaskRecord.id)
                .where(TaskRecord.instance_id.in_(instance_ids), TaskRecord.state == "completed",
                       TaskRecord.data.is_not(None),
                       _json_text(TaskRecord.data) == _json_text(Submission.data)))

    def _redundant_task_data(self, instance_ids: list[int]) -> tuple[int, int]:
        rows = self.session.execute(self._redundant_rows(instance_ids)).all()
        return len(rows), sum(n or 0 for _i, n in rows)

    # ---- files ----------------------------------------------------------------------------------
    def _files_only_these_hold(self, instance_ids: list[int]) -> dict[str, int]:
        """sha256 → size of the files these cases' deliverables name that no other case not
        archived (nor any other table: templates, …) names: what archiving them sets free to move."""
        shas = dict(self.session.execute(
            select(Deliverable.sha256, func.max(Deliverable.size))
            .where(Deliverable.instance_id.in_(instance_ids), Deliverable.sha256.is_not(None))  # a PDF not drawn
            .group_by(Deliverable.sha256)).all())
        if not shas:
            return {}
        names = list(shas)
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            for sha in self.session.scalars(
                    select(Deliverable.sha256).join(Instance, Instance.id == Deliverable.instance_id)
                    .where(Deliverable.sha256.in_(chunk), Instance.archived_at.is_(None),
                           Deliverable.instance_id.not_in(instance_ids)).distinct()):
                shas.pop(sha, None)
            for table in Base.metadata.sorted_tables:
                if "sha256" in table.c and table.name != Deliverable.__tablename__:
                    for sha in self.session.scalars(select(table.c.sha256).where(table.c.sha256.in_(chunk))):
                        shas.pop(sha, None)
        return shas

    def _move_to_archive(self, shas: dict[str, int], report: ArchiveReport, dry_run: bool) -> None:
        """Move these files from the live folder to the archive folder (after the batch's
        commit: a crash between leaves a file in the live folder, where it is found too)."""
        for sha, size in shas.items():
            live = self.files.live_path(sha)
            if not live.is_file():
                continue  # already in the archive folder, or missing (alur check says so)
            try:
                moved = dry_run or _move(live, self.files.archive_path(sha))
            except OSError as exc:  # a full or read-only archive folder: the file stays where it is found
                log.warning("retention: could not move %s to the archive folder: %s", sha, exc)
                continue
            if moved:
                report.files_moved += 1
                report.moved_bytes += size

    def _collect_orphans(self, report: ArchiveReport, dry_run: bool) -> None:
        """Files under the store (the live folder and the archive folder) that no row refers to,
        unreferenced for longer than ORPHAN_GRACE (by their modification time, which a move
        keeps and an upload of the same bytes renews), and upload or move leftovers as old:
        removed unless ``dry_run``."""
        root = self.files.root
        if not root.is_dir():
            return
        horizon = time.time() - ORPHAN_GRACE.total_seconds()
        candidates: dict[str, list[os.DirEntry]] = {}
        leftovers: list[os.DirEntry] = []

        def scan(folder: str) -> None:
            with os.scandir(folder) as top:
                for entry in top:
                    if entry.is_file(follow_symlinks=False) and entry.name.startswith(".upload-"):
                        if entry.stat().st_mtime < horizon:
                            leftovers.append(entry)
                    elif entry.is_dir(follow_symlinks=False) and len(entry.name) == 2:
                        with os.scandir(entry.path) as shard:
                            for blob in shard:
                                if not blob.is_file(follow_symlinks=False) or blob.stat().st_mtime >= horizon:
                                    continue
                                if len(blob.name) == 64 and blob.name.startswith(entry.name):
                                    candidates.setdefault(blob.name, []).append(blob)
                                elif blob.name.startswith(".moving-"):
                                    leftovers.append(blob)

        scan(str(root))
        if (root / ARCHIVE_DIR).is_dir():
            scan(str(root / ARCHIVE_DIR))
        names = list(candidates)
        # every table that names stored bytes by sha256 (deliverables, document templates, …)
        holders = [t.c.sha256 for t in Base.metadata.sorted_tables if "sha256" in t.c]
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            for column in holders:
                for sha in self.session.scalars(select(column).where(column.in_(chunk))):
                    candidates.pop(sha, None)
        for entry in [*(e for found in candidates.values() for e in found), *leftovers]:
            report.orphan_files += 1
            report.orphan_bytes += entry.stat().st_size
            if len(report.orphan_paths) < 20:
                report.orphan_paths.append(os.path.relpath(entry.path, root))
            if not dry_run:
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    pass
                except OSError as exc:  # left for the next run; the worker goes on
                    log.warning("retention: could not remove %s: %s", entry.path, exc)
