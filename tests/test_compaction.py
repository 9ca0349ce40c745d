"""History compaction (engine/compaction.py): loops keep working, data is preserved, state stays bounded."""
from __future__ import annotations

import dataclasses
import io
import json

from helpers.bpmn_builder import Flow, Node, build_bpmn
from helpers.sop_walk import SOP_KEY, form_data, user_for

from engine.service import WorkflowService

LOOPS = 50


def _ready(svc, instance_id):
    return [r for r in svc.instance_tasks(instance_id) if r.state == "ready"]


def _task_count(state: str) -> int:
    return len(json.loads(state)["tasks"])


class Walker:
    """Drives one SOP instance a step at a time; step 12 sends the prototype back ``loops`` times."""

    def __init__(self, svc: WorkflowService, instance_id: int, loops: int) -> None:
        self.svc, self.instance_id, self.loops = svc, instance_id, loops
        self.rounds: dict[int, int] = {}
        self.done_loops = 0
        self.steps: list[int] = []
        self.submitted: dict = {}  # everything sent, in order: what the case data must add up to

    def step(self) -> int | None:
        rows = _ready(self.svc, self.instance_id)
        if not rows:
            return None
        assert len(rows) == 1
        row = rows[0]
        meta = self.svc.task_meta(row)
        task = {"id": row.id, "step": row.step, "lane": row.lane,
                "assignees": [u.username for u in row.assignees] if row.has_assignees else []}
        username = user_for(task)
        user = self.svc.users.get(username)
        data = form_data(self.svc.task_form(row), row.step, self.rounds)
        if row.step == 12:
            data["prototype_accepted"] = self.done_loops >= self.loops
            data["catatan_review"] = f"putaran {self.done_loops}"
        if row.step == 9:
            data["versi_prototype"] = f"v{self.done_loops + 1}"
        if meta.output_required and not self.svc.attachments(task_id=row.id):
            self.svc.attach(row.id, user, f"step{row.step}.pdf", io.BytesIO(b"%PDF-1.4"))
        self.svc.complete(row.id, user, data)
        self.submitted.update(data)
        self.rounds[row.step] = self.rounds.get(row.step, 0) + 1
        if row.step == 12 and not data["prototype_accepted"]:
            self.done_loops += 1
        self.steps.append(row.step)
        return row.step


def test_fifty_rounds_of_the_step_12_loop_complete_with_bounded_state(svc):
    owner = svc.users.get("pemilik")
    compacted = Walker(svc, svc.start(SOP_KEY, owner, "Dengan pemadatan").id, LOOPS)
    # The same walk without compaction, in lockstep for the first rounds (it slows down as it grows).
    plain = WorkflowService(svc.session, dataclasses.replace(svc.config, compact_history=False))
    reference = Walker(plain, plain.start(SOP_KEY, owner, "Tanpa pemadatan").id, LOOPS)
    reference_rounds = 8

    sizes: dict[int, tuple[int, int]] = {}
    while True:
        in_lockstep = compacted.done_loops < reference_rounds
        step = compacted.step()
        if in_lockstep:
            assert reference.step() == step, "compaction changed the path through the process"
        if step is None:
            break
        if step == 12 and compacted.done_loops in (1, 5, reference_rounds, 25, LOOPS):
            state = svc.instance(compacted.instance_id).state
            sizes[compacted.done_loops] = (len(state), _task_count(state))
            data = svc.instance_data(svc.instance(compacted.instance_id))
            assert {k: data.get(k) for k in compacted.submitted} == compacted.submitted
            if compacted.done_loops <= reference_rounds:
                # the case data the pages show is the same with and without compaction
                assert data == plain.instance_data(plain.instance(reference.instance_id))

    # the loops still work: 50 times round 9 → 12, then on to 13 and 14
    assert compacted.done_loops == LOOPS
    assert compacted.steps[:len(reference.steps)] == reference.steps
    assert compacted.steps.count(9) == LOOPS + 1 and compacted.steps[-2:] == [13, 14]
    instance = svc.instance(compacted.instance_id)
    assert instance.status == "completed" and instance.ended_at is not None

    # bounded: the state after 50 loops is no bigger than after one, and a handful of tasks
    (one_len, one_tasks), (last_len, last_tasks) = sizes[1], sizes[LOOPS]
    assert last_tasks <= one_tasks and last_tasks <= 20, sizes
    assert last_len <= one_len * 1.1, sizes
    uncompacted = plain.instance(reference.instance_id).state
    assert len(uncompacted) > 2 * sizes[reference_rounds][0]  # what it grows to without compaction

    # data preserved: the final case data is everything submitted, in order; every step's own
    # data is in the task index, every completion in the audit log
    data = svc.instance_data(instance)
    assert {k: data.get(k) for k in compacted.submitted} == compacted.submitted
    assert data["prototype_accepted"] is True and data["versi_prototype"] == f"v{LOOPS + 1}"
    assert data["system_programmer"] == "budi" and data["programmers"] == ["sari", "andi"]
    rows = svc.instance_tasks(instance.id)
    assert all(r.state == "completed" for r in rows), {r.state for r in rows}
    reviews = [r for r in rows if r.step == 12]
    assert [r.data["catatan_review"] for r in reviews] == [f"putaran {i}" for i in range(LOOPS + 1)]
    kinds = [e.kind for e in svc.instance_events(instance.id)]
    assert kinds.count("complete") == len(compacted.steps) and kinds[-1] == "end"


