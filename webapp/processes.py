"""Proses (SOP): the deployed definitions, one process's page, BPMN download, new versions, starting a case."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine import access
from engine.errors import Invalid, NotAllowed, NotFound, Problem
from engine.models import ProcessDefinition
from engine.service import WorkflowService

from . import form_render
from .language import gettext as _
from .message_text import problem_text
from .instances import diagram_labels
from .services import service
from .page_helpers import candidates, me

bp = Blueprint("processes", __name__, url_prefix="/processes")
_LIST_ITEM = re.compile(r"^(\d+|[a-zA-Z])[.)]\s")


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every page here needs a logged-in user (anonymous → the login page)."""


def documentation_blocks(text: str) -> list[dict[str, Any]]:
    """The process documentation as blocks: a paragraph, or a heading ("Dasar Hukum:") with its list."""
    blocks = []
    for para in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in para.splitlines() if line.strip()]
        if not lines:
            continue
        heading = None
        if len(lines) > 1 and lines[0].endswith(":"):
            heading, lines = lines[0][:-1], lines[1:]
        blocks.append({"heading": heading, "lines": lines,
                       "is_list": all(_LIST_ITEM.match(line) for line in lines)})
    return blocks


def version_of(svc: WorkflowService, key: str, version: int | None) -> ProcessDefinition:
    if version is None:
        return svc.latest_definition(key)
    for definition in svc.versions(key):
        if definition.version == version:
            return definition
    raise NotFound(_("Proses %(key)s tidak memiliki versi %(version)d.", key=key, version=version))


@bp.get("/")
def index():
    return render_index()


def render_index(import_errors: list[str] | None = None, status: int = 200):
    """The list of processes; ``import_errors``: why an SOP table just uploaded could not be read."""
    svc = service()
    processes = svc.list_processes()
    return render_template("processes/index.html", processes=processes,
                           versions={p.key: svc.versions(p.key) for p in processes},
                           can_deploy=access.is_process_owner(me()), import_errors=import_errors,
                           people=svc.full_names(p.deployed_by for p in processes)), status


def _render_detail(svc: WorkflowService, definition: ProcessDefinition, errors: dict[str, str] | None = None,
                   status: int = 200, *, raw: dict | None = None, problems: list[Problem] | None = None):
    from engine.diagram import render_svg

    user = me()
    cd = svc.compiled(definition)
    start_schema = svc.start_form(definition)
    start_fields = form_render.fields(start_schema, None, raw=raw, problems=problems or [],
                                      candidates=candidates, qualification=cd.qualification) if start_schema else []
    steps = sorted(cd.tasks.values(), key=lambda m: (m.step is None, m.step or 0, m.name))
    versions = svc.versions(definition.key)
    latest = versions[0]
    templates = svc.document_templates(definition.key)
    return render_template(
        "processes/detail.html", definition=definition, latest=latest, versions=versions, lanes=cd.lanes,
        steps=[(m, svc.duration_minutes(m.duration)) for m in steps],
        documentation=documentation_blocks(definition.documentation),
        svg=render_svg(svc.bpmn_source(definition), None, title=definition.name, labels=diagram_labels()),
        may_start=definition.id == latest.id and access.may_start(user, cd.lanes),
        can_deploy=access.is_process_owner(user), errors=errors or {},
        people=svc.full_names([v.deployed_by for v in versions]
                                    + [t.uploaded_by for ts in templates.values() for t in ts]),
        template_names=svc.document_names(definition), templates=templates,
        start_fields=start_fields,
        start_errors=form_render.errors_by_field(problems or [], (start_schema or {}).get("properties") or {})
        .get(form_render.FORM, []),
        default_role=svc.default_role(definition),
        older_running=svc.running_on_older_versions(definition.key) if access.is_process_owner(user) else 0,
    ), status


@bp.get("/<key>")
def detail(key: str):
    svc = service()
    return _render_detail(svc, version_of(svc, key, request.args.get("version", type=int)))


@bp.get("/<key>/diagram.svg")
def diagram(key: str):
    """The process diagram at full size (one link from its page)."""
    from engine.diagram import render_svg

    svc = service()
    definition = version_of(svc, key, request.args.get("version", type=int))
    return Response(render_svg(svc.bpmn_source(definition), None, title=definition.name, labels=diagram_labels()),
                    mimetype="image/svg+xml")


@bp.get("/<key>/bpmn")
def download(key: str):
    definition = version_of(service(), key, request.args.get("version", type=int))
    return Response(definition.bpmn_xml, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{definition.key}-v{definition.version}.bpmn"'})


@bp.route("/deploy", methods=["GET", "POST"])
def deploy():
    """Upload a BPMN file: a new process, or a new version of one (``expected_key`` from its page)."""
    user = me()
    if not access.is_process_owner(user):
        raise NotAllowed(_("Hanya admin dan Process Owner yang boleh menerbitkan versi baru."))
    if request.method == "GET":
        return render_template("processes/deploy.html", problems=None, expected_key=request.args.get("key", ""))
    svc = service()
    expected_key = request.form.get("expected_key", "").strip()
    default_role = request.form.get("default_role", "").strip() or None
    files = [(u.filename or "", u.read()) for u in request.files.getlist("file") if u is not None and u.filename]
    filename = ", ".join(name for name, _data in files)
    try:
        if not files or not any(data for _name, data in files):
            raise Invalid("No file", [Problem(_("Pilih berkas BPMN (.bpmn) untuk diunggah."), field="file")])
        definition, created = svc.deploy_files(files, user, expected_key=expected_key or None,
                                               default_role=default_role)[0]
    except Invalid as exc:
        return render_template("processes/deploy.html", problems=exc.problems, filename=filename,
                               expected_key=expected_key), 422
    if created:
        flash(_("Versi %(version)d dari %(name)s telah diterbitkan.", version=definition.version,
                name=definition.name), "success")
    else:
        flash(_("Berkas sama dengan versi %(version)d: tidak ada perubahan.", version=definition.version), "info")
    return redirect(url_for(".detail", key=definition.key))


@bp.post("/<key>/start")
def start(key: str):
    svc = service()
    definition = svc.latest_definition(key)
    schema = svc.start_form(definition)
    raw = form_render.raw_values(schema, request.form) if schema else None
    title = request.form.get("title", "").strip()
    if not title:
        return _render_detail(svc, definition, {"title": _("Tuliskan judul pengajuan.")}, 422, raw=raw)
    user = me()
    data, problems = form_render.parse(schema, request.form) if schema else ({}, [])
    try:
        if problems:
            raise Invalid("The case cannot be started with this data", problems)
        instance = svc.start(key, user, title, data)
    except Invalid as exc:
        return _render_detail(svc, definition, {p.field: problem_text(p) for p in exc.problems
                                                if p.field == "title"}, 422, raw=raw, problems=exc.problems)
    flash(_("Pengajuan \u201c%(title)s\u201d telah dimulai.", title=instance.title), "success")
    # straight to the first step when it is the starter's to do
    mine = [t for t in svc.current_tasks([instance.id])[instance.id] if access.may_do(user, t)]
    if mine:
        return redirect(url_for("tasks.show", task_id=mine[0].id))
    return redirect(url_for("instances.detail", instance_id=instance.id))
