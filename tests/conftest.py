"""Fixtures: an app per test on SQLite (and on PostgreSQL where one listens), users, clients."""
from __future__ import annotations

import os
import uuid

import pytest

from engine.db import server_listening
from engine.runtime import DEFINITIONS, SOURCES

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
    SOURCES.clear()


@pytest.fixture
def live_server(request, database_url, tmp_path):
    """The test app's database (schema, SOP, demo users and their tokens) served by a real gunicorn
    (``alur serve``, 2 workers; ``@pytest.mark.server(workers=1)`` for another count), with the
    environment as the test left it: a :class:`helpers.live_server.LiveServer`. The one server
    fixture: the real-HTTP tests, the fault tests and the browser tests all use it."""
    from helpers import live_server as serving

    marker = request.node.get_closest_marker("server")
    workers = int(marker.kwargs.get("workers", 2)) if marker else 2
    server = serving.start(database_url, tmp_path, str(tmp_path / "files"), workers=workers)
    try:
        # While gunicorn boots (seconds: it imports the app), build the database it will serve.
        app = request.getfixturevalue("app")
        server.tokens = request.getfixturevalue("tokens")
        assert app.config["ALUR_FILES_DIR"] == server.env["ALUR_FILES_DIR"]
        serving.wait_until_serving(server)
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()
    if getattr(request.node, "failed_call", False):
        print(f"\n--- server log ({server.log_path}) ---\n" + server.log_tail())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember a failed call, so fixtures can leave a screenshot and the server's log."""
    report = yield
    if report.when == "call" and report.failed:
        item.failed_call = True
    return report
