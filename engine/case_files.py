"""A case's files: its attachments, and the documents alur writes itself (a step's letter).

A letter is queued in the completion's transaction and rendered as a DOCX (~40 ms of CPU) by the
worker (webapp/worker.py), never inside a request that only reads: reads list what is stored,
and say which letters are still being prepared. The letter's PDF is listed beside its DOCX from
then on and drawn when first asked for (engine/renditions.py: ~0.2 s of CPU warm, ~1 s cold):
its download draws it. What hands the documents over whole (the case record, the case's ZIP)
renders a queued letter and draws its PDF first, so nothing handed over lacks one.

Tasks (a step's own files, the completion's check) and cases (every file of a case) both read
them, so they live here, a base both parts derive from, rather than in one part the other reaches
through the service's mixin order."""
from __future__ import annotations

from sqlalchemy import bindparam, select, update

from . import audit, documents, renditions
from .case_lookups import CaseLookups
from .errors import Invalid, NotFound
from .models import Deliverable, DocumentJob, utcnow

_TASK_ATTACHMENTS = (select(Deliverable).where(Deliverable.task_id == bindparam("task_id"))
                     .order_by(Deliverable.uploaded_at, Deliverable.id))
#: The same for many tasks (built once: building it cost about as much as running it).
_TASKS_ATTACHMENTS = (select(Deliverable).where(Deliverable.task_id.in_(bindparam("task_ids", expanding=True)))
                      .order_by(Deliverable.uploaded_at, Deliverable.id))


class CaseFiles(CaseLookups):
    def attachments(self, *, task_id: str | None = None, instance_id: int | None = None,
                    render_queued: bool = False) -> list[Deliverable]:
        """The files attached to a step or a case, as stored (a letter's PDF not drawn yet
        without bytes: ``sha256`` None). ``render_queued``: render the case's queued letters and
        draw their PDFs first (what hands every document over: the case record, the ZIP)."""
        if render_queued and instance_id is not None:
            self.render_pending_documents(instance_id=instance_id)
            renditions.draw_missing(self.session, self.files, instance_id)
        if task_id is not None and instance_id is None and task_id in self._task_attachments:
            return list(self._task_attachments[task_id])
        if task_id is not None and instance_id is None:
            found = list(self.session.scalars(_TASK_ATTACHMENTS, {"task_id": task_id}))
            self._task_attachments[task_id] = found
            return list(found)
        query = select(Deliverable).order_by(Deliverable.uploaded_at, Deliverable.id)
        if task_id is not None:
            query = query.where(Deliverable.task_id == task_id)
        if instance_id is not None:
            query = query.where(Deliverable.instance_id == instance_id)
        return list(self.session.scalars(query))

    def stored_attachments(self, task_id: str) -> list[Deliverable]:
        """A task's attachments as stored: the completion's check, and its answer."""
        if task_id not in self._task_attachments:
            self._task_attachments[task_id] = list(self.session.scalars(_TASK_ATTACHMENTS, {"task_id": task_id}))
        return list(self._task_attachments[task_id])

    def attachments_by_task(self, task_ids: list[str],
                            every_file: list[Deliverable] | None = None) -> dict[str, list[Deliverable]]:
        """The attachments of many tasks in one query (a page of an inbox), remembered for the
        rest of this unit of work so :meth:`attachments` answers from memory; from ``every_file``
        (in upload order) when the caller holds every deliverable of the tasks' case already."""
        wanted = [t for t in task_ids if t not in self._task_attachments]
        if wanted and every_file is not None:
            found: dict[str, list[Deliverable]] = {t: [] for t in wanted}
            for d in every_file:
                if d.task_id in found:
                    found[d.task_id].append(d)
            self._task_attachments.update(found)
        elif wanted:
            found: dict[str, list[Deliverable]] = {t: [] for t in wanted}
            for d in self.session.scalars(_TASKS_ATTACHMENTS, {"task_ids": wanted}):
                found[d.task_id].append(d)
            self._task_attachments.update(found)
        return {t: list(self._task_attachments[t]) for t in task_ids}

    def letters_in_preparation(self, instance_id: int) -> set[str]:
        """The steps of a case whose letter is queued and not yet rendered (a page says so)."""
        return set(self.session.scalars(select(DocumentJob.task_id).where(
            DocumentJob.instance_id == instance_id, DocumentJob.done_at.is_(None), DocumentJob.error.is_(None))))

    def render_pending_documents(self, *, task_ids: list[str] | None = None, instance_id: int | None = None,
                                 limit: int = 20) -> int:
        """Render the queued documents of these tasks or this case (or any: the worker, a batch of
        ``limit``) as DOCX and attach them, each with its PDF to draw on first request; each is claimed first, so two renderers never both attach it. A template that
        fails leaves its error on the job and in the audit log. Returns how many were attached."""
        query = select(DocumentJob.id).where(DocumentJob.done_at.is_(None), DocumentJob.error.is_(None))
        if task_ids is not None:
            if not task_ids:
                return 0
            query = query.where(DocumentJob.task_id.in_(task_ids))
        if instance_id is not None:
            query = query.where(DocumentJob.instance_id == instance_id)
        pending = list(self.session.scalars(query.order_by(DocumentJob.id).limit(limit)))
        done = 0
        for job_id in pending:
            now = utcnow()
            claimed = self.session.execute(update(DocumentJob).where(
                DocumentJob.id == job_id, DocumentJob.done_at.is_(None)).values(done_at=now))
            if claimed.rowcount != 1:
                self.session.rollback()
                continue
            job = self.session.get(DocumentJob, job_id)
            try:
                filename, docx = documents.render_step_docx(self.session, self.files, process_key=job.process_key,
                                                            template_name=job.template_name, values=job.context,
                                                            base_name=job.base_name)
            except (Invalid, NotFound) as exc:
                job.done_at, job.error = None, exc.problems[0].message if getattr(exc, "problems", None) \
                    else exc.message
                audit.record(self.session, "document_error", None, instance_id=job.instance_id, task_id=job.task_id,
                             template=job.template_name, message=job.error)
            else:
                files = documents.attach_letter(self.session, self.files, filename, docx, task_id=job.task_id,
                                                instance_id=job.instance_id, actor=job.actor)
                audit.record(self.session, "document", job.actor, instance_id=job.instance_id, task_id=job.task_id,
                             template=job.template_name,
                             files=[{"filename": f.filename, "sha256": f.sha256} for f in files])
                self._task_attachments.pop(job.task_id, None)
                done += 1
            self._commit()
        return done

    def drawn_attachment(self, deliverable: Deliverable) -> Deliverable:
        """``deliverable`` with its bytes: a letter's PDF not drawn yet is drawn now and kept
        (engine/renditions.py); anything else as it is."""
        if not renditions.pending(deliverable):
            return deliverable
        drawn = renditions.draw(self.session, self.files, deliverable.id)
        self._task_attachments.pop(drawn.task_id, None)
        return drawn
