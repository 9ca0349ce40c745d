"""Lists of cases that cost the same at any size: search words, indexed filters, bounded counts,
rows without their state."""
from __future__ import annotations

from sqlalchemy import event, inspect

from engine import search
from engine.models import Instance
from engine.paging import Count
from helpers.sop_walk import SOP_KEY


def titles(svc, **filters) -> list[str]:
    rows, _count = svc.list_instances(svc.users.get("admin"), **filters)
    return [i.title for i in rows]


def test_search_words_are_case_folded_distinct_and_bounded():
    assert search.terms("Aplikasi  ANTREAN puskesmas, aplikasi!") == ["aplikasi", "antrean", "puskesmas"]
    assert search.terms("SOP/2026/0001", None, "Ruang rapat") == ["sop", "2026", "0001", "ruang", "rapat"]
    assert search.terms("Café ＡＢＣ") == ["café", "abc"]  # accents kept, full-width letters folded
    assert search.terms("x" * 500) == ["x" * search.MAX_TERM]
    assert len(search.terms(" ".join(f"w{n}" for n in range(500)))) == search.MAX_TERMS
    assert search.search_words("  ,;  ") == []  # no word: nothing to narrow by
    assert search.search_words("di puskesmas desa") == ["puskesmas", "desa", "di"]
    assert search.prefixes("Ab abc") == ["a", "ab", "abc"]


def test_search_finds_cases_by_the_beginnings_of_their_words(any_db, svc):
    owner = svc.users.get("pemilik")
    for title in ("Aplikasi antrean puskesmas", "Sistem arsip dinas", "Portal data desa", "Arsip Puskesmas Desa"):
        svc.start(SOP_KEY, owner, title)
    assert titles(svc, q="arsip") == ["Arsip Puskesmas Desa", "Sistem arsip dinas"]
    assert titles(svc, q="PUSKES") == ["Arsip Puskesmas Desa", "Aplikasi antrean puskesmas"]
    assert titles(svc, q="desa arsip") == ["Arsip Puskesmas Desa"]  # every word must match
    assert titles(svc, q="esmas") == []  # the middle of a word is no beginning
    assert titles(svc, q="arsip", status="completed") == []
    assert titles(svc, q="%") == titles(svc)  # no word in it: no narrowing, and no LIKE wildcard either


def test_filters_by_process_status_and_overdue_and_counts(any_db, svc):
    from datetime import timedelta

    from engine.models import utcnow

    owner = svc.users.get("pemilik")
    cases = [svc.start(SOP_KEY, owner, f"Kasus {n}") for n in range(3)]
    late = next(t for t in svc.instance_tasks(cases[1].id) if t.state == "ready")
    late.due_at = utcnow() - timedelta(hours=1)
    svc.session.commit()
    assert titles(svc, overdue=True) == ["Kasus 1"]
    assert titles(svc, process_key=SOP_KEY) == ["Kasus 2", "Kasus 1", "Kasus 0"]
    assert titles(svc, process_key="tidak_ada") == []
    assert titles(svc, status="running") == ["Kasus 2", "Kasus 1", "Kasus 0"]
    rows, count = svc.list_instances(svc.users.get("admin"), limit=2)
    assert len(rows) == 2 and count == Count(3, True)


