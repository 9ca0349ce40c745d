"""What the browser tests share: logging in, screenshots, and setting a case up over the API.

The browser does what a test is about; what merely has to have happened before (a case started,
earlier steps done) goes through the JSON API of the same live server, as its users.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from helpers.sop_walk import SOP_KEY, form_data, user_for

PASSWORD = "demo12345"
#: How long a user-visible step may take before the test fails (ms).
TIMEOUT_MS = 15_000
#: ``make screenshots`` points this at docs/screenshots; a plain test run keeps the tree clean.
SCREENSHOTS = Path(os.environ.get("ALUR_SCREENSHOTS_DIR")
                   or Path(tempfile.gettempdir()) / "alur-screenshots")
#: A small but real PDF, uploaded from memory.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def pdf(name: str) -> dict[str, Any]:
    """A file for ``set_input_files``."""
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def login(page, username: str, password: str = PASSWORD) -> None:
    """Log in through the form (Indonesian labels) and wait to leave the login page."""
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda url: "/login" not in url)


def logout(page) -> None:
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url("**/login")


def screenshot(page, name: str) -> Path:
    """A full-page PNG of what the user sees now, as docs/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- setting a case up over the API -------------------------------------------------------------

def start_case(api, title: str, user: str = "pemilik") -> int:
    status, body = api.request("POST", "/api/instances", user, json={"process_key": SOP_KEY, "title": title})
    assert status == 201, body
    return body["id"]


def case(api, instance_id: int) -> dict[str, Any]:
    status, body = api.request("GET", f"/api/instances/{instance_id}", "admin")
    assert status == 200, body
    return body


def ready_tasks(api, instance_id: int) -> list[dict[str, Any]]:
    return [t for t in case(api, instance_id)["tasks"] if t["state"] == "ready"]


def ready_step(api, instance_id: int) -> dict[str, Any]:
    """The one ready step of a case (the SOP is sequential)."""
    tasks = ready_tasks(api, instance_id)
    assert len(tasks) == 1, tasks
    return tasks[0]


def do_steps(api, instance_id: int, *steps: int) -> None:
    """Complete the ready step, and the next, … as their lane's demo user, each with a deliverable
    where one is required; step 3 asks for changes the first time (as the SOP walk does)."""
    rounds: dict[int, int] = {}
    for expected in steps:
        task = ready_step(api, instance_id)
        assert task["step"] == expected, (task["step"], expected)
        user = user_for(task)
        if task["output_required"]:
            status, body = api.request("POST", f"/api/tasks/{task['id']}/attachments", user,
                                       files={"file": (f"langkah-{expected}.pdf", PDF)})
            assert status == 201, body
        status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", user,
                                   json={"data": form_data(task["form"], expected, rounds)})
        assert status == 200, body
        rounds[expected] = rounds.get(expected, 0) + 1


# --- accessibility ------------------------------------------------------------------------------

#: axe-core, vendored from npm (tests/e2e/vendor/README.md says which version and how to update).
AXE_JS = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
#: The rules we hold every page to: WCAG 2.0/2.1/2.2 A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now. The script is evaluated through the
    DevTools protocol, so the page's Content-Security-Policy (scripts only from alur) stays on."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS)
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}))",
        AXE_TAGS)


def assert_accessible(page) -> None:
    """No axe-core violation on the page; the failure lists each rule and its first elements."""
    violations = axe_violations(page)
    assert violations == [], f"axe-core violations on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations)


def select(page, element_id: str) -> None:
    """Click the shape (or the first stretch of a flow) as a user does, once the canvas has
    scrolled it to its middle."""
    from playwright.sync_api import expect

    page.evaluate("""(id) => {
        const canvas = window.alurModeler.get('canvas');
        const el = window.alurModeler.get('elementRegistry').get(id);
        const [a, b] = el.waypoints || [];
        const p = a ? {x: (a.x + b.x) / 2, y: (a.y + b.y) / 2} : {x: el.x + el.width / 2, y: el.y + el.height / 2};
        const box = canvas.viewbox();
        canvas.viewbox({x: p.x - box.width / 2, y: p.y - box.height / 2, width: box.width, height: box.height});
    }""", element_id)
    box = page.locator("#modeler-canvas").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#panel-id" if not element_id.startswith("Flow") else "#flow-id")).to_have_text(element_id)


def open_modeler(page) -> list[str]:
    """Log in as admin and open the SOP in the modeler; returns the page's console errors (a list
    that keeps filling), which include any Content-Security-Policy violation."""
    from playwright.sync_api import expect

    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    login(page, "admin")
    page.goto(f"/processes/{SOP_KEY}")
    page.get_by_role("link", name="Sunting diagram").click()
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    # the 14 steps drawn by bpmn-js, in their lanes
    expect(page.locator('.djs-element[data-element-id^="Step"]')).to_have_count(14)
    expect(page.locator('[data-element-id="Step02"]')).to_contain_text("Pembuatan spesifikasi kebutuhan")
    return errors
