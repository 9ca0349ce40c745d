"""Diagrams as other modelers write them (tests/corpus/): each deploys and its first case reaches
a person's step, a wait or its end, or stops with an error an administrator sees, or the
deployment is refused with every problem's element and line. Never a 5xx, never a hang.

Shapes: Camunda 7 (camunda:candidateGroups, bare timers, JUEL, Java delegates), Camunda 8
(zeebe:assignmentDefinition, zeebe:calledElement, FEEL "=" conditions, job workers), SpiffArena
(lanes, spiffworkflow:properties, scripts, timedelta timers, service tasks), bpmn.io (plain
tasks, isExecutable="false", XPath), Signavio (collaboration with a black-box pool), a process
that calls itself, a loop without people, an embedded subprocess, a lone start event, and two
multi-file bundles (call activity + DMN table; a message exchange between two processes).
"""
from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from helpers.api_driver import RequestsAPI, basic

CORPUS = Path(__file__).parent / "corpus"
START_DATA = json.loads((CORPUS / "start_data.json").read_text())
#: what each item must do: "runs" (first case at a person's step, a wait or its end),
#: "stops" (the first case stops with an error for the administrator), "refused" (at deploy)
EXPECTED = {
    "bpmnio_not_executable.bpmn": "refused",
    "bpmnio_placeholder_service.bpmn": "runs",
    "bpmnio_plain_tasks.bpmn": "runs",
    "bpmnio_xpath_unnamed_lane.bpmn": "refused",
    "bundle_pengadaan": "runs",
    "bundle_pesan": "runs",
    "camunda7_juel_and_delegate.bpmn": "refused",
    "camunda7_lane_less.bpmn": "runs",
    "camunda8_job_worker.bpmn": "refused",
    "camunda8_zeebe.bpmn": "runs",
    "embedded_subprocess.bpmn": "runs",
    "lone_start.bpmn": "refused",
    "loop_without_people.bpmn": "stops",
    "self_calling.bpmn": "stops",
    "omg_complex_gateway.bpmn": "refused",
    "signavio_collaboration.bpmn": "runs",
    "spiff_events_multi_instance.bpmn": "runs",
    "spiffarena_lanes_script_timer.bpmn": "runs",
    "spiffarena_service_task.bpmn": "refused",
    "spiffarena_unsafe_script.bpmn": "refused",
}
#: seconds a deployment plus its first case may take, however broken the diagram
TIME_LIMIT = 20.0


def corpus_files(name: str) -> list[tuple[str, bytes]]:
    item = CORPUS / name
    paths = sorted(item.iterdir()) if item.is_dir() else [item]
    return [(p.name, p.read_bytes()) for p in paths]


def test_every_corpus_item_has_an_expectation():
    items = {p.name for p in CORPUS.iterdir() if p.suffix == ".bpmn" or p.is_dir()}
    assert items == set(EXPECTED)


def deploy_and_start(request, name: str) -> tuple[str, dict | list]:
    """Deploy one corpus item and start its first case through the JSON API; ``request`` is
    (method, path, **kw) → (status, body). Returns the outcome and the refusal or the case."""
    started = time.monotonic()
    status, body = request("POST", "/api/processes", files=corpus_files(name))
    assert status < 500, body
    if status == 422:
        details = body["error"]["details"]
        assert details and all(d.get("element") and d.get("line") for d in details), details
        return "refused", details
    assert status in (200, 201), body
    key = body["key"]
    assert {p["key"] for p in body["processes"]} >= {key}
    status, case = request("POST", "/api/instances", json={"process_key": key, "data": START_DATA.get(
        name.removesuffix(".bpmn"), {})})
    assert status == 201, case
    status, case = request("GET", f"/api/instances/{case['id']}")
    assert status == 200, case
    assert time.monotonic() - started < TIME_LIMIT
    if case["status"] == "error":
        return "stops", case
    assert case["status"] in ("running", "completed"), case
    return "runs", case


def _flask_request(client):
    def request(method: str, path: str, files=None, **kw):
        if files is not None:
            kw["data"] = {"file": [(io.BytesIO(data), filename) for filename, data in files]}
            kw["content_type"] = "multipart/form-data"
        resp = client.open(path, method=method, headers=basic("admin"), **kw)
        return resp.status_code, resp.get_json(silent=True)
    return request


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_item_through_the_api(client, login, name):
    outcome, body = deploy_and_start(_flask_request(client), name)
    assert outcome == EXPECTED[name], body
    if outcome == "stops":
        assert body["events"] and any(e["kind"] == "error" for e in body["events"]), body
    if outcome != "refused":
        login("admin")  # the pages of the process and the case draw it, whatever its shape
        assert client.get(f"/processes/{body['process_key']}").status_code == 200
        assert client.get(f"/instances/{body['id']}").status_code == 200


def test_corpus_over_real_http(live_server):
    """The same through a real gunicorn: every item, one after the other, on one server."""
    base, tokens = live_server.base, live_server.tokens
    api = RequestsAPI(base, tokens)

    def request(method: str, path: str, files=None, **kw):
        if files is not None:
            kw["files"] = [("file", (filename, data)) for filename, data in files]
        return api.request(method, path, "admin", **kw)

    outcomes = {name: deploy_and_start(request, name)[0] for name in sorted(EXPECTED)}
    assert outcomes == EXPECTED
