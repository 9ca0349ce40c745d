"""The inbox's tab counts in one statement (the home page, the inbox's tabs and the menu's badge)
say what counting each tab on its own says: for every demo user at every step of the SOP, with
some steps overdue, one step claimed, and someone acting for an official (Plt/Plh)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from engine.models import TaskRecord, utcnow
from helpers.api_driver import FlaskClientAPI
from helpers.sop_walk import SOP_KEY, walk

USERS = ["pemilik", "analis", "kabid", "kasi", "budi", "sari", "andi", "admin"]


def one_by_one(svc, user) -> dict[str, int]:
    def total(tab: str, overdue: bool = False) -> int:
        return svc.inbox(user, tab, overdue=overdue, limit=1)[1]
    return {"ready": total("ready"), "mine": total("mine"), "lanes": total("lanes"),
            "overdue": total("ready", True), "overdue_mine": total("mine", True)}


def test_the_counts_in_one_statement_are_the_counts_one_by_one(app, tokens, any_db):
    from webapp.extensions import db
    from webapp.services import service

    api = FlaskClientAPI(app.test_client(), tokens)
    with app.test_request_context():
        svc = service()
        now = utcnow()
        svc.create_delegation(svc.users.find("admin"), "kabid", "kasi", now - timedelta(hours=1),
                              now + timedelta(days=7))
        db.session.commit()
    for k in range(2):  # a second case: steps of one case claimed or overdue, the other's not
        status, started = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY,
                                                                                "title": f"Hitung {k}"})
        assert status == 201
    case = started["id"]
    seen: list[dict] = []

    def check(task: dict, username: str) -> None:
        with app.test_request_context():
            svc = service()
            if task["step"] % 2:  # every other step overdue
                db.session.execute(update(TaskRecord).where(TaskRecord.id == task["id"])
                                   .values(due_at=utcnow() - timedelta(hours=1)))
                db.session.commit()
            if task["step"] == 3:
                assert api.request("POST", f"/api/tasks/{task['id']}/claim", username)[0] == 200
            for name in USERS:
                user = svc.users.find(name)
                together = svc.inbox_counts(user)
                assert together == one_by_one(svc, user), (task["step"], name)
                seen.append(together)

    def ready() -> list[dict]:
        status, body = api.request("GET", f"/api/instances/{case}", "admin")
        assert status == 200
        return [t for t in body["tasks"] if t["state"] == "ready"]

    def attach(task: dict, username: str) -> None:
        assert api.request("POST", f"/api/tasks/{task['id']}/attachments", username,
                           files={"file": ("d.pdf", b"%PDF-1.4 d")})[0] == 201

    def complete(task: dict, username: str, data: dict) -> None:
        assert api.request("POST", f"/api/tasks/{task['id']}/complete", username, json={"data": data})[0] == 200

    assert len(walk(ready, attach, complete, on_step=check)) == 20
    # the walk met every kind of count, not only zeros
    for key in ("ready", "mine", "lanes", "overdue", "overdue_mine"):
        assert any(c[key] for c in seen), key


def test_a_page_asks_for_the_counts_once(app, client, login):
    """The home page draws the tabs' counts and the menu's badge from one statement; the inbox
    from that one and its page's total."""
    from sqlalchemy import event

    from webapp.extensions import db

    assert login("analis").status_code == 302
    with app.app_context():
        engine = db.engine

    def counts_of(path: str) -> list[str]:
        counted: list[str] = []

        def note(conn, cursor, statement, *args):
            if "count(" in statement and "FROM tasks" in statement:
                counted.append(statement)

        event.listen(engine, "before_cursor_execute", note)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", note)
        return counted

    assert len(counts_of("/")) == 1
    assert len(counts_of("/inbox")) == 2
