"""Laporan Kinerja: per step, the target (waktu baku) against the realisation, as a table and a chart."""
from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import login_required

from engine.errors import NotFound
from engine.models import utcnow

from .periods import period_args
from .services import service

bp = Blueprint("reports", __name__, url_prefix="/reports")

#: Chart geometry (SVG user units): label column, bar area, value column, one row per step. About
#: as wide as the page's content at 1280 px, where the chart is drawn at its width (it scales).
LABEL_W, BAR_W, VALUE_W, ROW_H, TOP = 360, 560, 180, 40, 34
LABEL_CHARS = 50


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every report needs a logged-in user (anonymous → the login page)."""


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


def _selected(processes) -> str:
    key = request.args.get("process", "").strip()
    if key and key not in {p.key for p in processes}:
        raise NotFound(_("Tidak ada proses '%(key)s'.", key=key))
    return key


@bp.get("/kpi.csv")
def kpi_csv():
    """The same figures as a spreadsheet (CSV, UTF-8 with a byte-order mark so Excel reads the
    Indonesian names right), one row per step of every process shown."""
    svc = service()
    processes = svc.list_processes()
    key = _selected(processes)
    names = {p.key: p.name for p in processes}
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([pgettext("column", "Proses"), _("Langkah"), _("Nama langkah"), _("Pelaksana"), _("Target (menit kerja)"),
                     _("Jumlah selesai"), _("Realisasi median (menit kerja)"), _("Tepat waktu (%)")])
    since, until = period_args()
    for row in svc.kpi(key or None, since=since, until=until):
        median, ratio = row["median_minutes"], row["on_time_ratio"]
        writer.writerow([names.get(row["process_key"], row["process_key"]), row["step"] or "", row["name"],
                         row["lane"] or "", "" if row["target_minutes"] is None else row["target_minutes"],
                         row["count"], "" if median is None else round(median),
                         "" if ratio is None else round(ratio * 100, 1)])
    period = f"{since or ''}_{until or ''}" if since or until else utcnow().date().isoformat()
    filename = f"laporan-kinerja-{key or 'semua'}-{period}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/kpi")
def kpi():
    svc = service()
    processes = svc.list_processes()
    names = {p.key: p.name for p in processes}
    key = _selected(processes)
    since, until = period_args()
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in svc.kpi(key or None, since=since, until=until):
        if row["median_minutes"] is not None:
            row["median_minutes"] = round(row["median_minutes"])
        row["on_time"] = format_percent(row["on_time_ratio"]) if row["on_time_ratio"] is not None else None
        groups.setdefault(row["process_key"], []).append(row)
    reports = [{"key": k, "name": names.get(k, k), "rows": rows, "chart": chart(rows),
                "count": sum(r["count"] for r in rows)} for k, rows in groups.items()]
    return render_template("reports/kpi.html", reports=reports, processes=processes, selected=key,
                           since=since, until=until)
