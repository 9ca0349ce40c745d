"""The worker's marking reads only steps not yet marked (a partial index), in set-based batches."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select, text

from engine import reminders
from engine.models import AuditEvent, TaskRecord, utcnow
from helpers.sop_walk import SOP_KEY


def _seed_marked(svc, instance_id: int, definition_id: int, marked: int, open_: int) -> None:
    now = utcnow()
    svc.session.execute(insert(TaskRecord.__table__), [
        dict(id=f"00000000-0000-0000-0000-{i:012d}", instance_id=instance_id, definition_id=definition_id,
             bpmn_id="Task_x", name="Langkah lama", lane="System Analyst", state="ready", has_assignees=False,
             created_at=now - timedelta(days=30), due_at=now - timedelta(days=1), overdue=i >= open_,
             near_due_sent=True) for i in range(marked + open_)])
    svc.session.commit()


def test_the_overdue_query_uses_the_index_of_unmarked_steps(svc, any_db):
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Kasus")
    _seed_marked(svc, instance.id, instance.definition_id, marked=3000, open_=5)
    dialect = svc.session.get_bind().dialect.name
    svc.session.execute(text("ANALYZE"))
    pick = reminders._pick(svc.session, TaskRecord.__table__.c.due_at, "ix_tasks_to_mark_overdue",
                           "state = 'ready' AND NOT overdue", utcnow(), 1000)
    compiled = pick.compile(svc.session.get_bind())
    sql = str(compiled).replace(" FOR UPDATE SKIP LOCKED", "")
    params = compiled.construct_params()
    if dialect == "sqlite":
        sql, params = "EXPLAIN QUERY PLAN " + sql, tuple(str(params[k]) for k in compiled.positiontup)
    else:
        sql = "EXPLAIN " + sql
    plan = " ".join(str(r) for r in svc.session.connection().exec_driver_sql(sql, params))
    assert "ix_tasks_to_mark_overdue" in plan, plan
    svc.session.rollback()
    # one tick marks the 5 open ones in a set, and never reads the 3,000 marked ones again
    assert svc.tick()["tasks_marked_overdue"] == 5
    assert svc.tick()["tasks_marked_overdue"] == 0
    assert len(svc.session.scalars(select(AuditEvent).where(AuditEvent.kind == "overdue")).all()) == 5


def test_a_tick_marks_more_than_one_batch(svc):
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Kasus")
    _seed_marked(svc, instance.id, instance.definition_id, marked=0, open_=2500)
    result = svc.tick()
    assert result["tasks_marked_overdue"] == 2500
    assert svc.tick()["tasks_marked_overdue"] == 0
