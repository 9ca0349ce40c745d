"""Jejak audit: the administrators' view of every audited event."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from engine.errors import NotAllowed
from engine.models import AuditEvent, utcnow
from sop_walk import SOP_KEY


def rows(page: str) -> list[str]:
    return re.findall(r"<tr>\s*<td data-label.*?</tr>", page, re.S)


def test_only_admins_read_the_audit_log(client, login, svc):
    assert client.get("/admin/audit").status_code == 302
    login("kabid")
    assert client.get("/admin/audit").status_code == 403
    try:
        svc.audit_log(svc.users.get("kabid"))
    except NotAllowed:
        pass
    else:
        raise AssertionError("the engine let a non-admin read the log")


def test_the_log_lists_every_kind_of_event_newest_first_with_people_and_cases(client, login, svc):
    owner, admin = svc.users.get("pemilik"), svc.users.get("admin")
    case = svc.start(SOP_KEY, owner, "Aplikasi antrean puskesmas")
    step1 = svc.instance_tasks(case.id)[0]
    svc.attach(step1.id, owner, "kebutuhan.pdf", io.BytesIO(b"%PDF"))
    svc.add_holiday("2030-01-02", "Cuti bersama", admin)
    login("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Jejak audit" in page and 'aria-current="page">Jejak audit' in page
    found = rows(page)
    # newest first: the holiday, the upload, the start, then the demo's deploy (by `alur init`)
    assert "Tambah hari libur" in found[0] and "Administrator" in found[0] and "2030-01-02" in found[0]
    assert "Unggah" in found[1] and "Rina Pemilik (Dinas Kesehatan)" in found[1] and "kebutuhan.pdf" in found[1]
    assert "Dimulai" in found[2] and f'href="/instances/{case.id}">{case.number} · Aplikasi antrean puskesmas</a>' in found[2]
    assert any("Terbitkan versi" in r for r in found)
    assert '<option value="holiday_add">Tambah hari libur</option>' in page


def test_filters_by_kind_person_and_office_days(client, login, svc):
    owner = svc.users.get("pemilik")
    svc.start(SOP_KEY, owner, "Satu")
    svc.start(SOP_KEY, owner, "Dua")
    # the deploy (by `alur init`) happened a week ago
    svc.session.execute(AuditEvent.__table__.update().where(AuditEvent.__table__.c.kind == "deploy")
                        .values(at=utcnow() - timedelta(days=7)))
    svc.session.commit()
    login("admin")
    page = client.get("/admin/audit?kind=start").get_data(as_text=True)
    assert len(rows(page)) == 2 and "2 kejadian." in page and all("Dimulai" in r for r in rows(page))
    assert 'rel="next"' not in page  # one page: no pagination
    assert len(rows(client.get("/admin/audit?actor=pemilik").get_data(as_text=True))) == 2
    assert rows(client.get("/admin/audit?actor=nobody").get_data(as_text=True)) == []
    today = utcnow().astimezone(svc.calendar.tz).date()
    recent = client.get(f"/admin/audit?since={today - timedelta(days=1)}").get_data(as_text=True)
    assert not any("Terbitkan versi" in r for r in rows(recent))
    older = client.get(f"/admin/audit?until={today - timedelta(days=3)}").get_data(as_text=True)
    assert [("Terbitkan versi" in r) for r in rows(older)] == [True]
    # a date that is no date is ignored, not an error
    assert client.get("/admin/audit?since=kemarin").status_code == 200


def test_the_log_pages_by_fifty(client, login, svc):
    from engine import audit

    for n in range(60):
        audit.record(svc.session, "user_update", "admin", username=f"pegawai{n:02d}")
    svc.session.commit()
    login("admin")
    first = client.get("/admin/audit?kind=user_update").get_data(as_text=True)
    assert len(rows(first)) == 50 and "Halaman 1 dari 2" in first and "pegawai59" in first
    assert 'href="/admin/audit?page=2&amp;kind=user_update" rel="next"' in first
    second = client.get("/admin/audit?kind=user_update&page=2").get_data(as_text=True)
    assert len(rows(second)) == 10 and "pegawai00" in second and "pegawai59" not in second