def _looping_parallel_process() -> bytes:
    """A loop round a parallel split/join: compaction must never break the join's bookkeeping."""
    nodes = [
        Node("StartEvent_1", "startEvent", "Mulai", "Loket"),
        Node("Task_Terima", "userTask", "Terima", "Loket", {"sop.step": 1}),
        Node("Merge", "exclusiveGateway", "", "Loket"),
        Node("Split", "parallelGateway", "", "Loket"),
        Node("Task_A", "userTask", "Periksa A", "Tim A", {"sop.step": 2}),
        Node("Task_B", "userTask", "Periksa B", "Tim B", {"sop.step": 3}),
        Node("Join", "parallelGateway", "", "Loket"),
        Node("Task_Review", "userTask", "Tinjau", "Kepala", {"sop.step": 4}),
        Node("Decide", "exclusiveGateway", "Ulang?", "Kepala", default="Flow_selesai"),
        Node("Task_Selesai", "userTask", "Tutup", "Kepala", {"sop.step": 5}),
        Node("EndEvent_1", "endEvent", "Selesai", "Kepala"),
    ]
    flows = [
        Flow("Flow_1", "StartEvent_1", "Task_Terima"), Flow("Flow_2", "Task_Terima", "Merge"),
        Flow("Flow_3", "Merge", "Split"), Flow("Flow_4", "Split", "Task_A"), Flow("Flow_5", "Split", "Task_B"),
        Flow("Flow_6", "Task_A", "Join"), Flow("Flow_7", "Task_B", "Join"), Flow("Flow_8", "Join", "Task_Review"),
        Flow("Flow_9", "Task_Review", "Decide"),
        Flow("Flow_ulang", "Decide", "Merge", "ya", "ulang == True"),
        Flow("Flow_selesai", "Decide", "Task_Selesai", "tidak"),
        Flow("Flow_10", "Task_Selesai", "EndEvent_1"),
    ]
    return build_bpmn("loop_paralel", nodes, flows, name="Loop paralel",
                      lanes=["Loket", "Tim A", "Tim B", "Kepala"])


def test_loop_round_a_parallel_join_survives_compaction(svc):
    """Twenty passes round a parallel split/join, the branches finishing in alternating order: the
    join waits for both branches on every pass, every branch's data reaches the review, and the
    state does not grow with the passes."""
    svc.deploy(_looping_parallel_process(), "loop_paralel.bpmn")
    people = {lane: svc.users.create(f"u{i}", "password22", [lane]) for i, lane in
              enumerate(["Loket", "Tim A", "Tim B", "Kepala"])}
    instance_id = svc.start("loop_paralel", svc.users.get("admin"), "Paralel").id

    def ready_names():
        return sorted(r.name for r in _ready(svc, instance_id))

    def do(name, data):
        row = [r for r in _ready(svc, instance_id) if r.name == name][0]
        svc.complete(row.id, people[row.lane], data)

    do("Terima", {"nomor": "B-1"})
    rounds, sizes = 20, []
    for i in range(rounds + 1):
        first, second = ("Periksa A", "Periksa B") if i % 2 else ("Periksa B", "Periksa A")
        assert ready_names() == ["Periksa A", "Periksa B"]
        do(first, {f"hasil_{first[-1].lower()}_{i}": "ok"})
        assert ready_names() == [second], f"pass {i}: the join must wait for the other branch"
        do(second, {f"hasil_{second[-1].lower()}_{i}": "ok"})
        assert ready_names() == ["Tinjau"]
        data = svc.instance_data(svc.instance(instance_id))
        assert data["nomor"] == "B-1"
        assert all(data.get(f"hasil_{x}_{j}") == "ok" for x in "ab" for j in range(i + 1)), data
        do("Tinjau", {"ulang": i < rounds, "putaran": i})
        sizes.append(_task_count(svc.instance(instance_id).state))
    do("Tutup", {})
    assert svc.instance(instance_id).status == "completed"
    assert max(sizes[5:]) <= max(sizes[:5]) + 2, sizes  # bounded, not growing with the passes
    kinds = [e.kind for e in svc.instance_events(instance_id)]
    assert kinds.count("complete") == 1 + 3 * (rounds + 1) + 1 and kinds[-1] == "end"
