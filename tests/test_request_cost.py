"""The fixed cost of a request (issue 12, item 4) without giving up what it guards: a revoked token
fails on the very next request (though its caller is remembered: tests/test_credentials.py tries
every change in two processes), and a database connection that died while it idled in the pool
is replaced before a request uses it (engine/db.py pings only idle connections)."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from engine import db as engine_db
from engine.models import ApiToken


def test_a_revoked_token_fails_on_the_next_request(app, runner, any_db):
    token = runner.invoke(args=["token", "create", "analis", "--purpose", "skrip"]).output.strip()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/tasks", headers=headers).status_code == 200
    assert client.get("/api/tasks", headers=headers).status_code == 200
    from webapp.extensions import db

    with app.app_context():
        (token_id,) = db.session.scalars(db.select(ApiToken.id)).all()
    assert runner.invoke(args=["token", "revoke", str(token_id)]).exit_code == 0
    answer = client.get("/api/tasks", headers=headers)
    assert answer.status_code == 401 and answer.get_json()["error"]["code"]


@pytest.mark.parametrize("any_db", ["postgresql"], indirect=True)
def test_a_connection_killed_while_idle_is_replaced_before_use(database_url, any_db, monkeypatch):
    engine = engine_db.make_engine(database_url)
    pings = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(1) or real_ping(conn))
    try:
        with engine.connect() as conn:
            pid = conn.scalar(text("SELECT pg_backend_pid()"))
        with engine.connect() as conn:  # used a moment ago: no ping, the same connection
            assert conn.scalar(text("SELECT pg_backend_pid()")) == pid
        assert pings == []
        admin = engine_db.make_engine(database_url)
        with admin.connect() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        monkeypatch.setattr(engine_db, "PING_AFTER_IDLE", 0.0)  # as if it had idled long enough
        with engine.connect() as conn:  # pinged, found dead, replaced: the caller never sees it
            assert conn.scalar(text("SELECT pg_backend_pid()")) != pid
        assert len(pings) >= 1
    finally:
        engine.dispose()


#: What ``GET /api/instances/{id}`` asks for a case of the SOP's size (fewer steps than a page
#: holds): who calls, the case, its steps, its events, the steps' attachments, its submissions,
#: and the appointed people's usernames when a step has any. It was 10 to 12 (the open steps read
#: twice, a count, the appointed people with their roles, asked for every case); the benchmark's
#: clients read a case before every step.
CASE_READ = 7


def test_reading_a_case_asks_only_what_its_answer_needs(app, tokens, any_db):
    from sqlalchemy import event, select

    from engine.models import TaskRecord, User, task_assignees
    from helpers.api_driver import FlaskClientAPI
    from helpers.sop_walk import SOP_KEY, walk
    from webapp.extensions import db

    api = FlaskClientAPI(app.test_client(), tokens)
    status, started = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "title": "Baca"})
    assert status == 201
    case = started["id"]
    counted: list[str] = []
    with app.app_context():
        engine = db.engine

    def note(conn, cursor, statement, *args):
        counted.append(" ".join(statement.split()))

    def read(path: str) -> tuple[dict, list[str]]:
        counted.clear()
        event.listen(engine, "before_cursor_execute", note)
        try:
            status, body = api.request("GET", path, "pemilik")
        finally:
            event.remove(engine, "before_cursor_execute", note)
        assert status == 200, body
        return body, list(counted)

    def expected() -> tuple[list[str], dict[str, list[str]], int]:
        """Every step of the case, oldest first, and each step's appointed people, read plainly."""
        rows = db.session.execute(select(TaskRecord.id, TaskRecord.state).where(TaskRecord.instance_id == case)
                                  .order_by(TaskRecord.created_at, TaskRecord.step)).all()
        people: dict[str, list[str]] = {}
        for task_id, username in db.session.execute(
                select(task_assignees.c.task_id, User.username).join(User, User.id == task_assignees.c.user_id)
                .where(task_assignees.c.task_id.in_([r.id for r in rows]))):
            people.setdefault(task_id, []).append(username)
        return [r.id for r in rows], people, sum(r.state == "ready" for r in rows)

    def ready() -> list[dict]:
        body, statements = read(f"/api/instances/{case}")
        appointed = any(t["assignees"] for t in body["tasks"])
        assert len(statements) <= CASE_READ - (0 if appointed else 1), statements
        assert len([s for s in statements if s.startswith("SELECT task_assignees.")]) == (1 if appointed else 0), \
            "the appointed people are read once, and only for a case where someone is appointed"
        assert not [s for s in statements if "user_roles" in s and "api_tokens" not in s], \
            "the appointed people's usernames are printed, their roles are not read"
        assert not [s for s in statements if s.startswith("SELECT count(")], "a count the rows already tell"
        assert len([s for s in statements if s.startswith("SELECT tasks.")]) == 1, "the steps are read once"
        with app.app_context():
            ids, people, _ = expected()
            assert [t["id"] for t in body["tasks"]] == ids and body["tasks_omitted"] == 0
            assert {t["id"]: sorted(t["assignees"]) for t in body["tasks"] if t["assignees"]} == \
                {k: sorted(v) for k, v in people.items()}
        assert len(body["submissions"]) == len([t for t in body["tasks"] if t["state"] == "completed"])
        return [t for t in body["tasks"] if t["state"] == "ready"]

    def attach(task, username):
        status, _ = api.request("POST", f"/api/tasks/{task['id']}/attachments", username,
                                files={"file": (f"langkah-{task['step']}.pdf", b"%PDF-1.4 dokumen")})
        assert status == 201

    def complete(task, username, data):
        status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", username, json={"data": data})
        assert status == 200, body

    steps: list[int] = []

    def halfway(task, username):
        # a page smaller than the history: the newest steps and the open one, the older ones counted
        steps.append(task["step"])
        if len(steps) == 12:
            body, _ = read(f"/api/instances/{case}?tasks_limit=3")
            with app.app_context():
                ids, _people, open_steps = expected()
            assert [t["id"] for t in body["tasks"]] == ids[-3:] and open_steps == 1
            assert body["tasks"][-1]["state"] == "ready" and body["tasks_omitted"] == len(ids) - 3
            assert len(body["submissions"]) == 3 and body["submissions_omitted"] == len(ids) - 1 - 3

    walk(ready, attach, complete, halfway)
    assert len(steps) == 20