def test_list_rows_come_without_their_state(any_db, svc, app):
    from webapp.extensions import db

    svc.start(SOP_KEY, svc.users.get("pemilik"), "Tanpa keadaan")
    svc.start(SOP_KEY, svc.users.get("pemilik"), "Tanpa keadaan juga")
    svc.session.commit()
    svc.session.expunge_all()
    statements: list[str] = []

    def grab(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        rows, _count = svc.list_instances(svc.users.get("admin"), limit=1)  # a page of two: counted
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    assert rows and "state" in inspect(rows[0]).unloaded
    listing = [s for s in statements if "FROM instances" in s and "ORDER BY" in s]
    assert listing and all("instances.state," not in s for s in listing)
    counts = [s for s in statements if "count(" in s]
    assert counts and all("LIMIT" in s for s in counts)  # the count reads at most a bounded number of rows


def test_the_cases_page_says_more_than_when_the_count_stops(any_db, svc, client, login, monkeypatch):
    from engine import ops_instances

    monkeypatch.setattr(ops_instances, "COUNT_CAP", 2)
    owner = svc.users.get("pemilik")
    for n in range(30):
        svc.start(SOP_KEY, owner, f"Kasus {n:02d}")
    login("admin")
    page = client.get("/instances/").get_data(as_text=True)
    assert "Lebih dari 2 instans" in page and "Halaman 1<" in page and 'rel="next"' in page
    second = client.get("/instances/?page=2").get_data(as_text=True)
    assert "Kasus 04" in second and 'rel="prev"' in second


def test_instance_model_keeps_state_loadable_on_a_case(any_db, svc):
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Dengan keadaan")
    svc.session.commit()
    svc.session.expunge_all()
    assert svc.session.get(Instance, case.id).state  # the case itself still carries its state


def test_the_api_lists_cases_by_search_words_and_overdue(any_db, svc, client, tokens):
    from datetime import timedelta

    from engine.models import utcnow

    owner = svc.users.get("pemilik")
    svc.start(SOP_KEY, owner, "Sistem arsip dinas")
    late = svc.start(SOP_KEY, owner, "Portal data desa")
    next(t for t in svc.instance_tasks(late.id) if t.state == "ready").due_at = utcnow() - timedelta(hours=1)
    svc.session.commit()
    auth = {"Authorization": f"Bearer {tokens['admin']}"}
    found = client.get("/api/instances?q=ARSIP", headers=auth).get_json()
    assert [i["title"] for i in found] == ["Sistem arsip dinas"]
    assert [i["title"] for i in client.get("/api/instances?overdue=1", headers=auth).get_json()] == ["Portal data desa"]
    assert len(client.get("/api/instances", headers=auth).get_json()) == 2


def test_a_search_reads_along_its_rarest_word_not_its_longest(any_db, svc):
    owner = svc.users.get("pemilik")
    for n in range(4):
        svc.start(SOP_KEY, owner, f"Aplikasi antrean {n}")
    svc.start(SOP_KEY, owner, "Aplikasi antrean desa")
    svc.session.commit()
    assert search.frequencies(svc.session, ["antrean", "desa", "zzz"], cap=3) == [4, 1, 0]  # 4: "more than 3"
    assert search.rarest_first(svc.session, ["antrean", "desa"]) == (["desa", "antrean"], 1)
    assert search.rarest_first(svc.session, ["desa"]) == (["desa"], 1)
    assert titles(svc, q="antrean desa") == ["Aplikasi antrean desa"]
    assert titles(svc, q="antrean") == ["Aplikasi antrean desa"] + [f"Aplikasi antrean {n}" for n in (3, 2, 1, 0)]


def test_a_search_count_is_its_word_or_more_than_the_pages_read(any_db, svc, monkeypatch):
    owner = svc.users.get("pemilik")
    admin = svc.users.get("admin")
    for n in range(7):
        svc.start(SOP_KEY, owner, f"Arsip {'desa' if n % 2 else 'kota'} {n}")
    svc.session.commit()
    rows, count = svc.list_instances(admin, q="arsip", limit=2)
    assert [i.title for i in rows] == ["Arsip kota 6", "Arsip desa 5"] and count == Count(7)  # the word's own count
    rows, count = svc.list_instances(admin, q="arsip desa", limit=2)
    assert len(rows) == 2 and count == Count(3)  # a rare word: counted exactly
    monkeypatch.setattr(search, "COUNTED_SCAN", 2)  # now "desa" (3 cases) is common
    assert svc.list_instances(admin, q="arsip desa", limit=2)[1] == Count(2, exact=False)
    rows, count = svc.list_instances(admin, q="arsip desa", limit=2, offset=2)
    assert [i.title for i in rows] == ["Arsip desa 1"] and count == Count(3)  # the last page: exact
    assert svc.list_instances(admin, q="arsip desa", limit=2, offset=4) == ([], Count(3))  # past the end: counted
    monkeypatch.setattr(search, "FREQUENCY_CAP", 5)
    assert svc.list_instances(admin, q="arsip", limit=2)[1] == Count(5, exact=False)
    assert svc.list_instances(admin, q="arsip", limit=2, offset=4)[1] == Count(6, exact=False)


def _plan(svc, query) -> str:
    """The database's plan of ``query``, as one string."""
    bind = svc.session.get_bind()
    compiled = query.compile(bind)
    params = compiled.construct_params()
    if bind.dialect.name == "sqlite":
        sql, args = "EXPLAIN QUERY PLAN " + str(compiled), tuple(params[k] for k in compiled.positiontup)
    else:
        sql, args = "EXPLAIN " + str(compiled), params
    return " ".join(str(r) for r in svc.session.connection().exec_driver_sql(sql, args))


def test_a_search_page_reads_the_word_index_newest_first_and_probes_the_others(any_db, svc):
    from sqlalchemy import insert, text

    from engine.models import InstanceSearchTerm

    owner = svc.users.get("pemilik")
    cases = [svc.start(SOP_KEY, owner, f"Arsip desa {n}").id for n in range(3)]
    # enough other words that reading a word's cases along the index beats reading the table
    svc.session.execute(insert(InstanceSearchTerm), [{"term": f"w{n}", "instance_id": c}
                                                      for n in range(2000) for c in cases])
    svc.session.commit()
    if svc.session.get_bind().dialect.name == "postgresql":
        svc.session.execute(text("ANALYZE instance_search_terms"))
        svc.session.execute(text("ANALYZE instances"))
    query, order, _counted = svc._case_query(svc.users.get("admin"), status=None, process_key=None,
                                             q="arsip desa", overdue=False, mine=False)
    plan = _plan(svc, query.with_only_columns(Instance.id).order_by(order.desc()).limit(26))
    svc.session.rollback()
    assert "instance_search_terms" in plan and ("sqlite_autoindex_instance_search_terms_1" in plan
                                                or "instance_search_terms_pkey" in plan), plan
    assert "SCAN instance_search_terms" not in plan and "Seq Scan on instance_search_terms" not in plan, plan
    assert "Hash" not in plan and "TEMP B-TREE" not in plan, plan  # probed per case, no sort of all matches


def test_the_api_pages_cases_by_the_last_id_seen(any_db, svc, client, tokens):
    owner = svc.users.get("pemilik")
    ids = [svc.start(SOP_KEY, owner, f"Arsip {n}").id for n in range(5)]
    svc.start(SOP_KEY, owner, "Lain")
    svc.session.commit()
    auth = {"Authorization": f"Bearer {tokens['admin']}"}

    def page(url: str) -> list[int]:
        return [i["id"] for i in client.get(url, headers=auth).get_json()]

    first = page("/api/instances?q=arsip&limit=2")
    assert first == ids[:-3:-1]
    assert page(f"/api/instances?q=arsip&limit=2&before={first[-1]}") == [ids[2], ids[1]]
    assert page(f"/api/instances?limit=2&before={ids[1]}") == [ids[0]]
    assert page("/api/instances?limit=2&before=0") == [] and len(page("/api/instances?before=x")) == 6
    assert len(page(f"/api/instances?before={10**30}")) == 6  # past any id: every case
    assert page("/api/instances?q=arsip&limit=2&offset=2") == [ids[2], ids[1]]  # offset still works


def test_a_case_is_found_by_the_words_of_its_answers_each_written_once(any_db, svc):
    """A step's answers are indexed in one statement; words the case has already (its title's, an
    earlier round's) are kept once, and a word of nobody's answers finds nothing."""
    from sqlalchemy import select

    from engine.models import InstanceSearchTerm
    from helpers.cases import do, ready_row
    from helpers.sop_walk import form_data

    owner = svc.users.get("pemilik")
    case = svc.start(SOP_KEY, owner, "Aplikasi antrean")
    other = svc.start(SOP_KEY, owner, "Portal data desa")
    words = lambda: list(svc.session.scalars(select(InstanceSearchTerm.term)
                                             .where(InstanceSearchTerm.instance_id == case.id)))
    at_start = set(words())
    assert {"aplikasi", "antrean"} <= at_start
    row = ready_row(svc, case.id)
    answers = {**form_data(svc.task_form(row), 1, {}), "nama_aplikasi": "Antrean Puskesmas Kecamatan Zambrud"}
    do(svc, case.id, 1, answers)
    assert titles(svc, q="zambr") == ["Aplikasi antrean"]
    assert titles(svc, q="kecamatan antrean") == ["Aplikasi antrean"]
    assert titles(svc, q="portal") == ["Portal data desa"] and other.id != case.id
    kept = svc.submissions(case.id)[-1].data
    after = words()
    assert sorted(after) == sorted(at_start | set(search.prefixes(*search.texts_of(kept))))  # each once
    search.add_to_instance(svc.session, case.id, "antrean zambrud", "")  # every word there already
    search.add_to_instance(svc.session, case.id)  # no words: no statement
    assert sorted(words()) == sorted(after)
