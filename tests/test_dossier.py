"""The case as a dossier: every submission kept, rounds and send-backs that explain themselves,
prefilled rework, decisions as labelled choices, earlier answers on a step's page.

The SOP is walked with both review loops over the JSON API; a second diagram of another shape
(a loop that goes back two steps, a decision without labels, a step that narrows what it reads)
gets the same, so nothing here is special-cased to the SOP.
"""
from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest

from helpers.api_driver import FlaskClientAPI
from helpers.bpmn_builder import Flow, Node, build_bpmn
from helpers.sop_walk import EXPECTED_STEPS, SOP_KEY, form_data, user_for

FORMS = Path(__file__).resolve().parent.parent / "forms"


def walk_with_distinct_notes(api, instance_id: int, seen: list[dict]) -> list[tuple[int, int]]:
    """Walk the SOP to its end over ``api`` (both loops once), giving every ``catatan`` and letter
    number its own value per step and round; ``seen`` collects each task as its doer saw it."""
    rounds: dict[int, int] = {}
    done = []
    for _ in range(40):
        status, body = api.request("GET", f"/api/instances/{instance_id}", "admin")
        ready = [t for t in body["tasks"] if t["state"] == "ready"]
        if not ready:
            return done
        (task,) = ready
        username = user_for(task)
        status, own = api.request("GET", f"/api/tasks/{task['id']}", username)
        assert status == 200, own
        seen.append(own)
        if task["output_required"]:
            status, _ = api.request("POST", f"/api/tasks/{task['id']}/attachments", username,
                                    files={"file": (f"langkah-{task['step']}-r{own['round']}.pdf", b"%PDF-1.4 x")})
            assert status == 201
        data = form_data(task["form"], task["step"], rounds)
        props = task["form"]["properties"]
        for name in ("catatan", "nomor_surat_tugas"):
            if name in props:
                data[name] = f"{name} langkah {task['step']} putaran {own['round']}"
        for name, prop in props.items():  # the reasons say which step and round sent it back
            if prop.get("x-role") == "reason":
                data[name] = f"Perbaiki (langkah {task['step']} putaran {own['round']})"
        status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", username, json={"data": data})
        assert status == 200, body
        rounds[task["step"]] = rounds.get(task["step"], 0) + 1
        done.append((task["step"], own["round"]))
    raise AssertionError(f"the walk did not end: {done}")


