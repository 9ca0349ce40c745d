"""Kotak Masuk: the steps a user may do, has taken, or has done; claim and release from the list."""
from __future__ import annotations

from math import ceil

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from engine.models import TaskRecord, utcnow

from .page_helpers import menu_counts
from .paging import page_arg
from .services import service

bp = Blueprint("inbox", __name__)

PER_PAGE = 20
TABS = ("mine", "lanes", "done")
SORTS = ("created", "due", "step")
@bp.app_template_global()
def due_state(row: TaskRecord) -> str | None:
    """``overdue``, ``near`` (Mendekati batas waktu: the reminder's moment, a set share of the
    standard time, has passed) or None, for an open step."""
    if row.state != "ready" or row.due_at is None:
        return None
    now = utcnow()
    if row.due_at <= now:
        return "overdue"
    if row.near_due_at is not None and row.near_due_at <= now:
        return "near"
    return None


def tab_counts(user) -> dict[str, int]:
    """How many steps wait in each open tab (``ready``, ``mine``, ``lanes``), and how many of all
    and of ``mine`` are overdue: the menu's statement (``page_helpers.menu_counts``), kept for
    the request, so the menu's badges on the same page ask nothing more."""
    return menu_counts(user)


@bp.app_context_processor
def waiting_badge():
    """``waiting()``: how many steps the logged-in person may do now, for the menu's badge (asked
    only when a page draws the menu; the same statement as the tabs' counts)."""
    def waiting() -> int:
        if not current_user.is_authenticated:
            return 0
        try:
            return tab_counts(current_user._get_current_object())["ready"]
        except SQLAlchemyError:  # an error page drawn because the database failed: no badge then
            return 0
    return {"waiting": waiting}


@bp.route("/inbox")
@login_required
def index():
    args = request.args
    user = current_user._get_current_object()
    counts = tab_counts(user)
    # Without a chosen tab, open where the work is: my steps, else the unclaimed ones of my lanes.
    tab = args.get("tab") if args.get("tab") in TABS else (
        "lanes" if counts["mine"] == 0 and counts["lanes"] > 0 else "mine")
    sort = args.get("sort") if args.get("sort") in SORTS else "created"
    process_key = args.get("process") or None
    overdue = args.get("overdue") == "1"
    q = (args.get("q") or "").strip()[:100] or None
    page = page_arg()
    user = current_user._get_current_object()
    svc = service()
    rows, total = svc.inbox(user, tab, process_key=process_key, overdue=overdue, q=q, sort=sort,
                            limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    titles = svc.instance_titles(r.instance_id for r in rows)
    filters = {k: v for k, v in {"process": process_key, "overdue": "1" if overdue else None, "q": q,
                                 "sort": sort if sort != "created" else None}.items() if v}
    return render_template(
        "inbox/index.html", tab=tab, rows=rows, titles=titles, total=total, page=page,
        pages=max(ceil(total / PER_PAGE), 1), sort=sort, process_key=process_key, overdue=overdue, q=q or "",
        filters=filters, processes=svc.list_processes(), counts=counts,
        people=svc.full_names(r.claimed_by for r in rows))
