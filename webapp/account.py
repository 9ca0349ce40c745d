"""Akun saya: one's own profile (as the admin recorded it) and changing one's own password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from engine.errors import Invalid

from .engine_text import problem_text
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
    return render_template("account/index.html", user=current_user, errors=errors), (422 if errors else 200)
