"""The worker loop behind ``alur worker`` (and ``alur serve``, which starts one beside the web
server): fire due timers, recompute due times after holiday changes, mark near-due and overdue
steps, queue digests, deliver the outbox, apply the retention policy (archive finished cases,
engine/ops_retention.py); again every few seconds, until SIGTERM. Between two
passes it looks for queued letters every second and renders their DOCX (engine/case_files.py): no
request waits for a letter's DOCX, and a letter is there a moment after its step. Its PDF is drawn
when first downloaded (engine/renditions.py), not here: most are never opened.

Any number of workers may run against one database (engine/reminders.py, engine/delivery.py
say why each thing still happens once). A stop signal lets the current message finish, gives the
rest of the claimed batch back, and exits.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from engine.db import end_reading
from engine.service import WorkflowService

from .extensions import db
from .notification_text import render_email

log = logging.getLogger("alur.worker")
#: Seconds between two looks for queued letters (one indexed query when there are none).
DOCUMENT_POLL = 1.0
#: Letters rendered per transaction.
DOCUMENT_BATCH = 5
#: Seconds of mail delivery in a pass between two looks for queued letters: under load the outbox
#: fills as fast as it drains, and a pass that delivered everything first kept letters waiting
#: for half a minute and more (docs/benchmarks.md, 2 December 2026).
MAIL_SLICE = 1.0


def one_pass(app: Flask, stop=lambda: False, now=None) -> dict[str, Any]:
    """One pass of everything the worker does (``alur tick``)."""
    with app.app_context():
        svc = WorkflowService(db.session, app.extensions["alur_engine_config"])
        try:
            result = svc.tick(now=now)
            result.update(_deliver_and_render(svc, stop, now))
            if not stop():  # the admin's retention policy: at most once a day, a bounded batch
                result.update(svc.apply_retention(now=now))
            end_reading(db.session())  # a pass that found nothing to do keeps its prepared statements
            return result
        finally:
            db.session.remove()


def render_documents(app: Flask, stop=lambda: False) -> int:
    """Render every queued letter, a batch at a time, until none is left or a stop is asked."""
    with app.app_context():
        try:
            return _render_documents(WorkflowService(db.session, app.extensions["alur_engine_config"]), stop)
        finally:
            db.session.remove()


def _deliver_and_render(svc: WorkflowService, stop, now) -> dict[str, int]:
    """Deliver the outbox a slice (:data:`MAIL_SLICE`) at a time, rendering the letters queued
    meanwhile before each slice and after the last, so a letter is there a moment after its step
    however much mail is waiting."""
    result = {"sent": 0, "failed": 0, "documents_rendered": _render_documents(svc, stop)}
    while not stop():
        started = time.monotonic()
        counts = svc.deliver_notifications(render_email, now=now, stop=stop, budget=MAIL_SLICE)
        result["sent"] += counts["sent"]
        result["failed"] += counts["failed"]
        result["documents_rendered"] += _render_documents(svc, stop)
        if not counts["sent"] + counts["failed"] or time.monotonic() - started < MAIL_SLICE:
            break  # the outbox is drained, not the slice used up
    return result


def _render_documents(svc: WorkflowService, stop) -> int:
    rendered = 0
    while not stop():
        done = svc.render_pending_documents(limit=DOCUMENT_BATCH)
        rendered += done
        if done < DOCUMENT_BATCH:  # the queue is empty (or held only failing templates)
            return rendered
    return rendered


def run(app: Flask, interval: float, parent_pid: int | None = None) -> None:
    """Loop until SIGTERM/SIGINT (or until the parent process is gone, for ``alur serve``)."""
    stopping = threading.Event()

    def ask_to_stop(signum, _frame):
        log.info("worker %s: signal %s, stopping after the current message", os.getpid(), signum)
        stopping.set()

    signal.signal(signal.SIGTERM, ask_to_stop)
    signal.signal(signal.SIGINT, ask_to_stop)
    log.info("worker %s started (every %.0f s)", os.getpid(), interval)
    while not stopping.is_set():
        if parent_pid is not None and os.getppid() != parent_pid:
            break  # the server that started us is gone
        started = time.monotonic()
        try:
            result = one_pass(app, stop=stopping.is_set)
            if any(result.values()):
                log.info("worker %s: %s", os.getpid(), result)
        except SQLAlchemyError as exc:  # the database restarting or unreachable: try again later
            log.warning("worker %s: database error, retrying: %s", os.getpid(), exc)
        while not stopping.wait(max(0.0, min(DOCUMENT_POLL, interval - (time.monotonic() - started)))):
            if time.monotonic() - started >= interval:
                break
            try:
                if rendered := render_documents(app, stop=stopping.is_set):
                    log.info("worker %s: %s letters rendered", os.getpid(), rendered)
            except SQLAlchemyError as exc:
                log.warning("worker %s: database error, retrying: %s", os.getpid(), exc)
    log.info("worker %s stopped", os.getpid())
