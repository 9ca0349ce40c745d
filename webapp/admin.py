"""Administration: users with their roles (lanes) and qualifications, and extra holidays (cuti bersama)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import get_day_names
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_login import current_user

from engine.access import PROCESS_OWNER
from engine.calendar import national_holidays
from engine.errors import Conflict, Invalid, NotAllowed
from engine.models import User
from engine.service import WorkflowService
from engine.users import EDUCATION_LEVEL_CHARS, EMPLOYMENT_FIELDS, normal_nip

from .language import gettext as _
from .message_text import problem_text, say
from .extensions import login_manager
from .i18n import zone_name
from .services import service
from .page_helpers import me

bp = Blueprint("admin", __name__, url_prefix="/admin")


def reschedule_note() -> str:
    """The worker, not this request, moves the due times of waiting steps (engine/reminders.py)."""
    return _("Batas waktu langkah yang sedang menunggu dihitung ulang oleh worker dalam satu menit.")


PROFILE_FIELDS = ("full_name", "email", "education_level", "field_of_study", "expertise", "nip", "position", "rank",
                  "unit")


@bp.before_request
def _admins_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_admin:
        raise NotAllowed(_("Hanya admin yang boleh mengelola pengguna dan hari libur."))
    return None


def known_roles(svc: WorkflowService) -> list[str]:
    """Lanes of every deployed process (in diagram order), roles already held, and Process Owner."""
    roles: dict[str, None] = {}
    for definition in svc.list_processes():
        roles.update(dict.fromkeys(svc.compiled(definition).lanes))
    roles.update(dict.fromkeys(svc.role_names()))
    roles.update({PROCESS_OWNER: None})
    return list(roles)


def _read_form(editing: User | None) -> tuple[dict[str, Any], dict[str, str]]:
    form = request.form
    values: dict[str, Any] = {name: form.get(name, "").strip() for name in PROFILE_FIELDS}
    values["username"] = editing.username if editing else form.get("username", "").strip()
    values["is_admin"] = form.get("is_admin") == "1"
    values["active"] = form.get("active") == "1"
    values["password"] = form.get("password", "")
    new_role = form.get("new_role", "").strip()
    values["roles"] = list(dict.fromkeys([r for r in form.getlist("roles") if r.strip()] + ([new_role] if new_role else [])))
    errors: dict[str, str] = {}
    if len(values["education_level"]) > EDUCATION_LEVEL_CHARS:
        errors["education_level"] = _("Paling banyak %(n)d karakter.", n=EDUCATION_LEVEL_CHARS)
    if values["email"] and ("@" not in values["email"] or len(values["email"]) > 200):
        errors["email"] = _("Alamat email tidak valid.")
    if len(new_role) > 200:
        errors["new_role"] = _("Nama peran paling banyak 200 karakter.")
    if len(values["full_name"]) > 200 or len(values["field_of_study"]) > 200:
        errors["full_name" if len(values["full_name"]) > 200 else "field_of_study"] = _("Paling banyak 200 karakter.")
    for name in EMPLOYMENT_FIELDS:  # a form without them (an older page) keeps what is recorded
        if name not in form and editing is not None:
            values[name] = getattr(editing, name) or ""
    values["nip"] = normal_nip(values["nip"])
    if values["nip"] and not (values["nip"].isdigit() and len(values["nip"]) == 18):
        errors["nip"] = _("NIP terdiri dari 18 angka.")
    for name, limit in EMPLOYMENT_FIELDS.items():
        if len(values[name]) > limit:
            errors[name] = _("Paling banyak %(n)d karakter.", n=limit)
    if editing is None and not values["password"]:
        errors["password"] = _("Kata sandi wajib diisi untuk pengguna baru.")
    return values, errors


def _engine_errors(exc: Invalid | Conflict) -> dict[str, str]:
    """Engine refusals in the user's words, next to the field they concern."""
    if isinstance(exc, Conflict):
        return {"username": _("Nama pengguna itu sudah dipakai.")}
    words = {"username": _("Gunakan huruf, angka, '.', '-' atau '_' (paling banyak 80 karakter)."),
             "password": _("Kata sandi minimal 8 karakter."),
             "is_admin": _("Anda tidak dapat mencabut hak admin Anda sendiri atau menonaktifkan diri sendiri.")}
    return {(p.field or "form"): words.get(p.field or "", problem_text(p)) for p in exc.problems} or {"form": say(exc.message)}


