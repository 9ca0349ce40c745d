"""Laporan Kinerja: per step, the target (waktu baku) against the realisation (median, 90th
percentile, on time, sent back), per case the working time against the sum of targets, as a
table, a chart, the diagram coloured by realisation, and as CSV and XLSX downloads."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import format_percent, get_locale
from flask_login import login_required

from engine.diagram import render_svg
from engine.errors import NotFound
from engine.models import utcnow
from engine.reports import realisation_marks

from .i18n import format_minutes
from .language import gettext as _
from .language import pgettext
from .periods import period_args
from .services import service

bp = Blueprint("reports", __name__, url_prefix="/reports")

#: Chart geometry (SVG user units): label column, bar area, value column, one row per step. About
#: as wide as the page's content at 1280 px, where the chart is drawn at its width (it scales).
LABEL_W, BAR_W, VALUE_W, ROW_H, TOP = 360, 560, 180, 40, 34
LABEL_CHARS = 50
#: A spreadsheet evaluates a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every report needs a logged-in user (anonymous → the login page)."""


def map_labels() -> dict[str, str]:
    """The realisation map's legend in the page's language (engine.diagram.KPI_LABELS)."""
    return {"kpi-ok": _("Dalam waktu baku"), "kpi-warn": _("Melewati, sampai 1,5× waktu baku"),
            "kpi-late": _("Melewati lebih dari 1,5× waktu baku"), "kpi-none": _("Tanpa waktu baku")}


def chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Bars for the inline SVG chart. Each step is scaled on its own (its longer bar fills the
    area), because standard times range from an hour to ninety days; the numbers are printed."""
    bars = []
    for i, row in enumerate(rows):
        target, median = row["target_minutes"], row["median_minutes"]
        longest = max(target or 0, median or 0) or 1
        label = f"{row['step']}. {row['name']}" if row["step"] is not None else row["name"]
        bars.append({
            "y": TOP + i * ROW_H, "label": label,
            "short": label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1].rstrip() + "…",
            "target": target, "median": median,
            "target_w": round(BAR_W * (target or 0) / longest, 1),
            "median_w": round(BAR_W * (median or 0) / longest, 1),
            "late": target is not None and median is not None and median > target,
        })
    return {"bars": bars, "width": LABEL_W + BAR_W + VALUE_W, "height": TOP + len(rows) * ROW_H + 8,
            "label_w": LABEL_W, "bar_w": BAR_W}


@dataclass
class Filters:
    key: str
    version: int | None
    lane: str
    since: date | None
    until: date | None

    def args(self, **extra) -> dict[str, Any]:
        """The query string that keeps these filters (for links to the downloads)."""
        return {"process": self.key or None, "version": self.version, "lane": self.lane or None,
                "since": self.since or None, "until": self.until or None, **extra}


def _filters(processes) -> Filters:
    key = request.args.get("process", "").strip()
    if key and key not in {p.key for p in processes}:
        raise NotFound(_("Tidak ada proses '%(key)s'.", key=key))
    version = request.args.get("version", type=int) if key else None
    if version is not None and version < 1:
        version = None
    since, until = period_args()
    return Filters(key, version, request.args.get("lane", "").strip()[:200], since, until)


def _rows(filters: Filters) -> list[dict[str, Any]]:
    return service().kpi(filters.key or None, since=filters.since, until=filters.until,
                         version=filters.version, lane=filters.lane or None)


def _indonesian() -> bool:
    return str(get_locale() or "id").startswith("id")


def _text(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula is written as text (a leading ')."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _number(value: float | int | None, decimals: int = 0) -> str:
    """A number for the CSV: a decimal comma when the page is Indonesian; empty when unknown."""
    if value is None:
        return ""
    text = f"{value:.{decimals}f}" if decimals else str(round(value))
    return text.replace(".", ",") if _indonesian() else text


def _step_columns() -> list[str]:
    return [pgettext("column", "Proses"), _("Versi"), _("Langkah"), _("Nama langkah"), _("Pelaksana"),
            _("Target (menit kerja)"), _("Jumlah selesai"), _("Realisasi median (menit kerja)"),
            _("Realisasi persentil 90 (menit kerja)"), _("Tepat waktu (%)"), _("Dikembalikan")]


def _case_columns() -> list[str]:
    return [pgettext("column", "Proses"), _("Versi"), _("Nomor kasus"), _("Judul"), _("Mulai"), _("Selesai"),
            _("Langkah selesai"), _("Waktu kerja (menit)"), _("Jumlah target (menit kerja)")]


def _filename(filters: Filters, ext: str) -> str:
    period = f"{filters.since or ''}_{filters.until or ''}" if filters.since or filters.until \
        else utcnow().date().isoformat()
    return f"laporan-kinerja-{filters.key or 'semua'}-{period}.{ext}"


def _local(moment) -> str:
    return moment.astimezone(service().office_tz).strftime("%Y-%m-%d %H:%M") if moment else ""


@bp.get("/kpi.csv")
def kpi_csv():
    """The figures as a spreadsheet (CSV, UTF-8 with a byte-order mark so Excel reads the names
    right): per step, then per case. On an Indonesian page the separator is ``;`` and numbers
    have a decimal comma, as Excel set to Indonesian expects; every text cell is guarded."""
    svc = service()
    processes = svc.list_processes()
    filters = _filters(processes)
    names = {p.key: p.name for p in processes}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if _indonesian() else ",")
    writer.writerow(_step_columns())
    for row in _rows(filters):
        ratio = row["on_time_ratio"]
        writer.writerow([_text(names.get(row["process_key"], row["process_key"])), row["version"],
                         row["step"] or "", _text(row["name"]), _text(row["lane"] or ""),
                         _number(row["target_minutes"]), row["count"], _number(row["median_minutes"]),
                         _number(row["p90_minutes"]), _number(None if ratio is None else ratio * 100, 1),
                         "" if row["sent_back"] is None else row["sent_back"]])
    cases = svc.kpi_cases(filters.key or None, since=filters.since, until=filters.until, version=filters.version)
    if cases:
        writer.writerow([])
        writer.writerow(_case_columns())
        for case in cases:
            writer.writerow([_text(names.get(case["process_key"], case["process_key"])), case["version"],
                             case["instance_id"], _text(case["title"]), _local(case["started_at"]),
                             _local(case["ended_at"]), case["steps"], _number(case["actual_minutes"]),
                             _number(case["target_minutes"])])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(filters, "csv")}"'})


@bp.get("/kpi.xlsx")
def kpi_xlsx():
    """The same figures as an Excel workbook: a sheet per step and per case, numbers as numbers
    with formats (minutes, percentages), every text cell typed as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    svc = service()
    processes = svc.list_processes()
    filters = _filters(processes)
    names = {p.key: p.name for p in processes}
    book = Workbook()
    steps = book.active
    steps.title = _("Per langkah")[:31]
    cases_sheet = book.create_sheet(_("Per kasus")[:31])
    formats = {"minutes": "#,##0", "ratio": "0.0%", "count": "0"}

    def put(sheet, values: list[tuple[Any, str | None]]) -> None:
        sheet.append([v for v, _ in values])
        for cell, (value, number_format) in zip(sheet[sheet.max_row], values):
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif number_format and value is not None:
                cell.number_format = formats[number_format]

    for sheet, columns in ((steps, _step_columns()), (cases_sheet, _case_columns())):
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    for row in _rows(filters):
        put(steps, [(names.get(row["process_key"], row["process_key"]), None), (row["version"], "count"),
                    (row["step"], "count"), (row["name"], None), (row["lane"] or "", None),
                    (row["target_minutes"], "minutes"), (row["count"], "count"),
                    (row["median_minutes"], "minutes"), (row["p90_minutes"], "minutes"),
                    (row["on_time_ratio"], "ratio"), (row["sent_back"], "count")])
    for case in svc.kpi_cases(filters.key or None, since=filters.since, until=filters.until,
                              version=filters.version):
        put(cases_sheet, [(names.get(case["process_key"], case["process_key"]), None), (case["version"], "count"),
                          (case["instance_id"], "count"), (case["title"], None),
                          (_local(case["started_at"]), None), (_local(case["ended_at"]), None),
                          (case["steps"], "count"), (case["actual_minutes"], "minutes"),
                          (case["target_minutes"], "minutes")])
    for sheet in (steps, cases_sheet):
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)
    out = io.BytesIO()
    book.save(out)
    return Response(out.getvalue(), headers={"Content-Disposition": f'attachment; filename="{_filename(filters, "xlsx")}"'},
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def realisation_map(bpmn_xml: str, rows: list[dict[str, Any]], title: str) -> str:
    """The process diagram with each step shaded by its median realisation against its standard
    time; each step's tooltip gives its figures."""
    notes = {}
    for row in rows:
        if row.get("median_minutes") is None:
            continue
        ratio = row.get("on_time_ratio")
        notes[row["bpmn_id"]] = _("Target %(target)s; median %(median)s; tepat waktu %(ratio)s",
                                  target=format_minutes(row["target_minutes"]),
                                  median=format_minutes(row["median_minutes"]),
                                  ratio=format_percent(ratio) if ratio is not None else "—")
    return render_svg(bpmn_xml, realisation_marks(rows), title=title, labels=map_labels(), notes=notes)


@bp.get("/kpi")
def kpi():
    svc = service()
    processes = svc.list_processes()
    names = {p.key: p.name for p in processes}
    latest = {p.key: p for p in processes}  # each process's newest version, read with the list
    filters = _filters(processes)
    page = max(min(request.args.get("cases_page", 1, type=int) or 1, 10_000), 1)
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(filters):
        row["on_time"] = format_percent(row["on_time_ratio"]) if row["on_time_ratio"] is not None else None
        groups.setdefault(row["process_key"], []).append(row)
    reports = []
    for key, rows in groups.items():
        definition = (latest.get(key) or svc.latest_definition(key)) if filters.version is None else \
            next(d for d in svc.versions(key) if d.version == filters.version)
        reports.append({"key": key, "name": names.get(key, key), "rows": rows, "chart": chart(rows),
                        "count": sum(r["count"] for r in rows),
                        "map": realisation_map(svc.bpmn_source(definition), rows, names.get(key, key))})
    per_page = 25
    cases = svc.kpi_cases(filters.key or None, since=filters.since, until=filters.until, version=filters.version,
                          limit=per_page + 1, offset=(page - 1) * per_page)
    lanes, versions = [], []
    if filters.key:
        versions = svc.versions(filters.key)
        lanes = svc.compiled(versions[0]).lanes
    else:
        lanes = sorted({lane for p in processes for lane in svc.compiled(p).lanes})
    return render_template("reports/kpi.html", reports=reports, processes=processes, filters=filters,
                           selected=filters.key, since=filters.since, until=filters.until, lanes=lanes,
                           versions=versions, cases=cases[:per_page], names=names, cases_page=page,
                           more_cases=len(cases) > per_page, url_args=filters.args(),
                           csv_url=url_for("reports.kpi_csv", **filters.args()),
                           xlsx_url=url_for("reports.kpi_xlsx", **filters.args()))
