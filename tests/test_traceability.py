"""Requirements named at the start, tracked to their test scenario, UAT verdicts and review decision.

The SOP with five requirements: one removed and one added when step 3 sends the specification
back, step 8 refused while a requirement has no scenario (named), one requirement failing at step
10 and sent back at step 12, fixed, and passing in round 2 — with the traceability matrix checked
after each step. Then the same list functions in the gateway of another diagram. SQLite and
PostgreSQL.
"""
from __future__ import annotations

import dataclasses
import io
import json
import shutil

import pytest

from engine.errors import Invalid
from engine.expressions import UnsafeExpression, check_expression, evaluate
from engine.service import WorkflowService
from helpers.sop_walk import SOP_KEY, form_data, user_for
from helpers.bpmn_builder import Flow, Node, build_bpmn
from helpers.cases import do, ready_row

REQUIREMENTS = ["Pendaftaran antrean daring", "Nomor antrean lewat SMS", "Cetak karcis antrean",
                "Layar panggilan di ruang tunggu", "Laporan harian jumlah pasien"]



def refused(svc, instance_id, data):
    row = ready_row(svc, instance_id)
    task = {"lane": row.lane, "assignees": [u.username for u in row.assignees] if row.has_assignees else []}
    user = svc.users.get(user_for(task))
    if svc.task_meta(row).output_required and not svc.attachments(task_id=row.id):
        svc.attach(row.id, user, f"langkah-{row.step}.pdf", io.BytesIO(b"%PDF-1.4 isi"))
    with pytest.raises(Invalid) as caught:
        svc.complete(row.id, user, data)
    svc.session.rollback()
    return caught.value.problems


def matrix(svc, instance_id):
    found = svc.traceability(svc.instance(instance_id))
    assert [m.field for m in found] == ["kebutuhan"]
    return found[0]


def table(m):
    """The matrix as plain values: id → (removed, added round, {group step/round/column: value}, gaps)."""
    out = {}
    for row in m.rows:
        cells = {}
        for g in m.groups:
            for r in g.rounds:
                for c, _title in g.columns:
                    if g.key(r, c) in row.cells:
                        cells[f"{g.step}/{r}/{c}"] = row.cells[g.key(r, c)]
        out[row.id] = (row.removed, row.added_round, cells, [(gap.step, gap.column) for gap in row.gaps])
    return out


def unchanged(svc, instance_id, step):
    """A step that fills no list leaves the matrix as it was."""
    before = table(matrix(svc, instance_id))
    do(svc, instance_id, step)
    assert table(matrix(svc, instance_id)) == before, step


