"""The case's traceability matrix as an XLSX workbook (one sheet per item list), for those who
may see the case. The page and the case record draw the same matrix (engine.traceability)."""
from __future__ import annotations

import io

from flask import Blueprint, Response
from flask_login import current_user, login_required
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from engine.models import Instance
from engine.traceability import Matrix

from .language import gettext as _
from .services import service

bp = Blueprint("traceability", __name__, url_prefix="/instances")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UNCOVERED = PatternFill("solid", fgColor="FCE4D6")
_REMOVED = PatternFill("solid", fgColor="EDEDED")
#: Characters a sheet's name may not hold, and its longest length (Excel's rules).
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _step(m_step, name: str) -> str:
    return _("Langkah %(n)s", n=m_step) if m_step is not None else name


def _note(row) -> str:
    parts = []
    if row.removed:
        parts.append(_("dihapus pada putaran %(n)s", n=row.removed_round))
    if row.added_round:
        parts.append(_("baru pada putaran %(n)s", n=row.added_round))
    parts += [_("Belum tercakup: %(column)s (langkah %(n)s)", column=g.column, n=g.step if g.step is not None else g.step_name)
              for g in row.gaps]
    return "; ".join(parts)


def sheet_rows(m: Matrix) -> tuple[list[str], list[str], list[list[str]]]:
    """The matrix as two header rows (the steps, then the columns per round) and one row per item."""
    top, sub = [_("Butir")], [""]
    for _c, title in m.origin_columns:
        top.append(title)
        sub.append("")
    for g in m.groups:
        rounds = g.rounds or [None]
        for r in rounds:
            for _c, title in g.columns:
                top.append(f"{_step(g.step, g.step_name)}: {g.title}")
                sub.append(title + (f" · {_('putaran %(n)s', n=r)}" if r is not None and len(rounds) > 1 else ""))
    top.append(_("Keterangan"))
    sub.append("")
    rows = []
    for row in m.rows:
        given = dict(row.origin)
        line = [row.id] + [given.get(title, "") for _c, title in m.origin_columns]
        for g in m.groups:
            for r in g.rounds or [None]:
                line += [row.cells.get(g.key(r, c), "") if r is not None else "" for c, _t in g.columns]
        rows.append(line + [_note(row)])
    return top, sub, rows


def workbook(matrices: list[Matrix], title: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for m in matrices:
        sheet = book.create_sheet((m.title.translate(_SHEET_FORBIDDEN).strip() or m.field)[:31])
        sheet.append([title])
        sheet["A1"].font = Font(bold=True, size=12)
        top, sub, rows = sheet_rows(m)
        sheet.append(top)
        sheet.append(sub)
        for cell in (*sheet[2], *sheet[3]):
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for data_row, trace_row in zip(rows, m.rows):
            sheet.append(data_row)
            fill = _REMOVED if trace_row.removed else _UNCOVERED if trace_row.uncovered else None
            for cell in sheet[sheet.max_row]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if fill is not None:
                    cell.fill = fill
        for n in range(1, len(top) + 1):
            sheet.column_dimensions[get_column_letter(n)].width = 10 if n == 1 else 28
        sheet.freeze_panes = "B4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def matrix_json(m: Matrix) -> dict:
    """A matrix as the JSON API sends it (``GET /api/instances/{id}/traceability``)."""
    return {
        "field": m.field, "title": m.title, "step": m.step, "step_name": m.step_name,
        "origin_columns": [{"name": c, "title": t} for c, t in m.origin_columns],
        "groups": [{"step": g.step, "step_name": g.step_name, "bpmn_id": g.bpmn_id, "field": g.field, "title": g.title,
                    "required": g.required, "rounds": list(g.rounds),
                    "columns": [{"name": c, "title": t} for c, t in g.columns]} for g in m.groups],
        "rows": [{"id": r.id, "origin": [{"title": t, "value": v} for t, v in r.origin], "removed": r.removed,
                  "removed_round": r.removed_round, "added_round": r.added_round, "uncovered": r.uncovered,
                  "gaps": [{"step": g.step, "step_name": g.step_name, "column": g.column} for g in r.gaps],
                  "cells": [{"step": g.step, "field": g.field, "round": rnd, "column": c, "value": r.cells[g.key(rnd, c)]}
                            for g in m.groups for rnd in g.rounds for c, _t in g.columns if g.key(rnd, c) in r.cells]}
                 for r in m.rows],
    }


def case_workbook(instance: Instance, *, skip_empty: bool = False) -> tuple[str, bytes] | None:
    """The case's matrices as a workbook (its file name and bytes), or None where its process
    has no item list (``skip_empty``: or where no list has an item yet)."""
    matrices = service().traceability(instance)
    if not matrices or (skip_empty and not any(m.rows for m in matrices)):
        return None
    number = getattr(instance, "number", None) or instance.id
    return f"ketertelusuran-{instance.id}.xlsx", workbook(matrices, f"{number} — {instance.title}")


@bp.get("/<int:instance_id>/traceability.xlsx")
@login_required
def xlsx(instance_id: int):
    instance = service().visible_instance(instance_id, current_user._get_current_object())
    found = case_workbook(instance)
    if found is None:
        return Response(_("Proses ini tidak memiliki daftar butir untuk ditelusuri."), status=404,
                        mimetype="text/plain")
    name, body = found
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})
