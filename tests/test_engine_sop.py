"""The whole SOP through the engine service, on SQLite and PostgreSQL."""
from __future__ import annotations

import io

import pytest

from engine.errors import Conflict, Invalid, NotAllowed
from helpers.sop_walk import EXPECTED_STEPS, PROGRAMMERS, SOP_KEY, STAFF, SYSTEM_PROGRAMMER, walk
from helpers.cases import all_ready



def test_sop_runs_end_to_end_with_both_loops(svc, any_db):
    owner = svc.users.get("pemilik")
    instance = svc.start(SOP_KEY, owner, "Aplikasi antrean puskesmas")
    refusals = []

    def attach(task, username):
        svc.attach(task["id"], svc.users.get(username), f"step{task['step']}.pdf", io.BytesIO(b"%PDF-1.4 isi"))

    def complete(task, username, data):
        svc.complete(task["id"], svc.users.get(username), data)

    def before(task, username):
        # everyone else in the directory is refused this step, with a reason
        for other in ["pemilik", "analis", "kabid", "kasi", *STAFF]:
            if other == username or other in task["assignees"]:
                continue
            with pytest.raises(NotAllowed):
                svc.complete(task["id"], svc.users.get(other), {})
            refusals.append((task["step"], other))

    steps = walk(lambda: all_ready(svc, instance.id), attach, complete, before)
    assert steps == EXPECTED_STEPS
    instance = svc.instance(instance.id)
    assert instance.status == "completed" and instance.ended_at is not None
    # appointed steps went to the appointed people only
    rows = svc.instance_tasks(instance.id)
    by_step = {}
    for r in rows:
        by_step.setdefault(r.step, []).append(r)
    assert {r.completed_by for r in by_step[5]} == {SYSTEM_PROGRAMMER}
    assert all(r.completed_by in PROGRAMMERS for s in (9, 13, 14) for r in by_step[s])
    assert (5, "budi") not in refusals and (9, "budi") in refusals and (5, "sari") in refusals
    kinds = [e.kind for e in svc.instance_events(instance.id)]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("complete") == len(EXPECTED_STEPS)
    data = svc.instance_data(instance)
    assert data["system_programmer"] == SYSTEM_PROGRAMMER and data["programmers"] == PROGRAMMERS


def _first_ready(svc, instance_id):
    return [r for r in svc.instance_tasks(instance_id) if r.state == "ready"][0]


def test_required_deliverable_invalid_data_and_double_completion(svc, any_db):
    owner = svc.users.get("pemilik")
    instance = svc.start(SOP_KEY, owner, "Uji penolakan")
    step1 = _first_ready(svc, instance.id)
    with pytest.raises(Invalid) as missing:
        svc.complete(step1.id, owner, {"nama_aplikasi": "X", "instansi_pemilik": "Dinkes",
                                       "jenis_pengembangan": "baru"})
    assert any(p.field == "attachments" for p in missing.value.problems)
    svc.attach(step1.id, owner, "kebutuhan.pdf", io.BytesIO(b"%PDF"))
    with pytest.raises(Invalid) as bad:
        svc.complete(step1.id, owner, {"nama_aplikasi": 12, "jenis_pengembangan": "lain"})
    fields = {p.field for p in bad.value.problems}
    assert {"nama_aplikasi", "jenis_pengembangan", "instansi_pemilik"} <= fields
    assert svc.instance_tasks(instance.id)[0].state == "ready"  # nothing changed
    good = {"nama_aplikasi": "X", "instansi_pemilik": "Dinkes", "jenis_pengembangan": "baru"}
    svc.complete(step1.id, owner, good)
    with pytest.raises(Conflict):
        svc.complete(step1.id, owner, good)


def test_appointment_must_name_a_staff_member(svc):
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Uji penunjukan")
    state = {"rounds": 0}

    def attach(task, username):
        svc.attach(task["id"], svc.users.get(username), "dok.pdf", io.BytesIO(b"%PDF"))

    def complete(task, username, data):
        if task["step"] == 4:
            with pytest.raises(Invalid) as exc:
                svc.complete(task["id"], svc.users.get(username), {**data, "system_programmer": "analis"})
            assert exc.value.problems[0].field == "system_programmer"
            with pytest.raises(Invalid):
                svc.complete(task["id"], svc.users.get(username), {**data, "system_programmer": "nobody"})
            state["checked"] = True
        svc.complete(task["id"], svc.users.get(username), data)
        if task["step"] == 5:
            raise StopIteration

    with pytest.raises(StopIteration):
        walk(lambda: all_ready(svc, instance.id), attach, complete)
    assert state.get("checked")


def test_claim_and_unclaim(svc):
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Uji klaim")
    row = _first_ready(svc, instance.id)
    owner = svc.users.get("pemilik")
    svc.claim(row.id, owner)
    assert svc.task(row.id).claimed_by == "pemilik"
    extra = svc.users.create("pemilik2", "password22", ["Instansi Pemilik"])
    with pytest.raises(NotAllowed):
        svc.claim(row.id, extra)
    with pytest.raises(NotAllowed):
        svc.unclaim(row.id, extra)
    assert [t.id for t in svc.inbox(extra, "ready")[0]] == []
    svc.unclaim(row.id, owner)
    assert [t.id for t in svc.inbox(extra, "lanes")[0]] == [row.id]
    with pytest.raises(Conflict):
        svc.unclaim(row.id, owner)


def test_role_change_reaches_open_tasks(svc):
    instance = svc.start(SOP_KEY, svc.users.get("pemilik"), "Uji peran")
    row = _first_ready(svc, instance.id)
    newcomer = svc.users.create("baru", "password22", [])
    assert svc.inbox(newcomer)[0] == []
    svc.users.update(newcomer, roles=["Instansi Pemilik"])
    svc.session.commit()
    assert [t.id for t in svc.inbox(newcomer)[0]] == [row.id]


def test_case_list_shows_a_member_the_cases_of_their_lanes_and_their_own(svc):
    from helpers.bpmn_builder import parallel_review_process

    definition, _ = svc.deploy(parallel_review_process(), "izin.bpmn")
    loket = svc.users.create("loket", "rahasia123", ["Loket"], full_name="Petugas Loket")
    sop_case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi antrean")
    permit_case = svc.start(definition.key, loket, "Izin konser")
    svc.session.commit()

    def titles(user):
        rows, total = svc.list_instances(user)
        assert total.exact and total.value == len(rows)
        return sorted(i.title for i in rows)

    assert titles(svc.users.get("admin")) == ["Aplikasi antrean", "Izin konser"]
    assert titles(loket) == ["Izin konser"]  # a Loket lane of izin_keramaian, none of the SOP's
    assert titles(svc.users.get("analis")) == ["Aplikasi antrean"]  # System Analyst: a lane of the SOP
    outsider = svc.users.create("tamu", "rahasia123", ["Tamu"])
    assert titles(outsider) == []
    # a new version with another lane: lanes are read per version, not per process key
    v2, created = svc.deploy(parallel_review_process().replace(b'name="Loket"', b'name="Loket Baru"'), "izin.bpmn")
    assert created and v2.version == 2
    loket_baru = svc.users.create("loket2", "rahasia123", ["Loket Baru"])
    svc.start(v2.key, loket_baru, "Izin pawai")
    svc.session.commit()
    assert titles(loket) == ["Izin konser"]
    assert titles(loket_baru) == ["Izin pawai"]
    assert permit_case.definition_id == definition.id and sop_case.definition.key == SOP_KEY
