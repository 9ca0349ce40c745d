"""The JSON API of API.md under /api. Every route is one engine call plus a shape."""
from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, current_app, jsonify, request, send_file
from werkzeug.exceptions import BadRequest

from engine.access import is_process_owner
from engine.diagram import render_svg
from engine import data_limits
from engine.errors import Invalid, NotAllowed, Problem, TooLarge

from . import shapes
from .auth import api_user
from .openapi import openapi_document
from .services import service

bp = Blueprint("api", __name__, url_prefix="/api")
#: Routes anyone may read without logging in: the API's own description.
PUBLIC = {"api.openapi"}


@bp.before_request
def _authenticate() -> None:
    """Every route but the OpenAPI document needs a caller (401 otherwise), found once here;
    a route reads it with :func:`api_user` (cached for the request)."""
    if request.endpoint not in PUBLIC:
        api_user()
#: The longest search text accepted.
MAX_QUERY = 200


def _json_body() -> dict:
    """The request's JSON object, parsed strictly (no NaN/Infinity, bounded size and nesting)."""
    limit = current_app.config["ALUR_MAX_JSON_BYTES"]
    if (request.content_length or 0) > limit:
        raise TooLarge("request.json_too_large", n=limit)
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise TooLarge("request.json_too_large", n=limit)
    if not raw.strip():
        return {}
    try:
        body = data_limits.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    # everything in it bounded before any use; "data" is the engine's to check (it names the form's fields)
    data_limits.require_data({k: v for k, v in body.items() if k != "data"}, None)
    return body


def _page() -> tuple[int, int]:
    """``limit`` (1..500, default 100) and ``offset`` (0..10^9) from the query string."""
    limit = request.args.get("limit", 100, type=int) or 100
    offset = request.args.get("offset", 0, type=int) or 0
    return min(max(limit, 1), 500), min(max(offset, 0), 10**9)


def _upload():
    file = request.files.get("file")
    if file is None:
        raise Invalid("request.no_file_title", [Problem("request.no_file", field="file")])
    return file


@bp.get("/processes")
def list_processes():
    return jsonify([shapes.process(d) for d in service().list_processes()])


@bp.post("/processes")
def deploy_process():
    user = api_user()
    if not is_process_owner(user):
        raise NotAllowed("deploy.owners_only")
    uploads = [f for f in request.files.getlist("file") if f is not None]
    if not uploads:
        _upload()  # says which field is missing
    files = [(f.filename or f"file{i + 1}.bpmn", f.read()) for i, f in enumerate(uploads)]
    deployed = service().deploy_files(files, user, default_role=request.form.get("default_role") or None)
    definition, created = deployed[0]
    # The first process answers as always; "processes" lists every process the files held.
    return jsonify({"key": definition.key, "version": definition.version, "id": definition.id,
                    "created": created,
                    "processes": [{"key": d.key, "version": d.version, "id": d.id, "created": c}
                                  for d, c in deployed]}), 201 if any(c for _d, c in deployed) else 200


