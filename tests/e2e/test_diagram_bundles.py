"""Deploying several diagrams at once from the page, the process's default role on its page,
and a case that waits for a message saying so, in a real browser (desktop and phone width)."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from e2e_helpers import assert_accessible, login, ready_step

BUNDLE = Path(__file__).parent.parent / "corpus" / "bundle_pesan"


@pytest.mark.parametrize("width", ["page", "phone_page"])
def test_upload_two_diagrams_and_see_a_case_wait_for_a_message(request, width, api):
    page = request.getfixturevalue(width)
    login(page, "admin")
    page.goto("/processes/")
    page.get_by_label("Berkas BPMN").set_input_files([str(p) for p in sorted(BUNDLE.iterdir())])
    page.get_by_label("Peran bawaan").fill("Sekretariat")
    page.get_by_role("button", name="Unggah dan terbitkan").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for key in ("dinas_izin", "pemohon_izin"):
        page.goto(f"/processes/{key}")
        expect(page.locator("dl.facts")).to_contain_text("Sekretariat")
    assert_accessible(page)

    # a new version of both, their lane-less steps back with the Process Owners (the admin is one)
    status, body = api.request("POST", "/api/processes", "admin", data={"default_role": "Process Owner"},
                               files=[("file", (p.name, p.read_bytes())) for p in sorted(BUNDLE.iterdir())])
    assert status == 201 and {p["version"] for p in body["processes"]} == {2}, body
    status, body = api.request("POST", "/api/instances", "admin", json={"process_key": "pemohon_izin"})
    assert status == 201, body
    step = ready_step(api, body["id"])
    status, _ = api.request("POST", f"/api/tasks/{step['id']}/complete", "admin", json={"data": {}})
    assert status == 200
    page.goto(f"/instances/{body['id']}")
    notice = page.get_by_role("status").filter(has_text="menunggu pesan")
    expect(notice).to_contain_text("jawaban_izin")
    expect(notice).to_contain_text(str(body["id"]))
    assert_accessible(page)
