"""Sunting diagram: a process owner edits a version's BPMN in the browser (bpmn-js) and publishes
the result as a new version, checked exactly as an uploaded file is.

The page needs JavaScript (the modeler is a JavaScript application); the upload form on the
process page remains the way without it. Saving sends the diagram's XML to :func:`publish`, which
answers JSON: where to go next, or the problems with element and line in the page's language.
"""
from __future__ import annotations

import json
import re

from flask import Blueprint, Response, flash, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_login import login_required

from engine import access
from engine.bpmn_loader import PLACEHOLDER_KEY
from engine.durations import DurationWordsError, describe_duration, parse_duration_words
from engine.errors import Invalid, NotAllowed, NotFound, Problem, TooLarge
from engine.forms import MAX_INLINE_FORM_BYTES, FormError, inline_form, load_form

from . import form_render
from .language import gettext as _
from .message_text import located, problem_text, say
from .processes import render_index, version_of
from .services import service
from .page_helpers import candidates, me

bp = Blueprint("modeler", __name__, url_prefix="/processes")

#: The starting diagram's process id, which the engine refuses to deploy: the owner names it.
NEW_KEY = PLACEHOLDER_KEY


_LABELLED_ID = re.compile(r"^[\w:-]+ '([^']+)'")


def element_id(label: str | None) -> str | None:
    """The id inside the engine's element label ``userTask 'Step02' (name)``, for the modeler to
    mark that shape; a bare label is taken as the id."""
    if not label:
        return None
    m = _LABELLED_ID.match(label)
    return m.group(1) if m else (label if re.fullmatch(r"[\w.-]+", label) else None)


@bp.before_request
@login_required
def _process_owners_only() -> None:
    if not access.is_process_owner(me()):
        raise NotAllowed(_("Hanya admin dan Process Owner yang boleh menerbitkan versi baru."))


@bp.get("/<key>/edit")
def edit(key: str):
    """The modeler with a version's diagram (the newest unless ``?version=N``)."""
    svc = service()
    definition = version_of(svc, key, request.args.get("version", type=int))
    return render_template(
        "processes/edit.html", definition=definition, latest=svc.latest_definition(key), forms=svc.form_names(),
        xml_url=url_for("processes.download", key=definition.key, version=definition.version),
        save_url=url_for(".publish", key=definition.key), back_url=url_for("processes.detail", key=definition.key),
        **_helpers(svc, key))


def _helpers(svc, key: str | None) -> dict:
    """What the modeler asks of the server as one works: the checks, standard times in words, the
    diff against the deployed version (an existing process), and the roles lanes may name."""
    return {"check_url": url_for(".check", key=key) if key else url_for(".check"),
            "duration_url": url_for(".duration"), "diff_url": url_for(".diff", key=key) if key else None,
            "roles": svc.role_names()}


@bp.get("/new")
def new():
    """The modeler with a small starting diagram, for a process this server does not have yet."""
    svc = service()
    return render_template("processes/edit.html", definition=None, latest=None, forms=svc.form_names(),
                           xml_url=url_for(".new_diagram"), save_url=url_for(".publish_new"),
                           back_url=url_for("processes.index"), **_helpers(svc, None))


@bp.get("/new.bpmn")
def new_diagram():
    """One lane, start → one step → end, named in the page's language."""
    xml = render_template("processes/new_process.bpmn", key=NEW_KEY, name=_("Proses baru"), lane=_("Pelaksana"),
                          start=_("Mulai"), step=_("Langkah pertama"), end=_("Selesai"))
    return Response(xml, mimetype="application/xml")


@bp.post("/import-table")
def import_table():
    """An SOP table (XLSX, DOCX, CSV) in: the modeler opens with the diagram made from it, and
    what to check; a file that holds no SOP table goes back to the list with the reason."""
    file = request.files.get("file")
    if file is None or not file.filename:
        return render_index([_("Pilih berkas tabel SOP yang akan diimpor.")], 422)
    try:
        draft = service().draft_from_sop_table(file.read(), file.filename, me())
    except Invalid as exc:
        return render_index([located(p) for p in exc.problems] or [say(exc)], 422)
    except TooLarge as exc:
        return render_index([say(exc)], 413)
    summary = {"xml": draft.xml, "filename": file.filename, "steps": len(draft.table.steps),
               "lanes": len(draft.table.lanes), "problems": [located(p) for p in draft.problems]}
    svc = service()
    return render_template("processes/edit.html", definition=None, latest=None, forms=svc.form_names(),
                           draft=summary, xml_url=url_for(".new_diagram"), save_url=url_for(".publish_new"),
                           back_url=url_for("processes.index"), **_helpers(svc, None))


@bp.post("/new")
def publish_new():
    """Deploy the posted BPMN XML as the first version of a new process."""
    svc = service()
    data = request.get_data(cache=False)
    try:
        _not_empty(data)
        definition, _created = svc.deploy(data, "diagram.bpmn", me(), new_process=True)
    except Invalid as exc:
        return _refused(exc)
    flash(_("Proses %(name)s telah diterbitkan sebagai versi 1.", name=definition.name), "success")
    return jsonify({"version": definition.version, "created": True,
                    "redirect": url_for("processes.detail", key=definition.key)})


