"""The task page: a step's instructions, SOP quality standard, documents, form; claim, upload, complete."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from engine.errors import Conflict, Invalid, NotFound, Problem
from engine.models import TaskRecord

from . import answers, form_render
from .errors import wants_json
from .i18n import format_moment, format_size
from .language import gettext as _
from .services import service
from .page_helpers import candidates, me, safe_next

bp = Blueprint("tasks", __name__)


def _page(row: TaskRecord, *, raw: dict | None = None, problems: list[Problem] | None = None, status: int = 200):
    """Render the task page; ``raw`` (what the user typed) and ``problems`` after a refused form."""
    svc, user = service(), me()
    instance = svc.instance(row.instance_id)
    meta = svc.task_meta(row)
    schema = svc.task_form(row)
    running = instance.status == "running" and row.state == "ready"
    official = svc.principal(user, row) if running else None
    may_do = official is not None
    taken_by_other = bool(row.claimed_by) and row.claimed_by not in (user.username, getattr(official, "username", None))
    can_work = may_do and not taken_by_other
    files = svc.attachments(instance_id=row.instance_id)
    problems = problems or []
    may_discuss = svc.may_discuss(user, instance)
    comments = svc.comments(instance.id, user) if may_discuss else []
    errors = form_render.errors_by_field(problems, (schema or {}).get("properties") or {})
    decisions = svc.decision_fields(row)
    # a step redone after a send-back starts from what its previous round said
    previous = svc.previous_round(row) if row.state == "ready" and can_work else None
    # (not the decisions: a decision is made anew each round)
    values = row.data if row.state == "completed" else (
        {k: v for k, v in previous.data.items() if k not in decisions} if previous else None)
    form_fields = form_render.fields(schema, values, raw=raw, problems=problems,
                                     candidates=candidates if can_work else None, decisions=decisions,
                                     qualification=svc.compiled(svc.definition(row.definition_id)).qualification,
                                     lists=svc.list_views(row))
    submissions = svc.earlier_submissions(row)
    people = svc.full_names([row.claimed_by, row.completed_by, (row.returned or {}).get("by"),
                                   row.on_behalf_of, *(c.author for c in comments),
                                   *(f.uploaded_by for f in files),
                                   *answers.people_named(svc, row.definition_id, submissions)])
    earlier = answers.by_step(svc, row.definition_id, submissions, files, people)
    return render_template(
        "tasks/show.html", row=row, instance=instance, meta=meta, schema=schema, fields=form_fields,
        form_errors=errors.get(form_render.FORM, []), attachment_errors=errors.get("attachments", []),
        own_files=[f for f in files if f.task_id == row.id], earlier=earlier, prefilled=previous is not None,
        superseded_files=[f for g in earlier if g.bpmn_id == row.bpmn_id for r in g.rounds for f in r.files],
        returned=_returned(row.returned),
        can_work=can_work, can_claim=may_do and not row.claimed_by,
        can_release=running and bool(row.claimed_by) and (
            row.claimed_by == user.username or user.is_admin
            or any(o.username == row.claimed_by for o in svc.acting_for(user))),
        acting_for=official if official is not None and official.id != user.id else None,
        may_discuss=may_discuss, comments=comments,
        taken_by_other=taken_by_other, max_upload_mb=svc.settings.max_upload_bytes // (1024 * 1024),
        step_label=step_label(row), people=people), status


def _returned(value: dict | None) -> dict | None:
    """The send-back a round after the first carries, with its moment as a datetime."""
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.get("at") or "")
    except ValueError:
        at = None
    return {**value, "at": at}


def step_label(row: TaskRecord) -> str:
    return _("Langkah %(n)s — %(name)s", n=row.step, name=row.name) if row.step else row.name


@bp.route("/tasks/<task_id>")
@login_required
def show(task_id: str):
    return _page(service().visible_task(task_id, me()))


@bp.route("/tasks/<task_id>/complete", methods=["GET", "POST"])
@login_required
def complete(task_id: str):
    if request.method == "GET":  # e.g. the language link on a refused form: back to the task page
        return redirect(url_for("tasks.show", task_id=task_id, lang=request.args.get("lang")))
    svc, user = service(), me()
    row = svc.visible_task(task_id, user)
    schema = svc.task_form(row)
    decisions = svc.decision_fields(row)
    if request.form.get(form_render.ADD_ROW):  # "Tambah baris": the same form, one blank row more
        return _page(row, raw=form_render.raw_values(schema, request.form, decisions))
    data, problems = form_render.parse(schema, request.form, decisions)
    if problems:
        # Say everything at once: what could not be typed, and what the engine would refuse besides.
        bad = {p.field for p in problems}
        problems += [p for p in svc.completion_problems(row, data) if (p.field or "").split(".")[0] not in bad]
    else:
        try:
            svc.complete(task_id, user, data)
        except Invalid as exc:
            problems = exc.problems
        except Conflict:  # done meanwhile (a second click, or a colleague): show where it stands
            flash(_("Langkah ini sudah selesai atau berubah sementara itu. Periksa keadaannya di bawah."), "warning")
            return redirect(url_for("tasks.show", task_id=task_id))
    if problems:
        raw = form_render.raw_values(schema, request.form, decisions)
        form_render.adopt_ids(schema, raw, data)
        return _page(row, raw=raw, problems=problems, status=422)
    flash(_("%(step)s selesai. Terima kasih.", step=step_label(row)) + " " + who_is_next(row.instance_id), "success")
    return redirect(url_for("inbox.index"))


def who_is_next(instance_id: int) -> str:
    """Where the case is now: each step waiting and who holds it (the person who took it, the
    people appointed, else the lane), or that the case has ended."""
    svc = service()
    waiting = svc.current_tasks([instance_id])[instance_id]
    if not waiting:
        status = svc.instance(instance_id).status
        return _("Pengajuan ini sudah selesai.") if status == "completed" else ""
    people = svc.full_names([t.claimed_by for t in waiting])
    parts = []
    for t in waiting:
        if t.claimed_by:
            holder = people.get(t.claimed_by, t.claimed_by)
        elif t.has_assignees:
            holder = ", ".join(u.full_name or u.username for u in t.assignees)
        else:
            holder = _("pelaksana %(lane)s", lane=t.lane) if t.lane else _("siapa pun yang berhak")
        parts.append(_("%(step)s, oleh %(who)s", step=step_label(t), who=holder))
    return _("Berikutnya: %(next)s.", next="; ".join(parts))


def _back(task_id: str):
    return redirect(safe_next(request.form.get("next")) or url_for("tasks.show", task_id=task_id))


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    try:
        row = service().claim(task_id, me())
    except Conflict:
        flash(_("Tugas ini baru saja diambil atau diubah orang lain."), "warning")
        return _back(task_id)
    flash(_("Anda mengambil tugas: %(step)s.", step=step_label(row)), "success")
    return _back(task_id)


@bp.post("/tasks/<task_id>/unclaim")
@login_required
def unclaim(task_id: str):
    try:
        row = service().unclaim(task_id, me())
    except Conflict:
        flash(_("Tugas ini sudah tidak diambil siapa pun atau sudah selesai."), "warning")
        return _back(task_id)
    flash(_("Tugas dilepaskan: %(step)s.", step=step_label(row)), "success")
    return _back(task_id)


@bp.route("/tasks/<task_id>/attachments", methods=["GET", "POST"])
@login_required
def upload(task_id: str):
    if request.method == "GET":
        return redirect(url_for("tasks.show", task_id=task_id, lang=request.args.get("lang")))
    svc, user = service(), me()
    file = request.files.get("file")
    if file is None or not file.filename:
        problem = Problem(_("Pilih berkas yang akan diunggah."), field="attachments")
        if wants_json():
            raise Invalid(problem.message, [problem], api_code="no_file")
        return _page(svc.visible_task(task_id, user), problems=[problem], status=422)
    deliverable = svc.attach(task_id, user, file.filename, file.stream)
    if wants_json():  # upload.js adds the attachment's row from this, as the page draws it
        return jsonify({
            "id": deliverable.id, "filename": deliverable.filename, "size": deliverable.size,
            "size_label": format_size(deliverable.size), "uploaded_by": deliverable.uploaded_by,
            "uploaded_by_label": user.full_name or user.username,
            "uploaded_at": deliverable.uploaded_at.isoformat(),
            "uploaded_at_label": format_moment(deliverable.uploaded_at),
            "url": url_for("tasks.download", attachment_id=deliverable.id),
            "delete_url": url_for("tasks.remove_attachment", task_id=task_id, attachment_id=deliverable.id),
            "delete_label": _("Hapus"),
            "message": _("Lampiran \"%(name)s\" diunggah.", name=deliverable.filename)}), 201
    flash(_("Lampiran \"%(name)s\" diunggah.", name=deliverable.filename), "success")
    return redirect(url_for("tasks.show", task_id=task_id) + "#dokumen-keluaran")


@bp.post("/tasks/<task_id>/attachments/<int:attachment_id>/delete")
@login_required
def remove_attachment(task_id: str, attachment_id: int):
    svc = service()
    deliverable = next((d for d in svc.attachments(task_id=task_id) if d.id == attachment_id), None)
    if deliverable is None:
        raise NotFound("attachment.not_on_step", id=attachment_id)
    name = deliverable.filename
    svc.remove_attachment(attachment_id, me())
    flash(_("Lampiran \"%(name)s\" dihapus.", name=name), "success")
    return redirect(url_for("tasks.show", task_id=task_id) + "#dokumen-keluaran")


@bp.route("/attachments/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    deliverable, path = service().attachment_file(attachment_id, me())
    return send_file(path, mimetype=deliverable.content_type, as_attachment=True,
                     download_name=deliverable.filename, conditional=True, etag=deliverable.sha256)
