"""A process's document templates (``sop.document``): download any version, and a process owner
replaces one (a new version, used from the next completion on) from the process page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required

from engine.errors import Invalid, NotFound

from .language import gettext as _
from .message_text import problem_text
from .services import service

bp = Blueprint("doc_templates", __name__, url_prefix="/processes")


@bp.before_request
@login_required
def _logged_in() -> None:
    """Templates are for logged-in users, like the process page."""


@bp.get("/<key>/templates/<int:template_id>")
def download(key: str, template_id: int):
    template, path = service().template_file(template_id)
    if template.process_key != key:
        raise NotFound(_("Templat itu bukan milik proses ini."))
    return send_file(path, as_attachment=True, download_name=template.name, etag=template.sha256,
                     mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@bp.post("/<key>/templates")
def upload(key: str):
    name = request.form.get("name", "")
    upload_file = request.files.get("file")
    data = upload_file.read() if upload_file else b""
    target = url_for("processes.detail", key=key) + "#h-templates"
    if not data:
        flash(_("Pilih berkas templat (.docx) untuk diunggah."), "error")
        return redirect(target)
    try:
        template = service().upload_template(key, name, data, current_user._get_current_object())
    except Invalid as exc:
        flash(_("Templat tidak diterima: %(why)s", why="; ".join(problem_text(p) for p in exc.problems)), "error")
        return redirect(target)
    flash(_("Templat %(name)s diganti; langkah berikutnya memakai versi baru ini.", name=template.name), "success")
    return redirect(target)
