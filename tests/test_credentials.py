"""A process remembers who a token belongs to (engine/credentials.py), and every change of who may
call as whom still counts from the very next request in every process: a revoked token, a
deactivated user, a removed role, a delegation named or ended, a token or a delegation whose time
came. Two app instances on one database stand for two gunicorn workers: each has its own engine,
so its own memory, warmed before every change; the last test revokes a token under a real
gunicorn with two worker processes."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text, update

from engine import credentials
from engine.models import ApiToken
from helpers.api_driver import FlaskClientAPI
from helpers.sop_walk import SOP_KEY


@pytest.fixture
def two(app, make_app, tokens):
    """The same database served by two app instances (two workers' worth of memory)."""
    return [FlaskClientAPI(app.test_client(), tokens), FlaskClientAPI(make_app().test_client(), tokens)]


def inbox(api: FlaskClientAPI, user: str) -> tuple[int, list[str]]:
    status, body = api.request("GET", "/api/tasks", user)
    return status, [t["id"] for t in body] if status == 200 else []


def warm(apis, *users: str) -> None:
    for api in apis:
        for user in users:
            for _ in range(2):
                assert api.request("GET", "/api/tasks", user)[0] == 200


def statements_of(app, call) -> list[str]:
    from webapp.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def admin_edits(app, username: str, **change) -> None:
    from webapp.extensions import db
    from webapp.services import service

    with app.test_request_context():
        svc = service()
        svc.update_user(svc.users.get("admin"), svc.users.get(username), **change)
        db.session.commit()


def test_a_remembered_caller_costs_one_look_up_by_primary_key(app, two, any_db):
    warm(two, "analis")
    seen = statements_of(app, lambda: inbox(two[0], "analis"))
    assert len(seen) == 2 and seen[0].startswith("SELECT credentials_generation.value"), seen
    assert not [s for s in seen if "api_tokens" in s]


def test_a_revoked_token_fails_on_the_next_request_in_every_process(app, runner, two, any_db):
    warm(two, "analis")
    from webapp.extensions import db

    with app.app_context():
        (token_id,) = db.session.scalars(db.select(ApiToken.id).join(ApiToken.user).where(
            ApiToken.user.has(username="analis"))).all()
    assert runner.invoke(args=["token", "revoke", str(token_id)]).exit_code == 0
    assert [inbox(api, "analis")[0] for api in two] == [401, 401]
    assert [inbox(api, "kasi")[0] for api in two] == [200, 200]  # everyone else's tokens still work


def test_a_deactivated_user_and_a_removed_role_count_on_the_next_request(app, two, any_db):
    status, case = two[0].request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "title": "Cek"})
    assert status == 201
    (step,) = [t["id"] for t in case["tasks"] if t["state"] == "ready"]
    assert [inbox(api, "pemilik") for api in two] == [(200, [step])] * 2
    warm(two, "pemilik")
    admin_edits(app, "pemilik", roles=[])
    assert [inbox(api, "pemilik") for api in two] == [(200, [])] * 2
    admin_edits(app, "pemilik", roles=["Instansi Pemilik"])
    assert [inbox(api, "pemilik") for api in two] == [(200, [step])] * 2
    admin_edits(app, "pemilik", active=False)
    assert [inbox(api, "pemilik")[0] for api in two] == [401, 401]
    admin_edits(app, "pemilik", active=True)
    assert [inbox(api, "pemilik") for api in two] == [(200, [step])] * 2


def test_delegations_named_ended_or_begun_count_on_the_next_request(app, two, any_db):
    status, case = two[0].request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "title": "Cek"})
    (step,) = [t["id"] for t in case["tasks"] if t["state"] == "ready"]
    warm(two, "kasi")
    assert [inbox(api, "kasi") for api in two] == [(200, [])] * 2
    now = datetime.now(timezone.utc)
    # the applicant (Instansi Pemilik) names the Kasi their acting official: the Kasi sees the applicant's step
    status, named = two[0].request("POST", "/api/delegations", "pemilik", json={
        "delegate": "kasi", "starts_at": now.isoformat(), "ends_at": (now + timedelta(days=1)).isoformat()})
    assert status == 201, named
    assert [inbox(api, "kasi") for api in two] == [(200, [step])] * 2
    assert two[1].request("POST", f"/api/delegations/{named['id']}/end", "pemilik")[0] == 200
    assert [inbox(api, "kasi") for api in two] == [(200, [])] * 2
    # one that begins a moment from now: nothing is written when it begins; the memory knew when
    begins = datetime.now(timezone.utc) + timedelta(seconds=1.5)
    status, later = two[0].request("POST", "/api/delegations", "pemilik", json={
        "delegate": "kasi", "starts_at": begins.isoformat(), "ends_at": (begins + timedelta(days=1)).isoformat()})
    assert status == 201, later
    warm(two, "kasi")
    assert [inbox(api, "kasi") for api in two] == [(200, [])] * 2
    time.sleep(max((begins - datetime.now(timezone.utc)).total_seconds(), 0) + 0.1)
    assert [inbox(api, "kasi") for api in two] == [(200, [step])] * 2


def test_a_token_whose_time_came_fails_though_remembered(app, two, any_db):
    from webapp.extensions import db

    # long enough for the warming requests on a loaded machine (a 1 s window expired during them)
    expires = datetime.now(timezone.utc) + timedelta(seconds=5)
    with app.app_context():
        db.session.execute(update(ApiToken).where(ApiToken.user.has(username="analis")).values(expires_at=expires))
        db.session.commit()
    warm(two, "analis")
    time.sleep(max(0.0, (expires - datetime.now(timezone.utc)).total_seconds()) + 0.1)
    assert [inbox(api, "analis")[0] for api in two] == [401, 401]


def test_no_memory_where_a_trigger_is_missing(app, make_app, tokens, any_db):
    """A later migration that rebuilds a table on SQLite drops its triggers: then nothing is
    remembered, and the caller is read on every request as before."""
    from webapp.extensions import db

    with app.app_context():
        db.session.execute(text("DROP TRIGGER credentials_users_update" if any_db == "sqlite"
                                else "DROP TRIGGER credentials_users ON users"))
        db.session.commit()
    fresh = make_app()  # a new process: it checks the triggers when it first needs its memory
    api = FlaskClientAPI(fresh.test_client(), tokens)
    warm([api], "analis")
    seen = statements_of(fresh, lambda: inbox(api, "analis"))
    assert [s for s in seen if "api_tokens" in s], "the caller is read again"
    with fresh.app_context():
        assert not credentials.callers_of(db.session).enabled


def test_a_revoked_token_fails_at_once_in_every_worker_of_a_real_server(live_server, runner, any_db):
    """``alur serve`` with two worker processes, each remembering the caller after the first
    requests (new connections: the workers take turns at them); after the revocation no request
    gets through, whichever worker answers."""
    import requests

    from webapp.extensions import db

    url = live_server.base + "/api/tasks"
    headers = {"Authorization": f"Bearer {live_server.tokens['analis']}"}
    assert {requests.get(url, headers=headers, timeout=30).status_code for _ in range(30)} == {200}
    app = runner.app
    with app.app_context():
        (token_id,) = db.session.scalars(db.select(ApiToken.id).where(
            ApiToken.user.has(username="analis"))).all()
    assert runner.invoke(args=["token", "revoke", str(token_id)]).exit_code == 0
    assert {requests.get(url, headers=headers, timeout=30).status_code for _ in range(30)} == {401}
    other = {"Authorization": f"Bearer {live_server.tokens['kasi']}"}
    assert requests.get(url, headers=other, timeout=30).status_code == 200
