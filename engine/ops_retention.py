"""Retention: finished cases archived after a while, files nobody refers to removed.

A finished case keeps nothing running: its SpiffWorkflow state is only read to show its final
data. Archiving replaces that state (kilobytes per case, more after many loops) by the final data
alone, and marks the case ``archived_at``; its task rows (the steps table, the report), its
audit events (the record) and its files stay. Deliverables are stored by content, shared between
cases, so a file is removed only when no row refers to it any more (an attachment removed, a
case deleted), and only once it has been unreferenced longer than a grace period: an upload
writes its bytes before its row, and must not lose them to a collection running meanwhile.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from . import audit
from .errors import Invalid, NotAllowed, Problem
from .models import Base, Instance, User, utcnow
from .case_lookups import ARCHIVED, CaseLookups

FINISHED = ("completed", "terminated")
BATCH = 200
#: An unreferenced file younger than this may belong to an upload not yet committed.
ORPHAN_GRACE = timedelta(hours=6)
MAX_MONTHS = 1200


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
    orphan_files: int = 0
    orphan_bytes: int = 0
    orphan_paths: list[str] = field(default_factory=list)


class RetentionOperations(CaseLookups):
    def archive_finished(self, actor: User | None, *, after_months: int, dry_run: bool = False,
                         now: datetime | None = None, limit: int | None = None) -> ArchiveReport:
        """Archive every case that ended (completed or terminated) more than ``after_months``
        months ago and is not archived yet, a batch per transaction, each audited; then collect
        orphaned files. ``dry_run`` changes nothing and says what would be done. ``actor`` None is
        the system (the command line)."""
        if actor is not None and not actor.is_admin:
            raise NotAllowed("retention.admins_only")
        if not isinstance(after_months, int) or not 1 <= after_months <= MAX_MONTHS:
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
            report.cases += len(batch)
            report.state_bytes += sum(n or 0 for _i, n in batch)
            report.case_ids += [i for i, _n in batch][: max(0, 20 - len(report.case_ids))]
            if not dry_run:
                for instance_id, _n in batch:
                    self._archive_one(instance_id, actor, now)
                self._commit()
        self._collect_orphans(report, dry_run)
        return report

    def _archive_one(self, instance_id: int, actor: User | None, now: datetime) -> None:
        instance = self.session.get(Instance, instance_id)
        data = self.instance_data(instance)
        summary = json.dumps({"data": data, "status": instance.status}, default=str)
        state_bytes = len(instance.state or "")
        self._write_case(instance, {"state": summary, "serializer_version": ARCHIVED, "archived_at": now})
        audit.record(self.session, "archive", actor.username if actor else None, instance_id=instance_id,
                     state_bytes=state_bytes)

    # ---- files --------------------------------------------------------------------------------
    def _collect_orphans(self, report: ArchiveReport, dry_run: bool) -> None:
        """Files under the store that no deliverable row refers to, unreferenced for longer than
        ORPHAN_GRACE (by their modification time), and upload leftovers as old: removed unless
        ``dry_run``."""
        root = self.files.root
        if not root.is_dir():
            return
        horizon = time.time() - ORPHAN_GRACE.total_seconds()
        candidates: dict[str, os.DirEntry] = {}
        leftovers: list[os.DirEntry] = []
        with os.scandir(root) as top:
            for entry in top:
                if entry.is_file(follow_symlinks=False) and entry.name.startswith(".upload-"):
                    if entry.stat().st_mtime < horizon:
                        leftovers.append(entry)
                elif entry.is_dir(follow_symlinks=False) and len(entry.name) == 2:
                    with os.scandir(entry.path) as shard:
                        for blob in shard:
                            if (blob.is_file(follow_symlinks=False) and len(blob.name) == 64
                                    and blob.name.startswith(entry.name) and blob.stat().st_mtime < horizon):
                                candidates[blob.name] = blob
        names = list(candidates)
        # every table that names stored bytes by sha256 (deliverables, document templates, …)
        holders = [t.c.sha256 for t in Base.metadata.sorted_tables if "sha256" in t.c]
        for start in range(0, len(names), 500):
            chunk = names[start:start + 500]
            for column in holders:
                for sha in self.session.scalars(select(column).where(column.in_(chunk))):
                    candidates.pop(sha, None)
        for entry in [*candidates.values(), *leftovers]:
            report.orphan_files += 1
            report.orphan_bytes += entry.stat().st_size
            if len(report.orphan_paths) < 20:
                report.orphan_paths.append(os.path.relpath(entry.path, root))
            if not dry_run:
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    pass