@bp.get("/processes/<key>/bpmn")
def process_bpmn(key: str):
    definition = service().latest_definition(key)
    return Response(definition.bpmn_xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{definition.key}.bpmn"'})


@bp.post("/sop-tables")
def import_sop_table():
    """An SOP table (XLSX, CSV, DOCX) → a draft BPMN and what to check in it; nothing is deployed."""
    user = api_user()
    file = _upload()
    draft = service().draft_from_sop_table(file.read(), file.filename or "table", user)
    return jsonify({"bpmn": draft.xml, "problems": [p.as_dict() for p in draft.problems]})


@bp.get("/processes/<key>/sop-sheet.pdf")
def process_sop_sheet_pdf(key: str):
    """The SOP sheet (Permenpan-RB layout) of the latest version, or of ``?version=N``, as PDF."""
    from .processes import version_of
    from .sop_sheet import pdf_response

    version = request.args.get("version", type=int)
    return pdf_response(version_of(service(), key, version if version and version > 0 else None))


@bp.post("/instances")
def start_instance():
    user = api_user()
    body = _json_body()
    key = body.get("process_key")
    if not isinstance(key, str) or not key:
        raise Invalid("request.invalid", [Problem("request.process_key", field="process_key")])
    title = body.get("title") or ""
    if not isinstance(title, str):
        raise Invalid("request.invalid", [Problem("request.title_text", field="title")])
    svc = service()
    inst = svc.start(key, user, title, body.get("data"))
    return jsonify(shapes.instance(svc, inst)), 201


@bp.get("/instances")
def list_instances():
    """Cases the caller may see, newest first; ``mine=1``: those they started or took part in; ``q``:
    search; ``before``: only cases older than that id (the last of a page: the next page, as cheap at
    any depth; a number that is none is no filter, as a bad ``offset`` is none)."""
    user = api_user()
    limit, offset = _page()
    mine = request.args.get("mine", "0")
    if mine not in ("0", "1", "true", "false"):
        raise Invalid("filter.invalid", [Problem("request.mine", field="mine")])
    q = request.args.get("q") or None
    if q is not None and len(q) > MAX_QUERY:
        raise Invalid("filter.invalid", [Problem("request.q_too_long", field="q", n=MAX_QUERY)])
    svc = service()
    rows, _ = svc.list_instances(user, status=request.args.get("status") or None,
                                 process_key=request.args.get("process_key") or None,
                                 mine=mine in ("1", "true"), q=q, overdue=request.args.get("overdue") == "1",
                                 limit=limit, offset=offset, count=False,
                                 before=request.args.get("before", type=int))
    current = svc.current_tasks(i.id for i in rows)
    return jsonify([shapes.instance_summary(i, current[i.id]) for i in rows])


@bp.post("/instances/<int:instance_id>/withdraw")
def withdraw_instance(instance_id: int):
    user = api_user()
    reason = _json_body().get("reason", "")
    if not isinstance(reason, str):
        raise Invalid("request.invalid", [Problem("request.reason_text", field="reason")])
    svc = service()
    return jsonify(shapes.instance(svc, svc.withdraw(instance_id, user, reason)))


@bp.post("/instances/<int:instance_id>/migrate")
def migrate_instance(instance_id: int):
    """Dry run (admins, Process Owners) or move (admins) a running case to a later version."""
    user = api_user()
    body = _json_body()
    to_version, dry_run = body.get("to_version"), body.get("dry_run", True)
    if to_version is not None and (isinstance(to_version, bool) or not isinstance(to_version, int)):
        raise Invalid("Invalid request", [Problem("to_version must be a version number", field="to_version")])
    if not isinstance(dry_run, bool):
        raise Invalid("Invalid request", [Problem("dry_run must be true or false", field="dry_run")])
    return jsonify(shapes.case_migration(service().migrate_instance(instance_id, user, to_version, dry_run=dry_run)))


@bp.get("/instances/<int:instance_id>/comments")
def list_comments(instance_id: int):
    return jsonify([shapes.comment(c) for c in service().comments(instance_id, api_user())])


@bp.post("/instances/<int:instance_id>/comments")
def add_comment(instance_id: int):
    user = api_user()
    body = _json_body()
    text, task_id = body.get("body", ""), body.get("task_id")
    if not isinstance(text, str) or (task_id is not None and not isinstance(task_id, str)):
        raise Invalid("request.invalid", [Problem("request.comment_text", field="body")])
    return jsonify(shapes.comment(service().add_comment(instance_id, user, text, task_id))), 201


@bp.get("/delegations")
def list_delegations():
    user = api_user()
    everyone = request.args.get("all") == "1"
    return jsonify([shapes.delegation(d) for d in service().delegations(user, everyone=everyone)])


def _moment(body: dict, name: str) -> datetime:
    value = body.get(name)
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Invalid("delegation.invalid", [Problem("request.bad_time", field=name)])
    return moment


@bp.post("/delegations")
def create_delegation():
    """Name an acting official (Plt/Plh) for a period: for oneself, or (admin) for anyone."""
    user = api_user()
    body = _json_body()
    names = {k: body.get(k, user.username if k == "delegator" else "") for k in ("delegator", "delegate")}
    kind, reason = body.get("kind", "plh"), body.get("reason", "")
    if not all(isinstance(v, str) for v in (*names.values(), kind, reason)):
        raise Invalid("delegation.invalid", [Problem("request.delegation_text", field="delegate")])
    delegation = service().create_delegation(user, names["delegator"], names["delegate"], _moment(body, "starts_at"),
                                             _moment(body, "ends_at"), kind, reason)
    return jsonify(shapes.delegation(delegation)), 201


@bp.post("/delegations/<int:delegation_id>/end")
def end_delegation(delegation_id: int):
    return jsonify(shapes.delegation(service().end_delegation(delegation_id, api_user())))


def _history_limit(name: str, default: int) -> int:
    """``tasks_limit`` / ``events_limit`` (1..2000): how much of a case's history."""
    value = request.args.get(name, default, type=int) or default
    return min(max(value, 1), shapes.HISTORY_MAX)


@bp.get("/instances/<int:instance_id>")
def get_instance(instance_id: int):
    svc = service()
    inst = svc.visible_instance(instance_id, api_user())
    return jsonify(shapes.instance(svc, inst, _history_limit("tasks_limit", shapes.TASKS_DEFAULT),
                                   _history_limit("events_limit", shapes.EVENTS_DEFAULT)))


@bp.get("/instances/<int:instance_id>/traceability")
def instance_traceability(instance_id: int):
    """The case's traceability matrices (one per item list of its process's forms; none if it has no list)."""
    from .traceability import matrix_json

    svc = service()
    inst = svc.visible_instance(instance_id, api_user())
    return jsonify({"instance_id": inst.id, "matrices": [matrix_json(m) for m in svc.traceability(inst)]})


@bp.get("/instances/<int:instance_id>/diagram.svg")
def instance_diagram(instance_id: int):
    svc = service()
    inst = svc.visible_instance(instance_id, api_user())
    svg = render_svg(svc.bpmn_source(inst.definition), svc.instance_marks(inst), title=inst.title)
    return Response(svg, mimetype="image/svg+xml")


@bp.get("/tasks")
def list_tasks():
    user = api_user()
    state = request.args.get("state", "ready")
    tabs = {"ready": "ready", "completed": "done", "mine": "mine", "lanes": "lanes"}
    if state not in tabs:
        raise Invalid("filter.invalid", [Problem("request.bad_state", field="state")])
    limit, offset = _page()
    svc = service()
    rows, _ = svc.inbox(user, tabs[state], process_key=request.args.get("process_key") or None,
                        limit=limit, offset=offset, count=False)
    files = svc.attachments_by_task([r.id for r in rows])
    return jsonify([shapes.task(svc, r, files[r.id]) for r in rows])


@bp.get("/tasks/<task_id>")
def get_task(task_id: str):
    svc = service()
    return jsonify(shapes.task(svc, svc.visible_task(task_id, api_user())))


@bp.post("/tasks/<task_id>/claim")
def claim(task_id: str):
    svc = service()
    return jsonify(shapes.task(svc, svc.claim(task_id, api_user())))


@bp.post("/tasks/<task_id>/unclaim")
def unclaim(task_id: str):
    svc = service()
    return jsonify(shapes.task(svc, svc.unclaim(task_id, api_user())))


@bp.post("/tasks/<task_id>/attachments")
def attach(task_id: str):
    user = api_user()
    file = _upload()
    deliverable = service().attach(task_id, user, file.filename, file.stream)
    return jsonify(shapes.attachment(deliverable)), 201


@bp.get("/attachments/<int:attachment_id>")
def download(attachment_id: int):
    deliverable, path = service().attachment_file(attachment_id, api_user())
    return send_file(path, mimetype=deliverable.content_type, as_attachment=True,
                     download_name=deliverable.filename, conditional=True, etag=deliverable.sha256)


@bp.post("/messages")
def send_message():
    """Deliver a message to the cases waiting for it (and start those its start events wait for)."""
    user = api_user()
    body = _json_body()
    delivered = service().deliver_message(body.get("name"), body.get("correlation_key"), body.get("data"), user)
    return jsonify({"delivered_to": delivered})


@bp.post("/tasks/<task_id>/complete")
def complete(task_id: str):
    user = api_user()
    body = _json_body()
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise Invalid("request.invalid", [Problem("data.not_object", field="data")])
    svc = service()
    row = svc.complete(task_id, user, data)
    # the step's letter (sop.document) was queued; rendering it here (DOCX → PDF, ~0.4 s on a busy
    # 2-core machine) would hold the completion's answer for it: the worker does
    return jsonify(shapes.task(svc, row, svc.stored_attachments(row.id)))


def _date_arg(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid("filter.invalid", [Problem("date.format", field=name)]) from None


@bp.get("/reports/kpi")
def kpi():
    version = request.args.get("version", type=int)
    return jsonify(service().kpi(request.args.get("process_key") or None, since=_date_arg("since"),
                                 until=_date_arg("until"), version=version if version and version > 0 else None,
                                 lane=(request.args.get("lane") or "")[:200] or None))


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
