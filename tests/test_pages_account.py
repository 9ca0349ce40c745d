"""Akun saya: one's own profile and changing one's own password."""
from __future__ import annotations

from sqlalchemy import select

from engine.models import AuditEvent


def change(client, current, new, again=None):
    return client.post("/account", data={"current": current, "password": new,
                                         "password_again": new if again is None else again})


def test_everyone_sees_their_account_linked_from_their_name(client, login):
    assert client.get("/account").status_code == 302  # anonymous: to the login page
    login("analis")
    page = client.get("/inbox").get_data(as_text=True)
    assert '<a class="who" href="/account" title="Akun saya">Dewi Analis</a>' in page
    page = client.get("/account").get_data(as_text=True)
    assert "<code>analis</code>" in page and "System Analyst" in page and "S-1 Sistem Informasi" in page
    assert 'autocomplete="current-password"' in page


def test_a_user_changes_their_own_password(client, login, svc):
    login("analis")
    response = change(client, "demo12345", "sandi-baru-2026")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "Kata sandi Anda telah diganti." in client.get("/account").get_data(as_text=True)
    svc.session.expire_all()
    assert svc.users.authenticate("analis", "demo12345") is None
    assert svc.users.authenticate("analis", "sandi-baru-2026") is not None
    event = svc.session.scalars(select(AuditEvent).where(AuditEvent.kind == "password_change")).one()
    assert event.actor == "analis" and not event.details  # nothing about the password itself


def test_a_wrong_or_weak_password_change_is_refused_beside_its_field(client, login, svc):
    login("analis")
    cases = [(("salah-sekali", "sandi-baru-2026"), "Kata sandi sekarang salah."),
             (("demo12345", "pendek"), "Kata sandi minimal 8 karakter."),
             (("demo12345", "sandi-baru-2026", "sandi-lain-2026"), "Kedua kata sandi baru tidak sama."),
             (("demo12345", "demo12345"), "Kata sandi baru sama dengan yang sekarang.")]
    for args, message in cases:
        response = change(client, *args)
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page, (args, page[-1500:])
    svc.session.expire_all()
    assert svc.users.authenticate("analis", "demo12345") is not None  # nothing changed


def test_a_changed_password_ends_the_users_other_sessions_but_not_this_one(app, login, client):
    other = app.test_client()  # the same person, logged in on another computer
    other.post("/login", data={"username": "analis", "password": "demo12345"})
    assert other.get("/inbox").status_code == 200
    login("analis")
    assert change(client, "demo12345", "sandi-baru-2026").status_code == 302
    assert client.get("/inbox").status_code == 200  # this session carries on
    response = other.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_admins_password_reset_ends_the_users_sessions(app, login, client):
    user_client = app.test_client()
    user_client.post("/login", data={"username": "andi", "password": "demo12345"})
    assert user_client.get("/inbox").status_code == 200
    login("admin")  # on another client: the admin's own
    page = client.get("/admin/users/andi").get_data(as_text=True)
    assert "Andi Pratama" in page
    response = client.post("/admin/users/andi", data={"full_name": "Andi Pratama", "active": "1", "roles": ["Staf"],
                                                      "education_level": "SMA", "password": "sandi-dari-admin"})
    assert response.status_code == 302
    response = user_client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
