"""What the SOP table import says, by stable code, with its English words (``str.format``
templates). Problems and refusals carry ``code`` and ``params`` beside the English ``message``,
so the JSON API sends the code and the pages say it in their language
(:mod:`webapp.sop_table_text`)."""
from __future__ import annotations

from typing import Any

from .errors import Invalid, Problem, TooLarge

MESSAGES: dict[str, str] = {
    "sop_table.owners_only": "only administrators and Process Owners may import SOP tables",
    "sop_table.unreadable": "The SOP table could not be read",
    "sop_table.too_large": "the SOP table file is larger than {limit_mb} MB",
    "sop_table.unpacked_too_large": "the SOP table file unpacks to more than {limit_mb} MB",
    "sop_table.empty": "the file is empty",
    "sop_table.unknown_zip": "the file is a ZIP archive but neither an Excel (.xlsx) nor a Word (.docx) file",
    "sop_table.legacy_office": "old Excel/Word files (.xls, .doc) cannot be read: save the file as .xlsx or .docx",
    "sop_table.pdf": "a PDF cannot be read as a table: upload the Word or Excel file it was made from",
    "sop_table.damaged": "the file is damaged (not a readable .xlsx or .docx)",
    "sop_table.too_many_rows": "the table has more than {limit} rows",
    "sop_table.too_many_columns": "the table has more than {limit} columns",
    "sop_table.sheet_too_large": "sheet '{sheet}' is larger than an SOP table can be",
    "sop_table.not_csv": "the file is not a text table (CSV)",
    "sop_table.bad_csv": "the CSV could not be read: {detail}",
    "sop_table.bad_xlsx": "the Excel file could not be read: {detail}",
    "sop_table.bad_docx": "the Word file could not be read: {detail}",
    "sop_table.no_table": ("no table with an 'Uraian Prosedur' column was found: the file needs the columns No, "
                           "Uraian Prosedur, one per Pelaksana, and Mutu Baku (Kelengkapan, Waktu, Output)"),
    "sop_table.no_lanes": "the table has no Pelaksana columns between Uraian Prosedur and Mutu Baku",
    "sop_table.no_steps": "the table has no rows with an Uraian Prosedur",
    "sop_table.no_name": "no 'Nama SOP' was found above the table: name the process in the modeler",
    "sop_table.unused_lane": "no step is marked in the Pelaksana column '{lane}'",
    "sop_table.bad_number": "'{text}' is not a step number; the row was numbered {number}",
    "sop_table.duplicate_number": "step number {number} appears twice",
    "sop_table.no_actor": "step {step} has no Pelaksana marked; it was put in '{lane}'",
    "sop_table.many_actors": "step {step} has several Pelaksana marked ({lanes}); it goes to '{lane}', the first",
    "sop_table.bad_time": "step {step}: '{text}' is not a standard time such as '3 hari', '120 menit' or '1 jam'",
    "sop_table.decision_without_target": ("step {step} looks like a decision but names no step to go back to "
                                          "(write e.g. 'jika tidak, kembali ke langkah 2' in Keterangan)"),
    "sop_table.bad_target": "step {step} leads to step {target}, which is not in the table",
    "sop_table.self_target": "step {step} leads back to itself",
}


def problem(code: str, *, line: int | None = None, field: str | None = None, **params: Any) -> Problem:
    """A :class:`Problem` with its English words, ``code`` and ``params`` (sent by the API)."""
    found = Problem(MESSAGES[code].format(**params), field=field, line=line)
    found.code = code  # type: ignore[attr-defined]
    if params:
        found.params = params  # type: ignore[attr-defined]
    return found


def refused(*problems: Problem) -> Invalid:
    """The whole file refused, for the reasons given."""
    return Invalid(MESSAGES["sop_table.unreadable"], list(problems), code="sop_table.unreadable")


def too_large(code: str, **params: Any) -> TooLarge:
    error = TooLarge(MESSAGES[code].format(**params), code=code)
    error.params = params  # type: ignore[attr-defined]
    return error
