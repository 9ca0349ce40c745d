"""Lembar SOP: the official sheet of any deployed version as a printable page and a PDF, and the
edit of its header fields on the process page (saved as a new version of the diagram)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from engine import access, flowchart, sop_sheet
from engine.errors import Invalid, NotAllowed
from engine.models import ProcessDefinition

from .language import gettext as _
from .processes import version_of
from .services import service

bp = Blueprint("sop_sheet", __name__, url_prefix="/processes")
CSS = Path(__file__).parent / "static" / "sop-sheet.css"


@bp.before_request
@login_required
def _logged_in() -> None:
    """The sheet is for logged-in users, like the process page."""


def sheet_context(definition: ProcessDefinition) -> dict:
    return {"sheet": service().sop_sheet(definition), "definition": definition}


def sheet_pdf(definition: ProcessDefinition) -> bytes:
    """The sheet as PDF (WeasyPrint), from the same markup as the page, A4 landscape."""
    from weasyprint import HTML

    markup = render_template("processes/sop_sheet_print.html", css=CSS.read_text(encoding="utf-8"),
                             **sheet_context(definition))
    return HTML(string=markup, base_url=request.host_url).write_pdf()


def pdf_response(definition: ProcessDefinition) -> Response:
    return Response(sheet_pdf(definition), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="sop-{definition.key}-v{definition.version}.pdf"'})


@bp.get("/<key>/sop-sheet")
def page(key: str):
    definition = version_of(service(), key, request.args.get("version", type=int))
    return render_template("processes/sop_sheet.html", can_edit=access.is_process_owner(current_user),
                           **sheet_context(definition))


@bp.get("/<key>/sop-sheet.pdf")
def pdf(key: str):
    return pdf_response(version_of(service(), key, request.args.get("version", type=int)))


@bp.route("/<key>/sop-fields", methods=["GET", "POST"])
def edit(key: str):
    """The sheet's header fields (``sop.*`` properties of the process), saved by publishing the
    latest diagram with them as a new version."""
    if not access.is_process_owner(current_user):
        raise NotAllowed(_("Hanya admin dan Process Owner yang boleh mengubah lembar SOP."))
    svc = service()
    latest = svc.latest_definition(key)
    sheet = svc.sop_sheet(latest)
    current = flowchart.read(latest.bpmn_xml, key).properties
    values = {name: current.get(name, "") for name in sop_sheet.HEADER_FIELDS}
    signer = (values["sop.disahkan_oleh"].split("\n") + ["", "", ""])[:3]
    problems = []
    if request.method == "POST":
        form = {name: request.form.get(name.replace(".", "_"), "") for name in sop_sheet.HEADER_FIELDS
                if name != "sop.disahkan_oleh"}
        signer = [request.form.get(f"disahkan_{part}", "").strip() for part in ("nama", "nip", "jabatan")]
        form["sop.disahkan_oleh"] = "\n".join(signer)
        try:
            data = sop_sheet.with_header(latest.bpmn_xml, form, key)
            definition, created = svc.deploy(data, latest.filename or f"{key}.bpmn", current_user._get_current_object(),
                                             expected_key=key)
        except Invalid as exc:
            problems = exc.problems
            values.update(form)
        else:
            if created:
                flash(_("Lembar SOP disimpan sebagai versi %(version)d.", version=definition.version), "success")
            else:
                flash(_("Tidak ada perubahan."), "info")
            return redirect(url_for(".page", key=key))
    return render_template("processes/sop_fields.html", definition=latest, sheet=sheet, values=values,
                           signer=signer, problems=problems, date_fields=sop_sheet.DATE_FIELDS), 422 if problems else 200
