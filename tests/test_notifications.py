"""Notifications end to end: outbox rows written with their cause, delivered by the worker over
real SMTP (aiosmtpd on 127.0.0.1) and to a real webhook receiver, in each person's language."""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.models import Notification, TaskRecord, utcnow
from engine.stored_messages import english, loaded
from helpers.mail_sink import WebhookReceiver, start_smtp
from helpers.sop_walk import SOP_KEY, walk

BASE = "http://alur.test"


@pytest.fixture
def smtp():
    controller, sink = start_smtp()
    yield controller, sink
    controller.stop()


@pytest.fixture
def mail_app(make_app, smtp):
    """The app with the SOP and demo users, mail through the test's SMTP server; kabid reads English."""
    controller, sink = smtp
    app = make_app(ALUR_SMTP_URL=f"smtp://127.0.0.1:{controller.port}", ALUR_BASE_URL=BASE,
                   ALUR_MAIL_FROM="alur <alur@dinas.example>")
    result = app.test_cli_runner().invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    with app.test_request_context():
        from webapp.services import service

        svc = service()
        kabid = svc.users.get("kabid")
        svc.users.update(kabid, language="en")
        svc.session.commit()
    return app, sink


def deliver(app, now=None):
    from webapp.worker import one_pass

    return one_pass(app, now=now)


def task_of(message) -> str | None:
    found = re.search(r"/tasks/([0-9a-f-]{36})", message.part("plain"))
    return found.group(1) if found else None


def _ready(svc, instance_id):
    rows = [r for r in svc.instance_tasks(instance_id) if r.state == "ready"]
    return [{"id": r.id, "step": r.step, "name": r.name, "lane": r.lane,
             "assignees": [u.username for u in r.assignees] if r.has_assignees else [],
             "output_required": svc.task_meta(r).output_required, "form": svc.task_form(r)} for r in rows]


def test_walking_the_sop_mails_each_step_once_to_exactly_who_may_do_it(mail_app, any_db):
    app, sink = mail_app
    from webapp.services import service

    with app.test_request_context():
        svc = service()
        instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean puskesmas")

        def attach(task, username):
            svc.attach(task["id"], svc.users.get(username), "bukti.pdf", io.BytesIO(b"%PDF-1.4"))

        def complete(task, username, data):
            svc.complete(task["id"], svc.users.get(username), data)
            deliver(app)  # the worker runs between steps, as in an office

        walk(lambda: _ready(svc, instance.id), attach, complete)
        rows = svc.instance_tasks(instance.id)
        expected = {}
        for row in rows:
            people = row.assignees if row.has_assignees else svc.users.with_role(row.lane)
            expected[row.id] = sorted(u.email for u in people)
        languages = {u.email: u.language for u in svc.users.list()}

    step_mails = [m for m in sink.messages if task_of(m)]
    got: dict[str, list[str]] = {}
    for message in step_mails:
        got.setdefault(task_of(message), []).extend(message.to)
    assert {k: sorted(v) for k, v in got.items()} == expected  # each step once, to exactly its people
    assert len({m.message_id for m in sink.messages}) == len(sink.messages)
    # appointed steps went to the appointed only: step 5 to budi, 9/13/14 to sari and andi
    by_step = {r.step: r.id for r in rows}
    assert expected[by_step[5]] == ["budi@dinas.example"]
    assert expected[by_step[13]] == ["andi@dinas.example", "sari@dinas.example"]
    # each in the recipient's language
    for message in step_mails:
        (to,) = message.to
        english = languages[to] == "en"
        assert message.subject.startswith(("[alur] Step waiting for you", "[alur] Sent back for changes")
                                          if english else ("[alur] Langkah menunggu Anda",
                                                           "[alur] Dikembalikan untuk diperbaiki")), message.subject
        assert message.message["From"] == "alur <alur@dinas.example>"
        assert "<a href=\"" + BASE + "/tasks/" in message.part("html")
    # the send-back carries the reviewer's note
    sent_back = [m for m in step_mails if "Dikembalikan untuk diperbaiki" in m.subject]
    assert sent_back and all("Isian catatan modifikasi" in m.part("plain") or "Isian catatan review" in m.part("plain")
                             for m in sent_back)
    # the submitter heard that the case is done
    done = [m for m in sink.to("pemilik@dinas.example") if "selesai" in m.subject]
    assert len(done) == 1 and f"{BASE}/instances/{instance.id}" in done[0].part("plain")
    # the link works for the person it went to
    client = app.test_client()
    message = sink.to("analis@dinas.example")[0]
    client.post("/login", data={"username": "analis", "password": "demo12345"})
    page = client.get(task_of(message) and f"/tasks/{task_of(message)}")
    assert page.status_code == 200
    # nothing is sent twice by a later pass
    count = len(sink.messages)
    deliver(app)
    assert len(sink.messages) == count


