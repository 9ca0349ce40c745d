"""Pemberitahuan: a person's in-app notifications (unread count in the menu, mark as read) and
their notification settings per channel."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from engine.errors import Invalid
from engine.models import User

from .language import gettext as _
from .message_text import problem_text
from .notification_text import event_labels, facts, headline, link, mode_labels
from .services import service
from .page_helpers import me, menu_counts, positive_id

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 30


@bp.app_context_processor
def unread_badge():
    """``unread()``: the person's unread notifications, for the menu (asked only when drawn)."""
    def unread() -> int:
        if not current_user.is_authenticated:
            return 0
        try:
            return menu_counts(me())["unread"]  # the same statement as the inbox's badge
        except SQLAlchemyError:  # an error page drawn because the database failed: no badge then
            return 0
    return {"unread": unread}


@bp.get("")
@login_required
def index():
    svc = service()
    before = positive_id(request.args.get("before"))
    unread_only = request.args.get("unread") == "1"
    rows = svc.notifications(me(), unread_only=unread_only, limit=PER_PAGE + 1, before_id=before)
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    items = [{"n": n, "headline": headline(n), "facts": facts(n), "url": url_for(".open_notification", notification_id=n.id)}
             for n in rows]
    return render_template("notifications/index.html", items=items, unread_only=unread_only,
                           next_before=rows[-1].id if more and rows else None)


@bp.get("/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Open what a notification is about, and count it read."""
    svc = service()
    found = svc.notification(me(), notification_id)
    if found is None:
        abort(404)
    svc.mark_read(me(), [notification_id])
    target = link(found)
    base = svc.settings.base_url.rstrip("/")
    return redirect(target[len(base):] if target.startswith(base) else url_for(".index"))


@bp.post("/read")
@login_required
def mark_read():
    svc = service()
    if request.form.get("all") == "1":
        count = svc.mark_read(me())
    else:
        count = svc.mark_read(me(), [i for i in (positive_id(v) for v in request.form.getlist("id")) if i])
    flash(_("%(n)d pemberitahuan ditandai sudah dibaca.", n=count), "success")
    return redirect(url_for(".index"))


def read_settings(form) -> tuple[dict, dict[str, str]]:
    """The settings form: a mode per channel and the digest's hour."""
    values = {"email": form.get("email_mode", ""), "app": form.get("app_mode", ""),
              "digest_hour": form.get("digest_hour", "")}
    errors = {}
    hour = values["digest_hour"]
    if not (hour.isdigit() and 0 <= int(hour) <= 23):
        errors["digest_hour"] = _("Pilih jam 0 sampai 23.")
    return values, errors


def save_settings(user: User | None, values: dict) -> dict[str, str]:
    """Save both channels' settings for ``user`` (None: the office defaults); errors by field."""
    svc = service()
    try:
        svc.set_notification_preferences(me(), user, {"email": values["email"], "app": values["app"]},
                                         int(values["digest_hour"]))
    except Invalid as exc:
        return {p.field or "form": problem_text(p) for p in exc.problems}
    return {}


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    svc = service()
    errors: dict[str, str] = {}
    if request.method == "POST":
        values, errors = read_settings(request.form)
        if not errors:
            errors = save_settings(me(), values)
        if not errors:
            flash(_("Pengaturan pemberitahuan disimpan."), "success")
            return redirect(url_for(".settings"))
    prefs = svc.notification_preferences(me())
    if request.method == "POST":
        prefs = {"email": {"mode": values["email"]}, "app": {"mode": values["app"]},
                 "digest_hour": values["digest_hour"]}
    else:
        prefs = {**prefs, "digest_hour": prefs["email"]["digest_hour"]}
    return render_template("notifications/settings.html", prefs=prefs, errors=errors, modes=mode_labels(),
                           has_email=bool(me().email), events=event_labels()), (422 if errors else 200)
