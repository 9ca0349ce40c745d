"""Shared pieces of the benchmarks: databases, the engine, bare SpiffWorkflow, a real server, tables."""
from __future__ import annotations

import io
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from tests.helpers.sop_walk import SOP_KEY, form_data, user_for  # the generic SOP walk the tests use

ROOT = Path(__file__).resolve().parent.parent

SOP_PATH = ROOT / "processes" / "pengembangan_aplikasi_egov.bpmn"
FORMS_DIR = ROOT / "forms"
POSTGRES_ADMIN_URL = os.environ.get("ALUR_BENCH_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_DB = os.environ.get("ALUR_BENCH_POSTGRES_DB", "alur_bench")
DEMO_PASSWORD = "demo12345"


# ---- output ---------------------------------------------------------------------------------
def progress(bench: str, message: str) -> None:
    """One progress line on stderr (tables go to stdout)."""
    print(f"[{bench}] {message}", file=sys.stderr, flush=True)


def ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.2f}"


def ratio(a: float | None, b: float | None) -> str:
    return "—" if not a or not b else f"{a / b:.2f}×"


def print_table(title: str, headers: list[str], rows: Iterable[Iterable[Any]]) -> str:
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = [("| " + " | ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(r, widths)) + " |")
            for r in rows]
    text = "\n".join([f"\n### {title}\n", line, sep, *body]) + "\n"
    print(text, flush=True)
    return text


def _numeric(cell: str) -> bool:
    return bool(cell) and (cell[0].isdigit() or cell[0] in "-—") and not cell.startswith("-- ")


@dataclass
class Target:
    bench: str
    name: str
    value: float | None
    limit: float
    higher_is_better: bool = False
    note: str = ""
    #: A figure shown against the limit for comparison, not one of the issue's targets: being
    #: over it reads "over", and does not fail ``run_all``.
    informative: bool = False

    @property
    def within(self) -> bool:
        if self.value is None:
            return False
        return self.value >= self.limit if self.higher_is_better else self.value <= self.limit

    @property
    def met(self) -> bool:
        return self.informative or self.within

    def row(self) -> list[str]:
        op = "≥" if self.higher_is_better else "≤"
        value = "—" if self.value is None else f"{self.value:.2f}"
        verdict = ("within" if self.within else "over") + " (informative)" if self.informative \
            else ("met" if self.met else "MISSED")
        return [self.bench, self.name, value, f"{op} {self.limit:g}", verdict, self.note]


def print_targets(targets: list[Target], title: str = "Targets") -> str:
    return print_table(title, ["bench", "target", "measured", "limit", "verdict", "note"], [t.row() for t in targets])


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def machine_notes() -> str:
    try:
        cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                    if l.startswith("model name")), platform.processor())
    except OSError:
        cpu = platform.processor()
    import sqlalchemy
    import SpiffWorkflow.version

    return (f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; "
            f"SpiffWorkflow {SpiffWorkflow.version.__version__}; SQLAlchemy {sqlalchemy.__version__}; "
            f"SQLite {__import__('sqlite3').sqlite_version}")


# ---- databases ---------------------------------------------------------------------------------
def postgres_available() -> bool:
    from engine.db import server_listening

    return server_listening(POSTGRES_ADMIN_URL)


def fresh_postgres_url(name: str = POSTGRES_DB) -> str:
    """Drop and create database ``name``; return its SQLAlchemy URL (psycopg 3)."""
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{name}"


def drop_postgres(name: str = POSTGRES_DB) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'alur.db'}"
    if kind == "postgresql":
        return fresh_postgres_url()
    raise ValueError(kind)


@contextmanager
def workdir(prefix: str):
    path = Path(tempfile.mkdtemp(prefix=f"alur-bench-{prefix}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# ---- the engine ----------------------------------------------------------------------------------
def demo_users() -> list[tuple[str, str, list[str], dict]]:
    from webapp.cli import DEMO_USERS

    return DEMO_USERS


def migrate(url: str, work: Path) -> None:
    """Build the schema as ``alur init`` does, by the migrations, so a benchmark's database has
    what the product's has beyond the tables (the credentials triggers, the seeded rows)."""
    from webapp import create_app
    from webapp.database import upgrade_schema

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret", "TESTING": False,
                      "ALUR_FILES_DIR": str(work / "files")})
    with app.app_context():
        upgrade_schema()
        from webapp.extensions import db

        db.engine.dispose()


