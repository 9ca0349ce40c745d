"""Kasus pada versi lama: a process's running cases on older versions, each with its dry run to the
latest version; an administrator moves one or all that can (engine/ops_migration.py)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from engine.access import is_process_owner
from engine.errors import NotAllowed
from engine.ops_migration import MAX_BATCH, MigrationRefused

from .language import gettext as _
from .language import ngettext
from .message_text import say
from .services import service

bp = Blueprint("case_moves", __name__, url_prefix="/processes")


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every page here needs a logged-in user (anonymous → the login page)."""


@bp.get("/<key>/migrations")
def page(key: str):
    user = current_user._get_current_object()
    if not is_process_owner(user):
        raise NotAllowed(_("Hanya admin dan Process Owner yang boleh melihat perpindahan kasus."))
    svc = service()
    overview = svc.migration_overview(key, user)
    latest = svc.latest_definition(key)
    movable = sum(1 for c in overview.cases if c.plan.can_migrate)
    return render_template("processes/migrations.html", overview=overview, definition=latest, movable=movable,
                           say=say, may_move=user.is_admin, batch=MAX_BATCH)


@bp.post("/<key>/migrations/<int:instance_id>")
def move_one(key: str, instance_id: int):
    user = current_user._get_current_object()
    svc = service()
    try:
        moved = svc.migrate_instance(instance_id, user, None, dry_run=False)
    except MigrationRefused as exc:
        flash(_("Kasus tidak dipindahkan: %(reasons)s", reasons=" ".join(say(r) for r in exc.reasons)),
              "error")
        return redirect(url_for(".page", key=key))
    flash(_("Kasus %(number)s dipindahkan ke versi %(version)d.", number=moved.instance.number or moved.instance.id,
            version=moved.plan.to_version), "success")
    return redirect(url_for(".page", key=key))


@bp.post("/<key>/migrations")
def move_all(key: str):
    user = current_user._get_current_object()
    overview = service().migrate_all(key, user)
    moved = sum(1 for c in overview.cases if c.migrated)
    stayed = len(overview.cases) - moved
    flash(ngettext("%(num)d kasus dipindahkan ke versi %(version)d.", "%(num)d kasus dipindahkan ke versi %(version)d.",
                   moved, version=overview.to_version), "success")
    if stayed:
        flash(ngettext("%(num)d kasus tetap pada versinya; alasannya tertera di bawah.",
                       "%(num)d kasus tetap pada versinya; alasannya tertera di bawah.", stayed), "info")
    return redirect(url_for(".page", key=key))
