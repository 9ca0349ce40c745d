"""A letter's PDF, drawn from its DOCX when someone first asks for it, then kept.

The worker renders a step's letter as a DOCX only (~40 ms) and attaches beside it a row for the
letter's PDF that names the DOCX it is drawn from (``Deliverable.source_id``) and no bytes yet
(``sha256`` and ``size`` NULL). Drawing the PDF (reading the DOCX back, WeasyPrint: ~0.2 s of CPU
warm, ~1 s cold) was most of the CPU a whole case costs, and most letters' PDFs are never opened.

The first download of the PDF draws it (:func:`draw`), as do the case record and the case's ZIP,
which hand every document over (:func:`draw_missing`). The bytes are stored by content like every
deliverable and the row then names them, so every later download is a plain file send.

Two first downloads at once store one PDF and both succeed: on PostgreSQL the row is locked while
drawing (``FOR UPDATE``), so the second waits and reads the first's; everywhere the row is filled
by a conditional UPDATE that only an empty row takes, the loser reading the winner's. Drawing is
deterministic (the same DOCX gives the same bytes, the same sha256, one file), so two drawings on
SQLite (one writer, no row locks) still leave one file.

A drawing that fails leaves the row empty (the next request tries again) and says so by code
(``document.pdf_failed``, 503); a DOCX gone from storage is ``document.pdf_source_missing`` (404).
"""
from __future__ import annotations

import io
import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from . import documents
from .errors import NotFound, Unavailable
from .files import FileStore, move_file
from .models import Deliverable, Instance

log = logging.getLogger("alur.renditions")

PDF_TYPE = "application/pdf"


def pending(deliverable: Deliverable) -> bool:
    """A rendition whose bytes are not drawn yet."""
    return deliverable.sha256 is None


def draw(session: Session, files: FileStore, deliverable_id: int) -> Deliverable:
    """The rendition ``deliverable_id`` with its bytes: drawn and stored now (committed) if nobody
    has yet, else as stored. Raises :class:`NotFound` or :class:`Unavailable` (module docstring)."""
    session.commit()  # a fresh transaction: the lock below is held only while drawing
    row = session.scalar(select(Deliverable).where(Deliverable.id == deliverable_id)
                         .with_for_update(of=Deliverable).execution_options(populate_existing=True))
    if row is None:
        session.rollback()
        raise NotFound("attachment.not_found", id=deliverable_id)
    if not pending(row):  # drawn meanwhile (we waited for its drawer's lock)
        session.commit()
        return row
    source = session.get(Deliverable, row.source_id) if row.source_id is not None else None
    path = files.path_for(source.sha256) if source is not None and source.sha256 else None
    if path is None or not path.is_file():
        session.rollback()
        raise NotFound("document.pdf_source_missing", name=row.filename)
    title = row.filename.rsplit(".", 1)[0]
    try:
        data = documents.docx_pdf(path.read_bytes(), title)
    except Exception:  # a damaged DOCX, a WeasyPrint failure: the user is told, the log says why
        log.exception("drawing the PDF of deliverable %s from %s failed", row.id, source.sha256)
        session.rollback()
        raise Unavailable("document.pdf_failed", name=row.filename) from None
    stored = files.save(row.filename, io.BytesIO(data))
    took = session.execute(update(Deliverable).where(Deliverable.id == row.id, Deliverable.sha256.is_(None))
                           .values(sha256=stored.sha256, size=stored.size)).rowcount
    session.commit()
    if took != 1:
        log.info("the PDF of deliverable %s was drawn by another request meanwhile", row.id)
    drawn = session.scalar(select(Deliverable).where(Deliverable.id == deliverable_id)
                           .execution_options(populate_existing=True))
    _archive_if_only_archived_cases_hold(session, files, drawn)
    return drawn


def _archive_if_only_archived_cases_hold(session: Session, files: FileStore, drawn: Deliverable) -> None:
    """A PDF drawn for an archived case goes where retention keeps the bytes only archived cases
    hold (the archive folder, engine/ops_retention.py), unless a live case holds the same bytes.
    A file moved while a reader opens it is found on its second look (:meth:`FileStore.path_for`)."""
    archived = session.scalar(select(Instance.archived_at).where(Instance.id == drawn.instance_id))
    if archived is None or drawn.sha256 is None:
        return
    held_live = session.scalar(select(Deliverable.id).join(Instance, Instance.id == Deliverable.instance_id)
                               .where(Deliverable.sha256 == drawn.sha256, Instance.archived_at.is_(None)).limit(1))
    session.commit()
    if held_live is None:
        try:
            move_file(files.live_path(drawn.sha256), files.archive_path(drawn.sha256))
        except OSError as exc:  # a full or read-only archive folder: the file stays where it is found
            log.warning("could not move the drawn PDF %s to the archive folder: %s", drawn.sha256, exc)


def draw_missing(session: Session, files: FileStore, instance_id: int) -> int:
    """Draw every rendition of a case not drawn yet (what hands every document over: the case
    record, the ZIP). One that fails is left for its own download to say why (logged here); the
    record lists it without bytes, the ZIP as missing. Returns how many were drawn."""
    ids = list(session.scalars(select(Deliverable.id).where(
        Deliverable.instance_id == instance_id, Deliverable.sha256.is_(None)).order_by(Deliverable.id)))
    drawn = 0
    for deliverable_id in ids:
        try:
            draw(session, files, deliverable_id)
            drawn += 1
        except (NotFound, Unavailable) as exc:
            log.warning("case %s: %s", instance_id, exc.message)
    return drawn
