"""Logging in and out (browser sessions) and who is calling the API (Bearer, Basic, session)."""
from __future__ import annotations

import hmac

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired

from engine.data_limits import text_problem
from engine.models import User
from engine.ops_logins import LoginLocked

from .extensions import csrf, login_manager
from .i18n import format_moment
from .language import gettext as _
from .services import service
from .page_helpers import safe_next

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a login session (``User.get_id``: id, password fingerprint, session key): none
    once the session ended on the server (logout, expiry), the password changed or the account
    was deactivated."""
    parts = session_id.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 19:
        return None
    user_id, fingerprint, key = parts
    user = service().session_user(int(user_id), key)
    if user is None or not hmac.compare_digest(fingerprint, user.session_fingerprint):
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = None


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired()])
    password = PasswordField("password", validators=[DataRequired()])
    remember = BooleanField("remember")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        svc = service()
        try:
            user = svc.log_in(form.username.data.strip(), form.password.data, request.remote_addr)
        except LoginLocked as exc:
            user, status = None, 429
            error = (_("Akun ini dikunci karena terlalu banyak percobaan masuk yang gagal. Coba lagi setelah %(time)s.",
                       time=format_moment(exc.until)) if exc.scope == "user" else
                     _("Terlalu banyak percobaan masuk yang gagal dari alamat ini. Coba lagi setelah %(time)s.",
                       time=format_moment(exc.until)))
        if user is None and status != 429:
            error, status = _("Nama pengguna atau kata sandi salah."), 401
        if user is not None:
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            remember = bool(form.remember.data)
            svc.open_session(user, remember=remember, address=request.remote_addr,
                             agent=request.headers.get("User-Agent"))
            login_user(user, remember=remember)
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    service().end_session(current_user.login_key)
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
        user = service().user_for_token(header[7:].strip())
        if user is None:
            abort(401, description="invalid or revoked token")
    elif header.lower().startswith("basic "):
        auth = request.authorization
        if auth is None or auth.username is None:
            abort(401, description="malformed Basic credentials")
        if text_problem(auth.username) or text_problem(auth.password or ""):
            abort(400, description="the Basic credentials hold characters no name has")
        user = service().log_in(auth.username, auth.password or "", request.remote_addr)
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
