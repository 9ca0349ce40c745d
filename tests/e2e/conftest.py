"""Real-browser fixtures: Debian's Chromium driven by Playwright, against the test app served by
gunicorn (the ``live_server`` fixture of tests/conftest.py, one worker here).

Every test here is marked ``e2e``. Without /usr/bin/chromium (or the playwright package) the whole
directory is skipped, unless ``ALUR_REQUIRE_BROWSER=1`` (CI), where that is a failure instead.
Screenshots go to a temporary folder; ``make screenshots`` sends them to ``docs/screenshots/``
(``ALUR_SCREENSHOTS_DIR``).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from e2e_helpers import TIMEOUT_MS

HERE = Path(__file__).parent
CHROMIUM = os.environ.get("ALUR_CHROMIUM") or "/usr/bin/chromium"  # Debian's; never a downloaded one
REQUIRE_BROWSER = os.environ.get("ALUR_REQUIRE_BROWSER") == "1"
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
        item.add_marker(pytest.mark.server(workers=1))  # one browser, one worker: enough, and lighter
        if reason and not REQUIRE_BROWSER:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def api(live_server, tokens):
    """The JSON API of the live server, as any demo user: ``api.request(method, path, user, ...)``."""
    from helpers.api_driver import RequestsAPI

    return RequestsAPI(live_server.base, tokens)


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
    context = browser.new_context(base_url=live_server.base, locale="id-ID", timezone_id="Asia/Jakarta",
                                  viewport=viewport, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


def _page(request, browser, live_server, viewport, name):
    context = _context(browser, live_server, viewport)
    page = context.new_page()
    yield page
    if getattr(request.node, "failed_call", False):
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