def test_requirements_are_traced_through_rework_uat_and_review(svc, any_db):
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean puskesmas").id
    do(svc, case, 1)
    assert matrix(svc, case).rows == []

    # step 2: five requirements, sent without ids: the engine numbers them K-01 … K-05
    do(svc, case, 2, {"ringkasan_kebutuhan": "Antrean puskesmas",
                      "kebutuhan": [{"deskripsi": d, "prioritas": "tinggi"} for d in REQUIREMENTS]})
    m = matrix(svc, case)
    assert [(r.id, r.origin[0][1]) for r in m.rows] == [(f"K-0{n}", d) for n, d in enumerate(REQUIREMENTS, 1)]
    assert [g.step for g in m.groups] == [8, 10, 12] and all(not g.rounds for g in m.groups)
    assert not m.uncovered

    do(svc, case, 3, {"spec_approved": False, "catatan_modifikasi": "Karcis tidak perlu; tambah ekspor data"})
    assert len(matrix(svc, case).rows) == 5

    # step 2 again: the previous round's items keep their ids; K-03 removed, a new one added
    previous = svc.previous_round(ready_row(svc, case)).data["kebutuhan"]
    kept = [i for i in previous if i["id"] != "K-03"]
    do(svc, case, 2, {"ringkasan_kebutuhan": "Antrean puskesmas, tanpa karcis",
                      "kebutuhan": kept + [{"deskripsi": "Ekspor data ke dinas", "prioritas": "sedang"}]})
    rows = table(matrix(svc, case))
    assert list(rows) == ["K-01", "K-02", "K-03", "K-04", "K-05", "K-06"]  # K-03 is never reused
    assert rows["K-03"][:2] == (True, None) and rows["K-06"][:2] == (False, 2)
    assert matrix(svc, case).rows[2].removed_round == 2

    do(svc, case, 3, {"spec_approved": True})
    for step in (4, 5, 6, 7):
        unchanged(svc, case, step)

    # step 8 shows the latest list with what changed, and will not finish while one has no scenario
    row8 = ready_row(svc, case)
    view = svc.list_views(row8)["skenario_uji"]
    assert [i["id"] for i in view.items] == ["K-01", "K-02", "K-04", "K-05", "K-06"]
    assert view.added == {"K-06"} and [i["id"] for i in view.removed] == ["K-03"]
    assert view.context["K-06"] == [("Uraian kebutuhan", "Ekspor data ke dinas"), ("Prioritas", "Sedang")]
    scenarios = [{"id": i, "skenario": f"Uji {i}"} for i in ("K-01", "K-02", "K-04", "K-06")]
    problems = refused(svc, case, {"skenario_uji": scenarios})
    assert [(p.field, p.message) for p in problems] == [
        ("skenario_uji.K-05.skenario", "item K-05 (Laporan harian jumlah pasien) has no 'Skenario uji'")]
    problems = refused(svc, case, {"skenario_uji": scenarios + [{"id": "K-03", "skenario": "x"},
                                                                {"id": "K-05", "skenario": ""}]})
    assert {(p.field, p.message) for p in problems} == {
        ("skenario_uji.K-03.id", "item K-03 is not in the list 'kebutuhan'"),
        ("skenario_uji.K-05.skenario", "'' should be non-empty")}
    assert [r.step for r in svc.instance_tasks(case) if r.state == "completed"].count(8) == 0  # nothing kept
    do(svc, case, 8, {"skenario_uji": scenarios + [{"id": "K-05", "skenario": "Uji K-05"}]})
    rows = table(matrix(svc, case))
    assert rows["K-05"][2] == {"8/1/skenario": "Uji K-05"} and rows["K-03"][2] == {}
    assert not matrix(svc, case).uncovered

    # step 10, round 1: K-04 fails (a failure needs its note)
    unchanged(svc, case, 9)
    verdicts = [{"id": i, "hasil": "lulus"} for i in ("K-01", "K-02", "K-05", "K-06")]
    problems = refused(svc, case, {"tanggal_uat": "2026-12-01", "hasil_uji": verdicts + [{"id": "K-04", "hasil": "gagal"}]})
    assert [p.field for p in problems] == ["hasil_uji.K-04.catatan"]
    failed = {"id": "K-04", "hasil": "gagal", "catatan": "Layar tidak berbunyi"}
    do(svc, case, 10, {"tanggal_uat": "2026-12-01", "hasil_uji": verdicts[:2] + [failed] + verdicts[2:]})
    rows = table(matrix(svc, case))
    assert rows["K-04"][2] == {"8/1/skenario": "Uji K-04", "10/1/hasil": "Gagal", "10/1/catatan": "Layar tidak berbunyi"}
    assert rows["K-01"][2]["10/1/hasil"] == "Lulus"
    unchanged(svc, case, 11)

    # step 12, round 1: the failed one first; it must be decided, and "perbaiki" bars acceptance
    row12 = ready_row(svc, case)
    view = svc.list_views(row12)["tinjauan_butir"]
    assert [i["id"] for i in view.items][0] == "K-04" and view.asked == {"K-04"}
    problems = refused(svc, case, {"prototype_accepted": False, "catatan_review": "Perbaiki layar"})
    assert [(p.field, p.message) for p in problems] == [
        ("tinjauan_butir.K-04.keputusan", "item K-04 (Layar panggilan di ruang tunggu) has no 'Keputusan'")]
    problems = refused(svc, case, {"prototype_accepted": True,
                                   "tinjauan_butir": [{"id": "K-04", "keputusan": "perbaiki"}]})
    assert [p.field for p in problems] == ["tinjauan_butir.K-04.keputusan"]
    do(svc, case, 12, {"prototype_accepted": False, "catatan_review": "Perbaiki layar panggilan",
                       "tinjauan_butir": [{"id": "K-04", "keputusan": "perbaiki", "catatan": "Bunyi panggilan"}]})
    assert ready_row(svc, case).step == 9  # sent back
    rows = table(matrix(svc, case))
    assert rows["K-04"][2]["12/1/keputusan"] == "Perbaiki" and "12/1/keputusan" not in rows["K-01"][2]

    # round 2: fixed, every requirement passes; nothing is asked at step 12, which accepts
    unchanged(svc, case, 9)
    do(svc, case, 10, {"tanggal_uat": "2026-12-08",
                       "hasil_uji": [{"id": i, "hasil": "lulus"} for i in ("K-01", "K-02", "K-04", "K-05", "K-06")]})
    rows = table(matrix(svc, case))
    assert (rows["K-04"][2]["10/1/hasil"], rows["K-04"][2]["10/2/hasil"]) == ("Gagal", "Lulus")
    assert [g.rounds for g in matrix(svc, case).groups] == [[1], [1, 2], [1]]
    unchanged(svc, case, 11)
    assert svc.list_views(ready_row(svc, case))["tinjauan_butir"].asked == set()
    do(svc, case, 12, {"prototype_accepted": True})
    assert ready_row(svc, case).step == 13
    final = matrix(svc, case)
    assert [g.rounds for g in final.groups] == [[1], [1, 2], [1, 2]] and not final.uncovered
    assert table(final)["K-03"] == (True, None, {}, [])
    unchanged(svc, case, 13)
    unchanged(svc, case, 14)
    assert svc.instance(case).status == "completed"


