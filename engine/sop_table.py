"""Understand an SOP table in the Permenpan-RB layout: identity and header fields, the Pelaksana
columns (the lanes), and one step per row with its Mutu Baku and its decision, if it is one.

The layout is the one offices write (``shared/sop/SOP-SHEET.md``): columns No, Uraian Prosedur,
one column per Pelaksana holding a mark in the row's actor, Mutu Baku (Kelengkapan, Waktu,
Output) and Keterangan; header rows may be two (a merged "Pelaksana"/"Mutu Baku" row above the
names); identity fields sit above the table as label/value pairs, or label above value. A decision
row says where "tidak" goes back to ("jika tidak disetujui, kembali ke langkah 2").

Nothing here guesses silently: what cannot be read becomes a :class:`Problem` with the row
(``line``, the spreadsheet's row number) and the column (``field``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .durations import DurationWordsError, parse_duration_words
from .errors import Problem
from .sop_table_read import Document, Grid, refused

#: Header labels (normalised) → the process property that holds them (``name`` = the process name).
HEADER_FIELDS: dict[str, str] = {
    "nomor sop": "sop.nomor", "no sop": "sop.nomor", "nomor": "sop.nomor",
    "tanggal pembuatan": "sop.tanggal_pembuatan", "tgl pembuatan": "sop.tanggal_pembuatan",
    "tanggal revisi": "sop.tanggal_revisi", "tgl revisi": "sop.tanggal_revisi",
    "tanggal efektif": "sop.tanggal_efektif", "tgl efektif": "sop.tanggal_efektif",
    "disahkan oleh": "sop.disahkan_oleh",
    "nama sop": "name", "judul sop": "name",
    "dasar hukum": "sop.dasar_hukum",
    "kualifikasi pelaksana": "sop.kualifikasi", "kualifikasi": "sop.kualifikasi",
    # the lists the appointment picker checks (engine/qualifications.py), where a table states them
    "kualifikasi pendidikan": "sop.kualifikasi.pendidikan", "kualifikasi jenjang pendidikan": "sop.kualifikasi.pendidikan",
    "kualifikasi bidang studi": "sop.kualifikasi.bidang", "kualifikasi bidang": "sop.kualifikasi.bidang",
    "kualifikasi keahlian": "sop.kualifikasi.keahlian",
    "keterkaitan": "sop.keterkaitan",
    "peralatan perlengkapan": "sop.peralatan", "peralatan": "sop.peralatan", "perlengkapan": "sop.peralatan",
    "peringatan": "sop.peringatan",
    "pencatatan dan pendataan": "sop.pencatatan", "pencatatan": "sop.pencatatan",
}
_MUTU_COLUMNS = {"kelengkapan": "inputs", "persyaratan kelengkapan": "inputs", "kelengkapan persyaratan": "inputs",
                 "persyaratan": "inputs", "waktu": "time", "output": "output", "keluaran": "output",
                 "output keluaran": "output", "keterangan": "remark", "ket": "remark"}
_GROUP_WORDS = ("pelaksana", "mutu baku")
_STEP_REF = r"(?:langkah|tahap|tahapan|kegiatan|proses|no|nomor|nomer|urutan)\s*(?:ke\s*)?-?\s*(\d{1,3})"
_BACK = re.compile(r"(?:tidak|belum|ditolak|tolak|revisi|perbaik\w*|kembali)\D{0,80}?" + _STEP_REF, re.I)
_FORWARD = re.compile(r"(?:\bya\b|setuju|disetujui|diterima|sesuai|lengkap|lanjut)\D{0,80}?" + _STEP_REF, re.I)
#: Output names that are a file someone attaches (otherwise the step's output is a state of things).
_DOCUMENT_WORDS = re.compile(r"\b(dokumen|laporan|surat|rencana|berita acara|notulen|daftar|formulir|nota|"
                             r"keputusan|sk|spesifikasi|jadwal|rekap\w*|draf|draft|naskah|proposal|kajian)\b", re.I)


@dataclass
class SopStep:
    number: int
    text: str
    lane: str
    line: int
    inputs: str = ""
    duration: str | None = None
    time_text: str = ""
    output: str = ""
    remark: str = ""
    #: for a decision: the step numbers its "ya" and "tidak" flows lead to (None: the next step / the end)
    decision: bool = False
    yes_to: int | None = None
    no_to: int | None = None

    @property
    def output_required(self) -> bool:
        return bool(self.output) and not self.decision and bool(_DOCUMENT_WORDS.search(self.output))


@dataclass
class SopTable:
    name: str
    lanes: list[str]
    steps: list[SopStep]
    properties: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _label(text: str) -> tuple[str | None, str]:
    """The header field a cell names, and a value written after a colon in the same cell."""
    head, sep, rest = text.partition(":")
    key = HEADER_FIELDS.get(_norm(head))
    return key, (rest.strip() if sep else "")


def read_sop_table(document: Document) -> SopTable:
    """The SOP the document's table describes; :class:`Invalid` when no table in it is one."""
    found = None
    for grid in document.grids:
        header = _find_header(grid)
        if header is not None:
            found = (grid, header)
            break
    if found is None:
        raise refused(Problem("sop_table.no_table", field="file"))
    grid, (h, data_start, columns, lanes) = found
    problems: list[Problem] = []
    if not lanes:
        raise refused(Problem("sop_table.no_lanes", line=h + 1, field="Pelaksana"))
    steps = _read_steps(grid, data_start, columns, lanes, problems)
    if not steps:
        raise refused(Problem("sop_table.no_steps", line=data_start + 1, field="Uraian Prosedur"))
    properties = _header_fields(document, grid, h)
    name = properties.pop("name", "")
    if not name:
        problems.append(Problem("sop_table.no_name", field="Nama SOP"))
    _check_decisions(steps, problems)
    used = {s.lane for s in steps}
    for _c, lane in ([] if "actor" in columns else lanes):
        if lane not in used:
            problems.append(Problem("sop_table.unused_lane", field=lane, lane=lane))
    lane_names = [lane for _c, lane in lanes] if "actor" not in columns else \
        list(dict.fromkeys(s.lane for s in steps))
    return SopTable(name or "SOP baru", lane_names, steps, properties, problems)


