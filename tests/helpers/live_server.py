"""A real gunicorn (``alur serve``) serving a test's database: started, awaited, stopped. The one
way the tests run a server (the ``live_server`` fixture in tests/conftest.py uses it)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

ALUR = str(Path(sys.executable).with_name("alur"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    """``base`` URL, the gunicorn master ``proc`` (its own process group, with its workers and the
    background worker), the ``env`` it runs with (for the CLI against the same database), the demo
    users' API ``tokens``, and ``appname``: what its PostgreSQL connections call themselves."""

    base: str
    proc: subprocess.Popen
    env: dict[str, str]
    log_path: Path
    appname: str
    tokens: dict[str, str] = field(default_factory=dict)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        """SIGTERM to the whole group (gunicorn lets its workers finish their requests), SIGKILL
        after a grace period."""
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue


def start(database_url: str, tmp_path: Path, files_dir: str, *, workers: int = 2,
          extra_env: dict[str, str] | None = None) -> LiveServer:
    """Start ``alur serve`` on a free port (not yet awaited: build the database meanwhile)."""
    appname = f"alur-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": database_url, "ALUR_INSTANCE_PATH": str(tmp_path / "instance"),
           "ALUR_FILES_DIR": files_dir, "SECRET_KEY": "live-test", "ALUR_PASSWORD_HASH": "pbkdf2:sha256:1000",
           "PGAPPNAME": appname,
           "XDG_RUNTIME_DIR": str(tmp_path),  # gunicorn's control socket: this server's own
           **(extra_env or {})}
    port = free_port()
    log_path = tmp_path / f"server-{port}.log"
    with open(log_path, "wb") as log:
        # its own process group, so that stopping ends the master, its workers and the worker together
        proc = subprocess.Popen([ALUR, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                                stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    return LiveServer(f"http://127.0.0.1:{port}", proc, env, log_path, appname)


def wait_until_serving(server: LiveServer, timeout: float = 90) -> None:
    """Until it answers (a machine shared by many test runs can take a while); RuntimeError with
    its log if it exits or never answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(server.base + "/login", timeout=2)
            return
        except requests.RequestException:  # not listening yet, or too busy to answer in time
            if server.proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError("the server did not start:\n" + server.log_tail()) from None
            time.sleep(0.05)

