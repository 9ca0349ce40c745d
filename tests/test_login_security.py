"""Login sessions end on the server, failed logins lock, names cannot be told apart by timing,
cookies are SameSite/Secure, API tokens expire and are revoked (issue 11)."""
from __future__ import annotations

import base64
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from engine.models import ApiToken, AuditEvent, LoginSession, LoginThrottle, utcnow


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def cookie_of(client, name: str):
    return client.get_cookie(name)


def test_logout_ends_the_session_on_the_server(app, client, login, any_db):
    login("pemilik")
    stolen = cookie_of(client, "session").value
    assert client.get("/inbox").status_code == 200
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert thief.get("/api/tasks").status_code == 401


def test_remember_me_is_bounded_samesite_and_ends_at_logout(app, client, any_db):
    response = client.post("/login", data={"username": "analis", "password": "demo12345", "remember": "y"})
    assert response.status_code == 302
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "SameSite=Lax" in header and "HttpOnly" in header
    expires = re.search(r"Expires=([^;]+)", header)[1]
    from email.utils import parsedate_to_datetime

    assert parsedate_to_datetime(expires) - utcnow() <= timedelta(days=14, minutes=1)
    remember = cookie_of(client, "remember_token").value
    # the remember cookie alone (a new browser session) logs in ...
    other = app.test_client()
    other.set_cookie("remember_token", remember)
    assert other.get("/inbox").status_code == 200
    # ... until its session is ended: logout ends it everywhere
    client.post("/logout")
    again = app.test_client()
    again.set_cookie("remember_token", remember)
    assert again.get("/inbox").status_code == 302
    from webapp.extensions import db

    with app.app_context():
        row = db.session.scalars(select(LoginSession).where(LoginSession.remember.is_(True))).one()
        assert row.ended_at is not None and row.expires_at - row.created_at == timedelta(days=14)


def test_an_expired_session_no_longer_opens_pages(app, client, login):
    login("kasi")
    from webapp.extensions import db

    with app.app_context():
        db.session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/inbox").status_code == 302


def test_people_end_their_other_sessions_and_see_them_on_akun_saya(app, client, login):
    login("analis")
    laptop = app.test_client()
    laptop.post("/login", data={"username": "analis", "password": "demo12345"},
                headers={"User-Agent": "Laptop kantor"})
    page = client.get("/account").get_data(as_text=True)
    assert "Laptop kantor" in page and "Sesi ini" in page
    assert client.post("/account/sessions/end-others").status_code == 302
    assert laptop.get("/inbox").status_code == 302
    assert client.get("/inbox").status_code == 200


def test_secure_cookies_behind_a_trusted_https_proxy(make_app, app):
    proxied = make_app(ALUR_PROXY_COUNT=1)
    client = proxied.test_client()
    response = client.post("/login", data={"username": "kabid", "password": "demo12345", "remember": "y"},
                           headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies), cookies
    from webapp.extensions import db

    with proxied.app_context():
        assert db.session.scalars(select(LoginSession.address)).all() == ["203.0.113.9"]
    # without a configured proxy the header is not believed
    plain = app.test_client().post("/login", data={"username": "kabid", "password": "demo12345"},
                                   headers={"X-Forwarded-Proto": "https"})
    assert not any("Secure" in c for c in plain.headers.getlist("Set-Cookie"))


