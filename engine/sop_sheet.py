"""The SOP sheet (Permenpan-RB No. 35/2012 layout) of a deployed process version, and the edit of
its header fields.

The header lives in the BPMN as ``sop.*`` properties of the ``bpmn:process`` (names in
DESIGN.md: ``sop.nomor``, ``sop.tanggal_pembuatan``/``_revisi``/``_efektif``, ``sop.disahkan_oleh``
as name, NIP and jabatan on three lines, ``sop.dasar_hukum``, ``sop.kualifikasi``,
``sop.keterkaitan``, ``sop.peralatan``, ``sop.peringatan``, ``sop.pencatatan``: one item a line;
and ``sop.instansi``, the office). The procedure table is the flowchart of :mod:`engine.flowchart`:
one row per step, its symbol in its lane's column.

Each row's flowchart cell is an SVG the server draws, with the row's height fixed in millimetres
from an estimate of its longest text, so the arrows of consecutive rows meet at the row borders
on screen, in print and in the PDF alike.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from .bpmn_xml import BPMN_NS, SPIFF_NS, _hardened_parser
from . import qualifications
from .calendar import WorkingCalendar
from .errors import Invalid, Problem
from .flowchart import FlowRow, process_element, read

#: The header fields, in the order the sheet and the edit form show them.
HEADER_FIELDS = ("sop.instansi", "sop.nomor", "sop.tanggal_pembuatan", "sop.tanggal_revisi", "sop.tanggal_efektif",
                 "sop.disahkan_oleh", "sop.dasar_hukum", "sop.kualifikasi", "sop.keterkaitan", "sop.peralatan",
                 "sop.peringatan", "sop.pencatatan", *qualifications.PROPERTIES)
DATE_FIELDS = ("sop.tanggal_pembuatan", "sop.tanggal_revisi", "sop.tanggal_efektif")
MAX_FIELD_CHARS = 4000
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")

# Page geometry (mm), A4 landscape with 10 mm margins: 277 mm of width for the table.
COLUMNS = {"no": 9, "uraian": 58, "lanes": 100, "kelengkapan": 33, "waktu": 17, "output": 33, "keterangan": 27}
FONT_MM = 2.9  # 8.2 pt body text of the table
CHAR_MM = FONT_MM * 0.6  # a generous average glyph width (DejaVu Sans), so estimates err tall
LINE_MM = FONT_MM * 1.3
PAD_MM = 3.0
MIN_ROW_MM = 20.0
SYMBOL_W, SYMBOL_H, TERMINAL_H = 15.0, 8.0, 5.0


def indonesian_date(value: str) -> str:
    """``2026-01-05`` → ``5 Januari 2026``; anything else is shown as written."""
    try:
        d = date.fromisoformat((value or "").strip())
    except ValueError:
        return (value or "").strip()
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def lines(value: str | None) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def waktu(duration: str | None, calendar: WorkingCalendar) -> str:
    """A standard time as the SOP writes it: ``3 hari``, ``120 menit``, ``1 hari 30 menit``."""
    minutes = calendar.duration_minutes(duration)
    if minutes is None:
        return "—"
    days, rest = divmod(minutes, calendar.minutes_per_day)
    parts = ([f"{days} hari"] if days else []) + ([f"{rest} menit"] if rest or not days else [])
    return " ".join(parts)


@dataclass
class SheetRow:
    no: int
    flow: FlowRow
    uraian: str
    column: int | None  # lane index
    kelengkapan: str
    waktu: str
    output: str
    keterangan: str
    height_mm: float = MIN_ROW_MM
    svg: str = ""


@dataclass
class Sheet:
    key: str
    name: str
    version: int
    header: dict[str, str]
    disahkan: dict[str, str]
    blocks: dict[str, list[str]]
    lanes: list[str]
    rows: list[SheetRow] = field(default_factory=list)
    columns: dict[str, float] = field(default_factory=lambda: dict(COLUMNS))


def _text_lines(text: str, width_mm: float) -> int:
    per_line = max(int((width_mm - 2) / CHAR_MM), 1)
    return sum(max(math.ceil(len(part) / per_line), 1) for part in (text or "").split("\n"))


def _row_height(row: SheetRow) -> float:
    needed = max(_text_lines(row.uraian, COLUMNS["uraian"]), _text_lines(row.kelengkapan, COLUMNS["kelengkapan"]),
                 _text_lines(row.waktu, COLUMNS["waktu"]), _text_lines(row.output, COLUMNS["output"]),
                 _text_lines(row.keterangan, COLUMNS["keterangan"]))
    extra = (TERMINAL_H + 3) * (int(row.flow.is_first) + int(row.flow.is_last))
    return round(max(MIN_ROW_MM + extra, needed * LINE_MM + PAD_MM + extra), 1)


def build(definition, calendar: WorkingCalendar) -> Sheet:
    """The sheet of one deployed version (``ProcessDefinition``)."""
    chart = read(definition.bpmn_xml, definition.key)
    props = chart.properties
    lanes = chart.lanes or sorted({r.lane for r in chart.rows if r.lane})
    number_of = {row.bpmn_id: i + 1 for i, row in enumerate(chart.rows)}
    rows: list[SheetRow] = []
    for i, flow in enumerate(chart.rows):
        p = flow.properties
        notes = []
        if flow.decision:
            for branch in flow.branches:
                target = number_of.get(branch.target) if branch.target else None
                label = (branch.label or "").capitalize() or "Lainnya"
                if target is None:
                    notes.append(f"{label}: selesai")
                elif target != i + 2:
                    notes.append(f"{label}: kembali ke langkah {target}" if target <= i + 1
                                 else f"{label}: lanjut ke langkah {target}")
                else:
                    notes.append(f"{label}: lanjut ke langkah {target}")
        rows.append(SheetRow(
            no=i + 1, flow=flow, uraian=flow.name,
            column=lanes.index(flow.lane) if flow.lane in lanes else None,
            kelengkapan=p.get("sop.inputs", ""), waktu=waktu(p.get("sop.duration"), calendar),
            output=p.get("sop.output", ""), keterangan="\n".join(notes)))
    for row in rows:
        row.height_mm = _row_height(row)
    lane_w = COLUMNS["lanes"] / max(len(lanes), 1)
    returns: dict[int, list[int]] = {}
    for row in rows:
        for branch in row.flow.branches if row.flow.decision else []:
            target = number_of.get(branch.target) if branch.target else None
            if target is not None and target <= row.no:
                returns.setdefault(target, []).append(row.no)
    for i, row in enumerate(rows):
        previous = rows[i - 1] if i else None
        following = rows[i + 1] if i + 1 < len(rows) else None
        row.svg = _row_svg(row, previous, following, len(lanes), lane_w, number_of, returns.get(row.no, []))
    signer = [line.strip() for line in (props.get("sop.disahkan_oleh") or "").rstrip().split("\n")]
    signer = signer if any(signer) else []
    return Sheet(
        key=definition.key, name=definition.name, version=definition.version,
        header={"instansi": props.get("sop.instansi", ""), "nomor": props.get("sop.nomor", ""),
                "tanggal_pembuatan": indonesian_date(props.get("sop.tanggal_pembuatan", "")),
                "tanggal_revisi": indonesian_date(props.get("sop.tanggal_revisi", "")),
                "tanggal_efektif": indonesian_date(props.get("sop.tanggal_efektif", ""))},
        disahkan={"nama": signer[0] if signer else "", "nip": signer[1] if len(signer) > 1 else "",
                  "jabatan": " ".join(signer[2:]) if len(signer) > 2 else ""},
        blocks={name: lines(props.get(f"sop.{name}")) for name in
                ("dasar_hukum", "kualifikasi", "keterkaitan", "peralatan", "peringatan", "pencatatan")},
        lanes=lanes, rows=rows)


# --- the flowchart cell of one row -----------------------------------------------------------------

def _f(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _arrow(points: list[tuple[float, float]]) -> str:
    d = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
    x2, y2 = points[-1]
    x1, y1 = points[-2]
    # a small filled head pointing along the last segment
    if abs(x2 - x1) > abs(y2 - y1):
        s = 1 if x2 > x1 else -1
        head = f"{_f(x2)},{_f(y2)} {_f(x2 - 1.6 * s)},{_f(y2 - 0.9)} {_f(x2 - 1.6 * s)},{_f(y2 + 0.9)}"
    else:
        s = 1 if y2 > y1 else -1
        head = f"{_f(x2)},{_f(y2)} {_f(x2 - 0.9)},{_f(y2 - 1.6 * s)} {_f(x2 + 0.9)},{_f(y2 - 1.6 * s)}"
    return (f'<polyline points="{d}" fill="none" stroke="#222" stroke-width="0.3"/>'
            f'<polygon points="{head}" fill="#222"/>')


def _line(points: list[tuple[float, float]]) -> str:
    d = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
    return f'<polyline points="{d}" fill="none" stroke="#222" stroke-width="0.3"/>'


def _text(x: float, y: float, text: str, size: float = 2.3, anchor: str = "middle") -> str:
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-size="{_f(size)}" text-anchor="{anchor}" '
            f'font-family="DejaVu Sans, Arial, sans-serif" fill="#111">{_esc(text)}</text>')


def _row_svg(row: SheetRow, previous: SheetRow | None, following: SheetRow | None, lanes: int, lane_w: float,
             number_of: dict[str, int], returns_from: list[int]) -> str:
    """The row's Pelaksana columns as one SVG (mm units): column rules, the step's symbol in its
    lane, the arrow in from the previous row's symbol and out to the next, Mulai/Selesai
    terminators, and for a decision the labelled branches (a connector circle naming the step a
    branch goes back to)."""
    w, h = lanes * lane_w, row.height_mm
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="sop-flow" viewBox="0 0 {_f(w)} {_f(h)}" '
             f'width="{_f(w)}mm" height="{_f(h)}mm" role="img" aria-label="{_esc(_aria(row, number_of))}">']
    for i in range(1, lanes):
        parts.append(f'<line x1="{_f(i * lane_w)}" y1="0" x2="{_f(i * lane_w)}" y2="{_f(h)}" stroke="#000" '
                     'stroke-width="0.25"/>')
    if row.column is None:
        return "".join(parts) + "</svg>"
    cx = (row.column + 0.5) * lane_w
    top = TERMINAL_H + 5 if row.flow.is_first else 0
    bottom = h - (TERMINAL_H + 5 if row.flow.is_last else 0)
    sw = min(SYMBOL_W, lane_w - 3)
    cy = (top + bottom) / 2
    y0, y1 = cy - SYMBOL_H / 2, cy + SYMBOL_H / 2
    if row.flow.is_first:
        parts.append(f'<rect x="{_f(cx - sw / 2)}" y="1.5" width="{_f(sw)}" height="{_f(TERMINAL_H)}" '
                     f'rx="{_f(TERMINAL_H / 2)}" fill="#fff" stroke="#222" stroke-width="0.35"/>')
        parts.append(_text(cx, 1.5 + TERMINAL_H / 2 + 0.8, "Mulai"))
        parts.append(_arrow([(cx, 1.5 + TERMINAL_H), (cx, y0)]))
    elif previous is not None and previous.column is not None \
            and row.flow.bpmn_id in previous.flow.next_ids:
        px = (previous.column + 0.5) * lane_w
        turn = min(2.5, y0 / 2)
        parts.append(_arrow([(px, 0), (px, turn), (cx, turn), (cx, y0)] if px != cx else [(cx, 0), (cx, y0)]))
    if row.flow.decision:
        parts.append(f'<polygon points="{_f(cx)},{_f(y0 - 1)} {_f(cx + sw / 2)},{_f(cy)} {_f(cx)},{_f(y1 + 1)} '
                     f'{_f(cx - sw / 2)},{_f(cy)}" fill="#fff" stroke="#222" stroke-width="0.35"/>')
    else:
        parts.append(f'<rect x="{_f(cx - sw / 2)}" y="{_f(y0)}" width="{_f(sw)}" height="{_f(SYMBOL_H)}" '
                     'fill="#fff" stroke="#222" stroke-width="0.35"/>')
    parts.append(_text(cx, cy + 0.9, str(row.no), 2.6))
    next_no = row.no + 1
    down_label = ""
    side = 1 if row.column < lanes - 1 else -1
    for branch in row.flow.branches if row.flow.decision else []:
        target = number_of.get(branch.target) if branch.target else None
        if target == next_no:
            down_label = branch.label
            continue
        # a branch elsewhere: out of the diamond's side to a connector naming its step
        ex = cx + side * sw / 2
        kx = cx + side * (lane_w / 2 - 2.2)
        parts.append(_arrow([(ex, cy), (kx - side * 1.8, cy)]))
        parts.append(f'<circle cx="{_f(kx)}" cy="{_f(cy)}" r="1.8" fill="#fff" stroke="#222" stroke-width="0.3"/>')
        parts.append(_text(kx, cy + 0.8, str(target) if target else "■", 2.1))
        if branch.label:
            parts.append(_text((ex + kx) / 2, cy - 1.2, branch.label.capitalize(), 1.9))
    leaves = following is not None and following.flow.bpmn_id in row.flow.next_ids
    if row.flow.is_last:
        end_y = h - 1.5 - TERMINAL_H
        parts.append(_arrow([(cx, y1 + (1 if row.flow.decision else 0)), (cx, end_y)]))
        parts.append(f'<rect x="{_f(cx - sw / 2)}" y="{_f(end_y)}" width="{_f(sw)}" height="{_f(TERMINAL_H)}" '
                     f'rx="{_f(TERMINAL_H / 2)}" fill="#fff" stroke="#222" stroke-width="0.35"/>')
        parts.append(_text(cx, end_y + TERMINAL_H / 2 + 0.8, "Selesai"))
    elif leaves:
        parts.append(_line([(cx, y1 + (1 if row.flow.decision else 0)), (cx, h)]))
        if down_label:
            parts.append(_text(cx + 1, y1 + 3.5, down_label.capitalize(), 1.9, "start"))
    # a connector where a decision sends work back to this step, with an arrow into its symbol
    for k, source in enumerate(returns_from):
        kx = cx - side * (lane_w / 2 - 2.2)
        ky = cy + (k - (len(returns_from) - 1) / 2) * 4.2
        parts.append(f'<circle cx="{_f(kx)}" cy="{_f(ky)}" r="1.8" fill="#fff" stroke="#222" stroke-width="0.3"/>')
        parts.append(_text(kx, ky + 0.8, str(source), 2.1))
        parts.append(_arrow([(kx + side * 1.8, ky), (cx - side * sw / 2, ky)]))
    return "".join(parts) + "</svg>"


def _aria(row: SheetRow, number_of: dict[str, int]) -> str:
    kind = "keputusan" if row.flow.decision else "proses"
    text = f"Langkah {row.no}: {kind}"
    if row.flow.is_first:
        text = "Mulai, " + text
    if row.flow.is_last:
        text += ", selesai"
    return text


# --- editing the header ---------------------------------------------------------------------------

def with_header(bpmn_xml: str, values: dict[str, str], key: str | None = None) -> bytes:
    """The diagram with the process's ``sop.*`` header properties set to ``values`` (an empty value
    removes the property); everything else in the file is kept as it was."""
    problems = []
    for name, value in values.items():
        if name not in HEADER_FIELDS:
            problems.append(Problem("sop_sheet.unknown_field", field=name, name=name))
        elif len(value) > MAX_FIELD_CHARS:
            problems.append(Problem("sop_sheet.too_long", field=name, n=MAX_FIELD_CHARS))
        elif name in DATE_FIELDS and value.strip():
            try:
                date.fromisoformat(value.strip())
            except ValueError:
                problems.append(Problem("sop_sheet.bad_date", field=name))
    if problems:
        raise Invalid("sop_sheet.invalid", problems)
    root = etree.fromstring(bpmn_xml.encode("utf-8"), _hardened_parser())
    process = process_element(root, key)
    ext = process.find(f"{{{BPMN_NS}}}extensionElements")
    if ext is None:
        ext = etree.Element(f"{{{BPMN_NS}}}extensionElements")
        doc = process.find(f"{{{BPMN_NS}}}documentation")
        process.insert(process.index(doc) + 1 if doc is not None else 0, ext)
    props = ext.find(f"{{{SPIFF_NS}}}properties")
    if props is None:
        props = etree.SubElement(ext, f"{{{SPIFF_NS}}}properties")
    existing = {p.get("name"): p for p in props.findall(f"{{{SPIFF_NS}}}property")}
    camunda = ext.xpath("./*[local-name()='properties']/*[local-name()='property']")
    for name, value in values.items():
        kept = [line.strip() for line in value.replace("\r\n", "\n").split("\n")]
        while kept and not kept[-1]:
            kept.pop()
        while kept and not kept[0] and name != "sop.disahkan_oleh":  # there, line 1 is the name, 2 the NIP
            kept.pop(0)
        value = "\n".join(kept) if any(kept) else ""
        for other in camunda:  # the spiffworkflow entry now holds it; a Camunda twin would disagree
            if other.get("name") == name and other.getparent() is not props:
                other.getparent().remove(other)
        if not value:
            if name in existing:
                props.remove(existing[name])
            continue
        if name in existing:
            existing[name].set("value", value)
        else:
            etree.SubElement(props, f"{{{SPIFF_NS}}}property", name=name, value=value)
    if not len(props):
        ext.remove(props)
    if not len(ext):
        process.remove(ext)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