def test_the_sop_with_both_loops_keeps_every_round_and_explains_each_send_back(app, client, tokens, any_db):
    api = FlaskClientAPI(client, tokens)
    status, inst = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "title": "Dosir"})
    assert status == 201 and inst["submissions"] == []
    assert inst["tasks"][0]["round"] == 1 and inst["tasks"][0]["returned"] is None
    seen: list[dict] = []
    done = walk_with_distinct_notes(api, inst["id"], seen)
    assert [step for step, _ in done] == EXPECTED_STEPS
    # rounds: 2 at steps 2, 3, 9, 10, 11, 12 the second time, 1 everywhere else
    assert done == [(1, 1), (2, 1), (3, 1), (2, 2), (3, 2), (4, 1), (5, 1), (6, 1), (7, 1), (8, 1), (9, 1),
                    (10, 1), (11, 1), (12, 1), (9, 2), (10, 2), (11, 2), (12, 2), (13, 1), (14, 1)]
    # the rework banner's data: who sent it back, from which step, when, and the reviewer's note
    step2_again = [t for t in seen if t["step"] == 2 and t["round"] == 2][0]
    assert step2_again["returned"]["from_step"] == 3 and step2_again["returned"]["by"] == "kabid"
    assert step2_again["returned"]["note"] == "Perbaiki (langkah 3 putaran 1)"
    assert set(step2_again["returned"]) == {"from_step", "by", "at", "note"}
    step9_again = [t for t in seen if t["step"] == 9 and t["round"] == 2][0]
    assert step9_again["returned"]["from_step"] == 12 and step9_again["returned"]["by"] == "kabid"
    assert step9_again["returned"]["note"] == "Perbaiki (langkah 12 putaran 1)"
    review12 = [t for t in seen if t["step"] == 12 and t["round"] == 1][0]
    assert step9_again["returned"]["at"] > review12["created_at"]
    # a step that only follows in the loop's next pass was not "sent back"
    assert [t for t in seen if t["step"] == 3 and t["round"] == 2][0]["returned"] is None
    assert all(t["returned"] is None for t in seen if t["round"] == 1)

    status, body = api.request("GET", f"/api/instances/{inst['id']}", "admin")
    subs = body["submissions"]
    assert [(s["step"], s["round"]) for s in subs] == done  # every completion, in order
    assert set(subs[0]) >= {"task_id", "step", "bpmn_id", "name", "round", "data", "completed_by", "completed_at"}
    assert {s["task_id"] for s in subs} == {t["id"] for t in body["tasks"] if t["state"] == "completed"}
    # same-named fields in several steps and rounds: each kept as it was sent
    notes = {(s["step"], s["round"]): s["data"].get("catatan") for s in subs if "catatan" in s["data"]}
    assert notes[(1, 1)] == "catatan langkah 1 putaran 1" and notes[(2, 1)] == "catatan langkah 2 putaran 1"
    assert notes[(2, 2)] == "catatan langkah 2 putaran 2" and notes[(10, 1)] == "catatan langkah 10 putaran 1"
    assert notes[(10, 2)] == "catatan langkah 10 putaran 2" and len(set(notes.values())) == len(notes) >= 14
    letters = {s["step"]: s["data"]["nomor_surat_tugas"] for s in subs if "nomor_surat_tugas" in s["data"]}
    assert letters == {4: "nomor_surat_tugas langkah 4 putaran 1", 6: "nomor_surat_tugas langkah 6 putaran 1"}
    reviews = [(s["round"], s["data"]["spec_approved"]) for s in subs if s["step"] == 3]
    assert reviews == [(1, False), (2, True)]
    # the decisions' outcomes: sent back to step 2 / 9, then approved
    outcomes = [(s["step"], s["round"], s["outcome"]) for s in subs if s["outcome"]]
    assert [(step, r, o["returned_to"] and o["returned_to"]["step"], o["label"]) for step, r, o in outcomes] == [
        (3, 1, 2, "Dikembalikan untuk perbaikan"), (3, 2, None, "Disetujui"),
        (12, 1, 9, "Dikembalikan untuk perbaikan"), (12, 2, None, "Diterima")]
    # the flat data still drives gateways, the submissions keep what it lost
    assert body["data"]["prototype_accepted"] is True