class EngineEnv:
    """A database with the schema, the SOP deployed and the demo users, driven through the service."""

    def __init__(self, url: str, work: Path, *, compact: bool = True, setup: bool = True) -> None:
        from engine.config import EngineConfig
        from engine.db import make_session_factory

        self.url = url
        self.Session = make_session_factory(url)
        self.engine = self.Session.kw["bind"]
        kwargs = {"files_dir": work / "files"}
        if "compact_history" in EngineConfig.__dataclass_fields__:
            kwargs["compact_history"] = compact
        self.config = EngineConfig(**kwargs)
        if setup:
            migrate(url, work)
            with self.Session() as session:
                svc = self.service(session)
                svc.deploy_directory()
                for username, name, roles, profile in demo_users():
                    if svc.users.find(username) is None:
                        svc.users.create(username, DEMO_PASSWORD, roles, is_admin=(username == "admin"),
                                         full_name=name, **profile)
                session.commit()

    def service(self, session=None):
        from engine.service import WorkflowService

        return WorkflowService(session if session is not None else self.Session(), self.config)

    def user(self, session, username: str):
        from sqlalchemy import select

        from engine.models import User

        return session.scalar(select(User).where(User.username == username))

    def start(self, title: str = "Bench", starter: str = "pemilik") -> int:
        with self.Session() as session:
            svc = self.service(session)
            return svc.start(SOP_KEY, self.user(session, starter), title).id

    def dispose(self) -> None:
        self.engine.dispose()


def task_dict(svc, row) -> dict[str, Any]:
    meta = svc.task_meta(row)
    return {"id": row.id, "step": row.step, "name": row.name, "lane": row.lane,
            "assignees": [u.username for u in row.assignees] if row.has_assignees else [],
            "output_required": bool(meta and meta.output_required), "form": svc.task_form(row)}


class EngineCase:
    """One instance walked step by step through ``WorkflowService.complete``; each call is timed
    from a fresh session (as a web request has one), the user already loaded."""

    def __init__(self, env: EngineEnv, instance_id: int) -> None:
        self.env = env
        self.instance_id = instance_id
        self.rounds: dict[int, int] = {}

    def ready(self) -> dict[str, Any] | None:
        from sqlalchemy import select

        from engine.models import TaskRecord

        from engine.db import end_reading

        with self.env.Session() as session:
            svc = self.env.service(session)
            rows = list(session.scalars(select(TaskRecord).where(
                TaskRecord.instance_id == self.instance_id, TaskRecord.state == "ready")))
            task = task_dict(svc, rows[0]) if rows else None
            end_reading(session)  # as a web request that read ends now: the statements stay prepared
            return task

    def prepare(self, decisions: dict[int, bool] | None = None) -> tuple[dict, str, dict] | None:
        """The next task, who does it and the data to send; attaches the deliverable (untimed)."""
        task = self.ready()
        if task is None:
            return None
        username = user_for(task)
        data = form_data(task["form"], task["step"], self.rounds)
        if decisions and task["step"] in decisions:
            data[{3: "spec_approved", 12: "prototype_accepted"}[task["step"]]] = decisions[task["step"]]
        if task["output_required"]:
            with self.env.Session() as session:
                svc = self.env.service(session)
                if not svc.attachments(task_id=task["id"]):
                    svc.attach(task["id"], self.env.user(session, username), f"step{task['step']}.pdf",
                               io.BytesIO(b"%PDF-1.4 bench"))
        return task, username, data

    def complete(self, task: dict, username: str, data: dict) -> float:
        with self.env.Session() as session:
            user = self.env.user(session, username)
            user.role_names  # roles loaded, as the request's auth step leaves them
            t0 = time.perf_counter()
            self.env.service(session).complete(task["id"], user, data)
            elapsed = time.perf_counter() - t0
        self.rounds[task["step"]] = self.rounds.get(task["step"], 0) + 1
        return elapsed

    def state_bytes(self) -> int:
        from engine.models import Instance

        with self.env.Session() as session:
            return len(session.get(Instance, self.instance_id).state.encode("utf-8"))


