"""Instans: the list of cases for admins and Process Owners, and one case's page with admin actions."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.access import is_process_owner
from engine.errors import NotAllowed, NotFound
from engine.models import Instance, User, utcnow
from engine.service import INSTANCE_STATUSES, WorkflowService

from .services import service

bp = Blueprint("instances", __name__, url_prefix="/instances")
PER_PAGE = 25
MAX_PAGE = 100_000


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every page here needs a logged-in user (anonymous → the login page)."""


@bp.app_context_processor
def _nav_context() -> dict[str, Any]:
    return {"is_process_owner": is_process_owner}


def me() -> User:
    return current_user._get_current_object()


def status_labels() -> dict[str, str]:
    return {"running": _("Berjalan"), "suspended": _("Ditangguhkan"), "completed": _("Selesai"),
            "terminated": _("Dihentikan"), "error": _("Galat")}


def event_labels() -> dict[str, str]:
    return {"start": _("Dimulai"), "claim": _("Ambil tugas"), "unclaim": _("Lepaskan tugas"),
            "complete": _("Selesaikan"), "attach": _("Unggah"), "detach": _("Hapus lampiran"),
            "reassign": _("Alihkan tugas"), "suspend": _("Tangguhkan"), "resume": _("Lanjutkan"),
            "terminate": _("Hentikan"), "error": _("Galat"), "overdue": _("Terlambat"),
            "timer": _("Pengatur waktu"), "end": _("Selesai")}


def age(start: datetime, end: datetime | None = None) -> str:
    return format_timedelta((end or utcnow()) - start, threshold=1.1)


def display_value(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(value)


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
    page = min(max(args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    rows, total = svc.list_instances(user, status=filters["status"] or None,
                                     process_key=filters["process"] or None, q=filters["q"] or None,
                                     overdue=filters["overdue"], limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    current = svc.current_tasks(i.id for i in rows)  # one query for the whole page
    now = utcnow()
    overdue = {i.id: any(t.overdue or (t.due_at is not None and t.due_at < now) for t in current[i.id])
               for i in rows}
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    query = {k: v for k, v in {"status": filters["status"], "process": filters["process"],
                               "overdue": "1" if filters["overdue"] else "", "q": filters["q"]}.items() if v}
    return render_template("instances/index.html", rows=rows, total=total, current=current, overdue=overdue,
                           filters=filters, page=page, pages=pages, query=query,
                           processes=svc.list_processes(), statuses=INSTANCE_STATUSES,
                           status_labels=status_labels(), age=age)


def _render_detail(svc: WorkflowService, instance: Instance, errors: dict[str, str] | None = None,
                   status: int = 200):
    from engine.diagram import render_svg

    user = me()
    tasks = svc.instance_tasks(instance.id)
    by_id = {t.id: t for t in tasks}
    # Field titles from the forms of the steps this case went through (one lookup per step kind).
    titles: dict[str, str] = {}
    choices: dict[str, dict[Any, str]] = {}  # enum value → its title ("baru" → "Aplikasi baru")
    for row in {t.bpmn_id: t for t in tasks}.values():
        for name, prop in ((svc.task_form(row) or {}).get("properties") or {}).items():
            titles.setdefault(name, prop.get("title") or name)
            if "enum" in prop and "x-enum-titles" in prop:
                choices.setdefault(name, dict(zip(prop["enum"], prop["x-enum-titles"])))
    data = svc.instance_data(instance)
    ready = [t for t in tasks if t.state == "ready"]
    candidates: list[User] = []
    if user.is_admin and ready:
        candidates = [u for u in svc.users.list() if u.active]
    svg = render_svg(instance.definition.bpmn_xml, svc.instance_marks(instance), title=instance.title)
    return render_template(
        "instances/detail.html", instance=instance, tasks=tasks, ready=ready, by_id=by_id,
        events=svc.instance_events(instance.id), files=svc.attachments(instance_id=instance.id),
        data=[(titles.get(k, k), display_value(choices.get(k, {}).get(v, v) if isinstance(v, (str, int)) else v))
              for k, v in data.items()], svg=svg,
        candidates=candidates, errors=errors or {}, now=utcnow(), status_labels=status_labels(),
        event_labels=event_labels(), age=age,
    ), status


@bp.get("/<int:instance_id>")
def detail(instance_id: int):
    svc = service()
    return _render_detail(svc, svc.visible_instance(instance_id, me()))


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
        return _render_detail(svc, instance, {"reason": _("Tuliskan alasan penghentian.")}, 422)
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
    if not username or svc.users.find(username) is None:
        return _render_detail(svc, svc.instance(instance_id),
                              {"reassign-" + task_id: _("Pilih pengguna yang akan mengerjakan langkah ini.")}, 422)
    svc.reassign(task_id, user, username)
    flash(_("Langkah \u201c%(name)s\u201d dialihkan kepada %(user)s.", name=row.name, user=username), "success")
    return redirect(url_for(".detail", instance_id=instance_id))
