"""Kotak Masuk: tabs, filters, sorting, pagination, due markers, claim and release from the list."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from engine.models import utcnow
from helpers.sop_walk import SOP_KEY, form_data, user_for
from helpers.cases import advance, ready

STEP1 = "Identifikasi kebutuhan aplikasi baru / pengembangan aplikasi"
STEP2 = "Pembuatan spesifikasi kebutuhan"


def start(svc, title, user="pemilik"):
    return svc.start(SOP_KEY, svc.users.get(user), title)



def task_links(page):
    return re.findall(r'<a href="/tasks/([0-9a-f-]+)">([^<]+)</a>', page)


def test_tabs_show_the_right_rows(client, login, svc):
    a = start(svc, "Aplikasi antrean puskesmas")
    start(svc, "Sistem arsip dinas")
    login("pemilik")
    lanes = client.get("/inbox?tab=lanes").get_data(as_text=True)
    assert "Aplikasi antrean puskesmas" in lanes and "Sistem arsip dinas" in lanes
    assert [name for _, name in task_links(lanes)] == [STEP1, STEP1]
    assert "Instansi Pemilik" in lanes and "Ambil tugas" in lanes and "Menunggu sejak" in lanes
    # dates in the short form (the long one on hover), the time zone once in the column header
    assert 'Batas waktu <span class="zone">(WIB)</span>' in lanes
    assert re.search(r'<time class="short" datetime="[^"]+" title="\d{1,2} \w+ \d{4}, \d{2}\.\d{2} WIB">'
                     r"\d{1,2} \w{3} \d{4}, \d{2}\.\d{2}</time>", lanes)
    assert "Diambil oleh" not in lanes  # unclaimed by definition: no column for it
    # nothing taken yet, work waiting in the lane: the inbox opens on the lane's tab, where the work is
    opened = client.get("/inbox").get_data(as_text=True)
    assert 'aria-current="page">Pelaksana saya' in opened and len(task_links(opened)) == 2
    mine = client.get("/inbox?tab=mine").get_data(as_text=True)
    assert 'aria-current="page">Tugas saya' in mine and task_links(mine) == []
    assert "Belum ada tugas yang Anda ambil" in mine
    # claim one from the list: back to the same list, the row moves to "Tugas saya"
    row = ready(svc, a.id)
    response = client.post(f"/tasks/{row.id}/claim", data={"next": "/inbox?tab=lanes"})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox?tab=lanes"
    lanes = client.get("/inbox?tab=lanes").get_data(as_text=True)
    assert "Anda mengambil tugas: Langkah 1" in lanes
    assert "Sistem arsip dinas" in lanes and "Aplikasi antrean puskesmas" not in lanes
    mine = client.get("/inbox?tab=mine").get_data(as_text=True)
    assert "Aplikasi antrean puskesmas" in mine and "Lepaskan tugas" in mine
    assert 'aria-current="page">Tugas saya' in client.get("/inbox").get_data(as_text=True)  # now mine has work
    assert '<span class="person" title="pemilik">Rina Pemilik (Dinas Kesehatan)</span>' in mine  # who took it
    assert "Diambil oleh" in mine
    client.post(f"/tasks/{row.id}/unclaim", data={"next": "/inbox?tab=mine"})
    assert task_links(client.get("/inbox?tab=mine").get_data(as_text=True)) == []
    # nobody else's lane sees them
    client.post("/logout")
    login("analis")
    assert task_links(client.get("/inbox?tab=lanes").get_data(as_text=True)) == []


def test_done_tab_lists_what_i_completed(client, login, svc):
    instance = start(svc, "Aplikasi antrean puskesmas")
    advance(svc, instance, 2)
    login("pemilik")
    done = client.get("/inbox?tab=done").get_data(as_text=True)
    assert [name for _, name in task_links(done)] == [STEP1]
    assert "Selesai pada" in done and "Aplikasi antrean puskesmas" in done and "3 hari kerja" in done
    assert "Ambil tugas" not in done
    login("analis")
    assert STEP1 not in client.get("/inbox?tab=done").get_data(as_text=True)


def test_appointed_step_is_in_the_appointees_tasks(client, login, svc):
    instance = start(svc, "Aplikasi antrean puskesmas")
    advance(svc, instance, 5)
    login("budi")
    mine = client.get("/inbox?tab=mine").get_data(as_text=True)
    assert "Pembuatan rencana implementasi" in mine and "Ditunjuk:" in mine and "budi" in mine
    login("sari")
    assert "Pembuatan rencana implementasi" not in client.get("/inbox?tab=mine").get_data(as_text=True)
    assert "Pembuatan rencana implementasi" not in client.get("/inbox?tab=lanes").get_data(as_text=True)


def test_filters_search_process_and_overdue(client, login, svc):
    late = start(svc, "Aplikasi antrean puskesmas")
    soon = start(svc, "Sistem arsip dinas")
    calm = start(svc, "Portal data desa")
    now = utcnow()
    ready(svc, late.id).due_at = now - timedelta(hours=2)
    ready(svc, soon.id).due_at = now + timedelta(minutes=30)
    ready(svc, soon.id).near_due_at = now - timedelta(minutes=5)  # its reminder's moment has passed
    ready(svc, calm.id).due_at = now + timedelta(days=40)
    svc.session.commit()
    login("pemilik")
    page = client.get("/inbox?tab=lanes").get_data(as_text=True)
    assert page.count("badge-overdue") == 1 and page.count("badge-near") == 1
    assert "Terlambat" in page and "Mendekati batas waktu" in page
    found = client.get("/inbox?tab=lanes&q=arsip").get_data(as_text=True)
    assert "Sistem arsip dinas" in found and "Aplikasi antrean" not in found and "Portal data desa" not in found
    assert "1 tugas" in found and "Hapus saringan" in found
    by_step_name = client.get("/inbox?tab=lanes&q=identifikasi").get_data(as_text=True)
    assert len(task_links(by_step_name)) == 3
    overdue = client.get("/inbox?tab=lanes&overdue=1").get_data(as_text=True)
    assert "Aplikasi antrean puskesmas" in overdue and "Sistem arsip dinas" not in overdue
    assert len(task_links(client.get(f"/inbox?tab=lanes&process={SOP_KEY}").get_data(as_text=True))) == 3
    assert task_links(client.get("/inbox?tab=lanes&process=lain").get_data(as_text=True)) == []
    nothing = client.get("/inbox?tab=lanes&q=tidak-ada-yang-cocok").get_data(as_text=True)
    assert "Tidak ada tugas yang cocok dengan saringan ini." in nothing


def test_sort_by_due_time(client, login, svc):
    first, second = start(svc, "Kasus A"), start(svc, "Kasus B")
    ready(svc, first.id).due_at = utcnow() + timedelta(days=20)
    ready(svc, second.id).due_at = utcnow() + timedelta(days=10)
    svc.session.commit()
    login("pemilik")
    created = client.get("/inbox?tab=lanes").get_data(as_text=True)
    assert created.index("Kasus A") < created.index("Kasus B")
    due = client.get("/inbox?tab=lanes&sort=due").get_data(as_text=True)
    assert due.index("Kasus B") < due.index("Kasus A")
    assert '<option value="due" selected>' in due


def test_pagination_and_titles_in_one_query(app, client, login, svc):
    from sqlalchemy import event

    from webapp.extensions import db

    for n in range(3):
        start(svc, f"Kasus {n:02d}")
    login("pemilik")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/inbox?tab=lanes")
        statements.clear()
        client.get("/inbox?tab=lanes")
        few = len(statements)
        for n in range(3, 25):
            start(svc, f"Kasus {n:02d}")
        client.get("/inbox?tab=lanes")
        statements.clear()
        first = client.get("/inbox?tab=lanes").get_data(as_text=True)
        many = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert many == few, "the inbox must not run a query per row"
    assert len(task_links(first)) == 20 and "Halaman 1 dari 2" in first and "Kasus 00" in first
    assert 'href="/inbox?page=2&amp;tab=lanes"' in first or 'href="/inbox?tab=lanes&amp;page=2"' in first
    second = client.get("/inbox?tab=lanes&page=2").get_data(as_text=True)
    assert len(task_links(second)) == 5 and "Kasus 24" in second and "Kasus 00" not in second
    assert "Halaman 2 dari 2" in second and "25 tugas" in second


def test_claiming_what_someone_else_took_says_so(client, login, svc, app):
    instance = start(svc, "Aplikasi antrean puskesmas")
    row = ready(svc, instance.id)
    svc.users.create("pemilik2", "rahasia123", ["Instansi Pemilik"], full_name="Pemilik Dua")
    svc.session.commit()
    svc.claim(row.id, svc.users.get("pemilik2"))
    login("pemilik")
    response = client.post(f"/tasks/{row.id}/claim", data={"next": "/inbox?tab=lanes"})
    assert response.status_code == 403  # taken by pemilik2: not allowed for pemilik
    page = client.get("/inbox?tab=lanes").get_data(as_text=True)
    assert "Aplikasi antrean puskesmas" not in page  # no longer unclaimed


def test_the_menu_counts_the_steps_waiting_for_me(client, login, svc):
    login("analis")
    assert 'class="nav-count"' not in client.get("/").get_data(as_text=True)  # nothing waits yet
    for title in ("Satu", "Dua"):
        case = start(svc, title)
        row = ready(svc, case.id)
        owner = svc.users.get("pemilik")
        svc.attach(row.id, owner, "a.pdf", io.BytesIO(b"%PDF"))
        svc.complete(row.id, owner, {"nama_aplikasi": title, "instansi_pemilik": "Dinkes", "jenis_pengembangan": "baru"})
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<span class="nav-count" title="2 langkah menunggu Anda">2<span class="visually-hidden">', page)
    login("kasi")  # nothing in the Kasi Sistem lane yet
    assert 'class="nav-count"' not in client.get("/").get_data(as_text=True)
