"""The JSON API of API.md through Flask's test client: shapes, auth and error semantics."""
from __future__ import annotations

import re

import pytest

from helpers.api_driver import FlaskClientAPI, basic, walk_sop_over_api
from helpers.sop_walk import EXPECTED_STEPS, SOP_KEY

TASK_KEYS = {"id", "instance_id", "bpmn_id", "step", "name", "lane", "state", "assignee", "claimed_by",
             "candidates", "created_at", "due_at", "completed_at", "completed_by", "form", "output",
             "output_required", "attachments"}


@pytest.fixture
def api(client, tokens):
    return FlaskClientAPI(client, tokens)


def start(api, user="pemilik", title="Kasus uji"):
    status, body = api.request("POST", "/api/instances", user, json={"process_key": SOP_KEY, "title": title})
    assert status == 201, body
    return body


def test_sop_walk_over_api(api, any_db):
    instance_id, steps = walk_sop_over_api(api, check_refusals=True)
    assert steps == EXPECTED_STEPS
    status, body = api.request("GET", f"/api/instances/{instance_id}", "admin")
    assert body["status"] == "completed" and body["ended_at"]
    assert {"id", "process_key", "version", "title", "status", "started_at", "ended_at", "tasks", "events",
            "data"} <= set(body)
    assert body["data"]["programmers"] == ["sari", "andi"]
    assert [e["kind"] for e in body["events"]][-1] == "end"


def test_shapes_of_processes_instances_and_tasks(api):
    status, processes = api.request("GET", "/api/processes", "analis")
    assert status == 200
    assert processes[0]["key"] == SOP_KEY and processes[0]["version"] == 1
    assert set(processes[0]) == {"key", "name", "version", "id", "deployed_at"}
    inst = start(api)
    assert inst["status"] == "running" and inst["process_key"] == SOP_KEY and inst["version"] == 1
    status, tasks = api.request("GET", "/api/tasks", "pemilik")
    assert status == 200 and len(tasks) == 1
    task = tasks[0]
    assert TASK_KEYS <= set(task)
    assert task["step"] == 1 and task["lane"] == "Instansi Pemilik" and task["candidates"] == ["Instansi Pemilik"]
    assert task["output_required"] is True and task["output"] == "Dokumen identifikasi kebutuhan"
    assert task["form"]["type"] == "object" and task["due_at"] > task["created_at"]
    assert api.request("GET", "/api/tasks", "analis")[1] == []
    status, svg = api.request("GET", f"/api/instances/{inst['id']}/diagram.svg", "admin")
    assert status == 200 and b"<svg" in svg
    status, xml = api.request("GET", f"/api/processes/{SOP_KEY}/bpmn", "analis")
    assert status == 200 and b"pengembangan_aplikasi_egov" in xml
    status, kpi = api.request("GET", "/api/reports/kpi", "kabid")
    assert status == 200 and [r["step"] for r in kpi] == list(range(1, 15))
    assert {"step", "name", "lane", "target_minutes", "count", "median_minutes", "on_time_ratio"} <= set(kpi[0])
    assert kpi[0]["target_minutes"] == 3 * 8 * 60 and kpi[2]["target_minutes"] == 120


def test_authentication(client, runner):
    assert client.get("/api/tasks").status_code == 401
    body = client.get("/api/tasks").get_json()
    assert body["error"]["code"] == "unauthorized"
    assert client.get("/api/tasks", headers=basic("pemilik", "salah")).status_code == 401
    assert client.get("/api/tasks", headers={"Authorization": "Bearer nope"}).status_code == 401
    token = runner.invoke(args=["token", "create", "analis"]).output.strip()
    assert client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    from engine.models import ApiToken
    from webapp.extensions import db

    with client.application.app_context():
        stored = db.session.query(ApiToken).one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_claim_unclaim_and_conflicts(api):
    start(api)
    task = api.request("GET", "/api/tasks", "pemilik")[1][0]
    status, body = api.request("POST", f"/api/tasks/{task['id']}/claim", "pemilik")
    assert status == 200 and body["claimed_by"] == "pemilik"
    status, body = api.request("POST", f"/api/tasks/{task['id']}/claim", "analis")
    assert status == 403 and body["error"]["message"]
    status, body = api.request("POST", f"/api/tasks/{task['id']}/unclaim", "pemilik")
    assert status == 200 and body["claimed_by"] is None
    status, body = api.request("POST", f"/api/tasks/{task['id']}/unclaim", "pemilik")
    assert status == 409


def test_complete_errors(api):
    start(api)
    task = api.request("GET", "/api/tasks", "pemilik")[1][0]
    url = f"/api/tasks/{task['id']}/complete"
    good = {"nama_aplikasi": "SIMPUS", "instansi_pemilik": "Dinas Kesehatan", "jenis_pengembangan": "baru"}
    status, body = api.request("POST", url, "analis", json={"data": good})
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = api.request("POST", url, "pemilik", json={"data": good})
    assert status == 422 and body["error"]["details"][0]["field"] == "attachments"
    api.request("POST", f"/api/tasks/{task['id']}/attachments", "pemilik", files={"file": ("a.pdf", b"%PDF")})
    status, body = api.request("POST", url, "pemilik", json={"data": {**good, "jenis_pengembangan": "x"}})
    assert status == 422 and {d["field"] for d in body["error"]["details"]} == {"jenis_pengembangan"}
    status, body = api.request("POST", url, "pemilik", data="{not json", headers={"Content-Type": "application/json"})
    assert status == 400 and body["error"]["code"] == "malformed"
    status, body = api.request("POST", url, "pemilik", json={"data": [1, 2]})
    assert status == 422
    assert api.request("POST", url, "pemilik", json={"data": good})[0] == 200
    status, body = api.request("POST", url, "pemilik", json={"data": good})
    assert status == 409 and body["error"]["code"] == "already_completed"
    assert api.request("GET", "/api/tasks/nope", "pemilik")[0] == 404
    assert api.request("GET", "/api/instances/999", "admin")[0] == 404
    assert api.request("POST", "/api/instances", "pemilik", json={"process_key": "nope"})[0] == 404
    assert api.request("POST", "/api/instances", "pemilik", json={})[0] == 422