# ---- bare SpiffWorkflow ---------------------------------------------------------------------------
#: The floors every completion and start figure is shown against (``BareSpiff.mode``):
#: "stock" pushes the whole spec through JSON on every step (the first baseline, kept so figures
#: stay comparable); "spec in memory" serializes the instance only and keeps the parsed spec in
#: memory, as any careful integration does: the honest floor the targets are measured against;
#: "compacted" also prunes finished history before serializing (engine/compaction.py, what alur
#: does), the cheapest step SpiffWorkflow can take on this diagram.
FLOORS = ("stock", "spec in memory", "compacted")
HONEST_FLOOR = "spec in memory"


def _script_engine():
    """SpiffWorkflow's own script engine, with the list functions the SOP's gateways call
    (``count``, ``all_set``: engine/expressions.py) as globals; none of alur's restrictions."""
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

    from engine.expressions import all_set, count

    return PythonScriptEngine(environment=TaskDataEnvironment({"count": count, "all_set": all_set}))


class BareSpiff:
    """SpiffWorkflow alone, in memory: the stock spiff parser, then per step deserialize →
    complete the ready user task with the form data → do_engine_steps → serialize. ``mode`` is
    one of :data:`FLOORS`."""

    def __init__(self, path: Path = SOP_PATH, mode: str = "stock") -> None:
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

        if mode not in FLOORS:
            raise ValueError(mode)
        self.path = path
        self.mode = mode
        self.spec, self.subprocess_specs = self.parse(path)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))

    @staticmethod
    def parse(path: Path = SOP_PATH):
        from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_file(str(path))
        key = parser.get_process_ids()[0]
        return parser.get_spec(key), parser.get_subprocess_specs(key)

    def _dump(self, wf) -> str:
        if self.mode == "stock":
            return self.serializer.serialize_json(wf)
        from engine.state import dump_instance

        return dump_instance(wf)

    def _load(self, state: str):
        if self.mode == "stock":
            wf = self.serializer.deserialize_json(state)
            wf.script_engine = _script_engine()
            return wf
        from engine.state import load_instance

        return load_instance(state, self.spec, self.subprocess_specs, _script_engine())

    def new_state(self) -> str:
        from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

        wf = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=_script_engine())
        wf.do_engine_steps()
        return self._dump(wf)

    def step(self, state: str, data: dict) -> str:
        """deserialize → complete the ready user task → do_engine_steps → (compact →) serialize."""
        from SpiffWorkflow.util.task import TaskState

        loaded_at = time.time()
        wf = self._load(state)
        task = wf.get_tasks(state=TaskState.READY, manual=True)[0]
        task.data.update(data)
        task.run()
        wf.do_engine_steps()
        if self.mode == "compacted":
            from engine.compaction import DEFAULT_KEEP, compact

            compact(wf, keep=DEFAULT_KEEP, since=loaded_at)
        return self._dump(wf)

    def ready_step(self, state: str) -> int | None:
        from SpiffWorkflow.util.task import TaskState

        wf = self._load(state)
        tasks = wf.get_tasks(state=TaskState.READY, manual=True)
        if not tasks:
            return None
        return int(tasks[0].task_spec.extensions["properties"]["sop.step"])

    def time_step(self, state: str, data: dict, repeat: int = 1) -> tuple[float, str]:
        """Mean of ``repeat`` runs of the same step on the same state (it is a pure function). The mean,
        not the median: alur's side is one run per step, garbage-collection pauses included."""
        times, out = [], state
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = self.step(state, data)
            times.append(time.perf_counter() - t0)
        return statistics.fmean(times), out


class Floors:
    """The three bare floors walked side by side, each on its own state, with the same data."""

    def __init__(self) -> None:
        self.bare = {mode: BareSpiff(mode=mode) for mode in FLOORS}
        for b in self.bare.values():  # warm imports
            b.step(b.new_state(), {})
        self.states: dict[str, str] = {}

    def restart(self) -> None:
        self.states = {mode: b.new_state() for mode, b in self.bare.items()}

    def ready(self) -> bool:
        """Whether every floor's case still has a step to take."""
        return bool(self.states) and all(b.ready_step(self.states[m]) is not None for m, b in self.bare.items())

    def step(self, data: dict, repeat: int = 1) -> dict[str, float]:
        """One step on every floor: the time each took."""
        times = {}
        for mode, b in self.bare.items():
            times[mode], self.states[mode] = b.time_step(self.states[mode], data, repeat)
        return times

    def time_starts(self) -> dict[str, float]:
        times = {}
        for mode, b in self.bare.items():
            t0 = time.perf_counter()
            b.new_state()
            times[mode] = time.perf_counter() - t0
        return times