def _find_header(grid: Grid):
    """(header row, first data row, {column kind: index}, [(column, lane name)]) or None."""
    for h, row in enumerate(grid.rows[:60]):
        normal = [_norm(c) for c in row]
        uraian = next((i for i, c in enumerate(normal) if "uraian" in c or c in ("kegiatan", "aktivitas")), None)
        if uraian is None:
            continue
        below = [_norm(c) for c in grid.rows[h + 1]] if h + 1 < len(grid.rows) else []
        columns: dict[str, int] = {"text": uraian}
        for i, c in enumerate(normal):
            if c in ("no", "nomor", "no urut", "nomer") and i < uraian:
                columns["no"] = i
        # a second header row: its Uraian cell is empty or the merged header's, never a step
        two_rows = any(below) and uraian < len(below) and below[uraian] in ("", normal[uraian])
        for i in range(len(row)):
            for source in ((normal, below) if two_rows else (normal,)):
                kind = _MUTU_COLUMNS.get(source[i]) if i < len(source) else None
                if kind and kind not in columns and i > uraian:
                    columns[kind] = i
        mutu = [columns[k] for k in ("inputs", "time", "output", "remark") if k in columns]
        end = min(mutu) if mutu else len(row)
        lanes = []
        for i in range(uraian + 1, end):
            if i == columns.get("no"):
                continue
            name = (grid.rows[h + 1][i] if two_rows and h + 1 < len(grid.rows) else "") or row[i]
            name = " ".join(name.split())
            if name and _norm(name) not in _GROUP_WORDS and name not in (n for _c, n in lanes):
                lanes.append((i, name))
        if not lanes:  # the list layout: one Pelaksana column naming the actor in each row
            actor = next((i for i, c in enumerate(normal) if c == "pelaksana" and i > uraian), None)
            if actor is not None:
                columns["actor"] = actor
                lanes = [(actor, "Pelaksana")]
        data_start = h + (2 if two_rows else 1)
        # a row of column numbers under the header ("1 2 3 ...") is not a step
        while data_start < len(grid.rows) and _is_numbering(grid.rows[data_start]):
            data_start += 1
        return h, data_start, columns, lanes
    return None


def _is_numbering(row: list[str]) -> bool:
    numbers = [c for c in row if c]
    return len(numbers) >= 3 and all(re.fullmatch(r"\(?\d{1,2}\)?", c) for c in numbers) and \
        [int(c.strip("()")) for c in numbers] == list(range(int(numbers[0].strip("()")),
                                                           int(numbers[0].strip("()")) + len(numbers)))


