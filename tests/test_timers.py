"""Timers wait in the engine; `alur tick` fires the due ones and marks overdue tasks."""
from __future__ import annotations

import time
from datetime import timedelta

from helpers.bpmn_builder import Flow, Node, build_bpmn
from sqlalchemy import select

from engine.models import AuditEvent, utcnow

TIMER = ('<bpmn:timerEventDefinition id="TimerDef_1"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">'
         '"PT3S"</bpmn:timeDuration></bpmn:timerEventDefinition>')


def timer_process() -> bytes:
    nodes = [Node("StartEvent_1", "startEvent", "Mulai", "Loket"),
             Node("Task_1", "userTask", "Ajukan", "Loket", {"sop.duration": "PT30M"}),
             Node("Wait_1", "intermediateCatchEvent", "Tunggu sebentar", "Loket", inner=TIMER),
             Node("Task_2", "userTask", "Tindak lanjut", "Loket"),
             Node("EndEvent_1", "endEvent", "Selesai", "Loket")]
    flows = [Flow("F1", "StartEvent_1", "Task_1"), Flow("F2", "Task_1", "Wait_1"),
             Flow("F3", "Wait_1", "Task_2"), Flow("F4", "Task_2", "EndEvent_1")]
    return build_bpmn("dengan_timer", nodes, flows)


def test_timer_fires_on_tick(svc, runner):
    svc.deploy(timer_process(), "timer.bpmn")
    user = svc.users.create("loket", "password11", ["Loket"])
    instance = svc.start("dengan_timer", user, "Uji timer")
    svc.complete(svc.inbox(user)[0][0].id, user, {})
    instance = svc.instance(instance.id)
    assert instance.next_timer_at is not None and svc.inbox(user)[0] == []
    assert svc.tick()["timers_fired"] == 0  # not yet due
    time.sleep(3.2)
    assert svc.tick()["timers_fired"] == 1
    assert [t.name for t in svc.inbox(user)[0]] == ["Tindak lanjut"]
    assert svc.instance(instance.id).next_timer_at is None


def test_tick_marks_overdue_once(svc):
    svc.deploy(timer_process(), "timer.bpmn")
    user = svc.users.create("loket", "password11", ["Loket"])
    instance = svc.start("dengan_timer", user, "Uji terlambat")
    row = svc.inbox(user)[0][0]
    assert row.due_at is not None and row.target_minutes == 30
    later = row.due_at + timedelta(minutes=1)
    assert svc.tick(now=later)["tasks_marked_overdue"] == 1
    assert svc.tick(now=later)["tasks_marked_overdue"] == 0
    assert svc.task(row.id).overdue
    assert [e.kind for e in svc.instance_events(instance.id)][-1] == "overdue"
    # the inbox's overdue filter compares with the real clock: not overdue yet
    assert svc.inbox(user, overdue=True)[0] == [] and utcnow() < row.due_at


def test_a_new_holiday_moves_open_due_times_and_removing_it_moves_them_back(svc):
    """The admin's request only records the change; the worker's next pass moves the due times."""
    from helpers.sop_walk import SOP_KEY

    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Uji libur")
    row = svc.instance_tasks(instance.id)[0]
    before = row.due_at
    assert before is not None and row.state == "ready"
    admin = svc.users.get("admin")
    day = before.astimezone(svc.calendar.tz).date().isoformat()  # the working day the step is due on
    holiday = svc.add_holiday(day, "Cuti bersama", admin)
    assert svc.task(row.id).due_at == before and svc.calendar_changes_pending() == 1
    svc.tick()
    moved = svc.task(row.id).due_at
    assert moved > before and moved.astimezone(svc.calendar.tz).date().isoformat() > day
    assert moved == svc.calendar.add(row.created_at, row.target_minutes)
    assert svc.calendar_changes_pending() == 0
    svc.remove_holiday(holiday.id, admin)
    svc.tick()
    assert svc.task(row.id).due_at == before
    details = [e.details for e in svc.session.scalars(
        select(AuditEvent).where(AuditEvent.kind == "reschedule").order_by(AuditEvent.id))]
    assert [d["rescheduled"] for d in details] == [1, 1]


def test_the_worker_reschedules_in_batches_and_closes_every_change_it_covered(svc):
    from engine import reminders
    from helpers.sop_walk import SOP_KEY

    pemilik, admin = svc.users.get("pemilik"), svc.users.get("admin")
    rows = [svc.instance_tasks(svc.start(SOP_KEY, pemilik, f"Kasus {i}").id)[0] for i in range(5)]
    before = {r.id: r.due_at for r in rows}
    day = rows[0].due_at.astimezone(svc.calendar.tz).date().isoformat()
    svc.add_holiday(day, "Cuti bersama", admin)
    svc.add_holiday("2031-01-02", "Libur lain", admin)
    now = utcnow()
    batches = 0
    while reminders.reschedule_batch(svc.session, svc.calendar, now, 0.75, batch=2):
        svc.session.commit()
        batches += 1
    assert batches == 3  # 2 + 2 + 1 open steps
    assert svc.calendar_changes_pending() == 0
    assert all(svc.task(r.id).due_at > before[r.id] for r in rows)
