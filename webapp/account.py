"""Akun saya: one's own profile (as the admin recorded it) and changing one's own password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from engine.errors import Invalid
from engine.models import utcnow

from .language import gettext as _
from .message_text import problem_text
from .services import service

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        current, new, again = form.get("current", ""), form.get("password", ""), form.get("password_again", "")
        if not current:
            errors["current"] = _("Wajib diisi.")
        if new != again:
            errors["password_again"] = _("Kedua kata sandi baru tidak sama.")
        if not errors:
            try:
                user = current_user._get_current_object()
                service().change_own_password(user, current, new)
            except Invalid as exc:
                errors = {p.field or "password": problem_text(p) for p in exc.problems}
            else:
                login_user(user)  # this session carries on; every other one of this user has ended
                flash(_("Kata sandi Anda telah diganti."), "success")
                return redirect(url_for(".index"))
    return _page(errors), (422 if errors else 200)


def _page(errors: dict[str, str]) -> str:
    svc, user = service(), current_user._get_current_object()
    return render_template("account/index.html", user=user, errors=errors, sessions=svc.login_sessions(user),
                           this_session=lambda s: svc.is_session_of(s, user.login_key),
                           tokens=svc.api_tokens(user), now=utcnow())


@bp.post("/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    """End one of one's own login sessions (another browser, a lost phone)."""
    user = current_user._get_current_object()
    service().end_sessions(user, user, session_id=session_id)
    flash(_("Sesi masuk itu telah diakhiri."), "success")
    return redirect(url_for(".index"))


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions():
    user = current_user._get_current_object()
    n = service().end_sessions(user, user, keep_key=user.login_key)
    flash(_("%(n)d sesi masuk lain telah diakhiri.", n=n), "success")
    return redirect(url_for(".index"))


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Revoke one of one's own API tokens: scripts using it get 401 from now on."""
    token = service().revoke_token(current_user._get_current_object(), token_id)
    flash(_("Token API “%(name)s” telah dicabut.", name=token.name), "success")
    return redirect(url_for(".index"))