#: Tables that grow with history: a read of one case must find its rows by an index, never by
#: going through the table (or materialising a join of it) whole.
HISTORY_TABLES = ("tasks", "task_assignees", "audit_events", "submissions", "deliverables", "instances")


def test_a_case_is_read_by_indexes_only(app, tokens):
    """SQLite's plan of every statement a case's page and its API answer send: no SCAN of a table
    that grows with history. A joined load of the appointed people once made SQLite materialise
    ``task_assignees JOIN users`` whole, 2 s a case at 50,000 cases (bench.scale); an empty test
    database hides that in time, not in the plan."""
    import re

    from sqlalchemy import event

    from helpers.api_driver import FlaskClientAPI
    from helpers.sop_walk import SOP_KEY
    from webapp.extensions import db

    api = FlaskClientAPI(app.test_client(), tokens)
    status, started = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "title": "Rencana"})
    assert status == 201
    case = started["id"]
    with app.app_context():
        engine = db.engine
    sent: list[tuple[str, object]] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and not executemany:
            sent.append((statement, parameters))

    browser = app.test_client()
    assert browser.post("/login", data={"username": "admin", "password": "demo12345"}).status_code == 302
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert api.request("GET", f"/api/instances/{case}", "pemilik")[0] == 200
        assert browser.get(f"/instances/{case}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert sent
    scans = []
    with engine.connect() as conn:
        for statement, parameters in sent:
            for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all():
                detail = row[-1]
                found = re.match(r"SCAN (\w+)", detail)
                if found and found.group(1).split("_1")[0] in HISTORY_TABLES:
                    scans.append((detail, " ".join(statement.split())[:200]))
    assert not scans, scans


def test_a_page_reads_the_logged_in_user_with_their_roles_in_one_statement(app, client, login, any_db):
    """Every page asks who is logged in and what they may do (the menu, the steps they may take):
    the user of the login session, their roles and whether they act for an official now come in
    one statement; someone who acts for nobody costs no look-up of delegations (a delegate's
    pages: tests/test_cases_people.py)."""
    from helpers.statements import recorded_statements

    assert login("kasi").status_code == 302
    with recorded_statements(app) as statements:
        page = client.get("/processes/")
    assert page.status_code == 200
    users = [s for s in statements if "FROM users" in s and "login_sessions" in s]
    assert len(users) == 1 and "user_roles" in users[0], statements
    assert not [s for s in statements if s.startswith("SELECT user_roles.")], "the roles came with the user"
    assert not [s for s in statements if s.startswith("SELECT delegations.")], "kasi acts for nobody"


def test_pages_read_a_versions_source_once_per_process(app, client, login, tokens):
    """A deployed version's XML, spec and metadata (tens of kilobytes, one deferred group) are read
    once per process; the pages that draw its diagram, name its default role or find its review
    steps do not read them again on every request."""
    from helpers.sop_walk import SOP_KEY
    from helpers.statements import recorded_statements

    # no app context of the test's own: each request has its own session, as in the server
    started = app.test_client().post("/api/instances", json={"process_key": SOP_KEY, "title": "Sumber sekali"},
                                     headers={"Authorization": f"Bearer {tokens['pemilik']}"})
    assert started.status_code == 201, started.get_data(as_text=True)
    case = started.get_json()["id"]
    assert login("admin").status_code == 302
    pages = [f"/processes/{SOP_KEY}", f"/instances/{case}", "/reports/kpi", f"/instances/{case}/diagram.svg"]
    for page in pages:  # the first visits may read it
        assert client.get(page).status_code == 200
    with recorded_statements(app) as statements:
        for page in pages:
            assert client.get(page).status_code == 200
    assert not [s for s in statements if "process_definitions.bpmn_xml" in s or "process_definitions.meta_json" in s]


def test_the_menus_badges_come_in_one_statement(app, client, login, svc, any_db):
    """Every page's menu shows the steps waiting and the unread notifications: both come in one
    statement (one round trip), and each badge says what the engine counts."""
    from helpers.sop_walk import SOP_KEY
    from helpers.statements import recorded_statements

    svc.start(SOP_KEY, svc.users.get("pemilik"), "Lencana menu")  # step 1 waits for pemilik
    svc.session.commit()
    pemilik = svc.users.get("pemilik")
    waiting, unread = svc.inbox_counts(pemilik)["ready"], svc.unread_count(pemilik)
    assert waiting >= 1 and unread >= 1  # the step's notification is unread
    assert login("pemilik").status_code == 302
    with recorded_statements(app) as statements:
        page = client.get("/processes/")
    assert page.status_code == 200
    touching = [s for s in statements if "notifications" in s or "FROM tasks" in s]
    assert len(touching) == 1 and "notifications" in touching[0] and "tasks" in touching[0], touching
    html = page.get_data(as_text=True)
    assert f'{waiting}<span class="visually-hidden">' in html and f'{unread}<span class="visually-hidden">' in html
    assert svc.menu_counts(pemilik) == {**svc.inbox_counts(pemilik), "unread": unread}
