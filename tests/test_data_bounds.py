"""Data entering a case is bounded and checked before anything is written (issue 11, poison case).

Depth, size, count and types of start data, step data and JSON bodies; the start event's form;
and a case whose saved state was poisoned before these bounds existed still shows its pages."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from helpers.api_driver import FlaskClientAPI
from helpers.bpmn_builder import Flow, Node, build_bpmn
from engine.data_limits import DEFAULT_LIMITS, check_data, loads
from engine.models import Instance
from helpers.sop_walk import SOP_KEY, form_data


@pytest.fixture
def api(client, tokens):
    return FlaskClientAPI(client, tokens)


def nested(depth: int):
    value: object = "dasar"
    for _ in range(depth):
        value = [value]
    return value


def case_count(app) -> int:
    from webapp.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Instance))


def raw_post(client, tokens, path: str, body: str | bytes, user: str = "pemilik"):
    return client.post(path, data=body, content_type="application/json",
                       headers={"Authorization": f"Bearer {tokens[user]}"})


def test_poison_start_data_is_refused_before_anything_is_written(api, app, any_db):
    before = case_count(app)
    status, body = api.request("POST", "/api/instances", "pemilik",
                               json={"process_key": SOP_KEY, "data": {"a": nested(490)}})
    assert status == 422, body
    assert body["error"]["code"] == "data.out_of_bounds"
    problem = body["error"]["details"][0]
    assert problem["field"].startswith("a.0.0") and "nested too deeply" in problem["message"]
    assert case_count(app) == before
    # the ordinary case still starts and reads back
    status, body = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "data": {"a": [[1]]}})
    assert status == 201 and body["data"]["a"] == [[1]]


@pytest.mark.parametrize("data, field, words", [
    ({"s": "x" * (DEFAULT_LIMITS.max_string + 1)}, "s", "too long"),
    ({"l": list(range(DEFAULT_LIMITS.max_items + 1))}, "l", "too long"),
    ({f"k{i}": i for i in range(DEFAULT_LIMITS.max_keys + 1)}, None, "too many fields"),
    ({"n": 2**70}, "n", "too large"),
    ({"t": "a\x00b"}, "t", "NUL"),
    ({"k" * 300: 1}, None, "field name"),
])
def test_oversized_or_odd_values_are_refused_naming_the_field(api, app, data, field, words):
    before = case_count(app)
    status, body = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "data": data})
    assert status == 422, body
    assert any(p.get("field") == field and words in p["message"] for p in body["error"]["details"]), body
    assert case_count(app) == before


def test_nan_infinity_and_deep_json_bodies_are_malformed_not_500(client, tokens, app, any_db):
    before = case_count(app)
    for constant in ("NaN", "Infinity", "-Infinity"):
        resp = raw_post(client, tokens, "/api/instances", f'{{"process_key": "{SOP_KEY}", "data": {{"x": {constant}}}}}')
        assert resp.status_code == 400, resp.data
        assert resp.get_json()["error"]["code"] == "malformed"
    deep = '{"process_key": "%s", "data": {"a": %s}}' % (SOP_KEY, "[" * 5000 + "]" * 5000)
    resp = raw_post(client, tokens, "/api/instances", deep)
    assert resp.status_code == 400 and "nested too deeply" in resp.get_json()["error"]["message"]
    resp = raw_post(client, tokens, "/api/instances", b'{"process_key": "\xff"}')
    assert resp.status_code == 400
    assert case_count(app) == before


def test_json_body_size_is_bounded(make_app, tokens, app):
    client = app.test_client()
    app.config["ALUR_MAX_JSON_BYTES"] = 10_000
    resp = raw_post(client, tokens, "/api/instances",
                    json.dumps({"process_key": SOP_KEY, "data": {"s": "x" * 20_000}}))
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"


def test_step_data_is_bounded_too(api, any_db):
    status, inst = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY})
    task = next(t for t in inst["tasks"] if t["state"] == "ready")
    status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", "pemilik",
                               json={"data": {"catatan": nested(100)}})
    assert status == 422 and body["error"]["details"][0]["field"].startswith("catatan.0")
    status, body = api.request("GET", f"/api/tasks/{task['id']}", "pemilik")
    assert body["state"] == "ready"


def test_user_list_field_checks_every_name_in_one_query_and_is_bounded(svc, app):
    """Step 6's list of programmers: 20,000 names are refused by length, 1,000 unknown names by one
    query (not one SELECT each)."""
    from sqlalchemy import event

    from webapp.extensions import db

    schema = {"type": "object", "properties": {"programmers": {
        "type": "array", "items": {"type": "string", "x-widget": "user", "x-role": "Staf"}}}}
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        problems = svc.check_user_fields(schema, {"programmers": [f"orang{i}" for i in range(1000)] + ["sari"]})
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(problems) == 20 and problems[0].field == "programmers"
    assert len([s for s in statements if "FROM users" in s]) == 1
    assert check_data({"programmers": ["sari"] * 20_000})[0].message.startswith("the list is too long")


def test_loads_is_strict_and_never_recurses_out():
    assert loads('{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}
    for text in ('{"a": NaN}', "[" * 100_000 + "]" * 100_000, '{"a": Infinity}'):
        with pytest.raises(ValueError):
            loads(text)
    assert check_data({"a": float("nan")})[0].field == "a"
    assert check_data({"a": "\ud800"})[0].message.endswith("(a lone surrogate was found)")
    assert check_data({"a": {1, 2}})[0].message == "a value of type set is not JSON data"


START_FORM = "step03_review_spesifikasi.json"


def start_form_process() -> bytes:
    nodes = [Node("Mulai", "startEvent", "Permohonan", "Instansi Pemilik", {"sop.form": START_FORM}),
             Node("Task_A", "userTask", "Periksa", "Instansi Pemilik", {"sop.step": 1}),
             Node("Selesai", "endEvent", "Selesai", "Instansi Pemilik")]
    flows = [Flow("F1", "Mulai", "Task_A"), Flow("F2", "Task_A", "Selesai")]
    return build_bpmn("dengan_formulir_awal", nodes, flows, name="Dengan formulir awal")


def test_start_form_validates_start_data_like_any_step(api, svc, app, any_db):
    from engine.forms import load_form

    schema = load_form(svc.config.forms_dir, START_FORM)
    required = schema["required"]
    status, body = api.request("POST", "/api/processes", "admin",
                               files={"file": ("awal.bpmn", start_form_process())})
    assert status == 201, body
    before = case_count(app)
    status, body = api.request("POST", "/api/instances", "pemilik", json={"process_key": "dengan_formulir_awal"})
    assert status == 422, body
    assert {p["field"] for p in body["error"]["details"]} >= set(required)
    assert case_count(app) == before
    good = {"spec_approved": True, "catatan_review": "Lengkap."}
    good = {k: v for k, v in good.items() if k in schema["properties"]}
    status, body = api.request("POST", "/api/instances", "pemilik",
                               json={"process_key": "dengan_formulir_awal", "data": good})
    assert status == 201, body
    assert body["data"]["spec_approved"] is True


def test_start_form_is_drawn_and_checked_on_the_process_page(client, login, app):
    runner = app.test_cli_runner()
    path = app.instance_path + "/awal.bpmn"
    with open(path, "wb") as fh:
        fh.write(start_form_process())
    assert runner.invoke(args=["deploy", path]).exit_code == 0
    login("pemilik")
    page = client.get("/processes/dengan_formulir_awal").get_data(as_text=True)
    assert 'name="spec_approved"' in page
    before = case_count(app)
    # not approved, and no note of what to change: the form's own rule refuses it
    resp = client.post("/processes/dengan_formulir_awal/start", data={"title": "Kasus"})
    assert resp.status_code == 422
    assert 'aria-invalid="true"' in resp.get_data(as_text=True)
    assert case_count(app) == before
    resp = client.post("/processes/dengan_formulir_awal/start", data={"title": "Kasus", "spec_approved": "true"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    assert case_count(app) == before + 1


def test_a_case_poisoned_before_the_bounds_still_shows_its_pages(api, client, login, app, any_db):
    """A state written before data was bounded (nested 600 deep) cannot be restored: its page and
    API answer say so, its step answers 409; none answers 500."""
    from webapp.extensions import db

    status, inst = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY})
    task = next(t for t in inst["tasks"] if t["state"] == "ready")
    with app.app_context():
        row = db.session.get(Instance, inst["id"])
        state = json.loads(row.state)
        state["data"]["racun"] = nested(600)
        row.state = json.dumps(state)
        db.session.commit()
    status, body = api.request("GET", f"/api/instances/{inst['id']}", "pemilik")
    assert status == 200, body
    assert body["status"] == "error" and "cannot be read" in body["error"]
    status, _ = api.request("POST", f"/api/tasks/{task['id']}/attachments", "pemilik",
                            files={"file": ("kebutuhan.pdf", b"%PDF-1.4 dokumen")})
    status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", "pemilik",
                               json={"data": form_data(task["form"], 1, {})})
    assert status == 409 and body["error"]["code"] == "instance.state_unreadable"
    login("admin")
    page = client.get(f"/instances/{inst['id']}")
    assert page.status_code == 200
    assert client.get(f"/tasks/{task['id']}").status_code == 200


def test_a_poisoned_case_with_a_due_timer_does_not_stop_the_tick(api, app, runner, any_db):
    from datetime import timedelta

    from engine.models import utcnow
    from webapp.extensions import db

    status, inst = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY})
    with app.app_context():
        row = db.session.get(Instance, inst["id"])
        state = json.loads(row.state)
        state["data"]["racun"] = nested(600)
        row.state = json.dumps(state)
        row.next_timer_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        row = db.session.get(Instance, inst["id"])
        assert row.status == "error" and "cannot be read" in row.error_message
