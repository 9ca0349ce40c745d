"""Drive the JSON API with any HTTP client that looks like ``requests`` or Flask's test client."""
from __future__ import annotations

import base64
import io
from typing import Any

from .sop_walk import SOP_KEY, walk


def basic(username: str, password: str = "demo12345") -> dict[str, str]:
    raw = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


class FlaskClientAPI:
    """Calls through Flask's test client (no sockets)."""

    def __init__(self, client, tokens: dict[str, str] | None = None) -> None:
        self.client = client
        self.tokens = tokens or {}

    def request(self, method: str, path: str, user: str, **kw):
        token = self.tokens.get(user)
        headers = {"Authorization": f"Bearer {token}"} if token else basic(user)
        headers.update(kw.pop("headers", {}))
        if "files" in kw:
            files = kw.pop("files")
            kw["data"] = {k: (io.BytesIO(v[1]), v[0]) for k, v in files.items()}
            kw["content_type"] = "multipart/form-data"
        resp = self.client.open(path, method=method, headers=headers, **kw)
        return resp.status_code, (resp.get_json(silent=True) if resp.is_json else resp.data)


class RequestsAPI:
    """Calls a real server over HTTP."""

    def __init__(self, base_url: str, tokens: dict[str, str] | None = None) -> None:
        import requests

        self.base = base_url.rstrip("/")
        self.http = requests.Session()
        self.tokens = tokens or {}

    def request(self, method: str, path: str, user: str, **kw):
        token = self.tokens.get(user)
        headers = {"Authorization": f"Bearer {token}"} if token else basic(user)
        headers.update(kw.pop("headers", {}))
        resp = self.http.request(method, self.base + path, headers=headers, timeout=30, **kw)
        try:
            body = resp.json()
        except ValueError:
            body = resp.content
        return resp.status_code, body


ALL_USERS = ["pemilik", "analis", "kabid", "kasi", "budi", "sari", "andi", "admin"]


def walk_sop_over_api(api, title: str = "Aplikasi lewat API", check_refusals: bool = False
                      ) -> tuple[int, list[int]]:
    """Start the SOP as 'pemilik' and walk it to the end over the API; returns (instance id, steps).

    With ``check_refusals`` every other user's attempt to complete each step must get 403."""
    status, inst = api.request("POST", "/api/instances", "pemilik", json={"process_key": SOP_KEY, "title": title})
    assert status == 201, inst
    instance_id = inst["id"]

    def ready():
        status, body = api.request("GET", f"/api/instances/{instance_id}", "admin")
        assert status == 200, body
        return [t for t in body["tasks"] if t["state"] == "ready"]

    def attach(task: dict[str, Any], username: str) -> None:
        status, body = api.request("POST", f"/api/tasks/{task['id']}/attachments", username,
                                   files={"file": (f"langkah-{task['step']}.pdf", b"%PDF-1.4 dokumen")})
        assert status == 201, body

    def complete(task: dict[str, Any], username: str, data: dict[str, Any]) -> None:
        status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", username, json={"data": data})
        assert status == 200, body
        assert body["state"] == "completed" and body["completed_by"] == username

    def refusals(task: dict[str, Any], username: str) -> None:
        for other in ALL_USERS:
            if other == username or other in (task.get("assignees") or []):
                continue
            status, body = api.request("POST", f"/api/tasks/{task['id']}/complete", other, json={"data": {}})
            assert status == 403, (task["step"], other, status, body)

    return instance_id, walk(ready, attach, complete, refusals if check_refusals else None)
