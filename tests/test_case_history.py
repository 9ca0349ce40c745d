"""A case page and a case's API answer stay the same size however often the case loops: the
newest steps and events shown, older ones on demand."""
from __future__ import annotations

import io
import re

from helpers.sop_walk import LANE_USERS, SOP_KEY, form_data


def loop_spec_review(svc, case_id: int, loops: int) -> None:
    """Send the specification back ``loops`` times (steps 2 → 3 → 2 …), the case stays at step 2."""
    rounds: dict[int, int] = {}
    done = 0
    while done < loops:
        row = next(t for t in svc.instance_tasks(case_id) if t.state == "ready")
        user = svc.users.get(LANE_USERS[row.lane])
        meta = svc.task_meta(row)
        if meta and meta.output_required and not svc.attachments(task_id=row.id):
            svc.attach(row.id, user, f"langkah{row.step}.pdf", io.BytesIO(b"%PDF-1.4"))
        data = form_data(svc.task_form(row), row.step, rounds)
        if row.step == 3:
            data["spec_approved"] = False
            done += 1
        svc.complete(row.id, user, data)
        rounds[row.step] = rounds.get(row.step, 0) + 1


def step_rows(page: str) -> list[str]:
    section = page.split('id="h-steps"')[1].split("</section>")[0]
    return re.findall(r"<tr[^>]*>\s*<th scope=\"row\">", section)


def timeline(page: str) -> list[str]:
    return re.findall(r'<li class="event-', page.split('id="h-history"')[1].split("</section>")[0])


