"""Pelaksana Tugas / Harian (Plt/Plh): an official names who acts for them during a period (an
administrator may do it for anyone), and ends it early if need be."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from engine.errors import Conflict, Invalid, NotAllowed
from engine.models import utcnow
from engine.ops_people import DELEGATION_KINDS, MAX_DELEGATION_REASON

from .language import gettext as _
from .message_text import say
from .services import service
from .page_helpers import me

bp = Blueprint("delegations", __name__, url_prefix="/delegations")


def kind_labels() -> dict[str, str]:
    return {"plh": _("Plh (Pelaksana Harian)"), "plt": _("Plt (Pelaksana Tugas)")}


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every page here needs a logged-in user."""


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value and len(value) <= 10 else None
    except ValueError:
        return None


def _page(errors: dict[str, str] | None = None, form: dict | None = None, status: int = 200):
    svc, user = service(), me()
    everyone = user.is_admin
    rows = svc.delegations(user, everyone=everyone)
    users = svc.active_users()
    now = utcnow()
    today = now.astimezone(svc.office_tz).date()
    return render_template("delegations/index.html", rows=rows, users=users, errors=errors or {},
                           form=form or {"delegator": user.username, "starts_on": today.isoformat(),
                                         "ends_on": (today + timedelta(days=6)).isoformat(), "kind": "plh"},
                           kinds=kind_labels(), now=now, everyone=everyone,
                           max_reason=MAX_DELEGATION_REASON), status


def _problem_text(problem) -> str:
    """An engine problem with a delegation, in the page's language."""
    return say(problem)


@bp.get("/")
def index():
    return _page()


@bp.post("/")
def create():
    """Name an acting official from one office day until another (both included)."""
    svc, user, form = service(), me(), request.form
    values = {k: form.get(k, "").strip() for k in ("delegator", "delegate", "starts_on", "ends_on", "kind", "reason")}
    values["delegator"] = values["delegator"] if user.is_admin and values["delegator"] else user.username
    errors: dict[str, str] = {}
    starts, ends = _day(values["starts_on"]), _day(values["ends_on"])
    if starts is None:
        errors["starts_on"] = _("Isi tanggal mulai (hh-bb-tttt).")
    if ends is None:
        errors["ends_on"] = _("Isi tanggal selesai (hh-bb-tttt).")
    if not values["delegate"]:
        errors["delegate"] = _("Pilih pelaksana yang mewakili.")
    if values["kind"] not in DELEGATION_KINDS:
        errors["kind"] = _("Pilih Plt atau Plh.")
    if not errors:
        tz = svc.office_tz
        starts_at = datetime.combine(starts, time.min, tz)
        ends_at = datetime.combine(ends + timedelta(days=1), time.min, tz)
        try:
            svc.create_delegation(user, values["delegator"], values["delegate"], starts_at, ends_at,
                                  values["kind"], values["reason"])
        except Invalid as exc:
            fields = {"ends_at": "ends_on", "starts_at": "starts_on"}
            errors = {fields.get(p.field, p.field or "delegate"): _problem_text(p) for p in exc.problems}
        except Conflict:
            errors["delegate"] = _("Orang ini sudah mewakili pejabat yang sama pada sebagian periode itu.")
    if errors:
        return _page(errors, values, 422)
    flash(_("%(who)s mewakili %(official)s mulai %(start)s sampai %(end)s.", who=values["delegate"],
            official=values["delegator"], start=values["starts_on"], end=values["ends_on"]), "success")
    return redirect(url_for(".index"))


@bp.post("/<int:delegation_id>/end")
def end(delegation_id: int):
    svc = service()
    try:
        svc.end_delegation(delegation_id, me())
    except Conflict:
        flash(_("Perwakilan ini sudah berakhir."), "warning")
        return redirect(url_for(".index"))
    except NotAllowed as exc:
        raise NotAllowed(say(exc), api_code=exc.api_code) from None
    flash(_("Perwakilan diakhiri."), "success")
    return redirect(url_for(".index"))