def _read_steps(grid: Grid, start: int, columns: dict[str, int], lanes: list[tuple[int, str]],
                problems: list[Problem]) -> list[SopStep]:
    steps: list[SopStep] = []
    numbers: set[int] = set()
    for r in range(start, len(grid.rows)):
        row = grid.rows[r]
        line = r + 1
        text = " ".join(row[columns["text"]].split())
        if not text:
            continue
        if _label(text)[0] and not any(row[c] for c, _n in lanes):
            break  # the header block written under the table
        raw_no = row[columns["no"]] if "no" in columns else ""
        m = re.match(r"^\s*(\d{1,3})\s*[.)]?\s*$", raw_no)
        if m:
            number = int(m.group(1))
        else:
            number = (steps[-1].number + 1) if steps else 1
            if raw_no:
                problems.append(Problem("sop_table.bad_number", line=line, field="No", text=raw_no, number=number))
        if number in numbers:
            problems.append(Problem("sop_table.duplicate_number", line=line, field="No", number=number))
            number = max(numbers) + 1
        numbers.add(number)
        if "actor" in columns:
            name = " ".join(row[columns["actor"]].split())
            marked = [(columns["actor"], name)] if name else []
        else:
            marked = [(c, name) for c, name in lanes if row[c].strip()]
        if not marked:
            lane = steps[-1].lane if steps else ("Pelaksana" if "actor" in columns else lanes[0][1])
            problems.append(Problem("sop_table.no_actor", line=line, field="Pelaksana", step=number, lane=lane))
        else:
            lane = marked[0][1]
            if len(marked) > 1:
                problems.append(Problem("sop_table.many_actors", line=line, field="Pelaksana", step=number, lane=lane,
                                        lanes=", ".join(n for _c, n in marked)))
        cell = lambda kind: " ".join(row[columns[kind]].split()) if kind in columns else ""  # noqa: E731
        step = SopStep(number, text, lane, line, inputs=cell("inputs"), time_text=cell("time"),
                       output=cell("output"), remark=row[columns["remark"]].strip() if "remark" in columns else "")
        try:
            step.duration = parse_duration_words(step.time_text)
        except DurationWordsError:
            problems.append(Problem("sop_table.bad_time", line=line, field="Waktu", step=number, text=step.time_text))
        _read_decision(step, "" if "actor" in columns else " ".join(row[c] for c, _n in marked), problems)
        steps.append(step)
    return steps


def _read_decision(step: SopStep, marks: str, problems: list[Problem]) -> None:
    words = f"{step.remark} {step.text}"
    back = _BACK.search(words)
    forward = _FORWARD.search(words)
    looks_like = step.text.rstrip().endswith("?") or any(s in marks for s in ("◇", "◊", "♦", "⬦")) or \
        re.search(r"\b(keputusan|decision)\b", marks, re.I)
    if not (back or forward or looks_like):
        return
    step.decision = True
    step.no_to = int(back.group(1)) if back else None
    overlaps = back and forward and forward.start() < back.end() and back.start() < forward.end()
    step.yes_to = int(forward.group(1)) if forward and not overlaps else None
    if step.no_to is None and step.yes_to is None:
        problems.append(Problem("sop_table.decision_without_target", line=step.line, field="Keterangan",
                                step=step.number))


def _check_decisions(steps: list[SopStep], problems: list[Problem]) -> None:
    numbers = {s.number for s in steps}
    for step in steps:
        for attr in ("yes_to", "no_to"):
            target = getattr(step, attr)
            if target is not None and (target not in numbers or target == step.number):
                problems.append(Problem("sop_table.self_target" if target == step.number else "sop_table.bad_target",
                                        line=step.line, field="Keterangan", step=step.number, target=target))
                setattr(step, attr, None)


def _header_fields(document: Document, table: Grid, header_row: int) -> dict[str, str]:
    """Label/value pairs anywhere outside the step rows: beside the label, after its colon, or
    under it (the two-column block puts two labels in a row and their values in the next)."""
    found: dict[str, str] = {}
    sources: list[list[list[str]]] = []
    for grid in document.grids:
        sources.append(grid.rows[:header_row] if grid is table else grid.rows)
    sources.append([[line] for line in document.lines])
    for rows in sources:
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                key, inline = _label(text)
                if key is None or key in found:
                    continue
                value = inline or next((v for v in row[c + 1:] if v and v != text), "")
                if value and _label(value)[0]:
                    value = ""
                if not value and r + 1 < len(rows) and c < len(rows[r + 1]):
                    below = rows[r + 1][c]
                    value = "" if _label(below)[0] else below
                value = value.strip().lstrip(":").strip()
                if value and value not in ("-", "–", "—"):
                    found[key] = value
    return found
