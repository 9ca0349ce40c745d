"""Start page: what to do next, and links."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user, login_required

from engine.access import is_process_owner

from .inbox import tab_counts
from .services import service

bp = Blueprint("home", __name__)


def link(*endpoints: str) -> str | None:
    """The first of ``endpoints`` the app has (pages arrive blueprint by blueprint)."""
    return next((e for e in endpoints if e in current_app.view_functions), None)


def instance_url(instance_id: int) -> str | None:
    """The case's page (the instances blueprint's), where the app has one."""
    return url_for("instances.detail", instance_id=instance_id) if link("instances.detail") else None


def stock_message(status: int, message: str | None) -> bool:
    """Is ``message`` Werkzeug's stock English text for ``status`` (which error.html words better)?"""
    from werkzeug.exceptions import default_exceptions

    cls = default_exceptions.get(status)
    return message is None or (cls is not None and message in (cls.description, cls.name))


@bp.app_context_processor
def page_helpers():
    return {"link": link, "instance_url": instance_url, "stock_message": stock_message}


@bp.route("/")
@login_required
def index():
    user = current_user._get_current_object()
    svc = service()
    counts = tab_counts(user)
    nxt = (svc.inbox(user, "mine", sort="due", limit=1, count=False)[0]
           or svc.inbox(user, "lanes", sort="due", limit=1, count=False)[0])
    next_row = nxt[0] if nxt else None
    return render_template(
        "home/index.html", counts=counts, next_row=next_row,
        next_title=svc.instance_titles([next_row.instance_id]).get(next_row.instance_id) if next_row else None,
        has_roles=bool(user.role_names) or user.is_admin, owner=is_process_owner(user))