def test_in_app_notifications_unread_count_and_mark_read(mail_app):
    app, _sink = mail_app
    from webapp.services import service

    with app.test_request_context():
        svc = service()
        analis = svc.users.get("analis")
        instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Kasus A")
        task = svc.instance_tasks(instance.id)[0]
        svc.attach(task.id, svc.users.get("pemilik"), "a.pdf", io.BytesIO(b"%PDF"))
        svc.complete(task.id, svc.users.get("pemilik"), {"nama_aplikasi": "SIMPUS", "instansi_pemilik": "Dinkes",
                                                         "jenis_pengembangan": "baru"})
        assert svc.unread_count(analis) == 1
        (note,) = svc.notifications(analis)
        assert note.event == "step_ready" and note.payload["case_title"] == "Kasus A"
        assert svc.mark_read(svc.users.get("kabid"), [note.id]) == 0  # not theirs
        assert svc.mark_read(analis, [note.id]) == 1 and svc.unread_count(analis) == 0


def test_preferences_off_and_digest_and_the_daily_digest(mail_app, any_db):
    app, sink = mail_app
    from webapp.services import service

    with app.test_request_context():
        svc = service()
        analis, pemilik = svc.users.get("analis"), svc.users.get("pemilik")
        svc.set_notification_preference(analis, analis, "email", "digest", 9)
        svc.set_notification_preference(pemilik, pemilik, "app", "off")
        ids = []
        for title in ("Kasus satu", "Kasus dua"):
            instance = svc.start(SOP_KEY, pemilik, title)
            task = svc.instance_tasks(instance.id)[0]
            svc.attach(task.id, pemilik, "a.pdf", io.BytesIO(b"%PDF"))
            svc.complete(task.id, pemilik, {"nama_aplikasi": "SIMPUS", "instansi_pemilik": "Dinkes",
                                            "jenis_pengembangan": "baru"})
            ids.append(instance.id)
        assert svc.notifications(pemilik) == []  # the app channel is off for pemilik
        tz = svc.calendar.tz
        day = utcnow().astimezone(tz).date() + timedelta(days=1)
        while not svc.calendar.is_working_day(day):
            day += timedelta(days=1)
        before_hour = datetime(day.year, day.month, day.day, 8, 30, tzinfo=tz)
        at_hour = datetime(day.year, day.month, day.day, 9, 5, tzinfo=tz)
    deliver(app, now=before_hour)
    assert sink.to("analis@dinas.example") == []  # no single mails, and the digest waits for its hour
    assert len(sink.to("kabid@dinas.example")) == 0 and len(sink.to("pemilik@dinas.example")) == 2
    deliver(app, now=at_hour)
    deliver(app, now=at_hour + timedelta(hours=1))
    (digest,) = sink.to("analis@dinas.example")
    assert "2" in digest.subject and "Ringkasan harian" in digest.subject
    text = digest.part("plain")
    assert "Kasus satu" in text and "Kasus dua" in text and f"{BASE}/tasks/" in text


def test_webhook_is_signed_and_retried_after_a_500(mail_app, any_db):
    app, _sink = mail_app
    from webapp.services import service

    receiver = WebhookReceiver([500])
    try:
        with app.test_request_context():
            svc = service()
            admin = svc.users.get("admin")
            hook, secret = svc.add_webhook(admin, receiver.url, ["step_ready", "case_completed"])
            instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Kasus webhook")
        first = deliver(app)
        assert first["failed"] == 1 and [r["status"] for r in receiver.received] == [500]
        deliver(app)  # not yet: it waits before the next attempt
        assert len(receiver.received) == 1
        deliver(app, now=utcnow() + timedelta(minutes=2))
        assert [r["status"] for r in receiver.received] == [500, 200]
        got = receiver.received[1]
        signature = "sha256=" + hmac.new(secret.encode(), got["body"], hashlib.sha256).hexdigest()
        assert got["headers"]["X-Alur-Signature"] == signature
        assert got["headers"]["X-Alur-Delivery"] == receiver.received[0]["headers"]["X-Alur-Delivery"]
        body = json.loads(got["body"])
        assert body["event"] == "step_ready" and body["case_id"] == instance.id and body["step"] == 1
        assert body["recipients"] == ["pemilik"] and body["task_url"].startswith(BASE + "/tasks/")
        assert "secret" not in got["body"].decode()
    finally:
        receiver.stop()


