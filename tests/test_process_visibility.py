"""Process visibility, as decided in docs/security.md: a process (its page, diagram, BPMN, KPI) is
public inside the office, like a printed SOP; its cases are not."""
from __future__ import annotations

from helpers.api_driver import FlaskClientAPI
from helpers.bpmn_builder import parallel_review_process


def test_processes_are_readable_by_everyone_their_cases_only_by_their_people(client, tokens, runner, login, any_db):
    api = FlaskClientAPI(client, tokens)
    status, body = api.request("POST", "/api/processes", "admin",
                               files={"file": ("izin.bpmn", parallel_review_process())})
    assert status == 201, body
    runner.invoke(args=["user", "add", "loket1", "--password", "rahasia-loket", "--role", "Loket"])
    loket = {"Authorization": "Basic bG9rZXQxOnJhaGFzaWEtbG9rZXQ="}  # loket1:rahasia-loket
    started = client.post("/api/instances", json={"process_key": "izin_keramaian", "title": "Konser"}, headers=loket)
    assert started.status_code == 201, started.data
    case_id = started.get_json()["id"]
    # analis holds none of the process's lanes: reads the process ...
    for path in ("/api/processes/izin_keramaian/bpmn", "/api/reports/kpi?process_key=izin_keramaian"):
        status, _ = api.request("GET", path, "analis")
        assert status == 200, path
    status, processes = api.request("GET", "/api/processes", "analis")
    assert "izin_keramaian" in {p["key"] for p in processes}
    # ... but not its cases
    status, _ = api.request("GET", f"/api/instances/{case_id}", "analis")
    assert status == 403
    status, cases = api.request("GET", "/api/instances?process_key=izin_keramaian", "analis")
    assert status == 200 and cases == []
    login("analis")
    assert client.get("/processes/izin_keramaian").status_code == 200
    assert client.get(f"/instances/{case_id}").status_code == 403
    # nor may start one
    status, _ = api.request("POST", "/api/instances", "analis", json={"process_key": "izin_keramaian"})
    assert status == 403