def test_a_required_bound_list_marks_the_items_it_leaves_uncovered(svc, any_db, tmp_path):
    """A second diagram of another shape: the list and its check in one loop; the gateway reads
    the list with count() and all_set(); a requirement added on the way back shows as uncovered."""
    forms = tmp_path / "forms"
    shutil.copytree(svc.config.forms_dir, forms)
    (forms / "uji_daftar.json").write_text(json.dumps({
        "type": "object", "required": ["butir"], "additionalProperties": False,
        "properties": {"butir": {"type": "array", "x-item-id": "B", "maxItems": 5, "minItems": 1, "items": {
            "type": "object", "required": ["id", "uraian"], "additionalProperties": False,
            "properties": {"id": {"type": "string"}, "uraian": {"type": "string", "minLength": 1, "maxLength": 50}}}}}}))
    (forms / "uji_periksa.json").write_text(json.dumps({
        "type": "object", "required": ["cek"], "additionalProperties": False,
        "properties": {"cek": {"type": "array", "x-items-from": "butir", "items": {
            "type": "object", "required": ["id", "ok"], "additionalProperties": False,
            "properties": {"id": {"type": "string"}, "ok": {"type": "string", "enum": ["ya", "tidak"]}}}}}}))
    nodes = [Node("Mulai", "startEvent", "Mulai", "Instansi Pemilik"),
             Node("Gabung", "exclusiveGateway", "", "Instansi Pemilik"),
             Node("Daftar", "userTask", "Daftar butir", "Instansi Pemilik", {"sop.step": 1, "sop.form": "uji_daftar.json"}),
             Node("Periksa", "userTask", "Periksa butir", "System Analyst", {"sop.step": 2, "sop.form": "uji_periksa.json"}),
             Node("Cek", "exclusiveGateway", "Semua ya?", "System Analyst", default="F_ulang"),
             Node("Selesai", "endEvent", "Selesai", "System Analyst")]
    flows = [Flow("F1", "Mulai", "Gabung"), Flow("F2", "Gabung", "Daftar"), Flow("F3", "Daftar", "Periksa"),
             Flow("F4", "Periksa", "Cek"),
             Flow("F_ok", "Cek", "Selesai", condition="all_set(cek, 'ok') and count(cek, 'ok', 'tidak') == 0"),
             Flow("F_ulang", "Cek", "Gabung")]
    other = WorkflowService(svc.session, dataclasses.replace(svc.config, forms_dir=forms))
    other.deploy(build_bpmn("daftar_periksa", nodes, flows, name="Daftar dan periksa"), "daftar.bpmn")
    case = other.start("daftar_periksa", other.users.get("pemilik"), "Uji daftar").id
    do(other, case, 1, {"butir": [{"uraian": "Satu"}, {"uraian": "Dua"}]})
    do(other, case, 2, {"cek": [{"id": "B-01", "ok": "ya"}, {"id": "B-02", "ok": "tidak"}]})
    # count(cek, 'ok', 'tidak') == 1: the gateway sends the case back to the list
    row = ready_row(other, case)
    assert row.step == 1 and row.round == 2
    do(other, case, 1, {"butir": [{"id": "B-01", "uraian": "Satu"}, {"id": "B-02", "uraian": "Dua, diperbaiki"},
                                  {"uraian": "Tiga"}]})
    m = other.traceability(other.instance(case))[0]
    assert [(r.id, r.added_round) for r in m.rows] == [("B-01", None), ("B-02", None), ("B-03", 2)]
    # B-03 came after the last check: the required check does not cover it yet
    assert [(r.id, [(g.step, g.column) for g in r.gaps]) for r in m.uncovered] == [("B-03", [(2, "Ok")])]
    do(other, case, 2, {"cek": [{"id": b, "ok": "ya"} for b in ("B-01", "B-02", "B-03")]})
    assert other.instance(case).status == "completed"
    assert not other.traceability(other.instance(case))[0].uncovered


