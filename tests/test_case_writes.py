"""One way to write a case (engine/unit_of_work.py: ``_write_case``): every operation that changes
an existing case row goes through it, so the optimistic-lock rule holds for all of them. Two
writers racing on one case, on SQLite and PostgreSQL: each pair has one winner, and the other
gets a 409 (``Conflict``) with nothing of theirs written."""
from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine.errors import Conflict
from engine.models import Instance
from engine.service import WorkflowService
from helpers.cases import ready_row
from helpers.diagrams import SEED
from helpers.sop_walk import SOP_KEY, form_data, user_for

ENGINE = Path(__file__).resolve().parents[1] / "engine"
CASE_COLUMNS = {c.key for c in Instance.__table__.columns}


def _case_writes_outside_the_helper(path: Path) -> list[str]:
    """Places in ``path`` that write a case row other than by ``_write_case``: an assignment to a
    column of a loaded case (``instance.status = …``), ``setattr`` on one, or an UPDATE of the
    instances table."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in (target.elts if isinstance(target, ast.Tuple)
                                                               else [target])]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in CASE_COLUMNS \
                    and isinstance(target.value, ast.Name) and "instance" in target.value.id:
                found.append(f"{path.name}:{node.lineno} {target.value.id}.{target.attr} = …")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
            first = ast.unparse(node.args[0])
            if node.func.id == "setattr" and "instance" in first:
                found.append(f"{path.name}:{node.lineno} setattr({first}, …)")
            if node.func.id == "update" and first.startswith("Instance"):
                found.append(f"{path.name}:{node.lineno} update({first})")
    return found


def test_no_engine_module_writes_a_case_but_through_the_helper():
    found = [hit for path in sorted(ENGINE.glob("*.py")) if path.name != "unit_of_work.py"
             for hit in _case_writes_outside_the_helper(path)]
    assert found == []
    helper = (ENGINE / "unit_of_work.py").read_text(encoding="utf-8")
    assert helper.count("_UPDATE_INSTANCE") == 2, "the guarded UPDATE is built once and run in one place"


def test_the_check_finds_a_case_written_by_hand(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(instance, session):\n    instance.status = 'x'\n"
                      "    instance.ended_at, other = 1, 2\n    setattr(instance, 'state', '')\n"
                      "    session.execute(update(Instance).values(status='y'))\n    row.state = 'ok'\n")
    assert len(_case_writes_outside_the_helper(sample)) == 4


@pytest.fixture
def rival(svc):
    """A second writer: the same service on a session of its own (another request or worker)."""
    session = Session(bind=svc.session.get_bind(), expire_on_commit=False)
    yield WorkflowService(session, svc.config)
    session.rollback()
    session.close()


def _step_one(svc, title):
    owner = svc.users.get("pemilik")
    instance = svc.start(SOP_KEY, owner, title)
    row = ready_row(svc, instance.id)
    svc.attach(row.id, owner, "kebutuhan.pdf", io.BytesIO(b"%PDF-1.4 isi"))
    return instance.id, row.id


def _complete(service, task_id):
    row = service.task(task_id)
    task = {"lane": row.lane, "assignees": [u.username for u in row.assignees] if row.has_assignees else []}
    return service.complete(task_id, service.users.get(user_for(task)),
                            form_data(service.task_form(row), row.step, {}))


def _version_two(svc):
    xml = SEED.read_text(encoding="utf-8").replace('name="Pembuatan spesifikasi kebutuhan"',
                                                   'name="Penyusunan spesifikasi kebutuhan"', 1)
    svc.deploy(xml.encode("utf-8"), "v2.bpmn", svc.users.get("admin"), expected_key=SOP_KEY)


def _withdraw(service, instance_id, _task_id):
    return service.withdraw(instance_id, service.users.get("pemilik"), "salah kirim")


def _suspend(service, instance_id, _task_id):
    return service.set_status(instance_id, service.users.get("admin"), "suspend")


def _terminate(service, instance_id, _task_id):
    return service.set_status(instance_id, service.users.get("admin"), "terminate", "dibatalkan")


def _migrate(service, instance_id, _task_id):
    return service.migrate_instance(instance_id, service.users.get("admin"), 2, dry_run=False)


def _complete_step(service, _instance_id, task_id):
    return _complete(service, task_id)


WRITERS = {"complete": _complete_step, "withdraw": _withdraw, "suspend": _suspend, "terminate": _terminate,
           "migrate": _migrate}
RACES = [("complete", "complete"), ("withdraw", "complete"), ("complete", "withdraw"), ("suspend", "withdraw"),
         ("terminate", "complete"), ("complete", "terminate"), ("migrate", "complete"), ("complete", "migrate"),
         ("withdraw", "migrate")]

#: A loser whose own rule already sees the winner's change says that reason (still a 409); every
#: other loser is stopped by the case row's version.
LOSER_ANSWER = {("complete", "withdraw"): "withdraw.not_yours"}


@pytest.mark.parametrize("first,second", RACES, ids=[f"{a}-then-{b}" for a, b in RACES])
def test_two_writers_of_one_case_one_wins_the_other_gets_409(svc, rival, any_db, first, second):
    instance_id, task_id = _step_one(svc, f"{first} lawan {second}")
    if "migrate" in (first, second):
        _version_two(svc)
    # The second writer has read the case (and the step) as it was, before the first one writes.
    seen = rival.instance(instance_id)
    version_seen = seen.row_version
    seen_step = rival.task(task_id)  # held, as a request holds what it read
    assert seen.status == "running" and seen_step.state == "ready"
    WRITERS[first](svc, instance_id, task_id)
    after_first = svc.session.get(Instance, instance_id)
    assert after_first.row_version == version_seen + 1

    with pytest.raises(Conflict) as lost:
        WRITERS[second](rival, instance_id, task_id)
    assert lost.value.api_code == LOSER_ANSWER.get((first, second), "changed_meanwhile")

    svc.session.expire_all()
    case = svc.session.get(Instance, instance_id)
    assert case.row_version == version_seen + 1, "only the winner wrote the case"
    assert case.status == {"complete": "running", "withdraw": "withdrawn", "suspend": "suspended",
                           "terminate": "terminated", "migrate": "running"}[first]
    assert case.definition.version == (2 if first == "migrate" else 1)
    events = [e.kind for e in svc.instance_events(instance_id)]
    assert events.count(second) == (1 if first == second else 0), events
    # The loser, told so, tries again on what is there now and is answered by the case as it is.
    rival.session.expire_all()
    if second == "complete" and first == "complete":
        with pytest.raises(Conflict) as again:
            WRITERS[second](rival, instance_id, task_id)
        assert again.value.api_code == "already_completed"


def test_a_write_that_lost_the_race_leaves_the_loaded_case_for_a_fresh_read(svc, rival, any_db):
    """After a 409 the loser's session holds nothing half-written: a fresh read sees the winner."""
    instance_id, task_id = _step_one(svc, "baca ulang")
    rival.instance(instance_id)
    seen_step = rival.task(task_id)
    _withdraw(svc, instance_id, task_id)
    with pytest.raises(Conflict):
        _complete(rival, task_id)
    rival.session.expire_all()
    assert rival.instance(instance_id).status == "withdrawn"
    assert seen_step.state == "cancelled" and rival.task(task_id).state == "cancelled"