def test_failed_logins_lock_the_account_which_says_until_when(app, client, any_db):
    limit = 10
    for _ in range(limit):
        response = client.post("/login", data={"username": "kasi", "password": "salah-sekali"})
        assert response.status_code == 401
    response = client.post("/login", data={"username": "kasi", "password": "demo12345"})
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Akun ini dikunci" in page and "Coba lagi setelah" in page
    # Basic auth is locked too, with Retry-After
    api = app.test_client().get("/api/tasks", headers=basic("kasi", "demo12345"))
    assert api.status_code == 429 and api.get_json()["error"]["code"] == "login.locked"
    assert 0 < int(api.headers["Retry-After"]) <= 15 * 60
    # another account is not locked (only ten failures came from this address)
    assert app.test_client().post("/login", data={"username": "kabid", "password": "demo12345"}).status_code == 302
    # an admin sees the lock on the user's page and lifts it
    admin = app.test_client()
    admin.post("/login", data={"username": "admin", "password": "demo12345"})
    page = admin.get("/admin/users/kasi").get_data(as_text=True)
    assert "Akun ini dikunci sampai" in page
    assert admin.post("/admin/users/kasi/unlock").status_code == 302
    assert "Akun ini tidak dikunci." in admin.get("/admin/users/kasi").get_data(as_text=True)
    assert client.post("/login", data={"username": "kasi", "password": "demo12345"}).status_code == 302
    from webapp.extensions import db

    with app.app_context():
        kinds = db.session.scalars(select(AuditEvent.kind).where(AuditEvent.kind.in_(["login_locked", "unlock"]))).all()
        assert sorted(kinds) == ["login_locked", "unlock"]


def test_basic_auth_failures_lock_as_well_and_the_lock_is_shared_by_workers(make_app, app, any_db):
    """A second app on the same database (another worker or host) sees the same lock."""
    client = app.test_client()
    for _ in range(10):
        assert client.get("/api/tasks", headers=basic("budi", "salah-sekali")).status_code == 401
    other_worker = make_app()
    response = other_worker.test_client().get("/api/tasks", headers=basic("budi", "demo12345"))
    assert response.status_code == 429


def test_an_address_trying_many_accounts_is_locked(make_app, app):
    small = make_app()
    small.extensions["alur_engine_config"] = type(small.extensions["alur_engine_config"])(
        **{**small.extensions["alur_engine_config"].__dict__, "login_max_failures_per_address": 5})
    client = small.test_client()
    for i in range(5):
        assert client.post("/login", data={"username": f"tamu{i}", "password": "x"}).status_code == 401
    response = client.post("/login", data={"username": "sari", "password": "demo12345"})
    assert response.status_code == 429
    assert "dari alamat ini" in response.get_data(as_text=True)


def test_unknown_user_names_cost_a_password_check_too(make_app):
    """No user-name enumeration by timing: an unknown name is checked against a real hash."""
    app = make_app(ALUR_PASSWORD_HASH="pbkdf2:sha256:400000")
    app.test_cli_runner().invoke(args=["init"])
    app.test_cli_runner().invoke(args=["user", "add", "ada", "--password", "rahasia-sekali"])
    client = app.test_client()

    # Interleaved, best of four each (eight failures stay under the address's lockout), so a busy
    # machine slows both sides alike.
    best = {"ada": 1e9, "tidak-ada": 1e9}
    for _ in range(4):
        for name in best:
            start = time.perf_counter()
            assert client.get("/api/processes", headers=basic(name, "bukan-ini")).status_code == 401
            best[name] = min(best[name], time.perf_counter() - start)
    known, unknown = best["ada"], best["tidak-ada"]
    assert unknown > known * 0.5, (known, unknown)


def test_tokens_have_a_purpose_an_expiry_a_last_use_and_are_revoked(app, runner, any_db):
    token = runner.invoke(args=["token", "create", "analis", "--purpose", "sinkron SIMPEG", "--days", "30"]).output.strip()
    client = app.test_client()
    assert client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = runner.invoke(args=["token", "list", "analis"])
    assert listing.exit_code == 0
    header, row = listing.output.strip().splitlines()[:2]
    assert header.split("\t") == ["id", "name", "created", "last used", "expires"]
    token_id, name, _created, last_used, expires = row.split("\t")
    assert name == "sinkron SIMPEG" and last_used != "never" and expires != "never"
    # expiry
    from webapp.extensions import db

    with app.app_context():
        db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/api/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # revoke
    result = runner.invoke(args=["token", "revoke", token_id])
    assert result.exit_code == 0 and f"token {token_id}" in result.output
    assert runner.invoke(args=["token", "list", "analis"]).output.strip().count("\n") == 0
    assert runner.invoke(args=["token", "revoke", token_id]).exit_code == 1


