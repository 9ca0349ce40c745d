"""Logging in and out, the start page, error pages and CSRF on every form."""
from __future__ import annotations

import re

import pytest

from helpers.sop_walk import SOP_KEY


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]


def test_login_page_has_labelled_fields(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<label for="username">Nama pengguna</label>' in page
    assert '<label for="password">Kata sandi</label>' in page
    assert 'class="skip-link"' in page and 'lang="id"' in page


def test_login_and_logout(client, login):
    response = login("pemilik")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "Selamat datang, Rina Pemilik (Dinas Kesehatan)" in home
    response = client.post("/logout")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Anda telah keluar." in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, login):
    response = login("pemilik", "salah-sekali")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_goes_back_to_the_page_asked_for_but_never_off_site(client, login):
    response = client.get("/inbox?tab=done")
    assert response.status_code == 302 and "/login?next=" in response.headers["Location"]
    response = client.post("/login?next=/inbox?tab%3Ddone", data={"username": "analis", "password": "demo12345"})
    assert response.headers["Location"] == "/inbox?tab=done"
    client.post("/logout")
    response = client.post("/login?next=https://evil.example/", data={"username": "analis", "password": "demo12345"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("url", ["/", "/inbox", "/tasks/00000000-0000-0000-0000-000000000000"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logout_is_post_only(client, login):
    login("pemilik")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_start_page_counts_and_next_step(client, login, svc):
    svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean puskesmas")
    login("pemilik")
    page = client.get("/").get_data(as_text=True)
    assert "Yang perlu dikerjakan berikutnya" in page
    assert "Identifikasi kebutuhan aplikasi baru / pengembangan aplikasi" in page
    assert "Aplikasi antrean puskesmas" in page
    counts = re.findall(r'<span class="count">(\d+)</span>\s*([^<]+)</a>', page)
    assert [(n, label.strip()) for n, label in counts] == [
        ("0", "Tugas saya"), ("1", "Belum diambil di pelaksana saya"), ("0", "Terlambat")]
    assert 'href="/inbox"' in page or 'href="/inbox?' in page


def test_start_page_for_someone_without_roles(app, client, login, svc):
    svc.users.create("tamu", "rahasia123", [], full_name="Tamu Baru")
    svc.session.commit()
    login("tamu", "rahasia123")
    page = client.get("/").get_data(as_text=True)
    assert "Anda belum memiliki peran" in page and "Minta administrator" in page and "tamu" in page


def test_error_pages_are_in_the_apps_style(client, login):
    login("pemilik")
    response = client.get("/tidak-ada")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in page and 'href="/"' in page and "alur.css" in page
    assert "The requested URL was not found" not in page  # Werkzeug's stock text is replaced
    response = client.get("/tasks/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_server_error_page(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/rusak")
    def broken():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/rusak")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Terjadi kesalahan di server" in page and "secret internals" not in page and 'href="/"' in page


# ---- CSRF ------------------------------------------------------------------------------------
@pytest.fixture
def csrf_client(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init", "--demo"]).exit_code == 0
    return app.test_client()


def test_login_without_token_is_refused(csrf_client):
    response = csrf_client.post("/login", data={"username": "pemilik", "password": "demo12345"})
    assert response.status_code == 400
    assert "Permintaan tidak dapat diproses" in response.get_data(as_text=True)
    assert csrf_client.get("/").status_code == 302  # not logged in


def test_login_with_token_works_and_other_forms_need_it_too(csrf_client):
    token = csrf_token(csrf_client.get("/login").get_data(as_text=True))
    response = csrf_client.post("/login", data={"username": "pemilik", "password": "demo12345",
                                                "csrf_token": token})
    assert response.status_code == 302
    from webapp.services import service

    with csrf_client.application.test_request_context():
        svc = service()
        svc.start(SOP_KEY, svc.users.get("pemilik"), "Kasus CSRF")
        task_id = svc.inbox(svc.users.get("pemilik"), "lanes")[0][0].id
    assert csrf_client.post(f"/tasks/{task_id}/claim").status_code == 400
    assert csrf_client.post(f"/tasks/{task_id}/complete", data={}).status_code == 400
    assert csrf_client.post("/logout").status_code == 400
    page = csrf_client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 3  # logout, claim, upload, complete
    token = csrf_token(page)
    assert csrf_client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token}).status_code == 302
    assert csrf_client.post("/logout", data={"csrf_token": token}).status_code == 302