def _form_page(svc: WorkflowService, values: dict[str, Any], editing: User | None,
               errors: dict[str, str] | None = None, status: int = 200):
    steps = svc.open_steps_of(editing) if editing is not None else {"claimed": [], "appointed": []}
    return render_template("admin/user_form.html", values=values, editing=editing, errors=errors or {},
                           roles=known_roles(svc), education_levels=svc.education_levels(), steps=steps,
                           locked_until=svc.locked_until(editing.username) if editing is not None else None,
                           sessions=svc.login_sessions(editing) if editing is not None else [],
                           titles=svc.instance_titles(t.instance_id for ts in steps.values() for t in ts)), status


@bp.get("/users")
def users():
    svc = service()
    return render_template("admin/users.html", users=svc.all_users())


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    svc = service()
    if request.method == "GET":
        values = {name: "" for name in PROFILE_FIELDS} | {"username": "", "is_admin": False, "active": True,
                                                         "roles": []}
        return _form_page(svc, values, None)
    values, errors = _read_form(None)
    if errors:
        return _form_page(svc, values, None, errors, 422)
    fields = {name: values[name] for name in PROFILE_FIELDS}
    try:
        user = svc.create_user(me(), values["username"], values["password"], values["roles"],
                               is_admin=values["is_admin"], active=values["active"], **fields)
    except (Invalid, Conflict) as exc:
        return _form_page(svc, values, None, _engine_errors(exc), 422)
    flash(_("Pengguna %(user)s telah dibuat.", user=user.username), "success")
    return redirect(url_for(".users"))


@bp.route("/users/<username>", methods=["GET", "POST"])
def edit_user(username: str):
    svc = service()
    user = svc.get_user(username)
    if request.method == "GET":
        values = {name: getattr(user, name) or "" for name in PROFILE_FIELDS}
        values |= {"username": user.username, "is_admin": user.is_admin, "active": user.active,
                   "roles": user.role_names}
        return _form_page(svc, values, user)
    values, errors = _read_form(user)
    if errors:
        return _form_page(svc, values, user, errors, 422)
    fields = {name: values[name] for name in PROFILE_FIELDS}
    try:
        svc.update_user(me(), user, roles=values["roles"], password=values["password"] or None,
                        is_admin=values["is_admin"], active=values["active"], **fields)
    except Invalid as exc:
        return _form_page(svc, values, svc.get_user(username), _engine_errors(exc), 422)
    flash(_("Perubahan pada %(user)s telah disimpan.", user=user.username), "success")
    if not user.active:
        appointed = len(svc.open_steps_of(user)["appointed"])
        if appointed:  # only an admin can move those on: back to this page, which lists them
            flash(_("%(n)d langkah ditunjuk untuk %(user)s dan menunggu; alihkan kepada orang lain dari halaman "
                    "pengajuannya.", n=appointed, user=user.username), "warning")
            return redirect(url_for(".edit_user", username=user.username))
    return redirect(url_for(".users"))


@bp.post("/users/<username>/unlock")
def unlock_user(username: str):
    """Lift the lock that failed logins put on an account."""
    svc = service()
    user = svc.get_user(username)
    svc.unlock(me(), user.username)
    flash(_("Kunci akun %(user)s telah dibuka.", user=user.username), "success")
    return redirect(url_for(".edit_user", username=user.username))


@bp.post("/users/<username>/sessions/end")
def end_user_sessions(username: str):
    """Log a person out everywhere (a lost phone, a shared computer)."""
    svc = service()
    user = svc.get_user(username)
    n = svc.end_sessions(me(), user, keep_key=me().login_key)
    flash(_("%(n)d sesi masuk %(user)s telah diakhiri.", n=n, user=user.username), "success")
    return redirect(url_for(".edit_user", username=user.username))


