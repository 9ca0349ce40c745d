"""Real-browser fixtures: the test app served by gunicorn, Debian's Chromium driven by Playwright.

Every test here is marked ``e2e``. Without /usr/bin/chromium (or the playwright package) the whole
directory is skipped, unless ``ALUR_REQUIRE_BROWSER=1`` (CI), where that is a failure instead.
Screenshots go to a temporary folder; ``make screenshots`` sends them to ``docs/screenshots/``
(``ALUR_SCREENSHOTS_DIR``).
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from e2e_helpers import TIMEOUT_MS

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("ALUR_CHROMIUM") or "/usr/bin/chromium"  # Debian's; never a downloaded one
REQUIRE_BROWSER = os.environ.get("ALUR_REQUIRE_BROWSER") == "1"
ALUR = str(Path(sys.executable).with_name("alur"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing_browser()
    for item in items:
        if HERE not in Path(item.path).parents:
            continue
        item.add_marker(pytest.mark.e2e)
        if reason and not REQUIRE_BROWSER:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember a failed call, so the fixtures can leave a screenshot and the server's log."""
    report = yield
    if report.when == "call" and report.failed:
        item.e2e_failed = True
    return report


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(request, database_url, tmp_path):
    """Base URL of a real gunicorn (``alur serve``) on the test app's database: schema, the SOP,
    the demo users (password demo12345) and their API tokens (the ``app`` and ``tokens`` fixtures)."""
    env = {**os.environ, "DATABASE_URL": database_url, "ALUR_INSTANCE_PATH": str(tmp_path / "instance"),
           "ALUR_FILES_DIR": str(tmp_path / "files"), "SECRET_KEY": "e2e-test",
           "ALUR_PASSWORD_HASH": "pbkdf2:sha256:1000",
           "XDG_RUNTIME_DIR": str(tmp_path)}  # gunicorn's control socket: this server's own
    port = _free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        # its own process group, so that teardown ends the master and its workers together
        proc = subprocess.Popen([ALUR, "serve", "--port", str(port), "--workers", "1"], env=env,
                                stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)

    def stop():
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # nothing to keep: a clean shutdown takes seconds
        except ProcessLookupError:
            pass
        proc.wait()
        if getattr(request.node, "e2e_failed", False):
            print(f"\n--- server log ({log_path}) ---\n" + log_path.read_text(errors="replace")[-3000:])

    request.addfinalizer(stop)
    # While gunicorn boots (seconds: it imports the app), build the database it will serve.
    app = request.getfixturevalue("app")
    request.getfixturevalue("tokens")
    assert app.config["ALUR_FILES_DIR"] == env["ALUR_FILES_DIR"]
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(base + "/login", timeout=2)
            return base
        except requests.RequestException:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the server did not start:\n" + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.05)


@pytest.fixture
def api(live_server, tokens):
    """The JSON API of the live server, as any demo user: ``api.request(method, path, user, ...)``."""
    from api_driver import RequestsAPI

    return RequestsAPI(live_server, tokens)


@pytest.fixture(scope="session")
def browser():
    reason = _missing_browser()
    if reason:
        if REQUIRE_BROWSER:
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _context(browser, live_server, viewport):
    context = browser.new_context(base_url=live_server, locale="id-ID", timezone_id="Asia/Jakarta",
                                  viewport=viewport, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


def _page(request, browser, live_server, viewport, name):
    context = _context(browser, live_server, viewport)
    page = context.new_page()
    yield page
    if getattr(request.node, "e2e_failed", False):
        path = request.getfixturevalue("tmp_path") / f"failure-{name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
            print(f"\n{name} at failure: {page.url}, screenshot {path}")
        except Exception as exc:  # a crashed page: the report says why already
            print(f"\nno screenshot of {name}: {exc}")
    context.close()


@pytest.fixture
def page(request, browser, live_server):
    """A fresh browser context (no cookies) at 1280×900, Indonesian locale."""
    yield from _page(request, browser, live_server, DESKTOP, "page")


@pytest.fixture
def phone_page(request, browser, live_server):
    """A fresh context at a phone's width (390×844)."""
    yield from _page(request, browser, live_server, PHONE, "phone_page")