def test_rework_pages_show_the_banner_the_prefill_and_earlier_answers(app, client, login, tokens, any_db):
    api = FlaskClientAPI(client, tokens)
    status, inst = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "title": "Dosir"})
    instance_id = inst["id"]

    def ready_task():
        return [t for t in api.request("GET", f"/api/instances/{instance_id}", "admin")[1]["tasks"]
                if t["state"] == "ready"][0]

    rounds: dict[int, int] = {}

    def complete_ready(extra=None):
        task = ready_task()
        username = user_for(task)
        if task["output_required"]:
            api.request("POST", f"/api/tasks/{task['id']}/attachments", username,
                        files={"file": (f"langkah-{task['step']}-r{task['round']}.pdf", b"%PDF-1.4 x")})
        data = {**form_data(task["form"], task["step"], rounds), **(extra or {})}
        status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", username, json={"data": data})
        assert status == 200, body
        rounds[task["step"]] = rounds.get(task["step"], 0) + 1

    complete_ready({"nama_aplikasi": "SI Antrean Puskesmas"})  # 1
    complete_ready({"catatan": "Spesifikasi versi pertama"})  # 2
    complete_ready({"catatan_modifikasi": "Tambahkan modul pembayaran non-tunai."})  # 3: sent back
    step2 = ready_task()
    assert step2["step"] == 2 and step2["round"] == 2

    login("analis")
    page = client.get(f"/tasks/{step2['id']}").get_data(as_text=True)
    banner = re.search(r'<section class="card returned".*?</section>', page, re.S).group(0)
    assert "putaran ke-2" in banner and "Dikembalikan dari langkah 3 oleh" in banner
    assert "Hendra Kabid E-Gov" in banner and "Tambahkan modul pembayaran non-tunai." in banner
    # the form starts from round 1's answers
    assert re.search(r'<textarea id="f-catatan" name="catatan"[^>]*>Spesifikasi versi pertama</textarea>', page)
    # earlier answers, grouped by step, folded: step 1's application name, step 3's decision and note
    earlier = re.search(r'<section class="card" aria-labelledby="sebelumnya">.*?</section>', page, re.S).group(0)
    assert earlier.count('<details class="step-answers">') == 3  # steps 1, 2 (round 1) and 3
    assert "SI Antrean Puskesmas" in earlier and "Kembalikan untuk perbaikan" in earlier
    assert "Dikembalikan ke langkah 2" in earlier
    # round 1's deliverable of this very step is shown as superseded
    assert re.search(r'<li class="superseded"><a href="/attachments/\d+" download>langkah-2-r1.pdf</a>', page)
    # in English too
    english = client.get(f"/tasks/{step2['id']}?lang=en").get_data(as_text=True)
    assert "Sent back from step 3 by" in english and "round 2" in english
    client.get(f"/tasks/{step2['id']}?lang=id")  # back to Indonesian for the rest
    # the finished review reads back with the choice's label
    review1 = [t for t in api.request("GET", f"/api/instances/{instance_id}", "admin")[1]["tasks"]
               if t["step"] == 3][0]
    done = client.get(f"/tasks/{review1['id']}").get_data(as_text=True)
    assert re.search(r"<dt>Spesifikasi disetujui</dt>\s*<dd>Kembalikan untuk perbaikan</dd>", done)
    client.post("/logout")

    # the decision page: two labelled choices, none chosen (even in round 2)
    complete_ready()  # 2, round 2
    review = ready_task()
    login("kabid")
    page = client.get(f"/tasks/{review['id']}").get_data(as_text=True)
    choices = re.search(r'<fieldset class="choices".*?</fieldset>', page, re.S).group(0)
    assert "Setujui spesifikasi" in choices and "Kembalikan untuk perbaikan" in choices
    assert " checked" not in choices
    client.post("/logout")

    complete_ready()  # 3 approves
    while ready_task()["step"] != 12:
        complete_ready({"hasil_uji": [{"id": "K-01", "hasil": "lulus_dengan_catatan", "catatan": "Cetak antrean lambat"},
                                      {"id": "K-02", "hasil": "lulus"}, {"id": "K-03", "hasil": "lulus"}]}
                       if ready_task()["step"] == 10 else None)
    step12 = ready_task()
    login("kabid")
    page = client.get(f"/tasks/{step12['id']}").get_data(as_text=True)
    earlier = re.search(r'<section class="card" aria-labelledby="sebelumnya">.*?</section>', page, re.S).group(0)
    names = re.findall(r'<span class="step-answers-name">([^<]+)</span>', earlier)
    assert [n.split(" — ")[0] for n in names] == [f"Langkah {n}" for n in range(1, 12)]
    step10 = earlier.split("Langkah 10 — ")[1].split("</details>")[0]
    step11 = earlier.split("Langkah 11 — ")[1].split("</details>")[0]
    assert "<dt>" in step10 and "<dt>" in step11 and "langkah-10-r1.pdf" in step10
    # the UAT result (by its title) and findings, and the internal review, readable at step 12
    assert ("<dt>Hasil uji per kebutuhan</dt><dd class=\"pre\">K-01 — Hasil: Lulus dengan catatan; "
            "Catatan hasil uji: Cetak antrean lambat\nK-02 — Hasil: Lulus") in step10
    internal = [s for s in api.request("GET", f"/api/instances/{instance_id}", "admin")[1]["submissions"]
                if s["step"] == 11][0]
    assert all(str(v) in step11 for v in internal["data"].values()
               if isinstance(v, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v))
    # the case page: the steps table and the timeline say what each decision did
    client.post("/logout")
    login("admin")
    case = client.get(f"/instances/{instance_id}").get_data(as_text=True)
    steps = re.search(r'<section aria-labelledby="h-steps">.*?</section>', case, re.S).group(0)
    assert "Dikembalikan ke langkah 2" in steps and "Disetujui" in steps and "putaran ke-2" in steps
    history = re.search(r'<section aria-labelledby="h-history">.*?</section>', case, re.S).group(0)
    assert "Dikembalikan ke langkah 2" in history and "Disetujui" in history