# ---- a real server --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alur_command() -> list[str]:
    script = Path(sys.executable).parent / "alur"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from webapp.cli import main; main()"]


class Server:
    """``alur init --demo`` then ``alur serve`` (gunicorn) in a subprocess, with API tokens."""

    def __init__(self, url: str, work: Path, workers: int = 1) -> None:
        self.url = url
        self.work = work
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.tokens: dict[str, str] = {}
        # HOME: gunicorn 27 keeps a control socket in the home directory; one per server here
        self.env = {**os.environ, "DATABASE_URL": url, "ALUR_INSTANCE_PATH": str(work / "instance"),
                    "ALUR_FILES_DIR": str(work / "files"), "SECRET_KEY": "bench-secret", "HOME": str(work)}

    def __enter__(self) -> "Server":
        init = subprocess.run([*_alur_command(), "init", "--demo"], env=self.env, cwd=ROOT,
                              capture_output=True, text=True)
        if init.returncode != 0:
            raise RuntimeError(f"alur init failed: {init.stdout}\n{init.stderr}")
        self.tokens = self._tokens()
        self.log = open(self.work / "server.log", "w")
        self.proc = subprocess.Popen(
            [*_alur_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers)],
            env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        import requests

        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited: " + (self.work / "server.log").read_text()[-2000:])
            try:
                if requests.get(self.base + "/api/openapi.json", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise RuntimeError("the server did not come up")
        # every worker imports the app lazily; warm them all (and their spec caches)
        for _ in range(self.workers * 4):
            requests.get(self.base + "/api/processes", headers=self.auth("admin"), timeout=10)
        return self

    def _tokens(self) -> dict[str, str]:
        from engine.db import make_session_factory
        from engine.users import UserDirectory

        Session = make_session_factory(self.url)
        tokens = {}
        with Session() as session:
            users = UserDirectory(session)
            for username, *_ in demo_users():
                tokens[username] = users.create_token(username, "bench")
            session.commit()
        Session.kw["bind"].dispose()
        return tokens

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the process group we started: gunicorn and its workers
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()


class JsonClient:
    """A JSON client on the standard library's ``http.client``: what an integrating system's HTTP
    stack costs at least. ``requests`` adds about 1 ms of its own per call on this machine
    (session, hooks, cookie jar, urllib3 pool); the completion benchmark times both.

    Keep-alive by default. gunicorn closes a connection idle for 2 s, and on a busy machine the
    bare steps between two calls can take that long: the connection is then renewed *before* the
    timed call (a write to the closed socket used to end the run with ``BrokenPipeError``), and a
    call that still meets a connection closed under it is sent again on a new one, timing only
    that attempt. ``fresh=True`` opens a new connection for every call, inside the timing, as a
    script that makes one call per run does."""

    IDLE_SECONDS = 1.0  # well under gunicorn's keep-alive (2 s)

    def __init__(self, base: str, fresh: bool = False) -> None:
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.fresh = fresh
        self._http = http.client
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        self.last_used = 0.0
        self.reconnects = 0

    def _renew(self) -> None:
        self.conn.close()
        self.conn = self._http.HTTPConnection(self.host, self.port, timeout=120)
        if not self.fresh:
            self.conn.connect()  # outside the timed call

    def post_json(self, path: str, headers: dict[str, str], body: Any) -> tuple[int, str, float]:
        """(status, body, seconds the successful attempt took)."""
        import json

        return self.request("POST", path, headers, json.dumps(body).encode("utf-8"))

    def get(self, path: str, headers: dict[str, str]) -> tuple[int, str, float]:
        return self.request("GET", path, headers)

    def request(self, method: str, path: str, headers: dict[str, str], payload: bytes | None = None
                ) -> tuple[int, str, float]:
        """(status, body, seconds the successful attempt took)."""
        headers = {**headers, "Accept": "application/json"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        if self.fresh:
            headers["Connection"] = "close"
            self.conn.close()
        elif time.monotonic() - self.last_used > self.IDLE_SECONDS:
            self._renew()
        for attempt in range(2):
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=payload, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8")
            except (BrokenPipeError, ConnectionResetError, self._http.RemoteDisconnected):
                # the server closed the connection before reading the request: nothing was done
                if attempt:
                    raise
                self.reconnects += 1
                self._renew()
                continue
            elapsed = time.perf_counter() - t0
            self.last_used = time.monotonic()
            if self.fresh:
                self.conn.close()
            return response.status, text, elapsed
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


class ApiCase:
    """One instance walked through the HTTP API with a keep-alive ``requests.Session``; with a
    :class:`JsonClient`, the timed completions go through that instead."""

    def __init__(self, server: Server, http=None, lean: JsonClient | None = None) -> None:
        import requests

        self.server = server
        self.http = http or requests.Session()
        self.lean = lean
        self.rounds: dict[int, int] = {}
        self.instance_id: int | None = None
        self.latencies: list[float] = []  # completion calls
        self.request_times: list[float] = []  # every request
        self.errors: list[str] = []

    def _call(self, method: str, path: str, username: str, expect: int, **kwargs):
        t0 = time.perf_counter()
        r = self.http.request(method, self.server.base + path, headers=self.server.auth(username), timeout=120,
                              **kwargs)
        elapsed = time.perf_counter() - t0
        self.request_times.append(elapsed)
        if r.status_code != expect:
            self.errors.append(f"{method} {path}: {r.status_code} {r.text[:200]}")
        return r, elapsed

    def start(self, title: str = "Bench", starter: str = "pemilik") -> int:
        r, _ = self._call("POST", "/api/instances", starter, 201, json={"process_key": SOP_KEY, "title": title})
        if r.status_code != 201:
            raise RuntimeError(f"start: {r.status_code} {r.text[:300]}")
        self.instance_id = r.json()["id"]
        return self.instance_id

    def get_instance(self) -> dict:
        r, _ = self._call("GET", f"/api/instances/{self.instance_id}", "admin", 200)
        r.raise_for_status()
        return r.json()

    def ready_tasks(self) -> list[dict]:
        return [t for t in self.get_instance()["tasks"] if t["state"] == "ready"]

    def attach(self, task: dict, username: str) -> None:
        self._call("POST", f"/api/tasks/{task['id']}/attachments", username, 201,
                   files={"file": (f"step{task['step']}.pdf", b"%PDF-1.4 bench", "application/pdf")})

    def complete(self, task: dict, username: str, data: dict) -> float:
        path = f"/api/tasks/{task['id']}/complete"
        if self.lean is None:
            _, elapsed = self._call("POST", path, username, 200, json={"data": data})
        else:
            status, text, elapsed = self.lean.post_json(path, self.server.auth(username), {"data": data})
            self.request_times.append(elapsed)
            if status != 200:
                self.errors.append(f"POST {path}: {status} {text[:200]}")
        self.latencies.append(elapsed)
        return elapsed

    def prepare(self, decisions: dict[int, bool] | None = None) -> tuple[dict, str, dict] | None:
        tasks = self.ready_tasks()
        if not tasks:
            return None
        task = tasks[0]
        username = user_for(task)
        data = form_data(task["form"], task["step"], self.rounds)
        if decisions and task["step"] in decisions:
            data[{3: "spec_approved", 12: "prototype_accepted"}[task["step"]]] = decisions[task["step"]]
        if task["output_required"] and not task["attachments"]:
            self.attach(task, username)
        return task, username, data

    def note_done(self, task: dict) -> None:
        self.rounds[task["step"]] = self.rounds.get(task["step"], 0) + 1


def walk_api(case: ApiCase, title: str) -> bool:
    """A whole lifecycle through the API with the tests' generic SOP walk; True if the case ended."""
    from tests.helpers.sop_walk import EXPECTED_STEPS, walk

    case.start(title)
    steps = walk(case.ready_tasks, case.attach, case.complete)
    if steps != EXPECTED_STEPS:
        case.errors.append(f"walked {steps}")
    status = case.get_instance()["status"]
    if status != "completed":
        case.errors.append(f"instance {case.instance_id} ended {status}")
    return not case.errors


def run_main(main: Callable[[list[str] | None], Any]) -> None:
    """Entry point for ``python -m bench.X``."""
    result = main(None)
    targets = result.get("targets", []) if isinstance(result, dict) else []
    if targets:
        print_targets(targets)
        missed = [t for t in targets if not t.met]
        if missed:  # loudly: the lines on stderr, and a failing exit status
            for t in missed:
                print(f"MISSED: {t.bench}: {t.name}: {t.value if t.value is not None else '—'} (limit "
                      f"{t.limit:g})", file=sys.stderr)
            sys.exit(1)