def _day_label(day: str) -> str:
    return format_date(date.fromisoformat(day), "EEEE, d MMMM y")


@bp.route("/holidays", methods=["GET", "POST"])
def holidays():
    svc = service()
    errors: dict[str, str] = {}
    values = {"day": "", "name": ""}
    if request.method == "POST":
        values = {"day": request.form.get("day", "").strip(), "name": request.form.get("name", "").strip()[:200]}
        try:
            holiday = svc.add_holiday(values["day"], values["name"], me())
        except Invalid:
            errors["day"] = _("Tulis tanggal sebagai TTTT-BB-HH, mis. 2026-12-24.")
        except Conflict:
            errors["day"] = _("Tanggal itu sudah terdaftar.")
        else:
            flash(_("%(day)s ditambahkan sebagai hari libur.", day=_day_label(holiday.day)), "success")
            flash(reschedule_note(), "info")
            return redirect(url_for(".holidays"))
    language = str(get_locale() or "id")
    this_year = datetime.now(svc.office_tz).year
    year = request.args.get("year", this_year, type=int) or this_year
    year = min(max(year, this_year - 5), this_year + 5)
    return render_template("admin/holidays.html", holidays=svc.holidays(), values=values, errors=errors,
                           day_label=_day_label, week=_office_week(language), year=year, this_year=this_year,
                           national=national_holidays(year, language), zone=svc.office_tz.key,
                           zone_short=zone_name()), (422 if errors else 200)


def _office_week(language: str) -> list[tuple[str, str]]:
    """The office's working days with their hours, runs of days with the same hours together
    (``Senin–Jumat``, ``07.30–16.00``), from the settings (``ALUR_OFFICE_HOURS``, ``ALUR_WORKING_DAYS``)."""
    config = current_app.extensions["alur_engine_config"]
    week = config.office_week or tuple([(config.office_start, config.office_end)] * 5 + [None, None])
    names = get_day_names("wide", locale=language)
    runs: list[tuple[int, int, tuple]] = []
    for day, hours in enumerate(week):
        if hours is None:
            continue
        if runs and runs[-1][1] == day - 1 and runs[-1][2] == hours:
            runs[-1] = (runs[-1][0], day, hours)
        else:
            runs.append((day, day, hours))
    return [(names[a] if a == b else f"{names[a]}–{names[b]}",
             f"{start.strftime('%H.%M')}–{end.strftime('%H.%M')}") for a, b, (start, end) in runs]


@bp.post("/holidays/<int:holiday_id>/delete")
def remove_holiday(holiday_id: int):
    svc = service()
    svc.remove_holiday(holiday_id, me())
    flash(_("Hari libur dihapus."), "success")
    flash(reschedule_note(), "info")
    return redirect(url_for(".holidays"))


@bp.route("/retention", methods=["GET", "POST"])
def retention():
    """The retention policy: after how many months the worker archives finished cases (or never),
    and what its last run did. The archiving itself runs in the worker, never in this request."""
    svc = service()
    errors: dict[str, str] = {}
    policy = svc.retention_policy()
    value = "" if policy.after_months is None else str(policy.after_months)
    if request.method == "POST":
        value = request.form.get("after_months", "").strip()[:10]
        months: int | None = None
        if value:
            try:
                months = int(value)
            except ValueError:
                months = 0  # the engine refuses it in its own words
        try:
            policy = svc.set_retention_policy(me(), months)
        except Invalid as exc:
            errors = {"after_months": problem_text(exc.problems[0]) if exc.problems else say(exc.message)}
        else:
            if months is None:
                flash(_("Pengajuan tidak lagi diarsipkan otomatis."), "success")
            else:
                flash(_("Pengajuan yang selesai lebih dari %(n)d bulan lalu akan diarsipkan oleh worker.",
                        n=months), "success")
            return redirect(url_for(".retention"))
    return render_template("admin/retention.html", policy=policy, value=value, errors=errors,
                           run=policy.last_run or {}), (422 if errors else 200)
