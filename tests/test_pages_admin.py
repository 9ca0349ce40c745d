"""Administration pages: users with roles (lanes) and qualifications, and extra holidays."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from engine.errors import Invalid
from engine.models import AuditEvent
from helpers.sop_walk import SOP_KEY

NEW_USER = {"username": "rudi", "full_name": "Rudi Hartono", "email": "rudi@diskominfo.go.id",
            "password": "rahasia123", "active": "1", "roles": ["Staf"], "new_role": "Tim Teknis",
            "education_level": "S-1", "field_of_study": "Teknik Informatika", "expertise": "jaringan komputer"}


def form_of(user, **changes):
    data = {"full_name": user.full_name, "email": user.email, "active": "1" if user.active else "",
            "is_admin": "1" if user.is_admin else "", "roles": user.role_names,
            "education_level": user.education_level, "field_of_study": user.field_of_study,
            "expertise": user.expertise, "password": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v not in ("", None)}


@pytest.mark.parametrize("url", ["/admin/users", "/admin/users/new", "/admin/users/budi", "/admin/holidays"])
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", ["kabid", "budi"])
def test_non_admins_are_refused(client, login, svc, username):
    login(username)
    for url in ("/admin/users", "/admin/users/new", "/admin/users/budi", "/admin/holidays"):
        assert client.get(url).status_code == 403
    assert client.post("/admin/users/budi", data={"roles": ["Process Owner"]}).status_code == 403
    assert client.post("/admin/holidays", data={"day": "2026-12-24"}).status_code == 403
    assert "Process Owner" not in svc.users.get("budi").role_names and svc.holidays() == []


def test_admin_sees_users_with_roles_and_qualifications(client, login):
    login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "Budi Santoso" in page and "Teknik Informatika" in page
    assert "Bidang E-Gov, Persandian dan Statistik" in page and "Process Owner" in page
    assert '<th scope="col">Nama pengguna</th>' in page
    assert '<th scope="col">Username</th>' in client.get("/admin/users?lang=en").get_data(as_text=True)
    form = client.get("/admin/users/new").get_data(as_text=True)
    # every lane of the SOP, plus Process Owner, as a checkbox; education levels suggested from the
    # processes' Kualifikasi Pelaksana and from what people have recorded (SMA: andi's)
    for role in ("Instansi Pemilik", "System Analyst", "Kasi Sistem", "Staf", "Process Owner"):
        assert f'value="{role}"' in form
    assert '<option value="S-2"' in form and '<option value="SMA"' in form and 'name="new_role"' in form
    assert 'list="education_levels"' in form


def test_admin_creates_a_user_who_can_log_in(client, login, svc):
    login("admin")
    response = client.post("/admin/users/new", data=NEW_USER)
    assert response.status_code == 302
    user = svc.users.get("rudi")
    assert user.full_name == "Rudi Hartono" and user.email == "rudi@diskominfo.go.id"
    assert user.role_names == ["Staf", "Tim Teknis"] and not user.is_admin and user.active
    assert (user.education_level, user.field_of_study) == ("S-1", "Teknik Informatika")
    events = list(svc.session.scalars(select(AuditEvent).where(AuditEvent.kind == "user_create")))
    assert [(e.actor, e.details["username"]) for e in events if e.details["username"] == "rudi"] == [("admin", "rudi")]
    # the demo's people were created by `alur init --demo`, through the service too: audited, by no one
    assert {e.actor for e in events if e.details["username"] != "rudi"} == {None}
    assert "admin" in {e.details["username"] for e in events}
    assert "Tim Teknis" in client.get("/admin/users").get_data(as_text=True)
    client.post("/logout")
    assert client.post("/login", data={"username": "rudi", "password": "rahasia123"}).status_code == 302


def test_refused_new_user_keeps_input_and_says_why(client, login, svc):
    login("admin")
    response = client.post("/admin/users/new", data={**NEW_USER, "password": "pendek"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "minimal 8 karakter" in page and "Rudi Hartono" in page
    response = client.post("/admin/users/new", data={**NEW_USER, "username": "budi"})
    assert response.status_code == 422 and "sudah dipakai" in response.get_data(as_text=True)
    response = client.post("/admin/users/new", data={**NEW_USER, "username": "rudi hartono"})
    assert response.status_code == 422 and "huruf, angka" in response.get_data(as_text=True)
    response = client.post("/admin/users/new", data={**NEW_USER, "email": "bukan-email", "education_level": "S" * 21})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "email tidak valid" in page and "Paling banyak 20 karakter" in page
    assert svc.users.find("rudi") is None


def test_a_new_role_reaches_the_users_inbox(client, login, svc):
    owner = svc.users.get("pemilik")
    instance = svc.start(SOP_KEY, owner, "Aplikasi antrean puskesmas")
    step1 = svc.instance_tasks(instance.id)[0]
    svc.attach(step1.id, owner, "kebutuhan.pdf", io.BytesIO(b"%PDF"))
    svc.complete(step1.id, owner, {"nama_aplikasi": "Antrean", "instansi_pemilik": "Dinkes",
                                    "jenis_pengembangan": "baru"})
    budi = svc.users.get("budi")
    assert svc.inbox(budi, "lanes")[0] == []
    login("admin")
    response = client.post("/admin/users/budi", data=form_of(budi, roles=["Staf", "System Analyst"]))
    assert response.status_code == 302
    svc.session.expire_all()
    budi = svc.users.get("budi")
    assert budi.role_names == ["Staf", "System Analyst"]
    assert [r.name for r in svc.inbox(budi, "lanes")[0]] == ["Pembuatan spesifikasi kebutuhan"]
    event = svc.session.scalar(select(AuditEvent).where(AuditEvent.kind == "user_update"))
    assert event.actor == "admin" and event.details["changed"]["roles"] == ["Staf", "System Analyst"]


def test_admin_edits_qualifications_resets_password_and_deactivates(client, login, svc):
    login("admin")
    andi = svc.users.get("andi")
    page = client.get("/admin/users/andi").get_data(as_text=True)
    assert "Andi Pratama" in page and 'value="Staf" checked' in page
    client.post("/admin/users/andi", data=form_of(andi, education_level="D-III", field_of_study="Sistem Informasi",
                                                   expertise="basis data", password="sandibaru99"))
    svc.session.expire_all()
    andi = svc.users.get("andi")
    assert (andi.education_level, andi.field_of_study, andi.expertise) == ("D-III", "Sistem Informasi", "basis data")
    assert svc.users.authenticate("andi", "sandibaru99") is not None
    client.post("/admin/users/andi", data=form_of(andi, active=""))
    svc.session.expire_all()
    assert svc.users.get("andi").active is False
    assert svc.users.authenticate("andi", "sandibaru99") is None


def test_admin_cannot_demote_themselves(client, login, svc):
    login("admin")
    admin = svc.users.get("admin")
    response = client.post("/admin/users/admin", data=form_of(admin, is_admin=""))
    assert response.status_code == 422 and "hak admin Anda sendiri" in response.get_data(as_text=True)
    svc.session.expire_all()
    assert svc.users.get("admin").is_admin


def test_holidays_are_listed_added_and_removed(client, login, svc):
    login("admin")
    assert "Belum ada tanggal tambahan" in client.get("/admin/holidays").get_data(as_text=True)
    response = client.post("/admin/holidays", data={"day": "2026-12-24", "name": "Cuti bersama Natal"})
    assert response.status_code == 302
    assert [(h.day, h.name) for h in svc.holidays()] == [("2026-12-24", "Cuti bersama Natal")]
    svc._calendar = None
    assert not svc.calendar.is_working_day(date(2026, 12, 24))
    page = client.get("/admin/holidays").get_data(as_text=True)
    assert "Kamis, 24 Desember 2026" in page and "Cuti bersama Natal" in page
    duplicate = client.post("/admin/holidays", data={"day": "2026-12-24", "name": "lagi"})
    assert duplicate.status_code == 422 and "sudah terdaftar" in duplicate.get_data(as_text=True)
    bad = client.post("/admin/holidays", data={"day": "24/12/2026"})
    assert bad.status_code == 422 and "TTTT-BB-HH" in bad.get_data(as_text=True)
    holiday_id = svc.holidays()[0].id
    assert client.post(f"/admin/holidays/{holiday_id}/delete").status_code == 302
    svc.session.expire_all()
    assert svc.holidays() == []


def test_menu_shows_each_page_only_to_those_allowed(client, login):
    import re

    def menu():
        page = client.get("/processes/").get_data(as_text=True)
        return re.search(r'<nav class="menu".*?</nav>', page, re.S).group(0)

    login("budi")
    links = menu()
    assert "/processes/" in links and "/reports/kpi" in links
    assert "/instances/" not in links and "/admin/users" not in links
    assert 'href="/processes/" aria-current="page"' in links
    client.post("/logout")
    login("admin")
    links = menu()
    assert "/instances/" in links and "/admin/users" in links


def test_deactivating_a_user_releases_their_steps_and_lists_the_appointed_ones(client, login, svc):
    case, step5, step2 = _walk_to_step_5(svc)
    assert step5.has_assignees and len(step5.assignees) == 1  # step 4 appointed one system programmer
    appointed = step5.assignees[0]
    login("admin")
    page = client.get(f"/admin/users/{appointed.username}").get_data(as_text=True)
    assert "Langkah yang sedang dipegang" in page and f'href="/instances/{case.id}">{case.number} · Aplikasi antrean</a>' in page
    # the analyst leaves: the step they took goes back to the System Analyst lane
    analis = svc.users.get("analis")
    response = client.post("/admin/users/analis", data=form_of(analis, active=""))
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    svc.session.expire_all()
    assert svc.task(step2.id).claimed_by is None
    event = svc.session.scalars(select(AuditEvent).where(AuditEvent.kind == "unclaim")).one()
    assert event.actor == "admin" and event.details == {"reason": "deactivated", "user": "analis"}
    update = svc.session.scalars(select(AuditEvent).where(AuditEvent.kind == "user_update")).all()[-1]
    assert update.details["released"] == 1 and update.details["changed"] == {"active": False}
    # the appointed programmer leaves: nothing to release, but the admin is told what waits for them
    response = client.post(f"/admin/users/{appointed.username}", data=form_of(appointed, active=""))
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/users/{appointed.username}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"1 langkah ditunjuk untuk {appointed.username} dan menunggu" in page
    assert "Ditunjuk:" in page and step5.name in page


def _walk_to_step_5(svc):
    """One case to step 5 (appointed to budi); a second case's step 2 taken by analis."""
    from helpers.sop_walk import form_data

    owner, analyst, kabid = svc.users.get("pemilik"), svc.users.get("analis"), svc.users.get("kabid")
    case = svc.start(SOP_KEY, owner, "Aplikasi antrean")
    rounds: dict[int, int] = {}
    while True:
        row = next(t for t in svc.instance_tasks(case.id) if t.state == "ready")
        if row.step == 5:
            break
        user = {1: owner, 2: analyst, 3: kabid, 4: kabid}[row.step]
        svc.attach(row.id, user, "dok.pdf", io.BytesIO(b"%PDF"))
        svc.complete(row.id, user, form_data(svc.task_form(row), row.step, rounds))
        rounds[row.step] = rounds.get(row.step, 0) + 1  # the review sends step 2 back once, then approves
    other = svc.start(SOP_KEY, owner, "Arsip surat")
    step1 = svc.instance_tasks(other.id)[0]
    svc.attach(step1.id, owner, "dok.pdf", io.BytesIO(b"%PDF"))
    svc.complete(step1.id, owner, form_data(svc.task_form(step1), 1, {}))
    step2 = next(t for t in svc.instance_tasks(other.id) if t.state == "ready")
    svc.claim(step2.id, analyst)
    return case, row, step2


def test_a_refused_change_leaves_nothing_behind_for_the_page(svc):
    """The service's operation boundary owns rollback (``rolls_back_on_refusal``): a refusal that
    comes after part of the change was made (the new password set, then a bad NIP found) leaves
    the session clean, so the page shows the form again from it without rolling back itself."""
    admin, user = svc.get_user("admin"), svc.get_user("analis")
    before = user.password_hash
    with pytest.raises(Invalid) as refused:
        svc.update_user(admin, user, password="a-long-new-password", nip="12")
    assert [p.code for p in refused.value.problems] == ["user.bad_nip"]
    assert not svc.session.dirty and not svc.session.new
    assert user.password_hash == before and user.nip != "12"
