"""Logging in and out (browser sessions) and who is calling the API (Bearer, Basic, session)."""
from __future__ import annotations

import hmac
from urllib.parse import urlparse

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired

from engine.models import User

from .extensions import csrf, login_manager
from .services import service

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a login session (``User.get_id``): none once the password changed or the
    account was deactivated."""
    user_id, _dot, fingerprint = session_id.partition(".")
    if not user_id.isdigit():
        return None
    user = service().users.get_by_id(int(user_id))
    if user is None or not user.active or not hmac.compare_digest(fingerprint, user.session_fingerprint):
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = None


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired()])
    password = PasswordField("password", validators=[DataRequired()])
    remember = BooleanField("remember")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parsed = urlparse(target)
    return target if not parsed.netloc and not parsed.scheme and target.startswith("/") else None


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = service().users.authenticate(form.username.data.strip(), form.password.data)
        if user is None:
            error = _("Nama pengguna atau kata sandi salah.")
        else:
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("auth.login"))


def api_user() -> User:
    """The API caller: Bearer token, HTTP Basic, or the browser session (with CSRF on writes)."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    user = None
    if header.lower().startswith("bearer "):
        user = service().users.user_for_token(header[7:].strip())
        if user is None:
            abort(401, description="invalid or revoked token")
    elif header.lower().startswith("basic "):
        auth = request.authorization
        if auth is None or auth.username is None:
            abort(401, description="malformed Basic credentials")
        user = service().users.authenticate(auth.username, auth.password or "")
        if user is None:
            abort(401, description="wrong username or password")
    elif current_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        user = current_user._get_current_object()
    else:
        abort(401, description="log in, or send a Bearer token or Basic credentials")
    g.api_user = user
    return user
