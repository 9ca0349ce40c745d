"""Documents generated from templates as a step's deliverable (``sop.document``).

A step may name a DOCX template; the template belongs to the process (key) and is versioned: each
upload is a row of its own, the newest one is used, the bytes live in the file store under their
sha256 like any deliverable. On completing the step the template is rendered with docxtpl (Jinja
in a sandbox, values XML-escaped) from the case's data and the people in it, by the worker
(engine/case_files.py), and attached as the step's output: the DOCX, and beside it a row for its
PDF, drawn only when first asked for (engine/renditions.py).

The PDF is drawn by WeasyPrint from an HTML reading of the rendered DOCX (paragraphs with their
alignment and emphasis, headings, tables): the same content as the Word file, without needing an
office suite on the server (see docs/documents.md). The same DOCX always gives the same bytes.

Template variables (Indonesian, as a letter's author writes them):
``nomor`` (the case's registration number), ``judul``, ``proses``, ``langkah``, ``tanggal`` (the
completion day in Indonesian: "1 Desember 2026"), ``tahun``, ``data`` (the case's data),
``penandatangan`` (the person completing the step), ``orang`` (for every data field that names
users: the person, or the list of persons), ``pemohon`` (who started the case). A person has
``nama``, ``nip``, ``jabatan``, ``pangkat``, ``unit``, ``username``.
"""
from __future__ import annotations

import html
import io
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .errors import Invalid, NotFound, Problem
from .files import FileStore
from .models import Deliverable, DocumentTemplate, User, utcnow
from .sop_sheet import MONTHS

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def indonesian_day(moment: datetime, tz) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}"


def check_template(data: bytes) -> None:
    """A DOCX whose Jinja parses; otherwise :class:`Invalid` saying what is wrong."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    if len(data) > MAX_TEMPLATE_BYTES:
        raise Invalid("template.too_large_title", [Problem("template.too_large", field="file", n=len(data),
                                                           max=MAX_TEMPLATE_BYTES)])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise zipfile.BadZipFile
    except zipfile.BadZipFile:
        raise Invalid("template.not_docx_title", [Problem("template.not_docx", field="file")]) from None
    try:
        DocxTemplate(io.BytesIO(data)).get_undeclared_template_variables(jinja_env=_environment())
    except TemplateError as exc:
        raise Invalid("template.invalid", [Problem("template.bad_fields", field="file", why=str(exc))]) from None
    except Exception as exc:  # a damaged document python-docx cannot read
        raise Invalid("template.invalid", [Problem("template.unreadable", field="file", why=str(exc))]) from None


def _environment():
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(autoescape=False)


def store_template(session: Session, files: FileStore, process_key: str, name: str, data: bytes,
                   actor: str | None) -> DocumentTemplate:
    """A new version of the template ``name`` of process ``process_key`` (not committed)."""
    if not name or len(name) > 200 or "/" in name or "\\" in name or not name.lower().endswith(".docx"):
        raise Invalid("template.bad_name_title", [Problem("template.bad_name", field="name")])
    check_template(data)
    stored = files.save(name, io.BytesIO(data))
    template = DocumentTemplate(process_key=process_key, name=name, sha256=stored.sha256, size=stored.size,
                                uploaded_by=actor, uploaded_at=utcnow())
    session.add(template)
    session.flush()
    return template


# Built once: a completion that writes a letter asks both (docs/benchmarks.md, "statements built once").
_LATEST_TEMPLATE = (select(DocumentTemplate).where(DocumentTemplate.process_key == bindparam("process_key"),
                                                   DocumentTemplate.name == bindparam("name"))
                    .order_by(DocumentTemplate.id.desc()).limit(1))
_USERS_NAMED = select(User).where(User.username.in_(bindparam("usernames", expanding=True)))


def latest_template(session: Session, process_key: str, name: str) -> DocumentTemplate | None:
    return session.scalar(_LATEST_TEMPLATE, {"process_key": process_key, "name": name})


def templates_of(session: Session, process_key: str) -> dict[str, list[DocumentTemplate]]:
    """Every version of each template of a process, newest first."""
    found: dict[str, list[DocumentTemplate]] = {}
    for t in session.scalars(select(DocumentTemplate).where(DocumentTemplate.process_key == process_key)
                             .order_by(DocumentTemplate.name, DocumentTemplate.id.desc())):
        found.setdefault(t.name, []).append(t)
    return found


def person(user: User | None, username: str | None = None) -> dict[str, str]:
    if user is None:
        return {"username": username or "", "nama": username or "", "nip": "", "jabatan": "", "pangkat": "",
                "unit": ""}
    return {"username": user.username, "nama": user.full_name or user.username, "nip": user.nip or "",
            "jabatan": user.position or "", "pangkat": user.rank or "", "unit": user.unit or ""}


def context(session: Session, *, instance, step: dict[str, Any], data: dict[str, Any], signer: User,
            now: datetime, tz, process_name: str) -> dict[str, Any]:
    """What a template sees (module docstring)."""
    names: set[str] = set()
    for value in data.values():
        if isinstance(value, str) and 0 < len(value) <= 80:
            names.add(value)
        elif isinstance(value, list):
            names.update(v for v in value[:500] if isinstance(v, str) and 0 < len(v) <= 80)
    if instance.started_by:
        names.add(instance.started_by)
    users = {u.username: u for u in session.scalars(_USERS_NAMED, {"usernames": list(names)})} if names else {}
    people: dict[str, Any] = {}
    for field, value in data.items():
        if isinstance(value, str) and value in users:
            people[field] = person(users[value])
        elif isinstance(value, list) and value and all(isinstance(v, str) and v in users for v in value):
            people[field] = [person(users[v]) for v in value]
    number = getattr(instance, "number", None) or str(instance.id)
    return {"nomor": number, "judul": instance.title, "proses": process_name, "langkah": step,
            "tanggal": indonesian_day(now, tz), "tahun": now.astimezone(tz).year, "data": data,
            "penandatangan": person(signer), "orang": people,
            "pemohon": person(users.get(instance.started_by), instance.started_by)}


def render_docx(template_bytes: bytes, values: dict[str, Any]) -> bytes:
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    document = DocxTemplate(io.BytesIO(template_bytes))
    try:
        document.render(values, jinja_env=_environment(), autoescape=True)
    except TemplateError as exc:
        raise Invalid("template.failed_title", [Problem("template.failed", field="document", why=str(exc))]) from None
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- DOCX → HTML → PDF ----------------------------------------------------------------------------

_ALIGN = {"CENTER": "center", "RIGHT": "right", "JUSTIFY": "justify", "BOTH": "justify"}


def _runs_html(paragraph) -> str:
    out = []
    for run in paragraph.runs:
        text = html.escape(run.text or "").replace("\t", "&emsp;")
        if not text:
            continue
        if run.bold:
            text = f"<strong>{text}</strong>"
        if run.italic:
            text = f"<em>{text}</em>"
        if run.underline:
            text = f"<u>{text}</u>"
        out.append(text)
    return "".join(out)


def _paragraph_html(paragraph) -> str:
    body = _runs_html(paragraph) or "&nbsp;"
    style = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
    align = paragraph.alignment
    css = f' style="text-align:{_ALIGN[align.name]}"' if align is not None and align.name in _ALIGN else ""
    if style.startswith("title"):
        return f"<h1{css}>{body}</h1>"
    if style.startswith("heading"):
        level = "".join(c for c in style if c.isdigit()) or "2"
        return f"<h{min(int(level) + 1, 6)}{css}>{body}</h{min(int(level) + 1, 6)}>"
    if "list" in style:
        return f'<p class="li"{css}>• {body}</p>'
    return f"<p{css}>{body}</p>"


def docx_html(docx_bytes: bytes, title: str) -> str:
    """An HTML reading of a DOCX's body: paragraphs and tables in document order."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(io.BytesIO(docx_bytes))
    parts = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            parts.append(_paragraph_html(Paragraph(child, document)))
        elif tag == "tbl":
            table = Table(child, document)
            rows = []
            for row in table.rows:
                cells = "".join("<td>" + "".join(_paragraph_html(p) for p in cell.paragraphs) + "</td>"
                                for cell in row.cells)
                rows.append(f"<tr>{cells}</tr>")
            bordered = " bordered" if table.style is not None and "grid" in (table.style.name or "").lower() else ""
            parts.append(f'<table class="docx{bordered}">{"".join(rows)}</table>')
    return ("<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\"><title>" + html.escape(title)
            + "</title><style>@page{size:A4;margin:25mm 20mm}body{font-family:'DejaVu Serif','Liberation Serif',"
            "serif;font-size:11pt;line-height:1.35}p{margin:0 0 4pt}h1{font-size:14pt;margin:6pt 0}"
            "h2,h3{font-size:12pt;margin:6pt 0}table.docx{border-collapse:collapse;width:100%;margin:4pt 0}"
            "table.docx td{vertical-align:top;padding:2pt 4pt}table.bordered td{border:0.5pt solid #000}"
            "</style></head><body>" + "".join(parts) + "</body></html>")


