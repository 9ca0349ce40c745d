"""A real server process (gunicorn via `alur serve`), real HTTP, real threads."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests

from helpers.api_driver import RequestsAPI, walk_sop_over_api
from helpers.sop_walk import EXPECTED_STEPS, SOP_KEY

ALUR = str(Path(sys.executable).with_name("alur"))


def test_sop_over_real_http(live_server, any_db):
    base, tokens = live_server.base, live_server.tokens
    instance_id, steps = walk_sop_over_api(RequestsAPI(base, tokens), "Aplikasi lewat HTTP")
    assert steps == EXPECTED_STEPS
    body = requests.get(f"{base}/api/instances/{instance_id}",
                        headers={"Authorization": f"Bearer {tokens['admin']}"}).json()
    assert body["status"] == "completed"


def test_racing_completions_one_wins(live_server, any_db):
    base, tokens = live_server.base, live_server.tokens
    api = RequestsAPI(base, tokens)
    status, inst = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "title": "Balapan"})
    task = [t for t in inst["tasks"] if t["state"] == "ready"][0]
    api.request("POST", f"/api/tasks/{task['id']}/attachments", "pemilik", files={"file": ("a.pdf", b"%PDF")})
    data = {"nama_aplikasi": "SIMPUS", "instansi_pemilik": "Dinkes", "jenis_pengembangan": "baru"}
    results: list[int] = []
    barrier = threading.Barrier(8)

    def race():
        session = requests.Session()
        barrier.wait()
        r = session.post(f"{base}/api/tasks/{task['id']}/complete", json={"data": data},
                         headers={"Authorization": f"Bearer {tokens['pemilik']}"}, timeout=30)
        results.append(r.status_code)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200] + [409] * 7, results
    status, body = api.request("GET", f"/api/instances/{inst['id']}", "admin")
    ready = [t for t in body["tasks"] if t["state"] == "ready"]
    assert [t["step"] for t in ready] == [2], "exactly one step 2, the instance consistent"
    assert [e["kind"] for e in body["events"]].count("complete") == 1
    assert [t["step"] for t in body["tasks"] if t["state"] == "completed"] == [1]


def test_cli_deploy_and_errors(live_server, tmp_path):
    env = live_server.env
    sop = Path(__file__).parent.parent / "processes" / "pengembangan_aplikasi_egov.bpmn"
    out = subprocess.run([ALUR, "deploy", str(sop)], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("pengembangan_aplikasi_egov v1")
    changed = tmp_path / "changed.bpmn"
    changed.write_bytes(sop.read_bytes().replace(b"Identifikasi kebutuhan", b"Identifikasi kebutuhan awal", 1))
    out = subprocess.run([ALUR, "deploy", str(changed)], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "pengembangan_aplikasi_egov v2"
    broken = tmp_path / "broken.bpmn"
    broken.write_bytes(sop.read_bytes().replace(b"spec_approved == True", b"__import__('os').system('id')"))
    out = subprocess.run([ALUR, "deploy", str(broken)], env=env, capture_output=True, text=True)
    assert out.returncode == 1 and "line " in out.stderr and "Gateway_ReviewSpesifikasi" not in out.stdout
    assert "unsafe" in out.stderr
    out = subprocess.run([ALUR, "user", "add", "dina", "--password", "rahasia123", "--role", "Staf",
                          "--role", "Kasi Sistem"], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    out = subprocess.run([ALUR, "user", "add", "dina", "--password", "rahasia123"], env=env,
                         capture_output=True, text=True)
    assert out.returncode == 1 and "already exists" in out.stderr
    out = subprocess.run([ALUR, "tick"], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and "overdue" in out.stdout


def test_a_serving_process_tunes_its_collector():
    """``alur serve``'s workers and ``alur worker`` freeze what start-up built and collect the
    young generation less often (webapp/collector.py); run in a process of its own, as they are."""
    probe = ("import gc\nfrom webapp import create_app\nfrom webapp.collector import YOUNG_THRESHOLD, tune_for_serving\n"
             "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x'})\n"
             "before = gc.get_threshold()\ntune_for_serving()\n"
             "print(before[0], gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:]), gc.get_freeze_count() > 10000)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["700", "True", "True"]
