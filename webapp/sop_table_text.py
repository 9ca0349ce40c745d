"""The SOP table import's problems and refusals in the page's language, by their code
(:mod:`engine.sop_table_messages` holds the English words of each code)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from engine.errors import AlurError, Problem


def N_(msgid: str) -> str:
    """Mark a msgid for the catalog; it is translated when said."""
    return msgid


#: code → its Indonesian words (msgids; English in the catalog)
TEXTS: dict[str, str] = {
    "sop_table.owners_only": N_("Hanya admin dan Process Owner yang boleh mengimpor tabel SOP."),
    "sop_table.unreadable": N_("Tabel SOP tidak dapat dibaca."),
    "sop_table.too_large": N_("Berkas tabel SOP lebih dari %(limit_mb)s MB."),
    "sop_table.unpacked_too_large": N_("Isi berkas tabel SOP lebih dari %(limit_mb)s MB setelah dibuka."),
    "sop_table.empty": N_("Berkasnya kosong."),
    "sop_table.unknown_zip": N_("Berkas ini arsip ZIP, tetapi bukan berkas Excel (.xlsx) atau Word (.docx)."),
    "sop_table.legacy_office": N_("Berkas Excel/Word lama (.xls, .doc) tidak dapat dibaca: simpan sebagai .xlsx atau .docx."),
    "sop_table.pdf": N_("PDF tidak dapat dibaca sebagai tabel: unggah berkas Word atau Excel asalnya."),
    "sop_table.damaged": N_("Berkasnya rusak (bukan .xlsx atau .docx yang dapat dibaca)."),
    "sop_table.too_many_rows": N_("Tabelnya lebih dari %(limit)s baris."),
    "sop_table.too_many_columns": N_("Tabelnya lebih dari %(limit)s kolom."),
    "sop_table.sheet_too_large": N_("Lembar '%(sheet)s' lebih besar daripada tabel SOP mana pun."),
    "sop_table.not_csv": N_("Berkas ini bukan tabel teks (CSV)."),
    "sop_table.bad_csv": N_("CSV tidak dapat dibaca: %(detail)s"),
    "sop_table.bad_xlsx": N_("Berkas Excel tidak dapat dibaca: %(detail)s"),
    "sop_table.bad_docx": N_("Berkas Word tidak dapat dibaca: %(detail)s"),
    "sop_table.no_table": N_("Tidak ada tabel dengan kolom 'Uraian Prosedur': berkas memerlukan kolom No, Uraian "
                             "Prosedur, satu kolom per Pelaksana, dan Mutu Baku (Kelengkapan, Waktu, Output)."),
    "sop_table.no_lanes": N_("Tabel tidak memiliki kolom Pelaksana di antara Uraian Prosedur dan Mutu Baku."),
    "sop_table.no_steps": N_("Tabel tidak memiliki baris dengan Uraian Prosedur."),
    "sop_table.no_name": N_("'Nama SOP' tidak ditemukan di atas tabel: beri nama proses di modeler."),
    "sop_table.unused_lane": N_("Tidak ada langkah yang ditandai pada kolom Pelaksana '%(lane)s'."),
    "sop_table.bad_number": N_("'%(text)s' bukan nomor langkah; barisnya diberi nomor %(number)s."),
    "sop_table.duplicate_number": N_("Nomor langkah %(number)s muncul dua kali."),
    "sop_table.no_actor": N_("Langkah %(step)s tidak ditandai pada kolom Pelaksana mana pun; ditaruh di '%(lane)s'."),
    "sop_table.many_actors": N_("Langkah %(step)s ditandai pada beberapa Pelaksana (%(lanes)s); dikerjakan oleh "
                                "'%(lane)s', yang pertama."),
    "sop_table.bad_time": N_("Langkah %(step)s: '%(text)s' bukan waktu baku seperti '3 hari', '120 menit' atau '1 jam'."),
    "sop_table.decision_without_target": N_("Langkah %(step)s tampak sebagai keputusan tetapi tidak menyebut langkah "
                                            "tujuan kembali (tulis misalnya 'jika tidak, kembali ke langkah 2' pada "
                                            "Keterangan)."),
    "sop_table.bad_target": N_("Langkah %(step)s menuju langkah %(target)s, yang tidak ada dalam tabel."),
    "sop_table.self_target": N_("Langkah %(step)s kembali ke dirinya sendiri."),
}


def _say(code: str | None, params: dict[str, Any] | None, fallback: str) -> str:
    words = TEXTS.get(code or "")
    if words is None:
        return fallback
    try:
        return _(words, **(params or {}))
    except (KeyError, ValueError, TypeError):
        return fallback


def sop_table_text(what: AlurError | Problem) -> str:
    """A refusal or a problem of the import in the page's language (English words as they are
    for a code this table does not know)."""
    return _say(getattr(what, "code", None), getattr(what, "params", None), what.message)


def located(problem: Problem) -> str:
    """A problem with where it is: the table's row and column, or the diagram's element and line."""
    where = [_("baris %(n)d", n=problem.line) if problem.line else "", problem.field or "", problem.element or ""]
    where = [w for w in where if w and w != "file"]
    text = sop_table_text(problem)
    return f"{', '.join(where)}: {text}" if where else text