def docx_pdf(docx_bytes: bytes, title: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=docx_html(docx_bytes, title)).write_pdf()


def render_step_docx(session: Session, files: FileStore, *, process_key: str, template_name: str,
                     values: dict[str, Any], base_name: str) -> tuple[str, bytes]:
    """The rendered DOCX, as (file name, bytes); nothing is written yet."""
    template = latest_template(session, process_key, template_name)
    if template is None:
        raise NotFound("template.missing", name=template_name)
    path = files.path_for(template.sha256)
    if not path.exists():
        raise NotFound("template.missing_file", name=template_name)
    return f"{base_name}.docx", render_docx(path.read_bytes(), values)


def attach_letter(session: Session, files: FileStore, filename: str, docx: bytes, *, task_id: str,
                  instance_id: int, actor: str) -> list[Deliverable]:
    """Store a rendered letter's DOCX and attach it to the task as its output, with a row for its
    PDF (same name, ``.pdf``) drawn from it when first asked for (engine/renditions.py); not committed."""
    stored = files.save(filename, io.BytesIO(docx))
    now = utcnow()
    letter = Deliverable(instance_id=instance_id, task_id=task_id, filename=stored.filename,
                         content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                         uploaded_by=actor, uploaded_at=now)
    session.add(letter)
    session.flush()
    pdf = Deliverable(instance_id=instance_id, task_id=task_id, filename=filename.rsplit(".", 1)[0] + ".pdf",
                      content_type="application/pdf", size=None, sha256=None, source_id=letter.id,
                      uploaded_by=actor, uploaded_at=now)
    session.add(pdf)
    session.flush()
    return [letter, pdf]
