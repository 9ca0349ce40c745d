"""Instans: the list of cases for admins and Process Owners, and one case's page with admin actions."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_login import login_required

from engine.access import is_process_owner
from engine.errors import NotAllowed, NotFound
from engine.models import Instance, User, utcnow
from engine.service import INSTANCE_STATUSES, WorkflowService
from engine.traceability import latest_rounds

from . import answers
from .answers import display_value
from .form_render import field_kind
from .i18n import format_age
from .cases import withdrawal_refusal_text
from .language import gettext as _
from .paging import page_arg
from .services import service
from .page_helpers import me

bp = Blueprint("instances", __name__, url_prefix="/instances")
PER_PAGE = 25


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every page here needs a logged-in user (anonymous → the login page)."""


@bp.app_context_processor
def _nav_context() -> dict[str, Any]:
    return {"is_process_owner": is_process_owner}


def status_labels() -> dict[str, str]:
    return {"running": _("Berjalan"), "suspended": _("Ditangguhkan"), "completed": _("Selesai"),
            "terminated": _("Dihentikan"), "withdrawn": _("Ditarik kembali"), "error": _("Galat")}


def event_labels() -> dict[str, str]:
    return {"start": _("Dimulai"), "claim": _("Ambil tugas"), "unclaim": _("Lepaskan tugas"),
            "complete": _("Selesaikan"), "attach": _("Unggah"), "detach": _("Hapus lampiran"),
            "reassign": _("Alihkan tugas"), "suspend": _("Tangguhkan"), "resume": _("Lanjutkan"),
            "terminate": _("Hentikan"), "error": _("Galat"), "overdue": _("Terlambat"),
            "timer": _("Pengatur waktu"), "end": _("Selesai"), "message": _("Pesan diterima"),
            "archive": _("Diarsipkan"),
            "withdraw": _("Ditarik kembali"), "comment": _("Komentar"), "migrate": _("Dipindahkan ke versi baru")}


def diagram_labels() -> dict[str, str]:
    """The diagram's legend and tooltips in the page's language (engine.diagram.STATE_LABELS)."""
    return {"completed": _("Selesai"), "active": _("Sedang berjalan"), "error": _("Galat"),
            "cancelled": _("Dibatalkan")}


def age(start: datetime, end: datetime | None = None) -> str:
    return format_age((end or utcnow()) - start)


