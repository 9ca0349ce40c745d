"""Build the Surat Perintah Tugas templates of the SOP's steps 4 and 6 with python-docx.

    .venv/bin/python processes/templates/build_spt_templates.py

writes ``spt_system_programmer.docx`` and ``spt_programmer.docx`` beside this file (committed);
the SOP's BPMN names them in ``sop.document``. The fields are docxtpl's (Jinja); what they can
use is listed in engine/documents.py. A process owner may replace either on the process page.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

HERE = Path(__file__).parent


def _para(doc, text: str = "", *, bold: bool = False, align=None, size: float | None = None, underline=False):
    paragraph = doc.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.underline = bold, underline
    if size:
        run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(2)
    return paragraph


def _letter(title_for: str, people_rows: list[list[str]], loop: tuple[str, str] | None, task: str) -> Document:
    doc = Document()
    for section in doc.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.0)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(12)
    center = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "PEMERINTAH DAERAH", bold=True, align=center, size=13)
    _para(doc, "DINAS KOMUNIKASI DAN INFORMATIKA", bold=True, align=center, size=14)
    _para(doc, "{{ penandatangan.unit }}", align=center, size=11)
    _para(doc, "")
    _para(doc, "SURAT PERINTAH TUGAS", bold=True, align=center, size=13, underline=True)
    _para(doc, "Nomor: {{ data.nomor_surat_tugas or ('800/SPT/' ~ nomor ~ '/' ~ tahun) }}", align=center)
    _para(doc, "")
    dasar = doc.add_table(rows=1, cols=3)
    cells = dasar.rows[0].cells
    cells[0].text, cells[1].text = "Dasar", ":"
    cells[2].text = ("Pengajuan \u201c{{ judul }}\u201d (nomor registrasi {{ nomor }}) dalam {{ proses }}, "
                     "langkah {{ langkah.no }}: {{ langkah.nama }}.")
    _para(doc, "")
    _para(doc, "MEMERINTAHKAN:", bold=True, align=center)
    _para(doc, "Kepada:")
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ["No", "Nama", "NIP", "Pangkat/Gol.", "Jabatan"]):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    if loop:
        variable, source = loop
        opening = table.add_row().cells
        opening[0].text = f"{{%tr for {variable} in {source} %}}"
    for row in people_rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = text
    if loop:
        table.add_row().cells[0].text = "{%tr endfor %}"
    _para(doc, "")
    _para(doc, "Untuk:", bold=True)
    _para(doc, task)
    _para(doc, "Melaksanakan tugas ini dengan penuh tanggung jawab dan melaporkan hasilnya kepada pemberi tugas.")
    _para(doc, "{% if data.catatan %}Catatan: {{ data.catatan }}{% endif %}")
    _para(doc, "")
    right = WD_ALIGN_PARAGRAPH.RIGHT
    _para(doc, "Ditetapkan pada tanggal {{ data.tanggal_surat_tugas or tanggal }}", align=right)
    _para(doc, "{{ penandatangan.jabatan }}", align=right)
    _para(doc, "")
    _para(doc, "")
    _para(doc, "{{ penandatangan.nama }}", bold=True, align=right, underline=True)
    _para(doc, "{{ penandatangan.pangkat }}", align=right)
    _para(doc, "NIP. {{ penandatangan.nip }}", align=right)
    return doc


def main() -> None:
    _letter("system programmer",
            [["1", "{{ orang.system_programmer.nama }}", "{{ orang.system_programmer.nip }}",
              "{{ orang.system_programmer.pangkat }}", "{{ orang.system_programmer.jabatan }}"]],
            None,
            "Bertindak sebagai system programmer pada pengembangan aplikasi {{ data.nama_aplikasi or judul }}: "
            "menyusun rencana implementasi, jadwal pelaksanaan dan kebutuhan usulan programmer."
            ).save(HERE / "spt_system_programmer.docx")
    _letter("programmer",
            [["{{ loop.index }}", "{{ p.nama }}", "{{ p.nip }}", "{{ p.pangkat }}", "{{ p.jabatan }}"]],
            ("p", "orang.programmers"),
            "Bertindak sebagai programmer pada pengembangan aplikasi {{ data.nama_aplikasi or judul }}: membuat "
            "prototype system, melatih user dan mengimplementasikan aplikasi sesuai rencana implementasi."
            ).save(HERE / "spt_programmer.docx")


if __name__ == "__main__":
    main()
