"""Walk the SOP 'Pengembangan Aplikasi E-Government' from step 1 to 14 through any driver.

The walk reads nothing but each task's form and properties: it fills every field of the step's
JSON Schema with a valid sample value, adds the decisions (both review loops taken once) and the
appointments, and attaches a file where the step requires one. The same walk drives the engine
service, the HTTP API via Flask's client, and a real server.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any, Callable

SOP_KEY = "pengembangan_aplikasi_egov"
#: The demo directory: one user per lane; three staff so appointments have choices.
LANE_USERS = {
    "Instansi Pemilik": "pemilik",
    "System Analyst": "analis",
    "Bidang E-Gov, Persandian dan Statistik": "kabid",
    "Kasi Sistem": "kasi",
}
STAFF = ["budi", "sari", "andi"]
SYSTEM_PROGRAMMER = "budi"
PROGRAMMERS = ["sari", "andi"]
EXPECTED_STEPS = [1, 2, 3, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 9, 10, 11, 12, 13, 14]


#: How many items a sample item list holds (their ids: K-01, K-02, K-03, the same every round).
SAMPLE_ITEMS = 3
FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"


@functools.lru_cache(maxsize=64)
def _list_field(name: str) -> dict[str, Any] | None:
    """The schema of the list field called ``name`` in the repository's forms (a bound list's source)."""
    for path in sorted(FORMS_DIR.glob("*.json")):
        prop = (json.loads(path.read_text(encoding="utf-8")).get("properties") or {}).get(name)
        if isinstance(prop, dict) and prop.get("type") == "array" and ("x-item-id" in prop or "x-items-from" in prop):
            return prop
    return None


def sample_items(name: str, prop: dict[str, Any]) -> list[dict[str, Any]]:
    """A list field's sample items: an item list's with explicit ids (kept every round); a bound
    list's answering each item of its source's sample that it asks (``x-items-when``)."""
    columns = {k: v for k, v in ((prop.get("items") or {}).get("properties") or {}).items() if k != "id"}
    def row(item_id: str) -> dict[str, Any]:
        return {"id": item_id, **{k: sample_value(k, v) for k, v in columns.items()}}
    if isinstance(prop.get("x-item-id"), str):
        return [row(f"{prop['x-item-id']}-{n:02d}") for n in range(1, SAMPLE_ITEMS + 1)]
    source = _list_field(prop["x-items-from"])
    items = sample_items(prop["x-items-from"], source) if source is not None else []
    when = prop.get("x-items-when") or {}
    return [row(i["id"]) for i in items if all(i.get(k) in v for k, v in when.items())]


def sample_value(name: str, prop: dict[str, Any]) -> Any:
    kind = prop.get("type")
    if kind == "array" and ("x-item-id" in prop or "x-items-from" in prop):
        return sample_items(name, prop)
    if "enum" in prop:
        return prop["enum"][0]
    if kind == "boolean":
        return True
    if kind == "integer":
        return max(int(prop.get("minimum", 1)), 1)
    if kind == "number":
        return float(prop.get("minimum", 1))
    if kind == "array":
        return [sample_value(name, prop.get("items", {}))] * max(prop.get("minItems", 0), 0)
    if prop.get("format") == "date":
        return dt.date.today().isoformat()
    if prop.get("format") == "uri" or name.startswith("url"):
        return "https://aplikasi.example.go.id/" + name
    return f"Isian {name.replace('_', ' ')}"


def form_data(form: dict[str, Any] | None, step: int | None, rounds: dict[int, int]) -> dict[str, Any]:
    """Valid data for a step: every field filled, decisions and appointments set."""
    data: dict[str, Any] = {}
    for name, prop in ((form or {}).get("properties") or {}).items():
        if prop.get("x-widget") == "user" or (prop.get("items") or {}).get("x-widget") == "user":
            continue
        data[name] = sample_value(name, prop)
    if step == 3:
        data["spec_approved"] = rounds.get(3, 0) > 0  # first review asks for changes
    if step == 12:
        data["prototype_accepted"] = rounds.get(12, 0) > 0
    if step == 4:
        data["system_programmer"] = SYSTEM_PROGRAMMER
    if step == 6:
        data["programmers"] = list(PROGRAMMERS)
    if step == 5 and "tanggal_selesai" in data:
        data["tanggal_selesai"] = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    return data


def user_for(task: dict[str, Any]) -> str:
    """Who should do this task: the appointed person, else the lane's demo user."""
    assignees = task.get("assignees") or []
    if assignees:
        return assignees[0]
    return LANE_USERS[task["lane"]]


def walk(
    ready_tasks: Callable[[], list[dict[str, Any]]],
    attach: Callable[[dict[str, Any], str], None],
    complete: Callable[[dict[str, Any], str, dict[str, Any]], None],
    on_step: Callable[[dict[str, Any], str], None] | None = None,
) -> list[int]:
    """Drive the SOP to its end; returns the steps in the order they were completed."""
    done: list[int] = []
    rounds: dict[int, int] = {}
    for _ in range(40):
        tasks = ready_tasks()
        if not tasks:
            return done
        assert len(tasks) == 1, f"the SOP is sequential, got {[t['name'] for t in tasks]}"
        task = tasks[0]
        username = user_for(task)
        if on_step:
            on_step(task, username)
        if task["output_required"]:
            attach(task, username)
        complete(task, username, form_data(task["form"], task["step"], rounds))
        rounds[task["step"]] = rounds.get(task["step"], 0) + 1
        done.append(task["step"])
    raise AssertionError(f"the walk did not end: {done}")
