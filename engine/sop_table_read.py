"""Read an office's SOP table file (XLSX, CSV or a Word table in DOCX) into plain grids of text.

Everything is bounded before it is read: the file's size, the unpacked size of an XLSX/DOCX
(both are ZIP archives, so a small file may unpack to gigabytes), the number of rows and columns,
and the length of a cell. Merged cells read as their value in every cell they cover, so a header
spanning the Pelaksana columns is seen above each of them.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field

from .errors import Invalid, Problem, TooLarge

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_ROWS = 600
MAX_COLUMNS = 40
MAX_CELL_CHARS = 4000


@dataclass
class Grid:
    """One table: rows of cell texts (stripped; missing cells are "")."""

    rows: list[list[str]]
    name: str = ""


@dataclass
class Document:
    """What a file holds: its tables, and lines of text outside any table (DOCX paragraphs)."""

    grids: list[Grid]
    lines: list[str] = field(default_factory=list)


def read_table_file(data: bytes, filename: str) -> Document:
    """The tables of an XLSX, CSV or DOCX file, chosen by its content (its name only breaks ties)."""
    if len(data) > MAX_FILE_BYTES:
        raise TooLarge("sop_table.too_large", api_code="sop_table.too_large", limit_mb=MAX_FILE_BYTES // (1024 * 1024))
    if not data.strip():
        raise _refuse("sop_table.empty")
    if data[:4] == b"PK\x03\x04":
        names = _zip_names(data)
        if "word/document.xml" in names:
            return _read_docx(data)
        if "xl/workbook.xml" in names:
            return _read_xlsx(data)
        raise _refuse("sop_table.unknown_zip")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _refuse("sop_table.legacy_office")
    if data.lstrip()[:5].lower() in (b"%pdf-",):
        raise _refuse("sop_table.pdf")
    return _read_csv(data)


def refused(*problems: Problem) -> Invalid:
    """The whole file refused, for the reasons given."""
    return Invalid("sop_table.unreadable", list(problems), api_code="sop_table.unreadable")


def _refuse(code: str, **params) -> Invalid:
    return refused(Problem(code, field="file", **params))


def _zip_names(data: bytes) -> set[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile:
        raise _refuse("sop_table.damaged") from None
    if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES or len(infos) > 2000:
        raise TooLarge("sop_table.unpacked_too_large", api_code="sop_table.unpacked_too_large",
                       limit_mb=MAX_UNPACKED_BYTES // (1024 * 1024))
    return {i.filename for i in infos}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    return text[:MAX_CELL_CHARS]


def _bounded(rows: list[list[str]]) -> list[list[str]]:
    if len(rows) > MAX_ROWS:
        raise _refuse("sop_table.too_many_rows", limit=MAX_ROWS)
    width = max((len(r) for r in rows), default=0)
    if width > MAX_COLUMNS:
        raise _refuse("sop_table.too_many_columns", limit=MAX_COLUMNS)
    return [r + [""] * (width - len(r)) for r in rows]


def _read_csv(data: bytes) -> Document:
    if b"\x00" in data[:8192]:
        raise _refuse("sop_table.not_csv")
    text = _decode_text(data)
    if text is None or "\x00" in text:
        raise _refuse("sop_table.not_csv")
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        # A subclass, never csv.excel itself: setting an attribute on that would change every
        # later reader in the process.
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        dialect = type("SopTableDialect", (csv.excel,), {"delimiter": delimiter})
    try:
        rows = [[_cell(c) for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise _refuse("sop_table.bad_csv", detail=str(exc)) from None
    return Document([Grid(_bounded(rows), "CSV")])


def _decode_text(data: bytes) -> str | None:
    """The file as text: UTF-8 (with or without a BOM) or Windows' Western code page, as offices'
    spreadsheet programs save CSV. None when it is neither, as a picture or any binary file is."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _read_xlsx(data: bytes) -> Document:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise _refuse("sop_table.bad_xlsx", detail=str(exc)[:300]) from None
    grids = []
    for sheet in book.worksheets[:20]:
        if sheet.max_row > MAX_ROWS * 4 or sheet.max_column > MAX_COLUMNS * 4:
            raise _refuse("sop_table.sheet_too_large", sheet=sheet.title)
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        for merged in sheet.merged_cells.ranges:  # a merged header covers each column under it
            value = rows[merged.min_row - 1][merged.min_col - 1] if merged.min_row <= len(rows) else ""
            for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
                for c in range(merged.min_col, merged.max_col + 1):
                    if c - 1 < len(rows[r - 1]) and not rows[r - 1][c - 1]:
                        rows[r - 1][c - 1] = value
        while rows and not any(rows[-1]):
            rows.pop()
        # trailing empty columns
        width = max((max((i + 1 for i, v in enumerate(r) if v), default=0) for r in rows), default=0)
        grids.append(Grid(_bounded([r[:width] for r in rows]), sheet.title))
    return Document(grids)


def _read_docx(data: bytes) -> Document:
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a damaged file
        raise _refuse("sop_table.bad_docx", detail=str(exc)[:300]) from None
    grids = []
    for i, table in enumerate(document.tables[:50]):
        rows = []
        for row in table.rows:
            # a merged cell appears once per column it covers, as merged Excel cells are read
            rows.append([_cell(cell.text) for cell in row.cells])
            if len(rows) > MAX_ROWS:
                break
        grids.append(Grid(_bounded(rows), f"table {i + 1}"))
    lines = [_cell(p.text) for p in document.paragraphs[:MAX_ROWS] if p.text.strip()]
    return Document(grids, lines)
