"""Sunting diagram: the modeler page and publishing its XML as a new version (the browser side is
tests/e2e/test_modeler.py)."""
from __future__ import annotations

import re

from sop_walk import SOP_KEY
from test_pages_processes import line_of, sop_bytes

EDIT = f"/processes/{SOP_KEY}/edit"


def publish(client, data: bytes, **headers):
    return client.post(EDIT, data=data, content_type="application/xml", headers=headers)


def test_only_process_owners_open_the_modeler(client, login):
    assert client.get(EDIT).status_code == 302  # anonymous: to the login page
    login("budi")
    assert client.get(EDIT).status_code == 403
    assert publish(client, sop_bytes()).status_code == 403
    page = client.get(f"/processes/{SOP_KEY}").get_data(as_text=True)
    assert "Sunting diagram" not in page


def test_the_page_carries_the_version_its_urls_and_the_step_panel(client, login):
    login("admin")
    page = client.get(f"/processes/{SOP_KEY}").get_data(as_text=True)
    assert f'href="{EDIT}?version=1"' in page
    page = client.get(EDIT + "?version=1").get_data(as_text=True)
    assert f'data-xml-url="/processes/{SOP_KEY}/bpmn?version=1"' in page
    assert f'data-save-url="{EDIT}"' in page
    assert "vendor/bpmn-js/bpmn-modeler.production.min.js" in page and "modeler.js" in page
    for label in ("Nama langkah", "Waktu baku", "Dokumen keluaran wajib dilampirkan", "Formulir"):
        assert label in page
    assert '<option value="step01_identifikasi_kebutuhan.json">' in page  # the server's forms
    assert "<noscript>" in page  # without JavaScript: the way back to the upload form
    assert client.get(f"/processes/{SOP_KEY}/edit?version=9").status_code == 404
    assert client.get("/processes/nope/edit").status_code == 404


def test_publishing_an_edited_diagram_makes_a_new_version(client, login, svc):
    login("admin")
    edited = sop_bytes().replace(b'name="sop.duration" value="P3D"', b'name="sop.duration" value="P4D"', 1)
    response = publish(client, edited)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body == {"version": 2, "created": True, "redirect": f"/processes/{SOP_KEY}"}
    assert "Versi 2 dari Pengembangan Aplikasi E-Government telah diterbitkan." in \
        client.get(body["redirect"]).get_data(as_text=True)
    latest = svc.latest_definition(SOP_KEY)
    assert latest.version == 2 and svc.compiled(latest).tasks["Step01"].duration == "P4D"
    assert latest.deployed_by == "admin"
    # the same diagram again: nothing new
    again = publish(client, edited).get_json()
    assert again["version"] == 2 and again["created"] is False


def test_a_diagram_with_problems_changes_nothing_and_says_where(client, login, svc):
    login("admin")
    broken = sop_bytes().replace(b'targetRef="Step02"', b'targetRef="Step99"', 1)
    response = publish(client, broken)
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"] == "Berkas BPMN tidak sah."
    (problem,) = [p for p in body["problems"] if "Step99" in p["message"]]
    assert problem["line"] == line_of(broken, b'targetRef="Step99"')
    assert problem["element"] and "Step99" in problem["message"] and "tidak" in problem["message"]
    # the bare id, for the modeler to mark the shape: the flow whose target is missing
    assert problem["element"].startswith(f"sequenceFlow '{problem['element_id']}'")
    assert f'id="{problem["element_id"]}"'.encode() in broken
    assert svc.latest_definition(SOP_KEY).version == 1
    # another process's id: refused, naming the id to restore
    other = sop_bytes().replace(f'id="{SOP_KEY}"'.encode(), b'id="proses_lain"').replace(
        f'processRef="{SOP_KEY}"'.encode(), b'processRef="proses_lain"')
    body = publish(client, other).get_json()
    assert "'proses_lain', bukan 'pengembangan_aplikasi_egov'" in body["problems"][0]["message"]
    assert publish(client, b"  ").status_code == 422
    assert svc.latest_definition(SOP_KEY).version == 1


def test_publishing_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    app.test_cli_runner().invoke(args=["init", "--demo"])
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "admin", "password": "demo12345", "csrf_token": token})
    edited = sop_bytes().replace(b'value="P3D"', b'value="P5D"', 1)
    assert publish(client, edited).status_code == 400
    page = client.get(EDIT).get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    assert publish(client, edited, **{"X-CSRFToken": token}).status_code == 200


def test_element_ids_are_read_from_the_engines_labels():
    from webapp.modeler import element_id

    assert element_id("userTask 'Step02' (Pembuatan spesifikasi kebutuhan)") == "Step02"
    assert element_id("lane 'Lane_InstansiPemilik'") == "Lane_InstansiPemilik"
    assert element_id("Step02") == "Step02"
    assert element_id("bpmn:process") is None and element_id(None) is None and element_id("a b") is None
