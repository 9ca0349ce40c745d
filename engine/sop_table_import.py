"""An office's SOP table in, a draft BPMN out: read the file, understand the table, draw the
diagram, and check the draft as a deployment would — without deploying it. The process owner
opens the draft in the modeler, corrects what the problems point at, and publishes it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .bpmn_loader import load_bpmn
from .errors import Invalid, Problem
from .sop_table import SopTable, read_sop_table
from .sop_table_bpmn import build_bpmn
from .sop_table_read import read_table_file


@dataclass
class SopTableDraft:
    """The draft diagram, the table it came from, and what to look at before publishing:
    the table's own problems (row and column), then the deployment checks' (element and line)."""

    xml: str
    table: SopTable
    problems: list[Problem] = field(default_factory=list)


def draft_from_sop_table(data: bytes, filename: str, *, forms_dir: Path, max_bpmn_bytes: int) -> SopTableDraft:
    """Raises :class:`~engine.errors.Invalid` (or ``TooLarge``) when the file holds no SOP table."""
    table = read_sop_table(read_table_file(data, filename))
    xml = build_bpmn(table)
    problems = list(table.problems)
    try:
        load_bpmn(xml, forms_dir=forms_dir, max_bytes=max(max_bpmn_bytes, len(xml)), filename="draft.bpmn")
    except Invalid as exc:
        problems.extend(exc.problems)
    return SopTableDraft(xml.decode("utf-8"), table, problems)
