"""State survives a restart: a new app on the same database continues the case."""
from __future__ import annotations

import json

from helpers.api_driver import FlaskClientAPI
from helpers.sop_walk import EXPECTED_STEPS, SOP_KEY, walk
from engine.runtime import DEFINITIONS
from engine.state import SERIALIZER_VERSION


def test_restart_and_continue(make_app, any_db):
    first = make_app()
    runner = first.test_cli_runner()
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0
    tokens = {u: runner.invoke(args=["token", "create", u]).output.strip()
              for u in ["pemilik", "analis", "kabid", "kasi", "budi", "sari", "andi", "admin"]}
    api = FlaskClientAPI(first.test_client(), tokens)
    status, inst = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "title": "Awet"})
    assert status == 201
    progress: list[int] = []

    def ready():
        return [t for t in api.request("GET", f"/api/instances/{inst['id']}", "admin")[1]["tasks"]
                if t["state"] == "ready"]

    def attach(task, user):
        assert api.request("POST", f"/api/tasks/{task['id']}/attachments", user,
                           files={"file": ("d.pdf", b"%PDF")})[0] == 201

    class Restart(Exception):
        pass

    def complete(task, user, data):
        assert api.request("POST", f"/api/tasks/{task['id']}/complete", user, json={"data": data})[0] == 200
        progress.append(task["step"])
        if len(progress) == 7:  # mid-way: after step 5, done by the appointed system programmer
            raise Restart

    try:
        walk(ready, attach, complete)
    except Restart:
        pass

    from webapp.extensions import db
    from engine.models import Instance

    with first.app_context():
        row = db.session.get(Instance, inst["id"])
        state = json.loads(row.state)
        assert row.serializer_version == SERIALIZER_VERSION
        assert state["serializer_version"] == SERIALIZER_VERSION
        assert "spec" not in state, "the spec is stored once per definition, not per instance"
        db.engine.dispose()
    DEFINITIONS.clear()  # as in a fresh process

    second = make_app()
    api.client = second.test_client()
    done_before = list(progress)
    walk(ready, attach, complete)  # the walk's own rounds restart: the step-12 loop is still ahead
    assert progress == EXPECTED_STEPS and done_before == EXPECTED_STEPS[:7]
    body = api.request("GET", f"/api/instances/{inst['id']}", "admin")[1]
    assert body["status"] == "completed" and body["data"]["system_programmer"] == "budi"

