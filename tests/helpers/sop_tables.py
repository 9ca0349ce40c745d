"""The SOP table fixtures (tests/fixtures/sop_tables): the seed SOP as XLSX, CSV and DOCX."""
from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sop_tables"


def sop_table_fixture(fmt: str) -> bytes:
    return (FIXTURES / f"sop_pengembangan_aplikasi_egov.{fmt}").read_bytes()