def test_a_webhook_that_keeps_failing_is_disabled_with_its_reason_and_failures_can_be_retried(mail_app):
    app, _sink = mail_app
    from engine import delivery
    from webapp.services import service

    receiver = WebhookReceiver([503] * 100)
    try:
        with app.test_request_context():
            svc = service()
            admin = svc.users.get("admin")
            hook, _secret = svc.add_webhook(admin, receiver.url, ["step_ready"])
            pemilik = svc.users.get("pemilik")
            for i in range(3):
                svc.start(SOP_KEY, pemilik, f"Kasus {i}")
        now = utcnow()
        for _ in range(delivery.MAX_ATTEMPTS + 1):
            now += delivery.LONGEST_PAUSE + timedelta(seconds=1)
            deliver(app, now=now)
        with app.test_request_context():
            svc = service()
            admin = svc.users.get("admin")
            (hook,) = svc.webhooks(admin)
            assert not hook.active and "HTTP 503" in english(hook.disabled_reason)
            reason = loaded(hook.disabled_reason)  # kept by code, said in the reader's language
            assert reason.code == "delivery.webhook_stopped" and reason.params["n"] == delivery.WEBHOOK_DISABLE_AFTER
            assert reason.params["last"].code == "delivery.http_status" and reason.params["last"].params == {"status": 503}
            failed = svc.failed_deliveries(admin)
            assert len(failed) == 3 and all(f.last_error for f in failed)
            assert {loaded(f.last_error).code for f in failed} <= {"delivery.http_status",
                                                                   "delivery.webhook_disabled_because"}
        browser = app.test_client()
        browser.post("/login", data={"username": "admin", "password": "demo12345"})
        page = browser.get("/admin/webhooks").get_data(as_text=True)
        assert "pengiriman berturut-turut gagal; yang terakhir: penerima menjawab HTTP 503." in page
        page = browser.get("/admin/webhooks?lang=en").get_data(as_text=True)
        assert "deliveries failed in a row; the last: the receiver answered HTTP 503." in page
        page = browser.get("/admin/notifications?lang=en").get_data(as_text=True)
        assert "{&#34;code" not in page and "answered HTTP 503" in page
        page = browser.get("/admin/notifications?lang=id").get_data(as_text=True)
        assert "{&#34;code" not in page and "menjawab HTTP 503" in page
        with app.test_request_context():
            svc = service()
            admin = svc.users.get("admin")
            receiver.answers = []
            svc.set_webhook_active(admin, hook.id, True)
            assert svc.retry_deliveries(admin) == 3
        deliver(app)
        assert [r["status"] for r in receiver.received][-3:] == [200, 200, 200]
    finally:
        receiver.stop()


def test_near_due_means_a_share_of_the_standard_time_and_overdue_escalates(mail_app, any_db):
    app, sink = mail_app
    from helpers.bpmn_builder import Flow, Node, build_bpmn
    from webapp.services import service

    nodes = [Node("StartEvent_1", "startEvent", "Mulai", "Loket"),
             Node("Task_1", "userTask", "Periksa berkas", "Loket",
                  {"sop.duration": "PT60M", "sop.escalate_to": "Kepala Seksi"}),
             Node("EndEvent_1", "endEvent", "Selesai", "Loket")]
    flows = [Flow("F1", "StartEvent_1", "Task_1"), Flow("F2", "Task_1", "EndEvent_1")]
    with app.test_request_context():
        svc = service()
        svc.deploy(build_bpmn("loket_singkat", nodes, flows), "loket.bpmn")
        loket = svc.users.create("loket", "password11", ["Loket"], email="loket@dinas.example")
        svc.users.create("kasie", "password11", ["Kepala Seksi"], email="kasie@dinas.example")
        svc.session.commit()
        instance = svc.start("loket_singkat", loket, "Berkas masuk")
        row = svc.instance_tasks(instance.id)[0]
        assert row.near_due_at == svc.calendar.add(row.created_at, 45)  # 75 % of 60 working minutes
        near_at, due_at = row.near_due_at, row.due_at
    result = deliver(app)
    assert result["tasks_marked_near_due"] == 0  # not at creation
    result = deliver(app, now=near_at + timedelta(seconds=1))
    assert result["tasks_marked_near_due"] == 1
    result = deliver(app, now=due_at + timedelta(seconds=1))
    assert result["tasks_marked_overdue"] == 1
    subjects = [m.subject for m in sink.to("loket@dinas.example")]
    assert [s.split(":")[0] for s in subjects] == ["[alur] Langkah menunggu Anda", "[alur] Mendekati batas waktu",
                                                   "[alur] Melewati batas waktu"]
    (escalation,) = sink.to("kasie@dinas.example")
    assert escalation.subject.startswith("[alur] Eskalasi") and "Periksa berkas" in escalation.subject
    deliver(app, now=due_at + timedelta(hours=2))
    assert len(sink.to("loket@dinas.example")) == 3 and len(sink.to("kasie@dinas.example")) == 1


def test_outbox_rows_are_written_in_the_transaction_of_their_cause(svc):
    """A completion refused (invalid data) leaves no notification behind."""
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Kasus gagal")
    before = svc.session.scalar(select(func.count()).select_from(Notification))
    task = svc.session.scalar(select(TaskRecord).where(TaskRecord.instance_id == instance.id))
    with pytest.raises(Exception):
        svc.complete(task.id, svc.users.get("pemilik"), {"nama_aplikasi": 5})
    svc.session.rollback()
    assert svc.session.scalar(select(func.count()).select_from(Notification)) == before