@bp.get("/")
def index():
    user = me()
    if not is_process_owner(user):
        raise NotAllowed(_("Hanya admin dan Process Owner yang boleh melihat daftar instans."))
    svc = service()
    args = request.args
    filters = {
        "status": args.get("status") if args.get("status") in INSTANCE_STATUSES else "",
        "process": args.get("process", "").strip(),
        "overdue": args.get("overdue") == "1",
        "q": args.get("q", "").strip()[:200],
    }
    page = page_arg()
    rows, total = svc.list_instances(user, status=filters["status"] or None,
                                     process_key=filters["process"] or None, q=filters["q"] or None,
                                     overdue=filters["overdue"], limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    current = svc.current_tasks(i.id for i in rows)  # one query for the whole page
    now = utcnow()
    overdue = {i.id: any(t.overdue or (t.due_at is not None and t.due_at < now) for t in current[i.id])
               for i in rows}
    pages = max((total.value + PER_PAGE - 1) // PER_PAGE, 1) if total.exact else None
    query = {k: v for k, v in {"status": filters["status"], "process": filters["process"],
                               "overdue": "1" if filters["overdue"] else "", "q": filters["q"]}.items() if v}
    people = svc.full_names([i.started_by for i in rows] + [t.claimed_by for ts in current.values() for t in ts])
    # "v3" once per version on the page, not once per row (each _() looks the translations up)
    versions = {d.id: _("v%(v)d", v=d.version) for d in {i.definition_id: i.definition for i in rows}.values()}
    return render_template("instances/index.html", rows=rows, total=total, current=current, overdue=overdue,
                           versions=versions,
                           filters=filters, page=page, pages=pages, query=query, people=people,
                           processes=svc.list_processes(), statuses=INSTANCE_STATUSES,
                           status_labels=status_labels(), age=age)


#: A case page shows this many of the newest steps and events; older ones on demand (``?steps=``,
#: ``?events=``), up to MAX_HISTORY: after fifty review loops the whole history was 500 KB.
STEPS_SHOWN, EVENTS_SHOWN, FILES_SHOWN, MORE_HISTORY, MAX_HISTORY = 40, 60, 20, 200, 5000
#: Each step's answers show its newest rounds (``?rounds=`` for more).
ROUNDS_SHOWN = 3


def _newest_rounds(submissions: list, per_step: int) -> tuple[list, int]:
    """Each step's newest ``per_step`` submissions, and how many older ones that leaves out."""
    ordered = sorted(submissions, key=lambda s: (s.round, s.completed_at), reverse=True)
    kept: dict[str, int] = {}
    shown = []
    for s in ordered:
        kept[s.bpmn_id] = kept.get(s.bpmn_id, 0) + 1
        if kept[s.bpmn_id] <= per_step:
            shown.append(s)
    shown_ids = {id(s) for s in shown}
    return [s for s in submissions if id(s) in shown_ids], len(submissions) - len(shown)


def _window(name: str, default: int) -> int:
    return min(max(request.args.get(name, default, type=int) or default, default), MAX_HISTORY)


def _data_fields(svc: WorkflowService, kinds: list) -> list[tuple[str, dict[str, Any]]]:
    """(name, schema property) of the forms of the steps this case went through (``kinds``: one
    row per kind of step), in step order and, within a step, in its form's order."""
    ordered = sorted(kinds, key=lambda t: (t.step is None, t.step or 0))  # stable: else first seen
    fields: dict[str, dict[str, Any]] = {}
    for row in ordered:
        for name, prop in ((svc.task_form(row) or {}).get("properties") or {}).items():
            fields.setdefault(name, prop)
    return list(fields.items())


def render_detail(svc: WorkflowService, instance: Instance, errors: dict[str, str] | None = None,
                   status: int = 200):
    from engine.diagram import STATE_LABELS, render_svg

    user = me()
    steps_shown, events_shown = _window("steps", STEPS_SHOWN), _window("events", EVENTS_SHOWN)
    # the page names the appointed people of open steps only (its steps table, the admin's reassigning)
    history = svc.instance_history(instance.id, tasks=steps_shown, events=events_shown,
                                   open_steps_appointed_only=True)
    tasks, events = history.tasks, history.events
    files, older_files = svc.instance_files(instance.id, _window("files", FILES_SHOWN))
    by_id = {t.id: t for t in tasks}
    # steps that older events and files name, though the steps table leaves them out
    named = {e.task_id for e in events if e.task_id} | {f.task_id for f in files}
    by_id.update({t.id: t for t in svc.tasks_by_id(named - set(by_id))})
    all_submissions = svc.submissions(instance.id)
    answered = {name for s in all_submissions for name in (s.data or {})}
    submissions, older_rounds = _newest_rounds(all_submissions, _window("rounds", ROUNDS_SHOWN))
    # What people read comes from the submissions (every round kept); the case's flat data adds only
    # what no step answered (data given at the start, say).
    data = {k: v for k, v in svc.instance_data(instance).items() if k not in answered}
    kinds_of_steps = svc.instance_step_kinds(instance.id, None if history.older_tasks else tasks) if data else []
    props = [(name, prop) for name, prop in _data_fields(svc, kinds_of_steps) if name in data]
    named = {name for name, _p in props}
    props += [(name, {}) for name in data if name not in named]
    kinds = {name: field_kind(prop) if prop else "text" for name, prop in props}
    appointed = [v for name, _p in props if kinds[name] in ("user", "users")
                 for v in (data[name] if isinstance(data[name], list) else [data[name]]) if isinstance(v, str)]
    may_discuss = svc.may_discuss(user, instance)
    # every comment is audited: a case whose whole history is in hand and names none has no thread
    has_thread = bool(history.older_events) or any(e.kind == "comment" for e in events)
    comments = svc.comments(instance.id, user) if may_discuss and has_thread else []
    withdrawal = None  # the submitter's: (may they, why not)
    if instance.started_by == user.username and instance.status in ("running", "suspended"):
        refused = svc.withdrawal_refusal(instance, user)
        withdrawal = (refused is None, withdrawal_refusal_text(refused) if refused else "")
    # Everyone the page names, by full name: one query.
    people = svc.full_names([instance.started_by] + [e.actor for e in events]
                                  + [(e.details or {}).get("on_behalf_of") for e in events]
                                  + [c.author for c in comments]
                                  + [(e.details or {}).get("to") for e in events if e.kind == "reassign"]
                                  + [t.claimed_by for t in tasks] + [t.completed_by for t in tasks]
                                  + [f.uploaded_by for f in files] + appointed
                                  + answers.people_named(svc, instance.definition_id, submissions))
    rows = []
    for name, prop in props:
        value = data[name]
        choices = dict(zip(prop.get("enum") or [], prop.get("x-enum-titles") or []))
        if isinstance(value, (str, int)) and not isinstance(value, bool) and value in choices:
            value = choices[value]  # "baru" → "Aplikasi baru"
        rows.append((prop.get("title") or name, display_value(value, kinds[name], people)))
    round_files = [f for fs in svc.attachments_by_task([s.task_id for s in submissions],
                                                       None if older_files else files).values() for f in fs]
    steps = answers.by_step(svc, instance.definition_id, submissions, round_files, people)
    outcomes = {s.task_id: answers.outcome_text(s.outcome) for s in submissions if s.outcome}
    ready = [t for t in tasks if t.state == "ready"]
    candidates: list[User] = []
    if user.is_admin and ready:
        candidates = svc.active_users()
    marks = svc.instance_marks(instance, None if history.older_tasks else tasks)  # all its steps in hand?
    labels = diagram_labels()
    svg = render_svg(svc.bpmn_source(instance.definition), marks, title=instance.title, labels=labels)
    legend = [(state, labels[state]) for state in STATE_LABELS if state in marks.values()]
    realisation = _realisation_map(svc, instance, tasks)
    return render_template(
        "instances/detail.html", instance=instance, tasks=tasks, ready=ready, by_id=by_id,
        events=events, files=files, data=rows, steps=steps, outcomes=outcomes, history=history,
        superseded={f.id for g in steps for r in g.earlier for f in r.files}, svg=svg, legend=legend, people=people,
        more_steps=min(steps_shown + MORE_HISTORY, MAX_HISTORY) if steps_shown < MAX_HISTORY else None,
        more_events=min(events_shown + MORE_HISTORY, MAX_HISTORY) if events_shown < MAX_HISTORY else None,
        steps_shown=steps_shown, events_shown=events_shown, older_files=older_files, older_rounds=older_rounds,
        candidates=candidates, errors=errors or {}, now=utcnow(), status_labels=status_labels(),
        event_labels=event_labels(), age=age, waits=_waits(svc, instance), realisation=realisation,
        may_discuss=may_discuss, comments=comments, withdrawal=withdrawal,
        matrices=latest_rounds(svc.traceability(instance, all_submissions), MATRIX_ROUNDS),
    ), status


def _waits(svc: WorkflowService, instance: Instance) -> list:
    """The messages a running case waits for; only a process that catches some keeps such rows."""
    if instance.status != "running" or not svc.compiled(instance.definition).catches_messages:
        return []
    return svc.message_waits(instance.id)


@bp.get("/<int:instance_id>")
def detail(instance_id: int):
    svc = service()
    return render_detail(svc, svc.visible_instance(instance_id, me()))


#: Rounds of each step the case page's traceability matrix shows (the workbook has them all).
MATRIX_ROUNDS = 3


def _realisation_map(svc: WorkflowService, instance: Instance, tasks: list) -> str | None:
    """The case's steps shaded by their last realisation against their standard time (as the
    Laporan Kinerja's map), or None before any step is completed."""
    from engine.diagram import render_svg
    from engine.reports import realisation_marks

    from .reports import map_labels

    last = {t.bpmn_id: {"bpmn_id": t.bpmn_id, "median_minutes": t.actual_minutes, "target_minutes": t.target_minutes}
            for t in sorted(tasks, key=lambda t: t.completed_at or t.created_at) if t.state == "completed"}
    marks = realisation_marks(list(last.values()))
    if not marks:
        return None
    return render_svg(svc.bpmn_source(instance.definition), marks, title=instance.title, labels=map_labels())


@bp.get("/<int:instance_id>/documents.zip")
def documents(instance_id: int):
    """Every document of the case in one ZIP, a folder per step, for whoever may see the case."""
    from .case_archive import write_archive

    svc = service()
    instance = svc.visible_instance(instance_id, me())
    files = svc.attachments(instance_id=instance.id, render_queued=True)  # the ZIP holds every letter
    if not files:
        raise NotFound(_("Pengajuan ini belum memiliki dokumen."))
    steps = {t.id: t for t in svc.instance_tasks(instance.id)}
    from .case_record import record_filename, record_pdf
    from .traceability import case_workbook

    extra = [(record_filename(instance), record_pdf(instance))]
    matrix = case_workbook(instance, skip_empty=True)
    if matrix is not None:  # the traceability matrix beside the record, as a workbook (once it has items)
        extra.append(matrix)
    archive = write_archive(files, steps, svc.stored_file, svc.office_tz, extra=extra)
    return send_file(archive, mimetype="application/zip", as_attachment=True,
                     download_name=f"pengajuan-{instance.id}-dokumen.zip")


@bp.get("/<int:instance_id>/diagram.svg")
def diagram(instance_id: int):
    """The case's diagram at full size, in the page's language (the API's stays Indonesian)."""
    from engine.diagram import render_svg

    svc = service()
    instance = svc.visible_instance(instance_id, me())
    svg = render_svg(svc.bpmn_source(instance.definition), svc.instance_marks(instance), title=instance.title,
                     labels=diagram_labels())
    return Response(svg, mimetype="image/svg+xml")


@bp.post("/<int:instance_id>/status")
def change_status(instance_id: int):
    user = me()
    if not user.is_admin:
        raise NotAllowed(_("Hanya admin yang boleh menangguhkan, melanjutkan atau menghentikan instans."))
    svc = service()
    instance = svc.instance(instance_id)
    action = request.form.get("action", "")
    reason = request.form.get("reason", "").strip()
    if action == "terminate" and not reason:
        return render_detail(svc, instance, {"reason": _("Tuliskan alasan penghentian.")}, 422)
    svc.set_status(instance_id, user, action, reason)
    done = {"suspend": _("Instans ditangguhkan."), "resume": _("Instans dilanjutkan."),
            "terminate": _("Instans dihentikan.")}
    flash(done.get(action, ""), "success")
    return redirect(url_for(".detail", instance_id=instance_id))


@bp.post("/<int:instance_id>/tasks/<task_id>/reassign")
def reassign(instance_id: int, task_id: str):
    user = me()
    if not user.is_admin:
        raise NotAllowed(_("Hanya admin yang boleh mengalihkan tugas."))
    svc = service()
    row = svc.task(task_id)
    if row.instance_id != instance_id:
        raise NotFound(_("Langkah itu bukan bagian dari instans ini."))
    username = request.form.get("username", "").strip()
    if not username or svc.find_user(username) is None:
        return render_detail(svc, svc.instance(instance_id),
                              {"reassign-" + task_id: _("Pilih pengguna yang akan mengerjakan langkah ini.")}, 422)
    svc.reassign(task_id, user, username)
    flash(_("Langkah \u201c%(name)s\u201d dialihkan kepada %(user)s.", name=row.name, user=username), "success")
    return redirect(url_for(".detail", instance_id=instance_id))