def test_owners_see_and_revoke_their_tokens_on_akun_saya(app, runner, client, login):
    token = runner.invoke(args=["token", "create", "kabid", "--purpose", "laporan bulanan"]).output.strip()
    runner.invoke(args=["token", "create", "analis", "--purpose", "milik orang lain"])
    login("kabid")
    page = client.get("/account").get_data(as_text=True)
    assert "laporan bulanan" in page and "milik orang lain" not in page and "belum pernah" in page
    from webapp.extensions import db

    with app.app_context():
        mine = db.session.scalars(select(ApiToken).where(ApiToken.name == "laporan bulanan")).one().id
        other = db.session.scalars(select(ApiToken).where(ApiToken.name == "milik orang lain")).one().id
    assert client.post(f"/account/tokens/{other}/revoke").status_code == 403
    assert client.post(f"/account/tokens/{mine}/revoke").status_code == 302
    assert app.test_client().get("/api/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("path", ["/api/instances?status=run%00ning", "/instances?q=a%00b", "/api/tasks/ab%00cd",
                                  "/processes/a%00b", "/inbox?q=%ED%A0%80"])
def test_nul_bytes_are_refused_at_the_edge(app, client, login, tokens, path, any_db):
    login("admin")
    response = client.get(path, headers={"Authorization": f"Bearer {tokens['admin']}"})
    if "%00" in path:
        assert response.status_code == 400, response.data
    else:  # invalid UTF-8 in a URL arrives as U+FFFD: harmless text
        assert response.status_code == 200


def test_nul_and_surrogates_in_bodies_and_names_are_refused(app, client, login, tokens, any_db):
    from helpers.sop_walk import SOP_KEY

    auth = {"Authorization": f"Bearer {tokens['pemilik']}"}
    for body in ('{"process_key": "%s", "title": "a\\u0000b"}' % SOP_KEY,
                 '{"process_key": "%s", "title": "a\\ud800b"}' % SOP_KEY,
                 '{"process_key": "x\\u0000"}'):
        response = client.post("/api/instances", data=body, content_type="application/json", headers=auth)
        assert response.status_code == 422, response.data
    response = client.get("/api/tasks", headers=basic("adm\x00in", "demo12345"))
    assert response.status_code in (400, 401)
    login("pemilik")
    response = client.post(f"/processes/{SOP_KEY}/start", data={"title": "a\x00b"})
    assert response.status_code == 400
    assert client.get("/inbox").status_code == 200  # the session carries on


def test_the_error_page_survives_a_failed_transaction(app, client, login):
    """A request whose database transaction failed still gets its error page (not a second error
    in select_locale)."""
    from webapp.extensions import db

    @app.get("/_fail_in_transaction")
    def fail():
        from sqlalchemy import text

        db.session.execute(text("SELECT * FROM no_such_table"))

    app.config["PROPAGATE_EXCEPTIONS"] = False
    login("analis")
    response = client.get("/_fail_in_transaction")
    assert response.status_code == 500
    assert "<html" in response.get_data(as_text=True)


def test_users_and_tokens_made_on_the_command_line_are_audited(app, runner, svc):
    """``alur user add`` and ``alur token create`` go through the service, audited (actor: none, the
    server's command line); the token itself is never in the log."""
    assert runner.invoke(args=["user", "add", "dina", "--password", "rahasia123", "--role", "Staf"]).exit_code == 0
    token = runner.invoke(args=["token", "create", "dina", "--purpose", "sinkron", "--days", "30"]).output.strip()
    events = svc.session.scalars(select(AuditEvent).where(AuditEvent.kind.in_(["user_create", "token_create"]),
                                                          AuditEvent.details["username"].as_string() == "dina")
                                 .order_by(AuditEvent.id)).all()
    assert [(e.kind, e.actor) for e in events] == [("user_create", None), ("token_create", None)]
    assert events[0].details["roles"] == ["Staf"]
    assert events[1].details["name"] == "sinkron" and events[1].details["days"] == 30
    assert token and token not in str(events[1].details)
    # through the service, a user may make a token only for themselves (an admin for anyone)
    from engine.errors import NotAllowed

    with pytest.raises(NotAllowed):
        svc.create_token(svc.users.get("analis"), "dina", "bukan milikku")
    assert svc.create_token(svc.users.get("admin"), "dina", "oleh admin")
