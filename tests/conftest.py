"""Fixtures: an app per test on SQLite (and on PostgreSQL where one listens), users, clients."""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from engine.db import server_listening  # noqa: E402
from engine.runtime import DEFINITIONS  # noqa: E402

POSTGRES_URL = os.environ.get("ALUR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("ALUR_REQUIRE_POSTGRES") == "1"


def _postgres_listening() -> bool:
    return server_listening(POSTGRES_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request):
    return request.param


@pytest.fixture
def database_url(request, tmp_path):
    """SQLite in the test's folder by default; a fresh PostgreSQL schema for ``any_db`` tests."""
    kind = request.getfixturevalue("any_db") if "any_db" in request.fixturenames else "sqlite"
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'alur.db'}"
        return
    if not _postgres_listening():
        message = f"no PostgreSQL listening at {POSTGRES_URL} (set ALUR_TEST_POSTGRES_URL)"
        if REQUIRE_POSTGRES:
            pytest.fail(message)
        pytest.skip(message)
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def app_config(database_url, tmp_path):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "ALUR_FILES_DIR": str(tmp_path / "files"),
        "WTF_CSRF_ENABLED": False,
        "ALUR_PASSWORD_HASH": "pbkdf2:sha256:1000",  # fast in tests; production keeps scrypt
    }


@pytest.fixture
def make_app(app_config, tmp_path, monkeypatch):
    """Build an app (call again for a 'restart' on the same database)."""
    monkeypatch.setenv("ALUR_INSTANCE_PATH", str(tmp_path / "instance"))
    from webapp import create_app

    apps = []

    def build(**overrides):
        app = create_app({**app_config, **overrides})
        apps.append(app)
        return app

    yield build
    from webapp.extensions import db

    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    """An app with the schema, the SOP deployed and the demo users (password demo12345)."""
    app = make_app()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init", "--demo"])
    assert result.exit_code == 0, result.output
    return app


DEMO_USERNAMES = ["pemilik", "analis", "kabid", "kasi", "budi", "sari", "andi", "admin"]


@pytest.fixture
def tokens(app):
    """A Bearer token per demo user (Basic auth costs a password hash per request)."""
    runner = app.test_cli_runner()
    return {u: runner.invoke(args=["token", "create", u]).output.strip() for u in DEMO_USERNAMES}


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def svc(app):
    """The engine service inside an app context (as the web app uses it)."""
    from webapp.services import service

    with app.test_request_context():
        yield service()


@pytest.fixture
def login(client):
    def do(username: str, password: str = "demo12345"):
        return client.post("/login", data={"username": username, "password": password})

    return do


@pytest.fixture(autouse=True)
def _fresh_definition_cache():
    yield
    DEFINITIONS.clear()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(app, tokens, database_url, tmp_path):
    """The test app's database (schema, SOP, demo users, tokens) served by a real gunicorn
    (``alur serve``): yields (base URL, tokens, environment)."""
    import subprocess
    import time

    import requests

    alur = str(Path(sys.executable).with_name("alur"))
    env = {**os.environ, "DATABASE_URL": database_url, "ALUR_INSTANCE_PATH": str(tmp_path / "instance"),
           "ALUR_FILES_DIR": app.config["ALUR_FILES_DIR"], "SECRET_KEY": "server-test",
           "ALUR_PASSWORD_HASH": "pbkdf2:sha256:1000"}
    port = free_port()
    proc = subprocess.Popen([alur, "serve", "--port", str(port), "--workers", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90  # a machine shared by many test runs can take a while
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            requests.get(base + "/api/openapi.json", timeout=2)
            break
        except requests.RequestException:  # not listening yet, or too busy to answer in time
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the server did not start: " + proc.stderr.read().decode()[-2000:])
    yield base, tokens, env
    proc.terminate()
    try:
        proc.wait(timeout=30)  # gunicorn lets its workers finish their requests first
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
