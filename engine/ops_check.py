"""``alur check``: does what the database says agree with itself and with the files on disk?

For administrators after a crash, a restore or a disk problem. Compared:

- every open case (running, suspended, in error): its saved state can be read, and the steps
  waiting in the state are exactly the task rows marked ready;
- every attachment row has its file (by SHA-256) under the files folder, of the recorded size;
  a letter's PDF not drawn yet (no SHA-256: its first download draws it) has its DOCX there to
  be drawn from;
- every file under the files folder belongs to some attachment row.

``repair`` fixes what can be fixed safely from the state, which is the truth of a case: missing
task rows are written and rows for steps no longer waiting are closed (the task index's own
sync), and a case whose state cannot be read is marked ``error`` with the reason. Missing files and
files without rows are only reported: a person decides (restore the file, or delete it).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from . import audit, runtime, task_index
from .files import ARCHIVE_DIR
from .models import Base, Deliverable, Instance, TaskRecord, utcnow
from .stored_messages import stored
from .unit_of_work import UnitOfWork

OPEN_STATUSES = ("running", "suspended", "error")


@dataclass
class Difference:
    kind: str  # state_unreadable | task_row_missing | task_row_stale | file_missing | file_size | file_orphan
    subject: str  # "case 12", "attachment 7", "file ab/ab12…"
    detail: str
    repaired: bool = False

    def __str__(self) -> str:
        return f"{self.subject}: {self.kind}: {self.detail}" + (" (repaired)" if self.repaired else "")


class CheckOperations(UnitOfWork):
    def check(self, *, repair: bool = False) -> list[Difference]:
        """Every difference found (see the module's docstring); with ``repair`` the safe ones fixed
        and committed, case by case."""
        found: list[Difference] = []
        ids = list(self.session.scalars(select(Instance.id).where(Instance.status.in_(OPEN_STATUSES))
                                        .order_by(Instance.id)))
        for instance_id in ids:
            found += self._check_case(instance_id, repair)
        found += self._check_files()
        return found

    def _check_case(self, instance_id: int, repair: bool) -> list[Difference]:
        instance = self.session.get(Instance, instance_id)
        subject = f"case {instance_id}"
        cd = runtime.compiled(instance.definition)
        try:
            wf = runtime.load(instance, cd, self.script_engine)
        except runtime.StateUnreadable as exc:
            diff = Difference("state_unreadable", subject, exc.message)
            if repair and instance.status != "error":
                self._write_case(instance, {"status": "error", "error_message": stored(exc.message)})
                audit.record(self.session, "error", None, instance_id=instance_id, message=exc.message)
                self._commit()
                diff.repaired = True
            return [diff]
        in_state = {str(t.id): t.task_spec.bpmn_id for t in runtime.ready_human_tasks(wf)}
        in_rows = dict(self.session.execute(select(TaskRecord.id, TaskRecord.bpmn_id).where(
            TaskRecord.instance_id == instance_id, TaskRecord.state == "ready")).all())
        diffs = [Difference("task_row_missing", subject, f"step {bpmn_id} ({tid}) waits in the state but has no "
                            "ready task row") for tid, bpmn_id in in_state.items() if tid not in in_rows]
        diffs += [Difference("task_row_stale", subject, f"task row {tid} ({bpmn_id}) is ready but the step no "
                             "longer waits in the state") for tid, bpmn_id in in_rows.items() if tid not in in_state]
        if diffs and repair:
            with self.session.no_autoflush:
                task_index.sync(self.session, instance, wf, cd, self.calendar, utcnow())
            audit.record(self.session, "repair", None, instance_id=instance_id,
                         differences=[str(d) for d in diffs][:20])
            self._commit()
            for d in diffs:
                d.repaired = True
        return diffs

    def _check_files(self) -> list[Difference]:
        diffs: list[Difference] = []
        known: set[str] = set()
        sources: dict[int, int] = {}  # a letter's PDF not drawn yet → the DOCX its download draws it from
        for deliverable_id, sha256, size, source_id in self.session.execute(
                select(Deliverable.id, Deliverable.sha256, Deliverable.size, Deliverable.source_id)
                .order_by(Deliverable.id)):
            if sha256 is None:
                sources[deliverable_id] = source_id
                continue
            known.add(sha256)
            path = self.files.path_for(sha256)
            if not path.is_file():
                diffs.append(Difference("file_missing", f"attachment {deliverable_id}", f"no file {path}"))
            elif path.stat().st_size != size:
                diffs.append(Difference("file_size", f"attachment {deliverable_id}",
                                        f"{path} has {path.stat().st_size} bytes, the row says {size}"))
        if sources:
            source_sha = dict(self.session.execute(select(Deliverable.id, Deliverable.sha256).where(
                Deliverable.id.in_([s for s in sources.values() if s is not None]),
                Deliverable.sha256.is_not(None))).all())
            for deliverable_id, source_id in sources.items():
                sha = source_sha.get(source_id)
                if sha is None or not self.files.path_for(sha).is_file():
                    diffs.append(Difference("pdf_source_missing", f"attachment {deliverable_id}",
                                            "a letter's PDF not drawn yet whose DOCX is gone: it cannot be drawn"))
        # bytes other tables name by sha256 (document templates, …) are not orphans either
        for table in Base.metadata.sorted_tables:
            if "sha256" in table.c and table.name != Deliverable.__tablename__:
                known.update(self.session.scalars(select(table.c.sha256).where(table.c.sha256.is_not(None))))
        root = self.files.root
        if root.is_dir():
            # the live folder and the archive folder (bytes only archived cases hold)
            for path in sorted([*root.glob("??/*"), *root.glob(f"{ARCHIVE_DIR}/??/*")]):
                if path.is_file() and path.name not in known:
                    diffs.append(Difference("file_orphan", f"file {path.relative_to(root)}",
                                            "no attachment row names this file"))
        return diffs
