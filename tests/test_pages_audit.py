"""Jejak audit: the administrators' view of every audited event."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import select

from engine.errors import NotAllowed
from engine.models import AuditEvent, utcnow
from helpers.sop_walk import SOP_KEY


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


def test_the_log_pages_by_fifty_older_and_newer(client, login, svc):
    from engine import audit

    for n in range(60):
        audit.record(svc.session, "user_update", "admin", username=f"pegawai{n:02d}")
    svc.session.commit()
    login("admin")
    first = client.get("/admin/audit?kind=user_update").get_data(as_text=True)
    assert len(rows(first)) == 50 and "60 kejadian." in first and "pegawai59" in first
    assert 'rel="prev"' not in first  # the newest page has nothing newer
    older = re.search(r'href="(/admin/audit\?before=[0-9.]+&amp;kind=user_update)" rel="next"', first)
    assert older, "no link to the older events"
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(rows(second)) == 10 and "pegawai00" in second and "pegawai10" not in second
    assert 'rel="next"' not in second  # nothing older than the oldest
    newer = re.search(r'href="(/admin/audit\?after=[0-9.]+&amp;kind=user_update)" rel="prev"', second)
    back = client.get(newer.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert rows(back) == rows(first)  # back to the newest fifty, newest first
    # a cursor that is none is the first page, not an error
    assert len(rows(client.get("/admin/audit?kind=user_update&before=kemarin").get_data(as_text=True))) == 50


def test_keyset_pages_follow_time_then_id_and_the_count_is_bounded(any_db, svc):
    """Events of the same instant page by id; a page never repeats or skips one; the count stops
    at the cap and says so."""
    from engine import audit, paging
    from engine.paging import Cursor

    admin = svc.users.get("admin")
    same = utcnow() - timedelta(hours=1)
    for n in range(7):
        audit.record(svc.session, "user_update", "admin", username=f"u{n}")
    svc.session.execute(AuditEvent.__table__.update().where(AuditEvent.__table__.c.kind == "user_update")
                        .values(at=same))
    svc.session.commit()
    seen, cursor = [], None
    while True:
        page = svc.audit_log(admin, kind="user_update", limit=3, before=cursor)
        seen += [e.details["username"] for e in page.rows]
        if page.older is None:
            break
        cursor = Cursor.decode(page.older.encode())
        assert cursor == page.older
    assert seen == [f"u{n}" for n in reversed(range(7))]
    assert svc.audit_log(admin, kind="user_update", limit=3).count == paging.Count(7, True)
    capped = paging.bounded_count(svc.session, select(AuditEvent), AuditEvent.id, cap=5)
    assert capped == paging.Count(5, False)
    # going back: the page before the second is the first, newest first, with nothing newer
    first = svc.audit_log(admin, kind="user_update", limit=3)
    second = svc.audit_log(admin, kind="user_update", limit=3, before=first.older)
    assert second.newer is not None and second.older is not None
    back = svc.audit_log(admin, kind="user_update", limit=3, after=second.newer)
    assert [e.id for e in back.rows] == [e.id for e in first.rows] and back.newer is None
    assert back.older == first.older


def test_kinds_are_those_the_log_holds(any_db, svc):
    from engine import audit

    audit.record(svc.session, "user_update", "admin", username="x")
    audit.record(svc.session, "holiday_add", "admin", day="2030-01-01")
    svc.session.commit()
    kinds = svc.audit_kinds()
    assert kinds == sorted(kinds) and {"deploy", "holiday_add", "user_update"} <= set(kinds)
    assert len(kinds) == len(set(kinds))
