"""Administration of notifications: the office's default settings, deliveries that failed (with
their error, to retry), and webhooks for other office systems (signed JSON posts)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine.errors import Invalid, NotAllowed
from engine.outbox import WEBHOOK_EVENTS

from .language import gettext as _
from .message_text import problem_text
from .extensions import login_manager
from .notification_text import event_labels, headline, mode_labels
from .notifications import read_settings, save_settings
from .services import service
from .page_helpers import me, positive_id

bp = Blueprint("admin_notifications", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        raise NotAllowed(_("Hanya admin yang boleh mengelola pemberitahuan dan webhook."))
    return None


@bp.route("/notifications", methods=["GET", "POST"])
def notifications():
    svc = service()
    errors: dict[str, str] = {}
    if request.method == "POST":
        values, errors = read_settings(request.form)
        if not errors:
            errors = save_settings(None, values)
        if not errors:
            flash(_("Pengaturan bawaan kantor disimpan."), "success")
            return redirect(url_for(".notifications"))
    prefs = svc.notification_preferences(None)
    prefs = {**prefs, "digest_hour": prefs["email"]["digest_hour"]}
    failed = svc.failed_deliveries(me(), limit=100)
    users = {u.id: u.username for u in svc.all_users()}
    return render_template("admin/notifications.html", prefs=prefs, errors=errors, modes=mode_labels(),
                           failed=[{"n": n, "headline": headline(n), "to": users.get(n.user_id) if n.user_id else
                                    (f"webhook #{n.webhook_id}" if n.webhook_id else "—")} for n in failed]), \
        (422 if errors else 200)


@bp.post("/notifications/retry")
def retry():
    ids = None if request.form.get("all") == "1" else [i for i in (positive_id(v) for v in request.form.getlist("id")) if i]
    count = service().retry_deliveries(me(), ids)
    flash(_("%(n)d pengiriman dijadwalkan ulang.", n=count), "success")
    return redirect(url_for(".notifications"))


@bp.route("/webhooks", methods=["GET", "POST"])
def webhooks():
    svc = service()
    errors: dict[str, str] = {}
    values = {"url": "", "events": ["step_ready", "case_completed"]}
    secret = None
    if request.method == "POST":
        values = {"url": request.form.get("url", "").strip()[:2100], "events": request.form.getlist("events")[:50]}
        try:
            hook, secret = svc.add_webhook(me(), values["url"], values["events"])
        except Invalid as exc:
            errors = {p.field or "url": problem_text(p) for p in exc.problems}
        else:
            flash(_("Webhook %(url)s ditambahkan.", url=hook.url), "success")
            values = {"url": "", "events": values["events"]}
    return render_template("admin/webhooks.html", hooks=svc.webhooks(me()), events=WEBHOOK_EVENTS,
                           labels=event_labels(), values=values, errors=errors, secret=secret), (422 if errors else 200)


@bp.post("/webhooks/<int:webhook_id>/active")
def set_active(webhook_id: int):
    active = request.form.get("active") == "1"
    hook = service().set_webhook_active(me(), webhook_id, active)
    flash((_("Webhook %(url)s diaktifkan.", url=hook.url) if active
           else _("Webhook %(url)s dinonaktifkan.", url=hook.url)), "success")
    return redirect(url_for(".webhooks"))


@bp.post("/webhooks/<int:webhook_id>/delete")
def delete(webhook_id: int):
    service().remove_webhook(me(), webhook_id)
    flash(_("Webhook dihapus."), "success")
    return redirect(url_for(".webhooks"))