def test_list_functions_are_bounded_and_held_to_the_same_rules():
    items = [{"id": "K-01", "hasil": "gagal"}, {"id": "K-02", "hasil": "lulus"}, {"id": "K-03"}, "x"]
    assert evaluate("count(items, 'hasil', 'gagal')", {"items": items}) == 1
    assert evaluate("count(items, 'hasil')", {"items": items}) == 2
    assert evaluate("all_set(items, 'id')", {"items": items[:3]}) is True
    assert evaluate("all_set(items, 'hasil')", {"items": items}) is False
    assert evaluate("count(nothing, 'hasil', 'gagal') == 0 and not all_set(nothing, 'x')", {"nothing": None})
    with pytest.raises(UnsafeExpression):
        evaluate("count(items, 'a', 'b', 'c')", {"items": items})
    with pytest.raises(UnsafeExpression):
        evaluate("count(text, 'a')", {"text": "abc"})
    with pytest.raises(UnsafeExpression):
        evaluate("count(items, 'a')", {"items": [{}] * 10_001})
    for unsafe in ("count.__globals__", "count(items, key=1)", "count(*items)", "all_set.__code__",
                   "[x for x in items]"):
        with pytest.raises(UnsafeExpression):
            check_expression(unsafe)


def test_item_lists_are_bounded_and_their_ids_checked(svc):
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Batas daftar").id
    do(svc, case, 1)

    def codes(items):
        return sorted((p.field, p.code) for p in refused(svc, case, {"ringkasan_kebutuhan": "x", "kebutuhan": items}))

    one = {"deskripsi": "Daftar", "prioritas": "tinggi"}
    assert ("kebutuhan", "list.too_many") in codes([dict(one) for _ in range(101)])
    assert codes([{"deskripsi": "x" * 501, "prioritas": "tinggi"}]) == [("kebutuhan.K-01.deskripsi", "form.too_long")]
    assert codes([{"id": "K-01", **one}, {"id": "K-01", **one}]) == [("kebutuhan.K-01.id", "list.duplicate")]
    assert codes([{"id": "X-1", **one}]) == [("kebutuhan.X-1.id", "list.bad_id")]
    assert codes([{"id": "K-01", "deskripsi": "", "prioritas": "penting"}]) == [
        ("kebutuhan.K-01.deskripsi", "form.empty"), ("kebutuhan.K-01.prioritas", "form.not_choice")]
    assert codes([]) == [("kebutuhan", "form.empty")]
    assert svc.submissions(case)[-1].step == 1  # nothing of it kept


def test_the_page_view_keeps_the_last_rounds_only():
    from engine.traceability import Group, Matrix, TraceRow, latest_rounds

    group = Group("Step10", 10, "UAT", "hasil_uji", "Hasil uji", [("hasil", "Hasil")], [1, 2, 3, 4, 5], True)
    row = TraceRow("K-01", [("Uraian", "Daftar")], cells={group.key(r, "hasil"): "Gagal" for r in range(1, 6)})
    m = Matrix("kebutuhan", "Daftar kebutuhan", 2, "Spesifikasi", [("deskripsi", "Uraian")], [group], [row])
    [shown] = latest_rounds([m], 3)
    assert shown.groups[0].rounds == [3, 4, 5] and shown.groups[0].rounds_hidden == 2
    assert m.groups[0].rounds == [1, 2, 3, 4, 5]  # the full matrix (the workbook's) is untouched


def test_a_bound_list_must_read_a_list_the_process_fills(svc, tmp_path):
    """Deploy refuses a form whose x-items-from names no list of the process (it would ask nothing)."""
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "yatim.json").write_text(json.dumps({
        "type": "object", "properties": {"cek": {"type": "array", "x-items-from": "tidak_ada", "items": {
            "type": "object", "properties": {"id": {"type": "string"}, "ok": {"type": "boolean"}}}}}}))
    nodes = [Node("Mulai", "startEvent", "Mulai", "Instansi Pemilik"),
             Node("Periksa", "userTask", "Periksa", "Instansi Pemilik", {"sop.step": 1, "sop.form": "yatim.json"}),
             Node("Selesai", "endEvent", "Selesai", "Instansi Pemilik")]
    flows = [Flow("F1", "Mulai", "Periksa"), Flow("F2", "Periksa", "Selesai")]
    other = WorkflowService(svc.session, dataclasses.replace(svc.config, forms_dir=forms))
    with pytest.raises(Invalid) as caught:
        other.deploy(build_bpmn("yatim", nodes, flows), "yatim.bpmn")
    assert [(p.code, "Periksa" in p.element, p.params) for p in caught.value.problems] == [
        ("bpmn.items_from_unknown", True, {"list": "cek", "source": "tidak_ada"})]
