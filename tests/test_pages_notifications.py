"""Notification pages through Flask's client: who may see what, bounds, and what is refused."""
from __future__ import annotations

import io

from helpers.sop_walk import SOP_KEY


def _step1_done(svc):
    pemilik = svc.users.get("pemilik")
    instance = svc.start(SOP_KEY, pemilik, "Kasus halaman")
    task = svc.instance_tasks(instance.id)[0]
    svc.attach(task.id, pemilik, "a.pdf", io.BytesIO(b"%PDF"))
    svc.complete(task.id, pemilik, {"nama_aplikasi": "SIMPUS", "instansi_pemilik": "Dinkes",
                                    "jenis_pengembangan": "baru"})
    return instance


def test_the_list_the_count_in_the_menu_and_marking_read(client, login, svc):
    _step1_done(svc)
    login("analis")
    page = client.get("/inbox").get_data(as_text=True)
    assert "pemberitahuan belum dibaca" in page
    page = client.get("/notifications").get_data(as_text=True)
    assert "Langkah menunggu Anda: Pembuatan spesifikasi kebutuhan" in page or "Langkah menunggu Anda:" in page
    (note,) = svc.notifications(svc.users.get("analis"))
    answer = client.get(f"/notifications/{note.id}")
    assert answer.status_code == 302 and answer.headers["Location"] == f"/tasks/{note.task_id}"
    assert svc.unread_count(svc.users.get("analis")) == 0
    assert client.get("/notifications/99999999999999999999").status_code == 404
    assert client.get("/notifications?before=abc").status_code == 200


def test_nobody_opens_or_marks_someone_elses_notification(client, login, svc):
    _step1_done(svc)
    (note,) = svc.notifications(svc.users.get("analis"))
    login("kabid")
    assert client.get(f"/notifications/{note.id}").status_code == 404
    client.post("/notifications/read", data={"id": str(note.id)})
    assert svc.unread_count(svc.users.get("analis")) == 1


def test_settings_refuse_what_is_not_offered(client, login, svc):
    login("analis")
    answer = client.post("/notifications/settings", data={"email_mode": "digest", "app_mode": "digest",
                                                          "digest_hour": "7"})
    assert answer.status_code == 422 and "mode must be" in answer.get_data(as_text=True) or answer.status_code == 422
    answer = client.post("/notifications/settings", data={"email_mode": "off", "app_mode": "off",
                                                          "digest_hour": "24"})
    assert answer.status_code == 422 and "Pilih jam 0 sampai 23." in answer.get_data(as_text=True)
    assert svc.notification_preferences(svc.users.get("analis"))["email"]["mode"] == "immediate"
    answer = client.post("/notifications/settings", data={"email_mode": "digest", "app_mode": "immediate",
                                                          "digest_hour": "7"})
    assert answer.status_code == 302
    prefs = svc.notification_preferences(svc.users.get("analis"))
    assert prefs["email"] == {"mode": "digest", "digest_hour": 7, "own": True}


def test_admin_pages_are_for_admins_and_webhook_addresses_are_checked(client, login, svc):
    login("kabid")
    for url in ("/admin/notifications", "/admin/webhooks"):
        assert client.get(url).status_code == 403
    assert client.post("/admin/webhooks", data={"url": "https://x.example/", "events": ["step_ready"]}).status_code == 403
    login("admin")
    answer = client.post("/admin/webhooks", data={"url": "file:///etc/passwd", "events": ["step_ready"]})
    assert answer.status_code == 422 and "Gunakan alamat http:// atau https://." in answer.get_data(as_text=True)
    answer = client.post("/admin/webhooks", data={"url": "https://x.example/hook", "events": ["nope"]})
    assert answer.status_code == 422
    assert svc.webhooks(svc.users.get("admin")) == []
    answer = client.post("/admin/webhooks", data={"url": "https://x.example/hook", "events": ["step_ready"]})
    assert answer.status_code == 200 and "Kunci penandatangan" in answer.get_data(as_text=True)
    (hook,) = svc.webhooks(svc.users.get("admin"))
    assert hook.secret in answer.get_data(as_text=True)
    assert client.post(f"/admin/webhooks/{hook.id}/active", data={"active": "0"}).status_code == 302
    assert client.post("/admin/webhooks/999999/delete").status_code == 404
    assert client.post("/admin/notifications/retry", data={"all": "1"}).status_code == 302


def test_user_add_records_email_and_full_name_for_notifications(runner, svc):
    result = runner.invoke(args=["user", "add", "rina", "--password", "password11", "--role", "Staf",
                                 "--email", "rina@dinas.example", "--full-name", "Rina Wati"])
    assert result.exit_code == 0, result.output
    user = svc.users.get("rina")
    assert (user.email, user.full_name) == ("rina@dinas.example", "Rina Wati")
    result = runner.invoke(args=["user", "add", "tono", "--password", "password11", "--email", "bukan email"])
    assert result.exit_code == 1 and "not an email address" in result.output
    assert svc.users.find("tono") is None


def test_a_short_step_is_not_near_its_due_time_the_moment_it_is_ready(client, login, svc):
    """"Mendekati batas waktu" from the reminder's moment (75 % of the standard time), not at once."""
    from datetime import timedelta

    from helpers.bpmn_builder import Flow, Node, build_bpmn

    nodes = [Node("StartEvent_1", "startEvent", "Mulai", "Loket"),
             Node("Task_1", "userTask", "Periksa berkas", "Loket", {"sop.duration": "PT60M"}),
             Node("EndEvent_1", "endEvent", "Selesai", "Loket")]
    svc.deploy(build_bpmn("loket_singkat", nodes, [Flow("F1", "StartEvent_1", "Task_1"),
                                                   Flow("F2", "Task_1", "EndEvent_1")]), "loket.bpmn")
    loket = svc.users.create("loket", "password11", ["Loket"])
    svc.session.commit()
    instance = svc.start("loket_singkat", loket, "Berkas masuk")
    login("loket", "password11")
    page = client.get("/inbox?tab=lanes").get_data(as_text=True)
    assert "Periksa berkas" in page and "badge-near" not in page
    row = svc.instance_tasks(instance.id)[0]
    row.near_due_at = row.created_at - timedelta(minutes=1)  # as if 45 working minutes had passed
    svc.session.commit()
    assert "badge-near" in client.get("/inbox?tab=lanes").get_data(as_text=True)


def test_every_app_built_in_one_process_draws_the_unread_count(make_app, app, svc, tmp_path):
    """The badge's context processor sits on the notifications blueprint, which every app built in
    a process shares: Flask runs its record-once hook for each app the blueprint is registered on,
    so a second app (as tests and gunicorn's workers build them) draws the count on its pages and
    error pages with no guard in base.html."""
    _step1_done(svc)
    second = make_app()  # the same database: a 'restart'
    for an_app in (app, second):
        badges = [f for f in an_app.template_context_processors[None] if f.__name__ == "unread_badge"]
        assert len(badges) == 1
        browser = an_app.test_client()
        browser.post("/login", data={"username": "analis", "password": "demo12345"})
        for url, status in (("/inbox", 200), ("/no-such-page", 404)):
            answer = browser.get(url)
            assert answer.status_code == status
            assert "1 pemberitahuan belum dibaca" in answer.get_data(as_text=True), url
