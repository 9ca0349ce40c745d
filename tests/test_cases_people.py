"""The case as the people in it see it: registration numbers, Pengajuan saya and search,
participants' access, withdrawal, acting officials (Plt/Plh) and the discussion thread.
Through the JSON API (Flask's client), on SQLite and PostgreSQL, with the SOP and a second,
differently shaped diagram."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from helpers.api_driver import FlaskClientAPI
from helpers.bpmn_builder import Flow, Node, build_bpmn, parallel_review_process
from helpers.sop_walk import SOP_KEY, form_data, user_for

PDF = b"%PDF-1.4 dokumen"
YEAR = datetime.now(timezone(timedelta(hours=7))).year


@pytest.fixture
def api(client, tokens):
    return FlaskClientAPI(client, tokens)


def start(api, user="pemilik", title="Kasus uji", key=SOP_KEY, data=None):
    body = {"process_key": key, "title": title, **({"data": data} if data else {})}
    status, inst = api.request("POST", "/api/instances", user, json=body)
    assert status == 201, inst
    return inst


def deploy(api, xml: bytes, filename="proses.bpmn"):
    status, body = api.request("POST", "/api/processes", "admin", files={"file": (filename, xml)})
    assert status == 201, body
    return body


def case(api, instance_id, user="admin"):
    status, body = api.request("GET", f"/api/instances/{instance_id}", user)
    assert status == 200, body
    return body


def ready(api, instance_id):
    return [t for t in case(api, instance_id)["tasks"] if t["state"] == "ready"]


def do_step(api, instance_id, user=None, extra=None, rounds=None):
    """Complete the one ready step as ``user`` (default: its lane's demo user)."""
    (task,) = ready(api, instance_id)
    user = user or user_for(task)
    if task["output_required"]:
        status, body = api.request("POST", f"/api/tasks/{task['id']}/attachments", user,
                                   files={"file": (f"langkah-{task['step']}.pdf", PDF)})
        assert status == 201, body
    data = {**form_data(task["form"], task["step"], rounds if rounds is not None else {}), **(extra or {})}
    status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", user, json={"data": data})
    assert status == 200, body
    return body


def add_user(runner, name, *roles):
    args = ["user", "add", name, "--password", "demo12345"]
    for role in roles:
        args += ["--role", role]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output


def mine(api, user, **params):
    query = "&".join(f"{k}={v}" for k, v in {"mine": 1, **params}.items())
    status, body = api.request("GET", f"/api/instances?{query}", user)
    assert status == 200, body
    return body


def search(api, user, q, scope_mine=False):
    status, body = api.request("GET", f"/api/instances?q={q}" + ("&mine=1" if scope_mine else ""), user)
    assert status == 200, body
    return [c["number"] for c in body]


# ---- registration numbers ------------------------------------------------------------------------

def with_prefix(xml: bytes, prefix: str) -> bytes:
    """The diagram with ``sop.prefix`` set on its process."""
    head, sep, rest = xml.partition(b'isExecutable="true">')
    ext = (f'<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="sop.prefix" '
           f'value="{prefix}"/></spiffworkflow:properties></bpmn:extensionElements>').encode()
    return head + sep + ext + rest


def test_numbers_count_per_process_prefix_and_year(api, any_db):
    first, second = start(api, title="Satu"), start(api, title="Dua")
    assert (first["number"], second["number"]) == (f"PAE-{YEAR}-0001", f"PAE-{YEAR}-0002")
    # A second diagram: its prefix derives from its name, or comes from sop.prefix.
    deploy(api, parallel_review_process("izin_keramaian"))
    deploy(api, with_prefix(parallel_review_process("izin_reklame"), "rek"))
    assert start(api, "admin", key="izin_keramaian")["number"] == f"IK-{YEAR}-0001"
    assert start(api, "admin", key="izin_reklame")["number"] == f"REK-{YEAR}-0001"
    assert start(api, title="Tiga")["number"] == f"PAE-{YEAR}-0003"
    # Shown in every list and in the case itself.
    assert case(api, first["id"])["number"] == first["number"]
    listed = {c["id"]: c["number"] for c in api.request("GET", "/api/instances", "admin")[1]}
    assert listed[second["id"]] == second["number"]


def test_a_prefix_that_is_not_letters_and_digits_is_refused_with_its_line(svc):
    from engine.errors import Invalid

    with pytest.raises(Invalid) as refused:
        svc.deploy(with_prefix(parallel_review_process("izin_aneh"), "A-B C"), "aneh.bpmn")
    (problem,) = refused.value.problems
    assert "sop.prefix" in problem.message and problem.line and "izin_aneh" in problem.element


def test_numbers_have_no_gaps_or_duplicates_when_cases_start_at_once(app, tokens, any_db):
    """Eight people start three cases each at the same moment; a start that loses a race on
    SQLite's single writer (409) is tried again, as a person would."""
    numbers, failures = [], []

    def starter(n):
        client = FlaskClientAPI(app.test_client(), tokens)
        for k in range(3):
            for _attempt in range(50):
                status, body = client.request("POST", "/api/instances", "pemilik",
                                              json={"process_key": SOP_KEY, "title": f"Serentak {n}-{k}"})
                if status == 201:
                    numbers.append(body["number"])
                    break
                if status != 409:
                    failures.append((status, body))
                    return
            else:
                failures.append("never started")

    threads = [threading.Thread(target=starter, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert sorted(numbers) == [f"PAE-{YEAR}-{i:04d}" for i in range(1, 25)]


# ---- Pengajuan saya, participants and search -------------------------------------------------------

def test_pengajuan_saya_lists_the_cases_one_started_or_took_part_in(api, client, login, any_db):
    a = start(api, title="Aplikasi Arsip")
    b = start(api, title="Aplikasi Bansos")
    do_step(api, a["id"])                       # pemilik, step 1
    do_step(api, a["id"])                       # analis, step 2: now analis took part in A
    assert [c["number"] for c in mine(api, "pemilik")] == [b["number"], a["number"]]
    (only,) = mine(api, "analis")
    assert only["number"] == a["number"] and only["status"] == "running"
    (now,) = only["current"]                     # where the case is, who holds it, until when
    assert now["step"] == 3 and now["lane"] == "Bidang E-Gov, Persandian dan Statistik"
    assert now["due_at"] and now["claimed_by"] is None
    assert mine(api, "kasi") == []               # holds a lane, took no part
    # A claim is taking part too.
    (task,) = ready(api, a["id"])
    assert api.request("POST", f"/api/tasks/{task['id']}/claim", "kabid")[0] == 200
    assert [c["number"] for c in mine(api, "kabid")] == [a["number"]]
    assert mine(api, "kabid")[0]["current"][0]["claimed_by"] == "kabid"
    # The page: Pengajuan saya in the menu, the number, the step, who holds it.
    login("analis")
    page = client.get("/cases/").get_data(as_text=True)
    assert "Pengajuan saya" in page and a["number"] in page and b["number"] not in page
    assert "3. " in page and "Kepala Bidang" in page or "kabid" in page


def test_search_by_number_title_and_answers_among_the_cases_one_may_see(api, runner, client, login, any_db):
    a = start(api, title="Sistem Informasi Kepegawaian")
    b = start(api, title="Portal Pengaduan")
    do_step(api, b["id"], extra={"nama_aplikasi": "Lapor Cepat Warga", "latar_belakang": "Aduan masyarakat"})
    assert search(api, "pemilik", a["number"]) == [a["number"]]            # the whole number
    assert search(api, "pemilik", a["number"].lower()) == [a["number"]]
    assert search(api, "pemilik", "kepegawaian") == [a["number"]]          # a word of the title
    assert search(api, "pemilik", "KEPEG") == [a["number"]]                # its beginning
    assert search(api, "pemilik", "lapor%20warga") == [b["number"]]        # words of an answer, both
    assert search(api, "pemilik", "lapor%20kepegawaian") == []             # every word must match
    assert search(api, "pemilik", f"PAE-{YEAR}") == [b["number"], a["number"]]
    assert search(api, "pemilik", "%25") == [b["number"], a["number"]]     # no words: no filter
    # Only among the cases one may see.
    add_user(runner, "tamu")
    assert search(api, "tamu", "kepegawaian") == []
    assert search(api, "kasi", "kepegawaian") == [a["number"]]             # holds a lane of the process
    assert search(api, "kasi", "kepegawaian", scope_mine=True) == []
    status, body = api.request("GET", "/api/instances?q=" + "x" * 201, "pemilik")
    assert status == 422 and body["error"]["details"][0]["field"] == "q"
    # The page searches too.
    login("pemilik")
    page = client.get("/cases/?q=lapor").get_data(as_text=True)
    assert b["number"] in page and a["number"] not in page


def test_a_participant_sees_the_case_read_only_and_an_outsider_gets_403(api, runner, client, login, any_db):
    add_user(runner, "tamu")       # no role in the process
    add_user(runner, "luar")
    inst = start(api)
    assert api.request("GET", f"/api/instances/{inst['id']}", "tamu")[0] == 403
    (task,) = ready(api, inst["id"])
    assert api.request("POST", f"/api/tasks/{task['id']}/reassign", "admin", json={"username": "tamu"})[0] in (404, 405)
    # An admin appoints tamu to step 1 (the case page's reassign): tamu now takes part.
    login("admin")
    assert client.post(f"/instances/{inst['id']}/tasks/{task['id']}/reassign", data={"username": "tamu"}).status_code == 302
    client.post("/logout")
    assert api.request("GET", f"/api/instances/{inst['id']}", "tamu")[0] == 200
    assert [c["id"] for c in mine(api, "tamu")] == [inst["id"]]
    assert api.request("GET", f"/api/instances/{inst['id']}", "luar")[0] == 403
    assert api.request("GET", f"/api/tasks/{task['id']}", "luar")[0] == 403
    login("tamu")
    page = client.get(f"/instances/{inst['id']}")
    assert page.status_code == 200 and inst["number"] in page.get_data(as_text=True)
    assert "Tindakan admin" not in page.get_data(as_text=True)
    assert client.post(f"/instances/{inst['id']}/status", data={"action": "suspend"}).status_code == 403
    client.post("/logout")
    login("luar")
    assert client.get(f"/instances/{inst['id']}").status_code == 403


# ---- withdrawal ---------------------------------------------------------------------------------------

def test_the_submitter_withdraws_at_the_first_step_with_a_reason(api, client, login, any_db):
    inst = start(api)
    status, body = api.request("POST", f"/api/instances/{inst['id']}/withdraw", "analis", json={"reason": "x"})
    assert status == 403 and body["error"]["code"] == "withdraw.not_submitter"
    status, body = api.request("POST", f"/api/instances/{inst['id']}/withdraw", "pemilik", json={"reason": " "})
    assert status == 422 and body["error"]["details"][0]["field"] == "reason"
    assert case(api, inst["id"])["status"] == "running"
    status, body = api.request("POST", f"/api/instances/{inst['id']}/withdraw", "pemilik",
                               json={"reason": "Diajukan ganda"})
    assert status == 200 and body["status"] == "withdrawn" and body["ended_at"]
    assert [t["state"] for t in body["tasks"]] == ["cancelled"]
    (event,) = [e for e in body["events"] if e["kind"] == "withdraw"]
    assert event["actor"] == "pemilik" and event["details"]["reason"] == "Diajukan ganda"
    status, body = api.request("POST", f"/api/instances/{inst['id']}/withdraw", "pemilik", json={"reason": "lagi"})
    assert status == 409
    login("pemilik")
    page = client.get(f"/instances/{inst['id']}").get_data(as_text=True)
    assert "Ditarik kembali" in page and "Diajukan ganda" in page


def test_withdrawal_is_refused_once_another_person_has_acted(api, client, login, any_db):
    inst = start(api)
    do_step(api, inst["id"])                                  # step 1 by pemilik: the case is with analis
    status, body = api.request("POST", f"/api/instances/{inst['id']}/withdraw", "pemilik", json={"reason": "batal"})
    assert status == 409 and body["error"]["code"] == "withdraw.not_yours"
    (task,) = ready(api, inst["id"])
    api.request("POST", f"/api/tasks/{task['id']}/claim", "analis")
    status, body = api.request("POST", f"/api/instances/{inst['id']}/withdraw", "pemilik", json={"reason": "batal"})
    assert status == 409 and body["error"]["code"] == "withdraw.others_acted" and "analis" in body["error"]["message"]
    assert case(api, inst["id"])["status"] == "running"
    login("pemilik")
    page = client.get(f"/instances/{inst['id']}").get_data(as_text=True)
    assert "sudah menindaklanjuti" in page and '/withdraw"' not in page
    response = client.post(f"/cases/{inst['id']}/withdraw", data={"reason": "batal"}, follow_redirects=True)
    assert "sudah menindaklanjuti" in response.get_data(as_text=True)


def two_steps_of_the_applicant(process_id="permohonan_dua_langkah") -> bytes:
    """Another shape: the applicant does two steps in a row before an officer's."""
    nodes = [Node("StartEvent_1", "startEvent", "Mulai", "Pemohon"),
             Node("Task_Isi", "userTask", "Isi permohonan", "Pemohon", {"sop.step": 1}),
             Node("Task_Lengkapi", "userTask", "Lengkapi berkas", "Pemohon", {"sop.step": 2}),
             Node("Task_Periksa", "userTask", "Periksa berkas", "Petugas", {"sop.step": 3}),
             Node("EndEvent_1", "endEvent", "Selesai", "Petugas")]
    flows = [Flow("F1", "StartEvent_1", "Task_Isi"), Flow("F2", "Task_Isi", "Task_Lengkapi"),
             Flow("F3", "Task_Lengkapi", "Task_Periksa"), Flow("F4", "Task_Periksa", "EndEvent_1")]
    return build_bpmn(process_id, nodes, flows, name="Permohonan Dua Langkah")


def test_withdrawal_at_a_later_step_of_the_submitter_in_another_diagram(api, runner, any_db):
    deploy(api, two_steps_of_the_applicant())
    add_user(runner, "warga", "Pemohon")
    add_user(runner, "petugas", "Petugas")
    first = start(api, "warga", key="permohonan_dua_langkah")
    assert first["number"] == f"PDL-{YEAR}-0001"
    do_step(api, first["id"], "warga")                        # at step 2: still the applicant's
    status, body = api.request("POST", f"/api/instances/{first['id']}/withdraw", "warga", json={"reason": "pindah"})
    assert status == 200 and body["status"] == "withdrawn"
    second = start(api, "warga", key="permohonan_dua_langkah")
    do_step(api, second["id"], "warga")
    do_step(api, second["id"], "warga")                       # at the officer's step now
    status, body = api.request("POST", f"/api/instances/{second['id']}/withdraw", "warga", json={"reason": "x"})
    assert status == 409
    assert [c["id"] for c in mine(api, "petugas")] == []
    do_step(api, second["id"], "petugas")
    assert [c["id"] for c in mine(api, "petugas")] == [second["id"]]


# ---- acting officials (Plt/Plh) ---------------------------------------------------------------------

def delegate(api, actor, delegate_to, delegator=None, days=7, **extra):
    now = datetime.now(timezone.utc)
    body = {"delegate": delegate_to, "starts_at": now.isoformat(), "ends_at": (now + timedelta(days=days)).isoformat(),
            "kind": "plh", "reason": "Cuti tahunan", **({"delegator": delegator} if delegator else {}), **extra}
    return api.request("POST", "/api/delegations", actor, json=body)


def end_period(app, delegation_id):
    """Let the delegation's period pass: its end moves into the past (as time would)."""
    from engine.models import Delegation
    from webapp.extensions import db

    with app.app_context():
        row = db.session.get(Delegation, delegation_id)
        row.starts_at = datetime.now(timezone.utc) - timedelta(days=8)
        row.ends_at = datetime.now(timezone.utc) - timedelta(minutes=1)
        db.session.commit()


def test_a_delegate_acts_for_the_kabid_during_the_period_and_is_refused_after(api, app, client, login, any_db):
    inst = start(api)
    rounds = {}
    do_step(api, inst["id"])
    do_step(api, inst["id"])
    (step3,) = ready(api, inst["id"])
    assert step3["step"] == 3
    assert api.request("POST", f"/api/tasks/{step3['id']}/complete", "kasi", json={"data": {}})[0] == 403
    status, made = delegate(api, "kabid", "kasi")
    assert status == 201 and made["delegator"] == "kabid" and made["delegate"] == "kasi"
    # During the period kasi sees kabid's step in the inbox and does it, "kasi a.n. kabid".
    status, inbox = api.request("GET", "/api/tasks", "kasi")
    assert step3["id"] in [t["id"] for t in inbox]
    done = do_step(api, inst["id"], "kasi", rounds=rounds)       # sends the spec back (first review)
    assert done["completed_by"] == "kasi" and done["on_behalf_of"] == "kabid"
    (event,) = [e for e in case(api, inst["id"])["events"] if e["kind"] == "complete" and e["task_id"] == step3["id"]]
    assert event["actor"] == "kasi" and event["details"]["on_behalf_of"] == "kabid"
    assert [c["id"] for c in mine(api, "kabid")] == [inst["id"]]    # done on kabid's behalf: theirs too
    login("pemilik")
    page = client.get(f"/instances/{inst['id']}").get_data(as_text=True)
    assert "a.n." in page
    client.post("/logout")
    rounds[3] = 1
    do_step(api, inst["id"], rounds=rounds)                          # analis again
    (again,) = ready(api, inst["id"])
    login("kasi")
    task_page = client.get(f"/tasks/{again['id']}").get_data(as_text=True)
    assert "atas nama" in task_page
    client.post("/logout")
    # After the period: gone from kasi's inbox, and refused.
    end_period(app, made["id"])
    status, inbox = api.request("GET", "/api/tasks", "kasi")
    assert again["id"] not in [t["id"] for t in inbox]
    status, body = api.request("POST", f"/api/tasks/{again['id']}/complete", "kasi",
                               json={"data": {"spec_approved": True}})
    assert status == 403
    assert api.request("POST", f"/api/tasks/{again['id']}/claim", "kasi")[0] == 403


def to_step5_appointed_to_budi(api, instance_id) -> dict:
    """Walk a case to step 5, which the SOP appoints to budi: 1, 2, 3 (back), 2, 3, 4."""
    rounds = {}
    for _ in range(6):
        (task,) = ready(api, instance_id)
        do_step(api, instance_id, rounds=rounds)
        rounds[task["step"]] = rounds.get(task["step"], 0) + 1
    (step5,) = ready(api, instance_id)
    assert step5["step"] == 5 and step5["assignees"] == ["budi"]
    return step5


def test_a_delegate_does_the_steps_appointed_to_the_official(api, any_db):
    inst = start(api)
    step5 = to_step5_appointed_to_budi(api, inst["id"])
    assert delegate(api, "budi", "sari")[0] == 201
    status, inbox = api.request("GET", "/api/tasks?state=mine", "sari")
    assert step5["id"] in [t["id"] for t in inbox]
    done = do_step(api, inst["id"], "sari")
    assert done["completed_by"] == "sari" and done["on_behalf_of"] == "budi"


def test_who_may_name_an_acting_official_and_for_how_long(api, any_db):
    status, body = delegate(api, "analis", "kasi", delegator="kabid")
    assert status == 403
    status, body = delegate(api, "admin", "kasi", delegator="kabid")          # an admin does it for them
    assert status == 201 and body["created_by"] == "admin"
    assert delegate(api, "admin", "kasi", delegator="kabid")[0] == 409       # the same period again
    status, body = delegate(api, "kabid", "kabid")
    assert status == 422 and body["error"]["details"][0]["field"] == "delegate"
    status, body = delegate(api, "kabid", "nobody")
    assert status == 422
    status, body = delegate(api, "kabid", "analis", days=400)
    assert status == 422 and body["error"]["details"][0]["field"] == "ends_at"
    status, body = delegate(api, "kabid", "analis", days=-1)
    assert status == 422
    status, body = api.request("POST", "/api/delegations", "kabid", json={
        "delegate": "analis", "starts_at": "kemarin", "ends_at": "2030-01-01T00:00:00+07:00"})
    assert status == 422 and body["error"]["details"][0]["field"] == "starts_at"
    status, listed = api.request("GET", "/api/delegations", "kasi")
    assert [d["delegator"] for d in listed] == ["kabid"]
    assert api.request("POST", f"/api/delegations/{listed[0]['id']}/end", "analis")[0] == 403
    status, ended = api.request("POST", f"/api/delegations/{listed[0]['id']}/end", "kabid")
    assert status == 200 and ended["ended_by"] == "kabid"
    assert api.request("POST", f"/api/delegations/{listed[0]['id']}/end", "kabid")[0] == 409


def test_delegation_page_names_an_acting_official(client, login, any_db):
    login("kabid")
    assert client.get("/delegations/").status_code == 200
    response = client.post("/delegations/", data={"delegate": "kasi", "kind": "plt", "starts_on": "2020-01-01",
                                                  "ends_on": "2020-01-02"})
    assert response.status_code == 422 and "sudah lewat" in response.get_data(as_text=True)
    today = datetime.now(timezone(timedelta(hours=7))).date()
    response = client.post("/delegations/", data={"delegate": "kasi", "kind": "plt", "starts_on": today.isoformat(),
                                                  "ends_on": (today + timedelta(days=3)).isoformat()},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Berlaku" in page and "Akhiri sekarang" in page


# ---- the discussion thread ----------------------------------------------------------------------------

def test_the_thread_is_for_the_people_of_the_case(api, runner, client, login, any_db):
    add_user(runner, "luar")
    inst = start(api)
    status, comment = api.request("POST", f"/api/instances/{inst['id']}/comments", "pemilik",
                                  json={"body": "Mohon @analis cek lampiran; cc @kabid. <script>x</script> @nobody"})
    assert status == 201 and comment["mentions"] == ["analis", "kabid"]
    events = [e for e in case(api, inst["id"])["events"] if e["kind"] == "comment"]
    assert events[0]["details"]["mentions"] == ["analis", "kabid"]
    assert api.request("GET", f"/api/instances/{inst['id']}/comments", "kasi")[0] == 403   # lane only
    assert api.request("POST", f"/api/instances/{inst['id']}/comments", "kasi", json={"body": "hai"})[0] == 403
    assert api.request("GET", f"/api/instances/{inst['id']}/comments", "luar")[0] == 403
    assert api.request("GET", f"/api/instances/{inst['id']}/comments", "analis")[0] == 403  # not yet
    do_step(api, inst["id"])
    status, listed = api.request("GET", f"/api/instances/{inst['id']}/comments", "analis")  # step 2 is theirs
    assert status == 200 and [c["body"][:5] for c in listed] == ["Mohon"]
    status, body = api.request("POST", f"/api/instances/{inst['id']}/comments", "analis", json={"body": "x" * 2001})
    assert status == 422
    assert api.request("POST", f"/api/instances/{inst['id']}/comments", "analis", json={"body": " \x00 "})[0] == 422
    # On the case page and on the step's page, escaped, mentions marked.
    login("analis")
    (task,) = ready(api, inst["id"])
    for url in (f"/instances/{inst['id']}", f"/tasks/{task['id']}"):
        page = client.get(url).get_data(as_text=True)
        assert 'class="mention">@analis' in page and "&lt;script&gt;" in page and "<script>x" not in page
        assert "@nobody" in page and 'class="mention">@nobody' not in page
    response = client.post(f"/cases/{inst['id']}/comments", data={
        "body": "Sudah saya cek, @pemilik.", "task_id": task["id"], "next": f"/tasks/{task['id']}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{task['id']}#diskusi")
    client.post("/logout")
    login("kasi")
    page = client.get(f"/instances/{inst['id']}").get_data(as_text=True)
    assert "Sudah saya cek" not in page and 'id="diskusi"' not in page


def test_lists_of_cases_name_the_people_appointed_to_a_waiting_step_without_reading_their_roles(
        app, api, client, login, any_db):
    """The cases page and ``GET /api/instances`` show who a waiting step is appointed to; the
    people come by the steps' ids in one statement, without their roles, and only for cases
    where someone is appointed."""
    from helpers.statements import recorded_statements

    appointed = start(api, title="Kasus dengan penunjukan")
    plain = start(api, title="Kasus tanpa penunjukan")
    to_step5_appointed_to_budi(api, appointed["id"])

    status, listed = api.request("GET", "/api/instances?limit=10", "admin")
    assert status == 200
    current = {c["id"]: c["current"] for c in listed}
    assert [s["assignees"] for s in current[appointed["id"]]] == [["budi"]]
    assert [s["assignees"] for s in current[plain["id"]]] == [[]]

    login("admin")
    with recorded_statements(app) as statements:
        page = client.get("/instances/?q=penunjukan").get_data(as_text=True)
    assert "Kasus dengan penunjukan" in page and "Budi Santoso" in page
    people = [s for s in statements if s.startswith("SELECT task_assignees.")]
    assert len(people) == 1 and "password_hash" not in people[0]
    assert len([s for s in statements if "FROM user_roles" in s]) <= 1, "only the caller's own roles"


def test_the_inbox_names_appointed_people_without_reading_their_roles(app, api, any_db):
    """An inbox reads the people appointed to its steps in one statement, with their names and
    not their roles, and only when some step on the page is appointed."""
    from helpers.statements import recorded_statements

    inst = start(api)
    step5 = to_step5_appointed_to_budi(api, inst["id"])
    statements: list[str] = []

    def inbox(user: str) -> list[dict]:
        statements.clear()
        with recorded_statements(app, statements):
            status, body = api.request("GET", "/api/tasks", user)
        assert status == 200, body
        return body

    rows = inbox("budi")
    assert [(t["id"], t["assignees"]) for t in rows] == [(step5["id"], ["budi"])]
    appointed = [s for s in statements if "FROM task_assignees JOIN users" in s]
    assert len(appointed) == 1 and "users.password_hash" not in appointed[0], statements
    assert not [s for s in statements if "user_roles" in s and "api_tokens" not in s], \
        "the appointed people's roles are not read"
    # kasi's inbox has no appointed step (nothing is ready for kasi): no look-up of appointed people
    assert inbox("kasi") == []
    assert not [s for s in statements if "FROM task_assignees JOIN users" in s], statements
