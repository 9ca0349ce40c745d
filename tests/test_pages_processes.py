"""Proses pages: list, one process's page, BPMN download, upload of a new version, start a case."""
from __future__ import annotations

import io
import re
from pathlib import Path

from helpers.sop_walk import SOP_KEY
from helpers.pages import line_of, sop_bytes


def upload(client, data: bytes, filename: str = "sop.bpmn", expected_key: str | None = None):
    form = {"file": (io.BytesIO(data), filename)}
    if expected_key:
        form["expected_key"] = expected_key
    return client.post("/processes/deploy", data=form, content_type="multipart/form-data")


def test_anonymous_is_sent_to_login(client):
    for url in ("/processes/", f"/processes/{SOP_KEY}", f"/processes/{SOP_KEY}/bpmn"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_everyone_sees_the_list_and_the_process_page(client, login):
    login("budi")
    page = client.get("/processes/").get_data(as_text=True)
    assert "Pengembangan Aplikasi E-Government" in page and f"/processes/{SOP_KEY}" in page
    assert "Terbitkan versi baru" not in page  # staff may not deploy
    page = client.get(f"/processes/{SOP_KEY}").get_data(as_text=True)
    # documentation with its Dasar Hukum, steps with lane, standard time and output, the diagram
    assert "Dasar Hukum" in page and "Nomor 23 Tahun 2014" in page
    assert "Penunjukan system programmer" in page and "Bidang E-Gov, Persandian dan Statistik" in page
    assert "120 menit" in page and "90 hari kerja" in page and "Surat perintah tugas" in page
    assert 'class="alur-diagram"' in page
    assert "Terbitkan versi baru" not in page
    # the diagram at full size, one link away
    assert f'href="/processes/{SOP_KEY}/diagram.svg?version=1"' in page
    svg = client.get(f"/processes/{SOP_KEY}/diagram.svg?version=1")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b'class="alur-diagram"' in svg.data
    assert client.get(f"/processes/{SOP_KEY}/diagram.svg?version=7").status_code == 404


def test_process_pages_in_english_tell_one_process_from_many(client, login):
    login("admin")
    page = client.get("/processes/?lang=en").get_data(as_text=True)
    assert "<h1>Processes (SOP)</h1>" in page and '<th scope="col">Versions</th>' in page
    page = client.get(f"/processes/{SOP_KEY}").get_data(as_text=True)
    assert ">Processes (SOP)</a> ›" in page  # the breadcrumb: the list
    assert '<h2 id="h-steps">Steps</h2>' in page and '<h2 id="h-versions">Versions</h2>' in page
    assert '<th scope="col">Step</th>' in page and '<th scope="col">Version</th>' in page  # one per row
    for url in ("/instances/", "/reports/kpi", "/inbox"):  # a filter picks one process
        assert '<label for="f-process">Process (SOP)</label>' in client.get(url).get_data(as_text=True) \
            or '<label for="process">Process (SOP)</label>' in client.get(url).get_data(as_text=True)


def test_download_bpmn(client, login):
    login("kasi")
    response = client.get(f"/processes/{SOP_KEY}/bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert f"{SOP_KEY}-v1.bpmn" in response.headers["Content-Disposition"]
    assert response.data.strip().endswith(b"</bpmn:definitions>") and b"Step14" in response.data
    assert client.get(f"/processes/{SOP_KEY}/bpmn?version=7").status_code == 404
    assert client.get("/processes/tidak_ada").status_code == 404


def test_staff_may_not_deploy(client, login, svc):
    login("analis")
    assert client.get("/processes/deploy").status_code == 403
    assert upload(client, sop_bytes().replace(b"</bpmn:definitions>", b"<!-- v2 --></bpmn:definitions>")).status_code == 403
    assert [d.version for d in svc.versions(SOP_KEY)] == [1]


def test_dangling_flow_is_refused_with_element_and_line(client, login, svc):
    login("admin")
    data = sop_bytes().replace(b'targetRef="Gateway_ReviewSpesifikasi"', b'targetRef="Tidak_Ada"', 1)
    line = line_of(data, b'targetRef="Tidak_Ada"')
    response = upload(client, data, "sop-rusak.bpmn", SOP_KEY)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Berkas ditolak" in page and "sop-rusak.bpmn" in page
    assert "Flow_03_ReviewSpesifikasi" in page and "Tidak_Ada" in page and f"baris {line}" in page
    assert [d.version for d in svc.versions(SOP_KEY)] == [1]


def test_import_in_a_condition_is_refused(client, login, svc):
    login("admin")
    data = sop_bytes().replace(b"spec_approved == True", b"__import__('os').system('id')")
    line = line_of(data, b'<bpmn:sequenceFlow id="Flow_ReviewSpesifikasi_04"')  # the flow carrying it
    response = upload(client, data, expected_key=SOP_KEY)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "__import__" in page and f"baris {line}" in page
    assert "Flow_ReviewSpesifikasi_04" in page
    assert [d.version for d in svc.versions(SOP_KEY)] == [1]


def test_wrong_process_and_missing_file_are_refused(client, login, svc):
    from helpers.bpmn_builder import parallel_review_process

    login("admin")
    response = upload(client, parallel_review_process(), "izin.bpmn", SOP_KEY)
    assert response.status_code == 422 and "izin_keramaian" in response.get_data(as_text=True)
    response = client.post("/processes/deploy", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Pilih berkas BPMN" in response.get_data(as_text=True)
    assert [p.key for p in svc.list_processes()] == [SOP_KEY]


def test_valid_upload_makes_version_two_and_identical_changes_nothing(client, login, svc):
    login("admin")
    same = upload(client, sop_bytes(), expected_key=SOP_KEY)
    assert same.status_code == 302
    assert "tidak ada perubahan" in client.get(same.headers["Location"]).get_data(as_text=True)
    assert [d.version for d in svc.versions(SOP_KEY)] == [1]
    changed = sop_bytes().replace(b"Penunjukan programmer", b"Penunjukan para programmer")
    response = upload(client, changed, "sop-v2.bpmn", SOP_KEY)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/processes/{SOP_KEY}")
    svc.session.expire_all()
    assert [d.version for d in svc.versions(SOP_KEY)] == [2, 1]
    assert svc.versions(SOP_KEY)[0].deployed_by == "admin"
    page = client.get(f"/processes/{SOP_KEY}").get_data(as_text=True)
    assert "Versi 2 dari Pengembangan Aplikasi E-Government telah diterbitkan" in page
    assert "Penunjukan para programmer" in page and "sop-v2.bpmn" in page
    old = client.get(f"/processes/{SOP_KEY}?version=1").get_data(as_text=True)
    assert "Anda melihat versi lama" in old and "Penunjukan para programmer" not in old
    assert b"Penunjukan programmer" in client.get(f"/processes/{SOP_KEY}/bpmn?version=1").data


def test_a_new_process_can_be_uploaded_from_the_list(client, login, svc):
    from helpers.bpmn_builder import parallel_review_process

    login("admin")
    response = upload(client, parallel_review_process(), "izin.bpmn")
    assert response.status_code == 302
    assert "Izin Keramaian" in client.get("/processes/").get_data(as_text=True)


def test_start_an_instance_from_the_process_page(client, login, svc):
    login("pemilik")
    page = client.get(f"/processes/{SOP_KEY}").get_data(as_text=True)
    assert "Mulai pengajuan baru" in page
    response = client.post(f"/processes/{SOP_KEY}/start", data={"title": "Aplikasi perizinan online"})
    assert response.status_code == 302
    # step 1 is the starter's own (Instansi Pemilik): straight to it
    task_id = re.search(r"/tasks/([0-9a-f-]+)$", response.headers["Location"]).group(1)
    step1 = svc.task(task_id)
    instance = svc.instance(step1.instance_id)
    assert instance.title == "Aplikasi perizinan online" and instance.started_by == "pemilik"
    assert [t.step for t in svc.instance_tasks(instance.id)] == [1] and step1.step == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aplikasi perizinan online" in page and "Identifikasi kebutuhan" in page and "Selesaikan" in page
    assert "telah dimulai" in page
    # a starter whose first step is someone else's lands on the case page
    client.post("/logout")
    login("admin")
    response = client.post(f"/processes/{SOP_KEY}/start", data={"title": "Dimulai oleh admin"})
    assert response.status_code == 302 and re.search(r"/instances/\d+$", response.headers["Location"])
    # a title is required
    refused = client.post(f"/processes/{SOP_KEY}/start", data={"title": " "})
    assert refused.status_code == 422 and "Tuliskan judul pengajuan" in refused.get_data(as_text=True)


def test_user_without_a_lane_may_not_start(client, login, svc):
    svc.create_user(svc.users.get("admin"), "tamu", "rahasia123", [])
    login("tamu", "rahasia123")
    assert "Mulai pengajuan baru" not in client.get(f"/processes/{SOP_KEY}").get_data(as_text=True)
    assert client.post(f"/processes/{SOP_KEY}/start", data={"title": "x"}).status_code == 403
    assert svc.list_instances(svc.users.get("admin"))[1].value == 0


def test_a_new_version_must_hold_the_same_process_and_the_placeholder_key_is_never_deployed(client, login, svc):
    login("admin")
    other = sop_bytes().replace(f'id="{SOP_KEY}"'.encode(), b'id="proses_lain"').replace(
        f'processRef="{SOP_KEY}"'.encode(), b'processRef="proses_lain"')
    response = upload(client, other, expected_key=SOP_KEY)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Diagram ini berisi proses &#39;proses_lain&#39;, bukan &#39;pengembangan_aplikasi_egov&#39;" in page
    placeholder = other.replace(b'"proses_lain"', b'"proses_baru"')
    response = upload(client, placeholder)
    assert response.status_code == 422 and "kuncinya sendiri" in response.get_data(as_text=True)
    assert [d.key for d in svc.list_processes()] == [SOP_KEY]
