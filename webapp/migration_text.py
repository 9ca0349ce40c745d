"""What moving a case to another version, or comparing a diagram with the deployed version, says
in the page's language, by code (:mod:`engine.migration_messages` holds the English words of each code)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import get_locale

from engine.durations import describe_duration
from engine.migration_messages import Note

from .engine_text import CASE_STATUS


def N_(msgid: str) -> str:
    """Mark a msgid for the catalog; it is translated when said."""
    return msgid


#: code → its Indonesian words (msgids; English in the catalog)
TEXTS: dict[str, str] = {
    "migration.not_running": N_("Kasus ini %(status)s; hanya kasus yang berjalan yang dapat dipindahkan ke versi lain."),
    "migration.archived": N_("Kasus ini sudah diarsipkan."),
    "migration.waiting_step_removed": N_("Kasus menunggu di '%(name)s' (%(bpmn_id)s), yang tidak ada di versi %(version)s."),
    "migration.history_step_removed": N_("Riwayat terakhir kasus melewati '%(name)s' (%(bpmn_id)s), yang tidak ada di "
                                         "versi %(version)s."),
    "migration.subprocess_removed": N_("Kasus berada di dalam subproses '%(name)s', yang tidak ada di versi %(version)s."),
    "migration.gateway_data_missing": N_("'%(gateway)s' di versi %(version)s membaca '%(variable)s', yang tidak dimiliki "
                                         "kasus dan tidak diisi langkah mana pun sebelumnya."),
    "migration.state_unusable": N_("Kasus yang dipindahkan tidak dapat disimpan dan dibaca kembali: %(detail)s"),
    "migration.engine_error": N_("Kasus akan berhenti dengan galat di versi %(version)s: %(detail)s"),
    "migration.step_renamed": N_("Nama langkah %(step)s: '%(old)s' menjadi '%(new)s'."),
    "migration.step_duration": N_("Waktu baku langkah %(step)s: %(old)s → %(new)s."),
    "migration.step_lane": N_("Langkah %(step)s pindah dari '%(old)s' ke '%(new)s'."),
    "migration.step_form": N_("Langkah %(step)s memakai formulir lain (%(old)s → %(new)s)."),
    "migration.step_number": N_("Langkah '%(name)s' bernomor %(new)s, bukan %(old)s."),
    "migration.step_added": N_("Langkah %(step)s '%(name)s' ditambahkan di depan kasus ini."),
    "migration.step_removed": N_("Langkah %(step)s '%(name)s' tidak lagi ada di depan kasus ini."),
    "migration.no_change": N_("Tidak ada yang berubah pada langkah yang terbuka maupun yang akan datang."),
    "diff.step_output": N_("Output langkah %(step)s: '%(old)s' → '%(new)s'."),
    "diff.step_added": N_("Langkah %(step)s '%(name)s' ditambahkan."),
    "diff.step_removed": N_("Langkah %(step)s '%(name)s' dihapus."),
    "diff.lane_added": N_("Lane '%(name)s' ditambahkan."),
    "diff.lane_removed": N_("Lane '%(name)s' dihapus."),
    "diff.decision_changed": N_("Keputusan '%(name)s' berubah arah atau syaratnya."),
    "diff.decision_added": N_("Keputusan '%(name)s' ditambahkan."),
    "diff.decision_removed": N_("Keputusan '%(name)s' dihapus."),
    "diff.process_renamed": N_("Nama proses '%(old)s' menjadi '%(new)s'."),
    "diff.no_change": N_("Langkah, lane dan keputusannya sama dengan versi %(version)s."),
}
# a step's own changes read the same whether a case moves or a diagram is compared
for _what in ("step_renamed", "step_duration", "step_lane", "step_form", "step_number"):
    TEXTS[f"diff.{_what}"] = TEXTS[f"migration.{_what}"]


def migration_text(note: Note) -> str:
    """One reason or change in the page's language (its English words for a code not known here)."""
    words = TEXTS.get(note.code)
    if words is None:
        return note.message
    params = dict(note.params)
    if note.code.endswith(".step_duration"):
        language = str(get_locale() or "id")
        params["old"] = describe_duration(params.get("old_iso"), language) or "–"
        params["new"] = describe_duration(params.get("new_iso"), language) or "–"
    if note.code == "migration.not_running":
        params["status"] = str(CASE_STATUS.get(params.get("status", ""), params.get("status", "")))
    try:
        return _(words, **params)
    except (KeyError, ValueError, TypeError):
        return note.message