def test_a_decision_must_be_made_over_the_api_too(app, client, tokens):
    api = FlaskClientAPI(client, tokens)
    status, inst = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "title": "x"})
    rounds: dict[int, int] = {}
    for _ in range(2):
        task = [t for t in api.request("GET", f"/api/instances/{inst['id']}", "admin")[1]["tasks"]
                if t["state"] == "ready"][0]
        api.request("POST", f"/api/tasks/{task['id']}/attachments", user_for(task),
                    files={"file": ("a.pdf", b"%PDF-1.4 x")})
        api.request("POST", f"/api/tasks/{task['id']}/complete", user_for(task),
                    json={"data": form_data(task["form"], task["step"], rounds)})
    task = [t for t in api.request("GET", f"/api/instances/{inst['id']}", "admin")[1]["tasks"]
            if t["state"] == "ready"][0]
    assert task["step"] == 3
    status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", "kabid",
                               json={"data": {"catatan_modifikasi": "x"}})
    assert status == 422 and any(d.get("field") == "spec_approved" for d in body["error"]["details"])


# ---- a second diagram of another shape -------------------------------------------------------

OTHER_FORMS = {
    "izin_terima.json": {"type": "object", "properties": {
        "nomor_berkas": {"type": "string", "title": "Nomor berkas"},
        "catatan": {"type": "string", "title": "Catatan loket", "x-widget": "textarea"}},
        "required": ["nomor_berkas"]},
    "izin_verifikasi.json": {"type": "object", "properties": {
        "catatan": {"type": "string", "title": "Catatan verifikasi"}}},
    "izin_putusan.json": {"type": "object", "properties": {
        "layak": {"type": "boolean", "title": "Permohonan layak"},
        "alasan": {"type": "string", "title": "Alasan", "x-role": "reason"},
        "catatan": {"type": "string", "title": "Catatan kepala"}}},
    "izin_terbit.json": {"type": "object", "properties": {
        "nomor_izin": {"type": "string", "title": "Nomor izin"}}},
}


def other_process() -> bytes:
    """Loket receives, Verifikator checks, Kepala decides (``layak``, a boolean without labels);
    not layak goes back two steps to Loket; the permit step reads only step 1 (``sop.inputs``)."""
    nodes = [
        Node("Mulai", "startEvent", "Masuk", "Loket"),
        Node("Terima", "userTask", "Terima berkas", "Loket", {"sop.step": 1, "sop.form": "izin_terima.json"}),
        Node("Verifikasi", "userTask", "Verifikasi berkas", "Verifikator",
             {"sop.step": 2, "sop.form": "izin_verifikasi.json"}),
        Node("Putusan", "userTask", "Putuskan permohonan", "Kepala", {"sop.step": 3, "sop.form": "izin_putusan.json"}),
        Node("Layak", "exclusiveGateway", "Layak?", "Kepala", default="Flow_ulang"),
        Node("Terbit", "userTask", "Terbitkan izin", "Loket",
             {"sop.step": 4, "sop.form": "izin_terbit.json", "sop.inputs": "Langkah 1"}),
        Node("Akhir", "endEvent", "Selesai", "Loket"),
    ]
    flows = [
        Flow("Flow_1", "Mulai", "Terima"), Flow("Flow_2", "Terima", "Verifikasi"),
        Flow("Flow_3", "Verifikasi", "Putusan"), Flow("Flow_4", "Putusan", "Layak"),
        Flow("Flow_ya", "Layak", "Terbit", "ya", "layak == True"),
        Flow("Flow_ulang", "Layak", "Terima", "tidak"), Flow("Flow_5", "Terbit", "Akhir"),
    ]
    return build_bpmn("izin_usaha", nodes, flows, name="Izin Usaha", lanes=["Loket", "Verifikator", "Kepala"])


@pytest.fixture
def other_app(make_app, tmp_path):
    forms = tmp_path / "forms"
    shutil.copytree(FORMS, forms)
    for name, schema in OTHER_FORMS.items():
        (forms / name).write_text(json.dumps(schema), encoding="utf-8")
    app = make_app(ALUR_FORMS_DIR=str(forms))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0
    path = tmp_path / "izin.bpmn"
    path.write_bytes(other_process())
    result = runner.invoke(args=["deploy", str(path)])
    assert result.exit_code == 0, result.output
    for username, role in (("loket", "Loket"), ("verifikator", "Verifikator"), ("kepala", "Kepala")):
        assert runner.invoke(args=["user", "add", username, "--password", "demo12345", "--role", role]).exit_code == 0
    return app


