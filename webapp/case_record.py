"""Lembar kendali: a case's record as a printable PDF (also put in the case's ZIP)."""
from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from engine.models import Instance, utcnow

from .services import service

bp = Blueprint("case_record", __name__, url_prefix="/instances")


@bp.before_request
@login_required
def _logged_in() -> None:
    """The record is for those who may see the case."""


def record_pdf(instance: Instance) -> bytes:
    from weasyprint import HTML

    svc = service()
    markup = render_template("instances/record.html", record=svc.case_record(instance),
                             matrices=svc.traceability(instance),
                             process=instance.definition, tz=svc.office_tz, now=utcnow())
    return HTML(string=markup).write_pdf()


def record_filename(instance: Instance) -> str:
    return f"lembar-kendali-{instance.id}.pdf"


@bp.get("/<int:instance_id>/record.pdf")
def pdf(instance_id: int):
    instance = service().visible_instance(instance_id, current_user._get_current_object())
    return Response(record_pdf(instance), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{record_filename(instance)}"'})
