"""What one completion asks the database (issue 12: on PostgreSQL every statement is a round trip).

The whole SOP through the engine service, on SQLite and PostgreSQL, counting the statements each
``complete`` sends: the case's open task rows are known from its state (not read back), a send-back
is known from the task index's round numbering (not counted again), the preferences of the people
told and the office's webhooks come in one statement, and the statement budget holds. The figures
the completion writes stay what they were: the report counts exactly the two send-backs the walk
takes, and before every step the case's rows agree with its state (``alur check``)."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import event, select

from engine import kpi_tally
from engine.models import KpiHistogram, TaskRecord
from helpers.cases import all_ready
from helpers.sop_walk import EXPECTED_STEPS, SOP_KEY, walk

#: Statements a completion of the SOP may send, at most and on average over its 20 completions
#: (measured: 13.8 on average on 1 December 2026, from 18.05 before).
MOST, MEAN = 18, 14.5


def test_a_completion_asks_only_what_it_needs(svc, any_db):
    from webapp.extensions import db

    owner = svc.users.get("pemilik")
    instance = svc.start(SOP_KEY, owner, "Aplikasi antrean puskesmas")
    svc.session.commit()
    counted: list[str] | None = None
    per_completion: list[list[str]] = []

    def note(conn, cursor, statement, *args):
        if counted is not None:
            counted.append(" ".join(statement.split()))

    def attach(task, username):
        svc.attach(task["id"], svc.users.get(username), f"step{task['step']}.pdf", io.BytesIO(b"%PDF-1.4 isi"))

    def complete(task, username, data):
        nonlocal counted
        user = svc.users.get(username)
        user.role_names  # the caller's own look-up (a request authenticates first), not the completion's
        counted = []
        try:
            svc.complete(task["id"], user, data)
        finally:
            per_completion.append(counted)
            counted = None

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        # before each step the case's open rows are exactly the steps waiting in its state
        steps = walk(lambda: all_ready(svc, instance.id), attach, complete,
                     lambda task, username: not svc.check() or pytest.fail(str(svc.check())))
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert steps == EXPECTED_STEPS and svc.instance(instance.id).status == "completed"

    everything = [s for statements in per_completion for s in statements]
    open_rows = [s for s in everything if s.startswith("SELECT tasks.id FROM tasks WHERE")]
    assert not open_rows, "the open task rows come from the case's state, not from a query"
    assert not [s for s in everything if s.startswith("SELECT count(*)")], "a send-back is known, not counted"
    assert not [s for s in everything if s.startswith("SELECT delegations.")], \
        "people doing their own steps are not asked whom they act for"
    assert not [s for s in everything if s.startswith("SELECT webhooks.")], "webhooks come with the preferences"
    sizes = [len(statements) for statements in per_completion]
    assert max(sizes) <= MOST and sum(sizes) / len(sizes) <= MEAN, sizes

    # the report's send-backs, as the completions counted them, are what a recount from the task
    # rows finds (engine/kpi_tally.py): the two reviews that sent work back, and each step of a
    # second round whose next step had been done before
    live = dict(svc.session.execute(select(KpiHistogram.bpmn_id, KpiHistogram.sent_back).where(
        KpiHistogram.kind == "y")).all())
    rows = svc.session.execute(select(*[getattr(TaskRecord, c) for c in kpi_tally.TASK_COLUMNS])
                               .order_by(TaskRecord.instance_id, TaskRecord.created_at))
    cells, counted = kpi_tally.cells_from_task_rows(rows, svc.calendar.tz)
    recounted = {key[3]: cell.sent_back for key, cell in cells.items() if key[1] == "y"}
    assert counted == len(EXPECTED_STEPS) and live == recounted and sum(live.values()) == 6
