"""Jejak audit: every audited event (deploys, cases, steps, users, holidays) for administrators,
newest first, filtered by kind, person and office days, a page at a time by keyset (older /
newer), so a page costs the same however long the log grows."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from engine.errors import NotAllowed
from engine.paging import Cursor

from .instances import event_labels
from .language import gettext as _
from .periods import period_args
from .services import service

bp = Blueprint("audit_log", __name__, url_prefix="/admin")
PER_PAGE = 50


@bp.before_request
@login_required
def _admins_only() -> None:
    if not current_user.is_admin:
        raise NotAllowed(_("Hanya admin yang boleh membaca jejak audit."))


def kind_labels() -> dict[str, str]:
    """Every event kind in words: a case's own (as its timeline says them) and the administrative ones."""
    return {**event_labels(), "deploy": _("Terbitkan versi"), "holiday_add": _("Tambah hari libur"),
            "holiday_remove": _("Hapus hari libur"), "user_create": _("Pengguna ditambahkan"),
            "user_update": _("Ubah pengguna"), "delegation_create": _("Tunjuk Plt/Plh"),
            "delegation_end": _("Akhiri Plt/Plh"), "token_create": _("Token API dibuat"),
            "token_revoke": _("Token API dicabut"), "retention_policy": _("Ubah kebijakan retensi")}


def detail_items(details: dict[str, Any] | None) -> list[tuple[str, str]]:
    """An event's details as (key, value) pairs to print, lists joined, nothing empty."""
    items = []
    for key, value in (details or {}).items():
        if value in (None, "", [], {}):
            continue
        items.append((key, ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)))
    return items


@bp.get("/audit")
def index():
    svc, args = service(), request.args
    kind = args.get("kind") or None
    actor = (args.get("actor") or "").strip()[:80] or None
    since, until = period_args()
    before, after = Cursor.decode(args.get("before")), Cursor.decode(args.get("after"))
    page = svc.audit_log(current_user._get_current_object(), kind=kind, actor=actor, since=since,
                         until=until, limit=PER_PAGE, before=before, after=None if before else after)
    filters = {k: v for k, v in {"kind": kind, "actor": actor, "since": since and since.isoformat(),
                                 "until": until and until.isoformat()}.items() if v}
    events = page.rows
    return render_template(
        "admin/audit.html", events=events, count=page.count, filters=filters,
        older=page.older and page.older.encode(), newer=page.newer and page.newer.encode(),
        kinds=sorted(set(svc.audit_kinds()) | ({kind} if kind else set())), labels=kind_labels(),
        detail_items=detail_items, titles=svc.instance_titles(e.instance_id for e in events if e.instance_id),
        people=svc.full_names(e.actor for e in events))
