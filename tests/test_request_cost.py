"""The fixed cost of a request (issue 12, item 4) without giving up what it guards: a revoked token
fails on the very next request, and a database connection that died while it idled in the pool
is replaced before a request uses it (engine/db.py pings only idle connections)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from engine import db as engine_db
from engine.models import ApiToken


def test_a_revoked_token_fails_on_the_next_request(app, runner, any_db):
    token = runner.invoke(args=["token", "create", "analis", "--purpose", "skrip"]).output.strip()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/tasks", headers=headers).status_code == 200
    assert client.get("/api/tasks", headers=headers).status_code == 200
    from webapp.extensions import db

    with app.app_context():
        (token_id,) = db.session.scalars(db.select(ApiToken.id)).all()
    assert runner.invoke(args=["token", "revoke", str(token_id)]).exit_code == 0
    answer = client.get("/api/tasks", headers=headers)
    assert answer.status_code == 401 and answer.get_json()["error"]["code"]


@pytest.mark.parametrize("any_db", ["postgresql"], indirect=True)
def test_a_connection_killed_while_idle_is_replaced_before_use(database_url, any_db, monkeypatch):
    engine = engine_db.make_engine(database_url)
    pings = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(1) or real_ping(conn))
    try:
        with engine.connect() as conn:
            pid = conn.scalar(text("SELECT pg_backend_pid()"))
        with engine.connect() as conn:  # used a moment ago: no ping, the same connection
            assert conn.scalar(text("SELECT pg_backend_pid()")) == pid
        assert pings == []
        admin = engine_db.make_engine(database_url)
        with admin.connect() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        monkeypatch.setattr(engine_db, "PING_AFTER_IDLE", 0.0)  # as if it had idled long enough
        with engine.connect() as conn:  # pinged, found dead, replaced: the caller never sees it
            assert conn.scalar(text("SELECT pg_backend_pid()")) != pid
        assert len(pings) >= 1
    finally:
        engine.dispose()