@bp.post("/<key>/edit")
def publish(key: str):
    """Deploy the posted BPMN XML as a new version of ``key`` (CSRF token in the X-CSRFToken header)."""
    svc = service()
    latest = svc.latest_definition(key)  # 404 for an unknown process
    data = request.get_data(cache=False)
    try:
        _not_empty(data)
        definition, created = svc.deploy(data, f"{key}.bpmn", me(), expected_key=key)
    except Invalid as exc:
        return _refused(exc)
    if created:
        flash(_("Versi %(version)d dari %(name)s telah diterbitkan.", version=definition.version,
                name=definition.name), "success")
    else:
        flash(_("Diagram sama dengan versi %(version)d: tidak ada perubahan.", version=latest.version), "info")
    return jsonify({"version": definition.version, "created": created,
                    "redirect": url_for("processes.detail", key=definition.key)})


#: A diagram the modeler sends to be checked or compared is at most this large (a deploy's own
#: limit, ALUR_MAX_BPMN, applies too); the check runs as one types, so it is kept small and quick.
MAX_CHECK_BYTES = 2 * 1024 * 1024


def _diagram() -> bytes:
    if (request.content_length or 0) > MAX_CHECK_BYTES:
        raise TooLarge(_("Diagram lebih besar dari %(mb)d MB.", mb=MAX_CHECK_BYTES // (1024 * 1024)))
    data = request.get_data(cache=False)
    _not_empty(data)
    return data


def _problems_json(problems: list[Problem]) -> list[dict]:
    return [{"element": p.element, "element_id": element_id(p.element), "line": p.line, "field": p.field,
             "message": problem_text(p)} for p in problems]


@bp.post("/modeler/check")
def check():
    """The server's deploy checks on the posted diagram, nothing stored (the modeler calls it as
    one types): ``{"problems": [...]}``, each with the id of the shape it names. ``?key=``: the
    process the diagram must hold (a new version of it)."""
    key = request.args.get("key") or None
    problems = service().check_diagram(_diagram(), me(), expected_key=key)
    return jsonify({"problems": _problems_json(problems)})


@bp.get("/modeler/duration")
def duration():
    """What a text is as a standard time: ``{"valid": true, "iso": "P3D", "words": "3 hari kerja"}``
    (words in the page's language), or ``{"valid": false, "message": …}`` (an answer about the
    text, not a failed request: the modeler asks as one types)."""
    text = (request.args.get("text") or "")[:100]
    try:
        iso = parse_duration_words(text)
    except DurationWordsError:
        return jsonify({"valid": False, "message": _(
            "'%(text)s' bukan waktu baku seperti '3 hari kerja', '120 menit' atau '2 jam'.", text=text)})
    return jsonify({"valid": True, "iso": iso or "",
                    "words": describe_duration(iso, str(get_locale() or "id")) if iso else ""})


@bp.get("/modeler/forms/<name>")
def form_file(name: str):
    """A form file of this server as JSON Schema, to open in the form builder."""
    try:
        return jsonify(load_form(service().settings.forms_dir, name))
    except FormError as exc:
        raise NotFound(exc.msg) from None


#: A form sent to be previewed is at most this large (as a step's form in the diagram).
MAX_PREVIEW_BYTES = MAX_INLINE_FORM_BYTES + 1024


@bp.post("/modeler/form-preview")
def form_preview():
    """The form the builder holds (``{"schema": {...}, "lanes": [...]}``) drawn as the task page
    draws it, for the builder's live preview; a form that could not be deployed says why instead."""
    if (request.content_length or 0) > MAX_PREVIEW_BYTES:
        raise TooLarge(_("Formulir lebih besar dari %(kb)d KB.", kb=MAX_PREVIEW_BYTES // 1024))
    body = request.get_json(silent=True)
    schema = body.get("schema") if isinstance(body, dict) else None
    try:
        schema = inline_form(json.dumps(schema), _("pratinjau"))
    except FormError as exc:
        return render_template("processes/_form_preview.html", fields=[], problem=say(exc.msg))

    fields = form_render.fields(schema, None, candidates=candidates)
    for f in fields:  # the preview's inputs must not take the ids of the modeler's own
        f.name = "pratinjau-" + f.name
    return render_template("processes/_form_preview.html", fields=fields, problem=None)


@bp.post("/<key>/diff")
def diff(key: str):
    """What the posted diagram changes against the deployed version: ``{"version", "changes"}``
    in the page's language, or 422 with the problems that would refuse it."""
    try:
        latest, notes = service().diff_with_latest(_diagram(), key, me())
    except Invalid as exc:
        return _refused(exc)
    return jsonify({"version": latest.version, "changes": [say(n) for n in notes]})


def _not_empty(data: bytes) -> None:
    if not data.strip():
        raise Invalid("No diagram", [Problem(_("Diagram kosong: tidak ada yang diterbitkan."))])


def _refused(exc: Invalid):
    """422 with the problems in the page's language, each with the id of the shape to mark."""
    return jsonify({"message": say(exc), "problems": _problems_json(exc.problems)}), 422
