"""Workers and ticks racing on one database, as processes: every timer fires once, every step is
marked once, every outbox row is delivered once — also when a worker is killed mid-delivery."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from helpers.bpmn_builder import Flow, Node, build_bpmn
from engine import outbox
from engine.models import AuditEvent, Instance, Notification, TaskRecord, utcnow
from helpers.mail_sink import start_smtp
from helpers.sop_walk import SOP_KEY

ALUR = str(Path(sys.executable).with_name("alur"))
TIMER = ('<bpmn:timerEventDefinition id="TimerDef_1"><bpmn:timeDuration xsi:type="bpmn:tFormalExpression">'
         '"PT1S"</bpmn:timeDuration></bpmn:timerEventDefinition>')


def timer_process() -> bytes:
    nodes = [Node("StartEvent_1", "startEvent", "Mulai", "Loket"),
             Node("Task_1", "userTask", "Ajukan", "Loket"),
             Node("Wait_1", "intermediateCatchEvent", "Tunggu", "Loket", inner=TIMER),
             Node("Task_2", "userTask", "Tindak lanjut", "Loket"),
             Node("EndEvent_1", "endEvent", "Selesai", "Loket")]
    flows = [Flow("F1", "StartEvent_1", "Task_1"), Flow("F2", "Task_1", "Wait_1"),
             Flow("F3", "Wait_1", "Task_2"), Flow("F4", "Task_2", "EndEvent_1")]
    return build_bpmn("dengan_timer", nodes, flows)


@pytest.fixture
def smtp():
    controller, sink = start_smtp()
    yield controller, sink
    controller.stop()


@pytest.fixture
def env(app, database_url, tmp_path, smtp):
    controller, _sink = smtp
    return {**os.environ, "DATABASE_URL": database_url, "ALUR_INSTANCE_PATH": str(tmp_path / "instance"),
            "ALUR_FILES_DIR": app.config["ALUR_FILES_DIR"], "SECRET_KEY": "worker-test",
            "ALUR_PASSWORD_HASH": "pbkdf2:sha256:1000", "ALUR_SMTP_URL": f"smtp://127.0.0.1:{controller.port}",
            "ALUR_BASE_URL": "http://alur.test"}


def seed(svc, cases: int, timers: int) -> tuple[list[str], list[int]]:
    """``cases`` SOP cases whose open step is overdue, ``timers`` cases waiting on a due timer."""
    pemilik = svc.users.get("pemilik")
    overdue = [svc.instance_tasks(svc.start(SOP_KEY, pemilik, f"Kasus {i}").id)[0].id for i in range(cases)]
    svc.session.execute(update(TaskRecord).where(TaskRecord.id.in_(overdue))
                        .values(due_at=utcnow() - timedelta(hours=1), near_due_at=utcnow() - timedelta(hours=2)))
    svc.session.commit()
    svc.deploy(timer_process(), "timer.bpmn")
    loket = svc.users.create("loket", "password11", ["Loket"], email="loket@dinas.example")
    svc.session.commit()
    waiting = []
    for i in range(timers):
        instance = svc.start("dengan_timer", loket, f"Timer {i}")
        svc.complete(svc.instance_tasks(instance.id)[0].id, loket, {})
        waiting.append(instance.id)
    time.sleep(1.2)
    return overdue, waiting


def counts(svc, kind: str) -> dict:
    svc.session.rollback()
    rows = svc.session.execute(select(AuditEvent.task_id, AuditEvent.instance_id).where(AuditEvent.kind == kind)).all()
    return {"events": len(rows), "distinct": len({r[0] or r[1] for r in rows})}


@pytest.mark.parametrize("ticks", [10])
def test_concurrent_ticks_mark_each_overdue_step_once_and_never_crash(svc, env, any_db, ticks):
    overdue, waiting = seed(svc, cases=12, timers=4)
    procs = [subprocess.Popen([ALUR, "tick"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(ticks if any_db == "postgresql" else 5)]
    results = [(p.wait(timeout=900), p.stderr.read().decode()) for p in procs]
    for code, err in results:
        assert code == 0 and "Traceback" not in err and "StaleDataError" not in err, err[-3000:]
    assert counts(svc, "overdue") == {"events": len(overdue), "distinct": len(overdue)}
    assert counts(svc, "timer") == {"events": len(waiting), "distinct": len(waiting)}
    rows = svc.session.scalars(select(Notification).where(Notification.event == "overdue",
                                                          Notification.channel == "email")).all()
    assert sorted(r.task_id for r in rows) == sorted(overdue)  # pemilik's lane: one mail per step
    assert all(r.status == "sent" and r.attempts == 1 for r in rows)


@pytest.mark.parametrize("any_db", ["postgresql"])  # several workers on several hosts: a PostgreSQL setting
def test_four_workers_deliver_and_mark_everything_exactly_once(svc, env, smtp, any_db):
    _controller, sink = smtp
    overdue, waiting = seed(svc, cases=20, timers=6)
    users = [svc.users.get(u) for u in ("analis", "kabid", "kasi", "budi", "sari")]
    now = utcnow()
    outbox.write(svc.session, [
        {"key": f"bulk:{i}", "event": "step_ready", "channel": "email", "user_id": users[i % 5].id,
         "webhook_id": None, "instance_id": None, "task_id": None, "status": "pending", "attempts": 0,
         "next_attempt_at": now, "created_at": now, "sent_at": None,
         "payload": {"task_name": f"Langkah {i}", "case_title": f"Kasus massal {i}", "language": "id"}}
        for i in range(500)])
    svc.session.commit()
    workers = [subprocess.Popen([ALUR, "worker", "--interval", "0.2"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE) for _ in range(4)]
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            svc.session.rollback()
            pending = svc.session.scalar(select(func.count()).select_from(Notification)
                                         .where(Notification.status != "sent"))
            fired = counts(svc, "timer")["events"]
            if pending == 0 and fired == len(waiting) and counts(svc, "overdue")["events"] == len(overdue):
                break
            time.sleep(0.5)
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        errors = [(w.wait(timeout=60), w.stderr.read().decode()) for w in workers]
    assert all(code == 0 for code, _ in errors), errors
    assert all("Traceback" not in err for _, err in errors), [e for _, e in errors]
    email_rows = svc.session.scalars(select(Notification).where(Notification.channel == "email")).all()
    assert all(r.status == "sent" and r.attempts == 1 for r in email_rows)
    ids = [m.message_id for m in sink.messages]
    assert len(ids) == len(set(ids)) == len(email_rows) >= 500 + len(overdue)
    assert counts(svc, "overdue") == {"events": len(overdue), "distinct": len(overdue)}
    assert counts(svc, "timer") == {"events": len(waiting), "distinct": len(waiting)}
    assert all(svc.session.get(Instance, i).next_timer_at is None for i in waiting)


def test_a_worker_killed_mid_delivery_delivers_after_restart_once(svc, env, smtp, any_db):
    _controller, sink = smtp
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Kasus terputus")
    (row,) = svc.session.scalars(select(Notification).where(Notification.channel == "email",
                                                            Notification.instance_id == instance.id)).all()
    sink.delay = 6.0  # the server holds its reply to the first message
    env = {**env, "ALUR_DELIVERY_LEASE_SECONDS": "3"}
    worker = subprocess.Popen([ALUR, "worker", "--interval", "0.2"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    assert sink.started.wait(60), "the worker never started sending"
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    time.sleep(0.5)
    svc.session.rollback()
    assert svc.session.get(Notification, row.id).status == "pending"
    restarted = subprocess.Popen([ALUR, "worker", "--interval", "0.2"], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            svc.session.rollback()
            if svc.session.get(Notification, row.id).status == "sent":
                break
            time.sleep(0.3)
        time.sleep(7)  # past the held reply of the killed delivery: it must not count
    finally:
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(timeout=60) == 0
    svc.session.rollback()
    assert svc.session.get(Notification, row.id).status == "sent"
    received = sink.to("pemilik@dinas.example")
    assert len(received) == 1 and received[0].subject.startswith("[alur] Langkah menunggu Anda")