def test_attachment_download_rights(api, make_app):
    inst = start(api)
    task = api.request("GET", "/api/tasks", "pemilik")[1][0]
    status, att = api.request("POST", f"/api/tasks/{task['id']}/attachments", "pemilik",
                              files={"file": ("kebutuhan.docx", b"isi dokumen")})
    assert status == 201 and set(att) >= {"id", "filename", "size", "sha256"} and att["size"] == 11
    status, data = api.request("GET", f"/api/attachments/{att['id']}", "analis")
    assert status == 200 and data == b"isi dokumen"
    api.client.application.test_cli_runner().invoke(args=["user", "add", "orang", "--password", "password99"])
    api.tokens.pop("orang", None)
    assert api.request("GET", f"/api/attachments/{att['id']}", "orang", headers=basic("orang", "password99"))[0] == 403
    assert api.request("GET", f"/api/instances/{inst['id']}", "orang", headers=basic("orang", "password99"))[0] == 403


def test_deploy_over_api(api):
    from helpers.bpmn_builder import parallel_review_process

    status, body = api.request("POST", "/api/processes", "analis", files={"file": ("x.bpmn", parallel_review_process())})
    assert status == 403
    status, body = api.request("POST", "/api/processes", "admin", files={"file": ("x.bpmn", parallel_review_process())})
    assert status == 201 and body["key"] == "izin_keramaian" and body["version"] == 1
    status, body = api.request("POST", "/api/processes", "admin", files={"file": ("x.bpmn", parallel_review_process())})
    assert body["version"] == 1  # identical content is not a new version
    status, body = api.request("POST", "/api/processes", "admin", files={"file": ("x.bpmn", b"\x00\x01garbage")})
    assert status == 422 and body["error"]["details"]


def test_upload_limits(make_app, tmp_path):
    app = make_app(ALUR_MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=1024 * 1024 + 64 * 1024)
    app.test_cli_runner().invoke(args=["init", "--demo"])
    api = FlaskClientAPI(app.test_client())
    start(api)
    task = api.request("GET", "/api/tasks", "pemilik")[1][0]
    url = f"/api/tasks/{task['id']}/attachments"
    status, body = api.request("POST", url, "pemilik", files={"file": ("besar.pdf", b"x" * (2 * 1024 * 1024))})
    assert status == 413 and body["error"]["code"] == "too_large"
    for name in ("../../etc/passwd.pdf", "..\\win.pdf", "/abs.pdf", ".hidden.pdf", "virus.exe", "noext"):
        status, body = api.request("POST", url, "pemilik", files={"file": (name, b"data")})
        assert status == 422, name
        assert body["error"]["details"][0]["field"] == "file"
    status, inst = api.request("GET", f"/api/instances/{task['instance_id']}", "admin")
    assert inst["tasks"][0]["attachments"] == []
    from engine.models import DocumentTemplate
    from webapp.extensions import db

    with app.app_context():  # the SOP's letter templates are stored as files too; nothing else is
        templates = {t.sha256 for t in db.session.query(DocumentTemplate)}
    files = [p for p in (tmp_path / "files").rglob("*") if p.is_file() and p.name not in templates]
    assert files == []


def test_openapi_describes_every_route(client):
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    for rule in client.application.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_openapi_declares_the_edge_checks_400_with_each_operation():
    """Every request passes the edge check (NUL or invalid Unicode is a 400): each operation says
    so where it is declared (``_errors``), not in a pass over the finished document."""
    from webapp.openapi import _errors, openapi_document

    assert list(_errors(401, 404)) == ["400", "401", "404"]
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            if path == "/api/openapi.json":
                assert "400" not in operation["responses"]
            else:
                assert operation["responses"]["400"] == {"$ref": "#/components/responses/E400"}, (method, path)


def test_camunda_properties_are_accepted(api, svc):
    from helpers.bpmn_builder import parallel_review_process

    xml = parallel_review_process("dari_camunda").replace(
        b'xmlns:spiffworkflow=', b'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:spiffworkflow=')
    xml = xml.replace(b"<spiffworkflow:properties>", b"<camunda:properties>").replace(
        b"</spiffworkflow:properties>", b"</camunda:properties>").replace(
        b"<spiffworkflow:property ", b"<camunda:property ")
    definition, created = svc.deploy(xml, "camunda.bpmn")
    meta = svc.compiled(definition).tasks["Task_Terima"]
    assert created and meta.step == 1 and meta.duration == "PT60M"


def test_every_api_route_but_the_openapi_document_needs_a_caller(app, client):
    """Authentication happens once, before any route of the API blueprint (webapp/api.py)."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")]
    assert len(rules) > 20
    for rule in rules:
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            status = client.open(path, method=method).status_code
            if rule.endpoint == "api.openapi":
                assert status == 200
            else:
                assert status == 401, (method, rule.rule, status)
