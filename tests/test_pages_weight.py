"""Every page stays light (DESIGN.md: well under 100 KB before deliverables) and prints cleanly."""
from __future__ import annotations

import re

import pytest

from helpers.sop_walk import SOP_KEY
from helpers.cases import advance

LIMIT = 100_000  # bytes: the HTML and every stylesheet and script it loads


@pytest.fixture
def case(svc):
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean puskesmas")
    advance(svc, instance, 5)  # a case with history, data, deliverables and a marked diagram
    return instance


def weight(client, url: str) -> tuple[int, dict[str, int]]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data(as_text=True)
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"|<script src="([^"]+)"', html)
    sizes = {href or src: len(client.get(href or src).data) for href, src in assets}
    return len(response.data) + sum(sizes.values()), sizes


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_page_is_under_100_kb_with_its_css_and_js(client, login, svc, case, lang):
    task = next(t for t in svc.instance_tasks(case.id) if t.state == "ready")
    login("admin")
    urls = ["/", "/inbox", "/inbox?tab=done", "/processes/", f"/processes/{SOP_KEY}", "/processes/deploy",
            "/instances/", f"/instances/{case.id}", "/admin/users", "/admin/users/new", "/admin/holidays",
            "/reports/kpi", f"/tasks/{task.id}"]
    for url in urls:
        total, sizes = weight(client, url + ("&" if "?" in url else "?") + "lang=" + lang)
        assert total < LIMIT, (url, total, sizes)
        assert "/static/alur.css" in sizes, url


def test_print_hides_the_menu_and_the_controls():
    from pathlib import Path

    css = (Path(__file__).parent.parent / "webapp" / "static" / "alur.css").read_text()
    block = css[css.index("@media print"):]
    hidden = re.search(r"([^{}]+)\{\s*display:\s*none !important;\s*\}", block).group(1)
    selectors = {s.strip() for s in hidden.split(",")}
    assert {".site-header", ".menu", "nav.tabs", ".filters", ".actions", ".task-actions", ".row-actions",
            "button", ".button", "form.upload", ".no-print"} <= selectors