def test_another_diagram_gets_rounds_send_backs_decisions_and_narrowed_inputs(other_app, any_db):
    client = other_app.test_client()
    api = FlaskClientAPI(client)
    status, inst = api.request("POST", "/api/instances", "loket", json={"process_key": "izin_usaha", "title": "Toko"})
    assert status == 201
    instance_id = inst["id"]

    def ready():
        return [t for t in api.request("GET", f"/api/instances/{instance_id}", "admin")[1]["tasks"]
                if t["state"] == "ready"]

    def complete(user, data):
        (task,) = ready()
        status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", user, json={"data": data})
        assert status == 200, body
        return task

    complete("loket", {"nomor_berkas": "B-1", "catatan": "berkas kurang NPWP"})
    complete("verifikator", {"catatan": "NPWP belum ada"})
    # the unlabelled boolean the gateway reads is a decision: two choices, "Ya"/"Tidak", none chosen
    decision = ready()[0]
    client.post("/login", data={"username": "kepala", "password": "demo12345"})
    page = client.get(f"/tasks/{decision['id']}").get_data(as_text=True)
    choices = re.search(r'<fieldset class="choices".*?</fieldset>', page, re.S).group(0)
    assert '<label for="f-layak-true">Ya</label>' in choices and '<label for="f-layak-false">Tidak</label>' in choices
    assert " checked" not in choices
    refused = client.post(f"/tasks/{decision['id']}/complete", data={"alasan": "x"})
    assert refused.status_code == 422  # no choice, no completion
    response = client.post(f"/tasks/{decision['id']}/complete", data={"layak": "false", "alasan": "Lengkapi NPWP",
                                                                     "catatan": "kembali ke loket"})
    assert response.status_code == 302
    flash = client.get("/inbox").get_data(as_text=True)
    assert "Berikutnya: Langkah 1 — Terima berkas, oleh pelaksana Loket." in flash  # who has it next
    client.post("/logout")

    again = ready()[0]
    assert again["step"] == 1 and again["round"] == 2
    assert again["returned"]["from_step"] == 3 and again["returned"]["by"] == "kepala"
    assert again["returned"]["note"] == "Lengkapi NPWP"
    client.post("/login", data={"username": "loket", "password": "demo12345"})
    page = client.get(f"/tasks/{again['id']}").get_data(as_text=True)
    assert "Dikembalikan dari langkah 3 oleh" in page and "Lengkapi NPWP" in page
    assert 'id="f-nomor_berkas" name="nomor_berkas" value="B-1"' in page  # prefilled from round 1
    client.post("/logout")
    complete("loket", {"nomor_berkas": "B-1", "catatan": "NPWP dilampirkan"})
    second = ready()[0]
    assert second["step"] == 2 and second["round"] == 2 and second["returned"] is None  # next pass, not sent back
    complete("verifikator", {"catatan": "lengkap"})
    complete("kepala", {"layak": True, "catatan": "setuju"})
    permit = ready()[0]
    assert permit["step"] == 4 and permit["round"] == 1

    # sop.inputs "Langkah 1": the permit step reads step 1's answers (both rounds), nothing else
    client.post("/login", data={"username": "loket", "password": "demo12345"})
    page = client.get(f"/tasks/{permit['id']}").get_data(as_text=True)
    earlier = re.search(r'<section class="card" aria-labelledby="sebelumnya">.*?</section>', page, re.S).group(0)
    assert re.findall(r'<span class="step-answers-name">([^<]+)</span>', earlier) == ["Langkah 1 — Terima berkas"]
    assert "NPWP dilampirkan" in earlier and "berkas kurang NPWP" in earlier and "NPWP belum ada" not in earlier

    body = api.request("GET", f"/api/instances/{instance_id}", "admin")[1]
    catatan = [(s["step"], s["round"], s["data"].get("catatan")) for s in body["submissions"]]
    assert catatan == [(1, 1, "berkas kurang NPWP"), (2, 1, "NPWP belum ada"), (3, 1, "kembali ke loket"),
                       (1, 2, "NPWP dilampirkan"), (2, 2, "lengkap"), (3, 2, "setuju")]
    assert body["submissions"][2]["outcome"]["returned_to"] == {"step": 1, "name": "Terima berkas",
                                                                "bpmn_id": "Terima"}
    assert body["submissions"][5]["outcome"] == {"field": "layak", "value": True, "label": None, "returned_to": None}
    case = client.get(f"/instances/{instance_id}").get_data(as_text=True)  # loket holds a lane of it
    steps = re.search(r'<section aria-labelledby="h-steps">.*?</section>', case, re.S).group(0)
    assert "Dikembalikan ke langkah 1" in steps and "putaran ke-2" in steps