def test_a_looping_case_shows_its_newest_history_and_the_rest_on_demand(any_db, svc, client, login, monkeypatch):
    from webapp import instances

    monkeypatch.setattr(instances, "STEPS_SHOWN", 6)
    monkeypatch.setattr(instances, "EVENTS_SHOWN", 8)
    monkeypatch.setattr(instances, "MORE_HISTORY", 10)
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi yang berulang")
    loop_spec_review(svc, case.id, 10)  # 22 steps: 1, ten rounds of 2 and 3, 2 again
    all_tasks = svc.instance_tasks(case.id)
    all_events = svc.instance_events(case.id)
    login("admin")
    page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    assert len(step_rows(page)) == 6 and len(timeline(page)) == 8
    assert f"{len(all_tasks) - 6} langkah sebelumnya tidak ditampilkan." in page
    assert f"{len(all_events) - 8} kejadian sebelumnya tidak ditampilkan." in page
    # the newest are shown: the open step 2 is the last row, the oldest (step 1) is left out
    assert "Identifikasi kebutuhan" not in page.split('id="h-steps"')[1].split("</section>")[0]
    more = re.search(r'href="(/instances/\d+\?steps=16&amp;events=8)#h-steps"', page)
    assert more, "no link to older steps"
    wider = client.get(more.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert len(step_rows(wider)) == 16 and len(timeline(wider)) == 8
    # each step's answers: the newest three rounds, the older ones on demand (steps 2 and 3: ten rounds each)
    from collections import Counter

    rounds = Counter(s.bpmn_id for s in svc.submissions(case.id))
    assert sorted(rounds.values()) == [1, 10, 10]
    assert "14 jawaban putaran sebelumnya tidak ditampilkan." in page
    everything = client.get(f"/instances/{case.id}?steps=5000&events=5000&rounds=5000").get_data(as_text=True)
    assert len(step_rows(everything)) == len(all_tasks) and len(timeline(everything)) == len(all_events)
    assert "sebelumnya tidak ditampilkan" not in everything
    # nonsense windows fall back to the defaults
    assert len(step_rows(client.get(f"/instances/{case.id}?steps=-3&events=x").get_data(as_text=True))) == 6


def test_the_case_page_does_not_grow_with_loops(svc, client, login):
    owner = svc.users.get("pemilik")
    short, long = svc.start(SOP_KEY, owner, "Sedikit putaran"), svc.start(SOP_KEY, owner, "Banyak putaran")
    loop_spec_review(svc, short.id, 25)
    loop_spec_review(svc, long.id, 50)
    login("admin")
    pages = [client.get(f"/instances/{c.id}").get_data(as_text=True) for c in (short, long)]
    sections = [{m.group(1): len(m.group(0)) for m in re.finditer(
        r'<section aria-labelledby="([^"]+)".*?</section>', p, re.S)} for p in pages]
    sizes = [len(p) for p in pages]
    assert sizes[1] < sizes[0] * 1.05, (sizes, sections)
    api = [len(client.get(f"/api/instances/{c.id}?tasks_limit=20&events_limit=20").data) for c in (short, long)]
    assert api[1] < api[0] * 1.05, api
    # by default too: the newest 25 steps and 60 events (it was 570 KB after 50 loops, every step with its form)
    api = [client.get(f"/api/instances/{c.id}") for c in (short, long)]
    # (each of the 25 steps carries its form; step 2's holds the requirement list's schema: ~108 KB)
    assert len(api[1].data) < len(api[0].data) * 1.05 and len(api[1].data) < 125_000, [len(a.data) for a in api]
    body = api[1].get_json()
    assert len(body["tasks"]) == 25 and len(body["events"]) == 60 and body["tasks_omitted"] == len(svc.instance_tasks(long.id)) - 25


def test_the_api_answer_is_bounded_and_keeps_every_open_step(any_db, svc, client, tokens):
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Aplikasi yang berulang")
    loop_spec_review(svc, case.id, 4)
    tasks, events = svc.instance_tasks(case.id), svc.instance_events(case.id)
    auth = {"Authorization": f"Bearer {tokens['admin']}"}
    body = client.get(f"/api/instances/{case.id}?tasks_limit=3&events_limit=5", headers=auth).get_json()
    assert [t["id"] for t in body["tasks"]] == [t.id for t in tasks][-3:]
    assert body["tasks"][-1]["state"] == "ready"
    assert body["tasks_omitted"] == len(tasks) - 3 and body["events_omitted"] == len(events) - 5
    assert [e["id"] for e in body["events"]] == [e.id for e in events][-5:]
    whole = client.get(f"/api/instances/{case.id}", headers=auth).get_json()
    assert len(whole["tasks"]) == len(tasks) and whole["tasks_omitted"] == 0 and whole["events_omitted"] == 0
    assert {"id", "process_key", "version", "title", "status", "started_at", "ended_at", "tasks", "events",
            "data"} <= set(whole)
    # out-of-range limits are clamped, never an error
    assert client.get(f"/api/instances/{case.id}?tasks_limit=0&events_limit=999999", headers=auth).status_code == 200


def test_the_diagram_marks_the_same_steps_from_the_rows_in_hand_or_from_the_index(any_db, svc):
    """The case page marks its diagram from the steps it read when it read them all (no statement
    of its own); from the task index when older steps were folded away. Both say the same."""
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Tandai diagram")
    loop_spec_review(svc, case.id, 2)  # step 1, 2, 3, 2, 3, 2 (open): completed and ready rows of one step
    instance = svc.instance(case.id)
    rows = svc.instance_tasks(case.id)
    from_index = svc.instance_marks(instance)
    assert from_index == svc.instance_marks(instance, rows)
    assert list(from_index.values()).count("active") == 1 and "completed" in from_index.values()
    step2 = next(t.bpmn_id for t in rows if t.step == 2)
    assert from_index[step2] == "active"  # done twice and open again: the open round wins


def test_a_case_whose_history_is_in_hand_asks_nothing_more_for_its_forms_and_files(svc, client, login, monkeypatch):
    """A finished SOP case fits its page: the kinds of its steps (for its start data's labels)
    and its rounds' files come from the rows in hand, not from two more statements; and the page
    reads the same as when they are asked for (a window too small for its files)."""
    import io

    from helpers.cases import all_ready
    from helpers.sop_walk import SOP_KEY, walk
    from helpers.statements import recorded_statements

    import webapp.instances

    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Riwayat di tangan", data={"catatan_awal": "dari awal"})
    walk(lambda: all_ready(svc, case.id),
         lambda task, username: svc.attach(task["id"], svc.users.get(username), f"s{task['step']}.pdf",
                                           io.BytesIO(b"%PDF-1.4 isi")),
         lambda task, username, data: svc.complete(task["id"], svc.users.get(username), data))
    svc.session.commit()
    assert login("admin").status_code == 302
    with recorded_statements(client.application) as statements:
        in_hand = client.get(f"/instances/{case.id}")
    assert in_hand.status_code == 200
    assert len([s for s in statements if s.startswith("SELECT deliverables.")]) == 1, statements
    assert not [s for s in statements if "min(tasks.id)" in s], statements
    assert not [s for s in statements if "FROM case_comments" in s], "no comment in its history: no thread"
    assert not [s for s in statements if s.startswith("SELECT task_assignees.task_id")], "no open step: none appointed asked"
    html = in_hand.get_data(as_text=True)
    assert "dari awal" in html  # the start data, labelled
    monkeypatch.setattr(webapp.instances, "FILES_SHOWN", 1)  # now older files are left out: asked for
    asked = client.get(f"/instances/{case.id}").get_data(as_text=True)

    def answers(page: str) -> str:
        return page[page.index('id="h-answers"'):page.index('id="h-files"')]

    assert answers(asked) == answers(html)


def test_a_case_read_again_restores_its_workflow_once(svc, monkeypatch):
    """A case's current data is kept by its saved state's digest: reading the same state again
    restores no workflow, a new state (a step done) is restored once more, and the data is the
    same as restored; an unreadable state is never kept."""
    import io

    from engine import runtime
    from helpers.cases import all_ready
    from helpers.sop_walk import SOP_KEY, form_data

    restores = []
    real_load = runtime.load
    monkeypatch.setattr(runtime, "load", lambda *a, **k: restores.append(1) or real_load(*a, **k))
    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Data sekali pulih", data={"catatan_awal": "awal"})
    svc.session.commit()
    before = len(restores)
    first = svc.instance_data(case)
    assert svc.instance_data(case) == first and first["catatan_awal"] == "awal"
    assert len(restores) == before + 1
    task = all_ready(svc, case.id)[0]
    svc.attach(task["id"], svc.users.get("pemilik"), "s1.pdf", io.BytesIO(b"%PDF-1.4 isi"))
    svc.complete(task["id"], svc.users.get("pemilik"), form_data(task["form"], task["step"], {}))
    svc.session.commit()
    after_step = len(restores)
    changed = svc.instance_data(case)
    assert len(restores) == after_step + 1 and svc.instance_data(case) == changed
    assert changed != first  # the step's answers are the case's data now
    case.state = "{not json"  # a state that cannot be read: status error, nothing kept
    assert svc.instance_data(case) == {} and case.status == "error"
    assert svc.instance_data(case) == {}
    svc.session.rollback()


def test_a_case_page_shows_its_thread_whenever_its_history_names_a_comment(svc, client, login, monkeypatch):
    """The thread is asked for when the history shows a comment, or when older events are left
    out (a comment may be among them); the page then shows it."""
    from helpers.sop_walk import SOP_KEY
    from helpers.statements import recorded_statements

    import webapp.instances

    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Dengan komentar")
    svc.add_comment(case.id, svc.users.get("pemilik"), "Mohon dipercepat")
    for n in range(3):
        svc.add_comment(case.id, svc.users.get("pemilik"), f"Tambahan {n}")
    svc.session.commit()
    assert login("admin").status_code == 302
    with recorded_statements(client.application) as statements:
        page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    assert "Mohon dipercepat" in page and [s for s in statements if "FROM case_comments" in s]
    monkeypatch.setattr(webapp.instances, "EVENTS_SHOWN", 2)  # the first comment's event is left out
    page = client.get(f"/instances/{case.id}?events=2").get_data(as_text=True)
    assert "Mohon dipercepat" in page


def test_a_case_page_names_the_people_appointed_to_its_open_step(svc, client, login):
    """The page reads the appointed people of its open steps (a done step's are not shown)."""
    import io

    import pytest

    from helpers.cases import all_ready
    from helpers.sop_walk import SOP_KEY, walk

    case = svc.start(SOP_KEY, svc.users.get("pemilik"), "Ditunjuk")

    def complete(task, username, data):
        if task["assignees"]:  # the first appointed step is open: stop here
            raise StopIteration
        svc.complete(task["id"], svc.users.get(username), data)

    with pytest.raises(StopIteration):
        walk(lambda: all_ready(svc, case.id),
             lambda task, username: svc.attach(task["id"], svc.users.get(username), "s.pdf", io.BytesIO(b"%PDF-1.4")),
             complete)
    svc.session.commit()
    open_step = all_ready(svc, case.id)[0]
    names = [svc.users.get(u).full_name for u in open_step["assignees"]]
    assert login("admin").status_code == 302
    page = client.get(f"/instances/{case.id}").get_data(as_text=True)
    assert names and "ditunjuk:" in page and all(name in page for name in names), names
