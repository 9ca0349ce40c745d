"""Sunting diagram: the modeler page and publishing its XML as a new version (the browser side is
tests/e2e/test_modeler.py)."""
from __future__ import annotations

import re

from helpers.sop_walk import SOP_KEY
from helpers.pages import line_of, sop_bytes

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


def test_a_new_process_starts_from_a_small_valid_diagram_and_needs_its_own_key(client, login, svc):
    login("budi")
    assert client.get("/processes/new").status_code == 403
    login("admin")
    assert 'href="/processes/new"' in client.get("/processes/").get_data(as_text=True)
    page = client.get("/processes/new").get_data(as_text=True)
    assert 'data-xml-url="/processes/new.bpmn"' in page and 'data-save-url="/processes/new"' in page
    assert "Proses baru" in page and "Kunci proses" in page
    blank = client.get("/processes/new.bpmn")
    assert blank.mimetype == "application/xml"
    xml = blank.data
    assert b'<bpmn:process id="proses_baru" name="Proses baru"' in xml and b'name="Pelaksana"' in xml
    # the starting diagram passes every check but one: it has no key of its own yet
    assert svc.validate_bpmn(xml.replace(b'"proses_baru"', b'"proses_uji"')).key == "proses_uji"
    # as it is, it has no key of its own
    body = client.post("/processes/new", data=xml, content_type="application/xml").get_json()
    assert "bukan 'proses_baru'" in body["problems"][0]["message"]
    assert body["problems"][0]["element_id"] == "proses_baru"
    # the key of a process that exists: refused, not a new version of it behind the owner's back
    taken = xml.replace(b'"proses_baru"', f'"{SOP_KEY}"'.encode())
    body = client.post("/processes/new", data=taken, content_type="application/xml").get_json()
    assert f"Sudah ada proses dengan kunci '{SOP_KEY}'" in body["problems"][0]["message"]
    assert svc.latest_definition(SOP_KEY).version == 1
    # its own key and name: version 1 of a new process
    mine = xml.replace(b'"proses_baru"', b'"izin_keramaian"').replace(b'"Proses baru"', b'"Izin Keramaian"')
    response = client.post("/processes/new", data=mine, content_type="application/xml")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["redirect"] == "/processes/izin_keramaian"
    assert "Proses Izin Keramaian telah diterbitkan sebagai versi 1." in \
        client.get("/processes/izin_keramaian").get_data(as_text=True)
    assert svc.latest_definition("izin_keramaian").version == 1


CHECK, DIFF = "/processes/modeler/check", f"/processes/{SOP_KEY}/diff"


def test_the_check_runs_the_deploy_checks_and_stores_nothing(client, login, svc):
    login("admin")
    clean = client.post(f"{CHECK}?key={SOP_KEY}", data=sop_bytes(), content_type="application/xml")
    assert clean.status_code == 200 and clean.get_json() == {"problems": []}
    broken = sop_bytes().replace(b'sourceRef="Step01" targetRef="Gateway_GabungSpesifikasi"',
                                 b'sourceRef="Step01" targetRef="Nowhere"', 1)
    body = client.post(f"{CHECK}?key={SOP_KEY}", data=broken, content_type="application/xml").get_json()
    assert body["problems"] and any(p["element_id"] for p in body["problems"]), body
    other = client.post(f"{CHECK}?key=lain", data=sop_bytes(), content_type="application/xml").get_json()
    assert [p["message"].split(".")[0] for p in other["problems"]] == [
        "Diagram ini berisi proses 'pengembangan_aplikasi_egov', bukan 'lain'"]
    assert client.post(CHECK, data=b"", content_type="application/xml").status_code == 422
    assert client.post(CHECK, data=b"x" * (2 * 1024 * 1024 + 1), content_type="application/xml").status_code == 413
    assert [d.version for d in svc.versions(SOP_KEY)] == [1], "a check deploys nothing"
    login("budi")
    assert client.post(CHECK, data=sop_bytes(), content_type="application/xml").status_code == 403


def test_standard_times_go_in_as_words_and_come_back_in_words(client, login):
    login("admin")
    for text, iso, words in [("3 hari kerja", "P3D", "3 hari kerja"), ("120 menit", "PT120M", "120 menit"),
                             ("2 jam", "PT2H", "2 jam"), ("P1D", "P1D", "1 hari kerja"), ("", "", "")]:
        body = client.get("/processes/modeler/duration", query_string={"text": text}).get_json()
        assert body == {"valid": True, "iso": iso, "words": words}, (text, body)
    refused = client.get("/processes/modeler/duration", query_string={"text": "1 jam lebih"}).get_json()
    assert refused == {"valid": False, "message": "'1 jam lebih' bukan waktu baku seperti '3 hari kerja', "
                                                  "'120 menit' atau '2 jam'."}
    english = client.get("/processes/modeler/duration", query_string={"text": "3 hari", "lang": "en"})
    assert english.get_json()["words"] == "3 working day(s)"


def test_the_diff_says_what_changes_against_the_deployed_version(client, login, svc):
    login("admin")
    edited = sop_bytes().replace(b'name="Pembuatan spesifikasi kebutuhan"', b'name="Penyusunan spesifikasi"', 1)
    edited = edited.replace(b'<spiffworkflow:property name="sop.duration" value="P1D"/>',
                            b'<spiffworkflow:property name="sop.duration" value="P2D"/>', 1)
    body = client.post(DIFF, data=edited, content_type="application/xml").get_json()
    assert body["version"] == 1
    assert "Nama langkah 2: 'Pembuatan spesifikasi kebutuhan' menjadi 'Penyusunan spesifikasi'." in body["changes"]
    assert "Waktu baku langkah 2: 1 hari kerja → 2 hari kerja." in body["changes"]
    assert len(body["changes"]) == 2, body
    same = client.post(DIFF, data=sop_bytes(), content_type="application/xml").get_json()
    assert same["changes"] == ["Langkah, lane dan keputusannya sama dengan versi 1."]
    broken = client.post(DIFF, data=b"<bukan-bpmn/>", content_type="application/xml")
    assert broken.status_code == 422 and broken.get_json()["problems"]
    assert [d.version for d in svc.versions(SOP_KEY)] == [1]
