"""The engine's messages in the page's language, by code.

:data:`TEXTS` holds each code of :data:`engine.messages.MESSAGES` as an Indonesian msgid (the
catalogue's source language; English in the .po) with the same named params. ``say`` words a
refusal, a problem or a :class:`~engine.messages.Message`; a param that is itself a message (a
reason inside a refusal) is said too, and a case's status word is said as the page says it.
An unknown code (a page's own sentence, already in the page's language) keeps its words.
The JSON API never calls this: it keeps the engine's English and sends the code.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from engine.durations import describe_duration
from engine.errors import AlurError, Problem
from engine.messages import Message
from engine.stored_messages import from_dict, is_stored, loaded

from .language import current_locale, gettext as _

#: A case's status (``Instance.status``) inside a sentence.
CASE_STATUS = {"running": _l("berjalan"), "suspended": _l("ditangguhkan"), "completed": _l("selesai"),
               "terminated": _l("dihentikan"), "withdrawn": _l("ditarik kembali"), "error": _l("mengalami galat")}

#: code → its Indonesian words (lazy msgids; the English is in the .po)
TEXTS = {
    # steps
    "task.not_found": _l("Langkah '%(id)s' tidak ditemukan."),
    "task.not_visible": _l("Anda tidak berhak melihat langkah ini."),
    "task.not_yours": _l("Anda tidak dapat mengerjakan langkah ini: %(why)s."),
    "task.lane_refusal": _l("Langkah ini dikerjakan oleh pelaksana '%(lane)s', dan Anda tidak memegang peran itu."),
    "task.appointed_refusal": _l("Yang ditunjuk untuk langkah ini adalah %(names)s."),
    "task.taken": _l("Langkah ini sudah diambil oleh %(user)s."),
    "task.release_not_yours": _l("Langkah ini diambil oleh %(user)s; hanya dia atau admin yang boleh melepaskannya."),
    "task.already_completed": _l("Langkah ini sudah selesai."),
    "task.already_cancelled": _l("Langkah ini sudah dibatalkan."),
    "task.already_state": _l("Langkah ini sudah tidak menunggu (%(state)s)."),
    "task.not_claimed": _l("Langkah ini tidak sedang diambil siapa pun."),
    "task.claimed_meanwhile": _l("Langkah ini baru saja diambil orang lain."),
    "task.changed_meanwhile": _l("Langkah ini sudah tidak menunggu; muat ulang halaman pengajuan."),
    "task.reassign_admins_only": _l("Hanya admin yang boleh mengalihkan langkah."),
    "task.bad_tab": _l("Tab harus salah satu dari: ready, mine, lanes, done."),
    "task.cannot_complete": _l("Langkah ini belum dapat diselesaikan."),
    "task.deliverable_missing": _l("Unggah dokumen keluaran \"%(o)s\" sebelum menyelesaikan langkah ini."),
    "attachment.not_found": _l("Lampiran %(id)s tidak ditemukan."),
    "attachment.not_on_step": _l("Lampiran %(id)s tidak ada pada langkah ini."),
    "file.missing": _l("Berkas itu tidak ditemukan di tempat penyimpanan."),
    # cases
    "instance.not_found": _l("Pengajuan %(id)s tidak ditemukan."),
    "instance.not_visible": _l("Anda tidak berhak melihat pengajuan ini."),
    "instance.not_running": _l("Pengajuan ini %(status)s; saat ini tidak ada yang dapat dikerjakan padanya."),
    "instance.start_no_role": _l("Anda tidak memegang satu pun peran dalam proses ini, jadi tidak dapat memulainya."),
    "instance.cannot_start": _l("Pengajuan tidak dapat dimulai dengan data ini."),
    "instance.start_form_unreadable": _l("Formulir awal tidak dapat dibaca: %(why)s."),
    "instance.bad_status": _l("Status harus salah satu dari: %(choices)s."),
    "instance.admins_only": _l("Hanya admin yang boleh menangguhkan, melanjutkan atau menghentikan pengajuan."),
    "instance.cannot_suspend": _l("Pengajuan yang %(status)s tidak dapat ditangguhkan."),
    "instance.cannot_resume": _l("Pengajuan yang %(status)s tidak dapat dilanjutkan."),
    "instance.cannot_terminate": _l("Pengajuan yang %(status)s tidak dapat dihentikan."),
    "instance.terminate_reason": _l("Tuliskan alasan penghentian."),
    "instance.changed_meanwhile": _l("Pengajuan ini baru saja diubah orang lain; muat ulang halaman lalu coba lagi."),
    "instance.busy": _l("Pengajuan ini sedang diubah orang lain; coba lagi."),
    "instance.done_meanwhile": _l("Hal itu baru saja dilakukan orang lain."),
    "instance.state_unreadable": _l("Keadaan tersimpan pengajuan %(id)s tidak dapat dibaca (%(why)s); admin dapat "
                                    "memeriksanya dengan 'alur check'."),
    "action.invalid": _l("Tindakan tidak sah."),
    "action.unknown": _l("Tindakan '%(action)s' tidak dikenal."),
    "title.invalid": _l("Judul tidak sah."),
    "withdraw.invalid": _l("Penarikan kembali tidak sah."),
    "withdraw.no_reason": _l("Tuliskan alasan penarikan kembali."),
    "withdraw.reason_too_long": _l("Alasan paling panjang %(n)d karakter."),
    "withdraw.not_submitter": _l("Hanya orang yang memulai pengajuan ini yang dapat menariknya kembali."),
    "withdraw.not_running": _l("Pengajuan yang sudah berakhir tidak dapat ditarik kembali."),
    "withdraw.others_acted": _l("%(who)s sudah menindaklanjuti pengajuan ini, sehingga tidak dapat ditarik "
                                "kembali lagi. Minta administrator untuk menghentikannya."),
    "withdraw.not_yours": _l("Pengajuan ini sudah berada di langkah orang lain, sehingga tidak dapat ditarik "
                             "kembali lagi. Minta administrator untuk menghentikannya."),
    # data and forms
    "data.invalid": _l("Data tidak sah."),
    "data.not_object": _l("Data harus berupa objek JSON."),
    "data.out_of_bounds": _l("Data tidak dapat diterima."),
    "data.too_many_values": _l("Data terlalu banyak: paling banyak %(n)s nilai seluruhnya."),
    "data.too_deep": _l("Bersarang terlalu dalam: paling banyak %(n)s tingkat."),
    "data.number_too_large": _l("Angkanya terlalu besar."),
    "data.not_finite": _l("Angka harus terhingga (NaN dan Infinity bukan angka)."),
    "data.text_too_long": _l("Teks terlalu panjang: paling banyak %(n)s karakter."),
    "data.list_too_long": _l("Daftar terlalu panjang: paling banyak %(n)s butir."),
    "data.too_many_fields": _l("Terlalu banyak isian: paling banyak %(n)s."),
    "data.key_not_text": _l("Nama isian harus berupa teks."),
    "data.key_length": _l("Nama isian harus 1 sampai %(n)s karakter."),
    "data.key_problem": _l("Nama isian: %(why)s."),
    "data.not_json": _l("Nilai bertipe %(type)s bukan data JSON."),
    "data.nul": _l("Teks tidak boleh memuat karakter NUL."),
    "data.surrogate": _l("Teks harus berupa Unicode yang sah."),
    "form.required": _l("Wajib diisi."),
    "form.schema": _l("Isian ini tidak sesuai dengan formulirnya: %(detail)s"),
    "form.empty": _l("Wajib diisi."),
    "form.not_date": _l("Isi dengan tanggal yang sah (hari-bulan-tahun)."),
    "form.bad_format": _l("Isian ini tidak sesuai format."),
    "form.not_choice": _l("Pilih salah satu pilihan yang tersedia."),
    "form.below_minimum": _l("Paling sedikit %(n)s."),
    "form.above_maximum": _l("Paling banyak %(n)s."),
    "form.not_integer": _l("Isi dengan bilangan bulat, misalnya 3."),
    "form.not_number": _l("Isi dengan angka, misalnya 2,5."),
    "form.not_unique": _l("Ada pilihan yang sama lebih dari sekali."),
    "form.bad_name": _l("'%(name)s' bukan nama berkas formulir (contohnya step01_x.json)."),
    "form.no_file": _l("Berkas formulir '%(name)s' tidak ada di %(folder)s."),
    "form.list_both": _l("Berkas formulir '%(name)s': isian '%(field)s' memakai x-item-id sekaligus x-items-from."),
    "form.list_prefix": _l("Berkas formulir '%(name)s': x-item-id isian '%(field)s' harus 1-10 huruf kapital atau angka, diawali huruf."),
    "form.list_items": _l("Berkas formulir '%(name)s': butir daftar '%(field)s' harus berupa objek dengan 'id' berupa teks."),
    # list fields
    "list.too_many": _l("Daftar ini berisi lebih dari %(n)s butir."),
    "list.no_id": _l("Setiap butir memerlukan nomor."),
    "list.duplicate": _l("Butir %(id)s tercantum lebih dari sekali."),
    "list.bad_id": _l("Nomor butir '%(id)s' seharusnya berbentuk seperti %(example)s."),
    "list.not_in_source": _l("Butir %(id)s tidak ada dalam daftar '%(list)s'."),
    "list.uncovered": _l("Butir %(id)s (%(label)s) belum memiliki '%(column)s'."),
    "form.excluded": _l("Pilihan ini tidak dapat dipakai bersama pilihan lain pada formulir ini."),
    "form.too_long": _l("Paling panjang %(n)s karakter."),
    "form.bad_schema": _l("Berkas formulir '%(name)s' bukan JSON Schema yang sah: %(why)s"),
    "user.inactive": _l("Pengguna '%(u)s' tidak ada atau tidak aktif."),
    "user.lacks_role": _l("'%(u)s' tidak memegang peran '%(r)s'."),
    # users, passwords, tokens, logins
    "user.not_found": _l("Pengguna '%(u)s' tidak ditemukan."),
    "user.invalid": _l("Data pengguna tidak sah."),
    "user.exists": _l("Pengguna '%(u)s' sudah ada."),
    "user.bad_name": _l("Gunakan huruf, angka, '.', '-' atau '_' (paling banyak 80 karakter)."),
    "user.short_password": _l("Kata sandi minimal 8 karakter."),
    "user.field_too_long": _l("Paling banyak %(n)s karakter."),
    "user.bad_nip": _l("NIP terdiri atas 18 angka."),
    "user.admins_only": _l("Hanya admin yang boleh mengelola pengguna."),
    "user.not_yourself": _l("Anda tidak dapat mencabut hak admin Anda sendiri atau menonaktifkan diri sendiri."),
    "password.invalid": _l("Kata sandi tidak sah."),
    "password.wrong": _l("Kata sandi sekarang salah."),
    "password.unchanged": _l("Kata sandi baru sama dengan yang sekarang."),
    "token.invalid": _l("Token tidak sah."),
    "token.bad_name": _l("Nama token harus 1 sampai 100 karakter teks."),
    "token.bad_days": _l("Masa berlaku token 1 sampai 3650 hari."),
    "token.not_found": _l("Token API %(id)s tidak ada."),
    "token.not_yours": _l("Anda hanya dapat mencabut token API Anda sendiri."),
    "token.create_not_yours": _l("Anda hanya dapat membuat token API untuk diri sendiri."),
    "login.not_yours": _l("Anda hanya dapat mengakhiri sesi masuk Anda sendiri."),
    "login.unlock_admins_only": _l("Hanya admin yang boleh membuka kunci akun."),
    "login.account_locked": _l("Akun ini dikunci setelah terlalu banyak percobaan masuk yang gagal, sampai %(until)s."),
    "login.address_locked": _l("Masuk dari alamat ini dikunci setelah terlalu banyak percobaan yang gagal, sampai "
                               "%(until)s."),
    # holidays, audit, periods
    "holiday.admins_only": _l("Hanya admin yang boleh mengelola hari libur."),
    "date.invalid": _l("Tanggal tidak sah."),
    "date.format": _l("Tulis tanggal sebagai TTTT-BB-HH, misalnya 2026-12-24."),
    "holiday.exists": _l("%(day)s sudah tercatat sebagai hari libur tambahan."),
    "holiday.not_found": _l("Hari libur %(id)s tidak ditemukan."),
    "audit.admins_only": _l("Hanya admin yang boleh membaca jejak audit."),
    "period.invalid": _l("Periode tidak sah."),
    "period.reversed": _l("Periode berakhir sebelum dimulai."),
    "filter.invalid": _l("Saringan tidak sah."),
    # attachments
    "attachment.invalid": _l("Lampiran tidak dapat diterima."),
    "file.no_name": _l("Berkas tidak bernama."),
    "file.has_path": _l("Nama berkas '%(name)s' memuat folder; kirim nama berkasnya saja."),
    "file.control_chars": _l("Nama berkas memuat karakter kontrol."),
    "file.name_too_long": _l("Nama berkas lebih dari 200 byte."),
    "file.bad_type": _l("Berkas berjenis '%(ext)s' tidak diterima; yang diterima: %(allowed)s."),
    "file.no_extension": _l("Nama berkas tidak berekstensi (misalnya .pdf, .docx)."),
    "file.empty": _l("Berkas itu kosong."),
    "file.too_large": _l("Berkas lebih besar dari %(n)s MB."),
    # processes and deploying
    "process.not_found": _l("Tidak ada proses '%(key)s'."),
    "definition.not_found": _l("Versi proses %(id)s tidak ditemukan."),
    "process.bad_role": _l("Peran bawaan tidak sah."),
    "process.role_too_long": _l("Peran bawaan paling panjang 200 karakter."),
    "process.another": _l("Proses lain."),
    "process.other_key": _l("Diagram ini berisi proses '%(found)s', bukan '%(expected)s'. Kembalikan id proses "
                            "menjadi '%(expected)s', atau unggah dari halaman Proses bila memang proses baru."),
    "process.exists_title": _l("Proses sudah ada."),
    "process.exists": _l("Sudah ada proses dengan kunci '%(key)s'. Ganti kunci proses, atau sunting proses itu dari "
                         "halamannya."),
    "template.owners_only": _l("Hanya admin dan Process Owner yang boleh mengganti templat dokumen."),
    "template.unknown_name": _l("Tidak ada langkah '%(key)s' yang memakai templat dokumen '%(name)s'."),
    "template.not_found": _l("Templat dokumen %(id)s tidak ditemukan."),
    # document templates
    "template.too_large_title": _l("Templat terlalu besar."),
    "template.too_large": _l("Templat berukuran %(n)s byte; paling besar %(max)s byte yang diterima."),
    "template.not_docx_title": _l("Bukan berkas DOCX."),
    "template.not_docx": _l("Berkas ini bukan dokumen Word (.docx)."),
    "template.invalid": _l("Templat tidak sah."),
    "template.bad_fields": _l("Isian templat tidak dapat dibaca: %(why)s"),
    "template.unreadable": _l("Dokumen Word tidak dapat dibaca: %(why)s"),
    "template.bad_name_title": _l("Nama templat tidak sah."),
    "template.bad_name": _l("Nama templat adalah nama berkas .docx."),
    "template.failed_title": _l("Templat dokumen gagal."),
    "template.failed": _l("Templat dokumen gagal diisi: %(why)s"),
    "template.missing": _l("Proses ini tidak memiliki templat dokumen '%(name)s'."),
    "template.missing_file": _l("Templat dokumen '%(name)s' tidak ditemukan di tempat penyimpanan."),
    "document.pdf_failed": _l("PDF '%(name)s' tidak dapat dibuat dari dokumen Word-nya. Unduh dokumen Word "
                              "(.docx) pada langkah yang sama, atau minta administrator memeriksa log."),
    "document.pdf_source_missing": _l("Dokumen Word yang menjadi sumber PDF '%(name)s' tidak ditemukan di tempat "
                                      "penyimpanan."),
    # the SOP sheet's fields
    "sop_sheet.invalid": _l("Isian lembar SOP tidak sah."),
    "sop_sheet.unknown_field": _l("Isian SOP '%(name)s' tidak dikenal."),
    "sop_sheet.too_long": _l("Paling banyak %(n)s karakter."),
    "sop_sheet.bad_date": _l("Tulis tanggal sebagai TTTT-BB-HH."),
    # the BPMN file
    "bpmn.invalid": _l("Berkas BPMN tidak sah."),
    "bpmn.not_xml": _l("Berkas BPMN tidak sah: XML-nya tidak tersusun dengan benar."),
    "bpmn.not_bpmn": _l("Berkas BPMN tidak sah: bukan berkas BPMN 2.0."),
    "bpmn.too_large_title": _l("Berkas BPMN terlalu besar."),
    "bpmn.too_large": _l("Berkas berukuran %(n)s byte; paling besar %(max)s byte yang diterima."),
    "bpmn.empty": _l("Berkas itu kosong."),
    "bpmn.xml_error": _l("Kesalahan XML: %(detail)s"),
    "bpmn.doctype": _l("Deklarasi DOCTYPE dan entitas tidak diperbolehkan."),
    "bpmn.entity": _l("Rujukan entitas tidak diperbolehkan."),
    "bpmn.bad_root": _l("Elemen akarnya '%(root)s'; seharusnya bpmn:definitions dalam namespace %(ns)s."),
    "bpmn.no_file": _l("Tidak ada berkas yang dikirim."),
    "bpmn.too_many_files": _l("Paling banyak %(n)s berkas dapat diterbitkan bersama."),
    "bpmn.only_dmn": _l("Kiriman ini tidak memuat berkas BPMN, hanya tabel keputusan."),
    "bpmn.unreadable": _l("Diagram tidak dapat dibaca (%(type)s: %(detail)s)."),
    "bpmn.spiff": _l("SpiffWorkflow menolak diagram ini: %(detail)s"),
    "bpmn.spiff_hint": _l("SpiffWorkflow menolak diagram ini (%(detail)s): %(hint)s."),
    "bpmn.not_compiled": _l("Diagram tidak dapat dikompilasi (%(type)s: %(detail)s)."),
    "bpmn.hint_task_type": _l("alur menjalankan user task, manual task, script task, business rule task, send task "
                              "dan receive task, call activity, subprocess, event, serta gateway exclusive, inclusive, "
                              "parallel dan event-based; gambar elemen ini sebagai salah satunya"),
    "bpmn.hint_no_start": _l("gambar start event di tempat proses dimulai"),
    "bpmn.hint_duplicate_process": _l("setiap proses dalam satu penerbitan memerlukan id sendiri"),
    "bpmn.hint_dmn_tables": _l("beri setiap keputusan DMN satu tabel keputusan"),
    "bpmn.hint_no_decisions": _l("berkas DMN memerlukan keputusan dengan tabel keputusan"),
    "bpmn.hint_message_ref": _l("pilih pesan yang dikirim atau ditunggu event ini (messageRef)"),
    "bpmn.dmn_cell": _l("Sel tabel keputusan '%(cell)s' bukan ekspresi sederhana: %(why)s."),
    "bpmn.no_called_process": _l("Tidak ada proses '%(name)s' untuk dipanggil."),
    "bpmn.bad_prefix": _l("sop.prefix '%(prefix)s' harus 1 sampai 10 huruf atau angka (misalnya PAE)."),
    "bpmn.not_executable": _l("Proses ditandai isExecutable=\"false\": isi isExecutable=\"true\" pada bpmn:process "
                              "'%(id)s' (Camunda Modeler: centang \"Executable\" pada properti proses)."),
    "bpmn.no_process": _l("Berkas ini tidak memuat proses dengan langkah untuk dijalankan: gambar start event, "
                          "langkah-langkahnya dan end event dalam satu pool."),
    "bpmn.no_process_id": _l("Proses tidak memiliki id."),
    "bpmn.process_id_too_long": _l("Id proses lebih dari 200 karakter."),
    "bpmn.placeholder_key": _l("Beri proses ini kuncinya sendiri (panel Proses), bukan '%(key)s'."),
    "bpmn.duplicate_id": _l("Id '%(id)s' dipakai lebih dari sekali."),
    "bpmn.reserved_id": _l("Id '%(id)s' sama dengan nama tugas internal SpiffWorkflow; ganti id itu (misalnya "
                           "'%(other)s')."),
    "bpmn.bad_flow_ref": _l("%(attr)s '%(ref)s' tidak menunjuk elemen alur (flow node) mana pun dalam proses ini."),
    "bpmn.no_decision_ref": _l("Business rule task ini tidak menyebut tabel keputusan: isi camunda:decisionRef (atau "
                               "spiffworkflow:calledDecisionId) dengan id keputusan DMN."),
    "bpmn.unknown_decision": _l("Tidak ada keputusan DMN '%(ref)s': terbitkan berkas .dmn-nya bersama diagram ini "
                                "(alur deploy diagram.bpmn table.dmn)."),
    "bpmn.no_called_element": _l("Call activity ini tidak menyebut proses yang dipanggil: isi calledElement dengan "
                                 "id proses."),
    "bpmn.bad_called_version": _l("camunda:calledElementVersion '%(version)s' bukan nomor versi."),
    "bpmn.unknown_called_process": _l("Tidak ada proses '%(name)s' dalam berkas ini atau di server ini: terbitkan "
                                      "proses itu dahulu, atau terbitkan kedua berkas bersama."),
    "bpmn.unknown_called_version": _l("Tidak ada proses '%(name)s' versi %(version)s dalam berkas ini atau di server "
                                      "ini: terbitkan proses itu dahulu, atau terbitkan kedua berkas bersama."),
    "bpmn.start_event_kind": _l("Start event dengan %(kind)s tidak didukung (ia akan langsung mulai, seperti start "
                                "biasa): tangkap error atau escalation dengan boundary event pada aktivitasnya."),
    "bpmn.start_leads_nowhere": _l("Start event tidak menuju ke mana pun: gambar alur darinya ke langkah pertama."),
    "bpmn.sop_form": _l("sop.form: %(why)s."),
    "bpmn.items_from_unknown": _l("Daftar '%(list)s' pada formulir langkah ini membaca x-items-from '%(source)s', tetapi tidak ada langkah dalam proses ini yang memiliki daftar bernama itu."),
    "bpmn.flow_needs_condition": _l("Alur yang keluar dari percabangan keputusan perlu syarat, atau harus menjadi "
                                    "alur bawaan gateway itu."),
    "bpmn.xpath_condition": _l("Syarat '%(source)s' ditulis dalam XPath, yang tidak dijalankan alur; tulis ekspresi "
                               "sederhana atas data pengajuan, misalnya: approved == True."),
    "bpmn.condition_language": _l("Syarat dalam bahasa '%(language)s' tidak didukung; tulis ekspresi sederhana, "
                                  "misalnya: approved == True."),
    "bpmn.juel_condition": _l("Syarat '%(source)s' ditulis dalam JUEL (Camunda 7); tulis tanpa ${…} sebagai ekspresi "
                              "sederhana: %(hint)s"),
    "bpmn.unsafe_condition": _l("Syarat '%(cond)s' tidak aman atau tidak sah: %(why)s."),
    "bpmn.timer_empty": _l("Timer dengan %(tag)s kosong: isi nilai ISO 8601 seperti PT1H, 2025-01-31T09:00 atau "
                           "R3/PT1H."),
    "bpmn.timer_juel": _l("Timer '%(source)s' ditulis dalam JUEL; isi nilai ISO 8601 seperti PT1H, atau ekspresi "
                          "sederhana."),
    "bpmn.timer_invalid": _l("Timer '%(source)s' tidak sah: %(why)s; isi nilai ISO 8601 seperti PT1H, "
                             "2025-01-31T09:00 atau R3/PT1H, atau timedelta(hours=1)."),
    "bpmn.timer_not_duration": _l("Timer '%(value)s' bukan durasi seperti PT1H atau P3D (ISO 8601), atau di luar "
                                  "jangkauan."),
    "bpmn.timer_not_date": _l("Timer '%(value)s' bukan tanggal seperti 2025-01-31T09:00 (ISO 8601), atau di luar "
                              "jangkauan."),
    "bpmn.timer_not_cycle": _l("Timer '%(value)s' bukan siklus seperti R3/PT1H (ISO 8601), atau di luar jangkauan."),
    "bpmn.timer_duration": _l("Timer: %(why)s."),
    "bpmn.timer_not_text": _l("Timer '%(source)s' bukan teks ISO 8601; tulis seperti 'PT1H'."),
    "bpmn.java_delegate": _l("camunda:%(attr)s=\"%(value)s\" memanggil kode Java, yang tidak dijalankan alur: "
                             "modelkan langkah ini sebagai user task (dikerjakan orang) atau script task berisi "
                             "penugasan sederhana."),
    "bpmn.external_worker": _l("Service task dengan external worker memerlukan worker yang tidak dimiliki alur: "
                               "modelkan langkah ini sebagai user task atau script task berisi penugasan sederhana."),
    "bpmn.service_task": _l("Service task memanggil sistem luar, yang tidak dilakukan alur: modelkan langkah ini "
                            "sebagai user task (dikerjakan orang) atau script task berisi penugasan sederhana."),
    "bpmn.listener": _l("camunda:%(name)s menjalankan kode Java atau skrip, yang tidak dijalankan alur: hapus "
                        "listener itu."),
    "bpmn.script_language": _l("Skrip dalam '%(language)s' tidak berjalan di alur; tulis penugasan sederhana, "
                               "misalnya: total = jumlah * harga."),
    "bpmn.script_resource": _l("Skrip dari sumber luar tidak berjalan di alur; tulis skripnya di dalam task sebagai "
                               "penugasan sederhana."),
    "bpmn.unsafe_script": _l("Skrip hanya boleh berisi penugasan atas ekspresi sederhana (total = jumlah * harga), "
                             "baris %(n)s skrip: %(why)s."),
    "bpmn.unsafe_pre_script": _l("preScript hanya boleh berisi penugasan atas ekspresi sederhana "
                                 "(total = jumlah * harga), baris %(n)s skrip: %(why)s."),
    "bpmn.unsafe_post_script": _l("postScript hanya boleh berisi penugasan atas ekspresi sederhana "
                                  "(total = jumlah * harga), baris %(n)s skrip: %(why)s."),
    "bpmn.unnamed_lane": _l("Lane pelaksana ini tidak bernama; namanya adalah peran yang mengerjakan tugas-tugasnya: "
                            "beri nama peran itu, misalnya 'Kepala Bidang'."),
    "bpmn.bad_lane_ref": _l("flowNodeRef '%(ref)s' tidak menunjuk elemen alur (flow node) mana pun."),
    "bpmn.bad_due_date": _l("camunda:dueDate '%(value)s' bukan durasi yang dapat dipakai alur; tulis durasi ISO 8601 "
                            "seperti P3D (waktu kerja sejak langkah siap), atau isi sop.duration."),
    "bpmn.bad_sop_duration": _l("sop.duration '%(value)s' bukan durasi ISO 8601 seperti P3D atau PT120M."),
    "bpmn.sop_duration": _l("sop.duration: %(why)s."),
    "bpmn.bad_sop_step": _l("sop.step '%(value)s' bukan bilangan bulat."),
    "bpmn.bad_sop_assignee": _l("sop.assignee '%(value)s' bukan nama variabel."),
    "bpmn.bad_assignment": _l("%(attr)s '%(value)s' adalah ekspresi yang tidak dapat dibaca alur; tulis nama peran "
                              "atau pengguna, atau satu variabel sebagai ${name} (Camunda 7) atau =name (Camunda 8)."),
    # qualifications
    "qualification.too_many": _l("%(name)s menyebut lebih dari %(n)s butir."),
    "qualification.too_long": _l("%(name)s: '%(item)s…' lebih dari %(n)s karakter."),
    # durations
    "duration.not_iso": _l("'%(value)s' bukan durasi ISO 8601 seperti P3D atau PT120M."),
    "duration.negative": _l("Durasi '%(value)s' negatif."),
    "duration.too_long": _l("Durasi '%(value)s' lebih panjang dari %(n)s hari yang diterima alur."),
    # expressions and scripts
    "expression.too_long": _l("Ekspresi lebih dari %(n)s karakter."),
    "expression.syntax": _l("Bukan ekspresi yang sah: %(why)s"),
    "expression.node": _l("'%(what)s' tidak diperbolehkan dalam ekspresi."),
    "expression.underscore": _l("Nama '%(name)s' tidak diperbolehkan (nama dengan garis bawah dilarang)."),
    "expression.bytes": _l("Literal bytes tidak diperbolehkan."),
    "expression.number_too_large": _l("Angkanya terlalu besar."),
    "expression.repeat": _l("Mengulang teks atau daftar dengan * tidak diperbolehkan."),
    "expression.functions": _l("Hanya fungsi-fungsi ini yang boleh dipanggil: %(names)s."),
    "expression.call_arguments": _l("Fungsi hanya boleh dipanggil dengan argumen posisi biasa."),
    "expression.value_too_large": _l("Ekspresi ini membentuk nilai lebih dari %(n)s butir."),
    "expression.result_too_large": _l("Ekspresi ini membentuk angka yang terlalu besar."),
    "expression.percent": _l("Pemformatan teks dengan '%%' tidak diperbolehkan."),
    "expression.list_expected": _l("%(function)s() membaca daftar butir, bukan %(kind)s."),
    "expression.too_many_items": _l("%(function)s() membaca paling banyak %(n)s butir."),
    "expression.count_arguments": _l("count() menerima sebuah daftar, nama kolom, dan paling banyak satu nilai."),
    "script.too_long": _l("Skrip lebih dari %(n)s karakter."),
    "script.syntax": _l("Tidak sah: %(why)s"),
    "script.too_many": _l("Lebih dari %(n)s pernyataan."),
    "script.not_assignment": _l("Hanya penugasan seperti 'total = jumlah * harga' yang diperbolehkan, bukan '%(what)s'."),
    "script.bad_target": _l("Tugaskan hanya ke nama variabel biasa (tanpa atribut, indeks atau tuple)."),
    # webhooks and notification settings
    "webhook.url_too_long": _l("Alamat paling panjang %(n)s karakter."),
    "webhook.bad_url": _l("Gunakan alamat http:// atau https://."),
    "webhook.no_events": _l("Pilih paling sedikit satu peristiwa."),
    "webhook.unknown_events": _l("Peristiwa tidak dikenal: %(events)s."),
    "webhook.invalid": _l("Webhook tidak sah."),
    "webhook.not_found": _l("Webhook %(id)s tidak ditemukan."),
    "webhook.admins_only": _l("Hanya admin yang boleh mengelola webhook dan pengiriman."),
    "notify.defaults_admins_only": _l("Hanya admin yang boleh mengatur bawaan kantor."),
    "notify.not_yours": _l("Anda hanya dapat mengubah pengaturan pemberitahuan Anda sendiri."),
    "notify.bad_channel": _l("Saluran harus salah satu dari: %(choices)s."),
    "notify.bad_mode": _l("Cara kirim harus salah satu dari: %(choices)s."),
    "notify.bad_hour": _l("Jam ringkasan adalah jam bulat dari 0 sampai 23."),
    "notify.invalid": _l("Pengaturan pemberitahuan tidak sah."),
    # messages to cases
    "message.owners_only": _l("Hanya admin dan Process Owner yang boleh mengirim pesan ke pengajuan."),
    "message.bad_name": _l("Nama pesan harus 1 sampai %(n)s karakter."),
    "message.bad_key": _l("correlation_key harus teks paling panjang 200 karakter."),
    "message.too_large": _l("Data lebih besar dari %(n)s byte."),
    "message.invalid": _l("Pesan tidak sah."),
    # backup and restore (command line)
    "backup.exists": _l("%(path)s sudah ada; sebutkan berkas baru."),
    "backup.unsupported_database": _l("Cadangan menangani basis data SQLite dan PostgreSQL, bukan %(database)s."),
    "backup.tool_missing": _l("%(tool)s tidak ada di PATH: pasang alat klien PostgreSQL (Debian/Ubuntu: "
                              "apt-get install postgresql-client) sesuai versi utama server."),
    "backup.tool_failed": _l("%(tool)s gagal: %(detail)s"),
    "backup.not_an_archive": _l("%(path)s bukan cadangan alur: %(reason)s"),
    "backup.target_not_empty": _l("Basis data atau folder berkas sudah berisi pengguna, pengajuan atau berkas; "
                                  "pulihkan di atasnya dengan --force."),
    "backup.wrong_database": _l("Cadangan ini dari basis data %(found)s, alur ini memakai %(database)s."),
    # retention
    "retention.admins_only": _l("Hanya admin yang boleh mengarsipkan pengajuan."),
    "retention.invalid": _l("Kebijakan arsip tidak sah."),
    "retention.bad_months": _l("Arsipkan setelah 1 sampai %(n)s bulan."),
    # acting officials and the case's discussion
    "delegation.invalid": _l("Perwakilan tidak sah."),
    "delegation.no_delegator": _l("Pengguna '%(u)s' tidak ditemukan."),
    "delegation.not_yours": _l("Anda hanya dapat menunjuk Plt/Plh untuk diri sendiri."),
    "delegation.no_delegate": _l("Tidak ada pengguna aktif dengan nama itu."),
    "delegation.self": _l("Seseorang tidak dapat mewakili dirinya sendiri."),
    "delegation.bad_kind": _l("Pilih Plt atau Plh."),
    "delegation.reason_too_long": _l("Alasan paling panjang %(n)d karakter."),
    "delegation.over": _l("Periode itu sudah lewat."),
    "delegation.reversed": _l("Periode berakhir sebelum dimulai."),
    "delegation.too_long": _l("Perwakilan paling lama %(n)s hari."),
    "delegation.too_far": _l("Perwakilan harus dimulai dalam %(n)s hari ke depan."),
    "delegation.overlap": _l("%(acting)s sudah mewakili %(official)s pada sebagian periode itu."),
    "delegation.not_found": _l("Perwakilan %(id)s tidak ditemukan."),
    "delegation.end_not_yours": _l("Hanya pejabat, Plt/Plh-nya, atau admin yang dapat mengakhiri perwakilan ini."),
    "delegation.ended": _l("Perwakilan ini sudah berakhir."),
    "comment.not_participant": _l("Diskusi pengajuan ini hanya untuk orang-orang yang terlibat di dalamnya."),
    "comment.invalid": _l("Komentar tidak sah."),
    "comment.empty": _l("Tuliskan komentar terlebih dahulu."),
    "comment.too_long": _l("Komentar paling panjang %(n)d karakter."),
    "comment.step_elsewhere": _l("Langkah itu bukan bagian dari pengajuan ini."),
    "comment.full": _l("Pengajuan ini sudah memuat %(n)s komentar."),
    # the JSON API's own checks
    "request.invalid": _l("Permintaan tidak sah."),
    "request.no_file_title": _l("Tidak ada berkas."),
    "request.no_file": _l("Kirim berkasnya sebagai isian multipart 'file'."),
    "request.json_too_large": _l("Isi JSON lebih besar dari %(n)s byte."),
    "request.upload_too_large": _l("Unggahan lebih besar dari %(n)s MB."),
    "request.process_key": _l("process_key wajib diisi."),
    "request.title_text": _l("title harus berupa teks."),
    "request.mine": _l("mine harus 1 atau 0."),
    "request.q_too_long": _l("q lebih dari %(n)s karakter."),
    "request.reason_text": _l("reason harus berupa teks."),
    "request.comment_text": _l("body (dan task_id) harus berupa teks."),
    "request.bad_time": _l("Tulis waktu dalam ISO 8601 beserta zona waktunya."),
    "request.delegation_text": _l("delegator, delegate, kind dan reason harus berupa teks."),
    "request.bad_state": _l("state harus salah satu dari: ready, completed, mine, lanes."),
    "deploy.owners_only": _l("Hanya admin dan Process Owner yang boleh menerbitkan proses."),
    # SOP table import
    "sop_table.owners_only": _l("Hanya admin dan Process Owner yang boleh mengimpor tabel SOP."),
    "sop_table.unreadable": _l("Tabel SOP tidak dapat dibaca."),
    "sop_table.too_large": _l("Berkas tabel SOP lebih dari %(limit_mb)s MB."),
    "sop_table.unpacked_too_large": _l("Isi berkas tabel SOP lebih dari %(limit_mb)s MB setelah dibuka."),
    "sop_table.empty": _l("Berkasnya kosong."),
    "sop_table.unknown_zip": _l("Berkas ini arsip ZIP, tetapi bukan berkas Excel (.xlsx) atau Word (.docx)."),
    "sop_table.legacy_office": _l("Berkas Excel/Word lama (.xls, .doc) tidak dapat dibaca: simpan sebagai .xlsx "
                                  "atau .docx."),
    "sop_table.pdf": _l("PDF tidak dapat dibaca sebagai tabel: unggah berkas Word atau Excel asalnya."),
    "sop_table.damaged": _l("Berkasnya rusak (bukan .xlsx atau .docx yang dapat dibaca)."),
    "sop_table.too_many_rows": _l("Tabelnya lebih dari %(limit)s baris."),
    "sop_table.too_many_columns": _l("Tabelnya lebih dari %(limit)s kolom."),
    "sop_table.sheet_too_large": _l("Lembar '%(sheet)s' lebih besar daripada tabel SOP mana pun."),
    "sop_table.not_csv": _l("Berkas ini bukan tabel teks (CSV)."),
    "sop_table.bad_csv": _l("CSV tidak dapat dibaca: %(detail)s"),
    "sop_table.bad_xlsx": _l("Berkas Excel tidak dapat dibaca: %(detail)s"),
    "sop_table.bad_docx": _l("Berkas Word tidak dapat dibaca: %(detail)s"),
    "sop_table.no_table": _l("Tidak ada tabel dengan kolom 'Uraian Prosedur': berkas memerlukan kolom No, Uraian "
                             "Prosedur, satu kolom per Pelaksana, dan Mutu Baku (Kelengkapan, Waktu, Output)."),
    "sop_table.no_lanes": _l("Tabel tidak memiliki kolom Pelaksana di antara Uraian Prosedur dan Mutu Baku."),
    "sop_table.no_steps": _l("Tabel tidak memiliki baris dengan Uraian Prosedur."),
    "sop_table.no_name": _l("'Nama SOP' tidak ditemukan di atas tabel: beri nama proses di modeler."),
    "sop_table.unused_lane": _l("Tidak ada langkah yang ditandai pada kolom Pelaksana '%(lane)s'."),
    "sop_table.bad_number": _l("'%(text)s' bukan nomor langkah; barisnya diberi nomor %(number)s."),
    "sop_table.duplicate_number": _l("Nomor langkah %(number)s muncul dua kali."),
    "sop_table.no_actor": _l("Langkah %(step)s tidak ditandai pada kolom Pelaksana mana pun; ditaruh di '%(lane)s'."),
    "sop_table.many_actors": _l("Langkah %(step)s ditandai pada beberapa Pelaksana (%(lanes)s); dikerjakan oleh "
                                "'%(lane)s', yang pertama."),
    "sop_table.bad_time": _l("Langkah %(step)s: '%(text)s' bukan waktu baku seperti '3 hari', '120 menit' atau "
                             "'1 jam'."),
    "sop_table.decision_without_target": _l("Langkah %(step)s tampak sebagai keputusan tetapi tidak menyebut langkah "
                                            "tujuan kembali (tulis misalnya 'jika tidak, kembali ke langkah 2' pada "
                                            "Keterangan)."),
    "sop_table.bad_target": _l("Langkah %(step)s menuju langkah %(target)s, yang tidak ada dalam tabel."),
    "sop_table.self_target": _l("Langkah %(step)s kembali ke dirinya sendiri."),
    # moving running cases to another version
    "migration.refused": _l("Kasus %(id)s tidak dapat dipindahkan ke versi %(version)s: %(reasons)s"),
    "migration.no_version": _l("Proses '%(key)s' tidak memiliki versi %(number)s."),
    "migration.invalid_version": _l("Versi tidak sah."),
    "migration.bad_to_version": _l("to_version harus berupa nomor versi."),
    "migration.not_later": _l("Kasus ini berjalan pada versi %(version)s; ia hanya dapat pindah ke versi yang lebih baru."),
    "migration.admins_only": _l("Hanya admin yang boleh memindahkan kasus ke versi lain."),
    "migration.owners_only": _l("Hanya admin dan Process Owner yang boleh melihat perpindahan kasus."),
    "migration.not_running": _l("Kasus ini %(status)s; hanya kasus yang berjalan yang dapat dipindahkan ke versi lain."),
    "migration.archived": _l("Kasus ini sudah diarsipkan."),
    "migration.waiting_step_removed": _l("Kasus menunggu di '%(name)s' (%(bpmn_id)s), yang tidak ada di versi %(version)s."),
    "migration.history_step_removed": _l("Riwayat terakhir kasus melewati '%(name)s' (%(bpmn_id)s), yang tidak ada di "
                                         "versi %(version)s."),
    "migration.subprocess_removed": _l("Kasus berada di dalam subproses '%(name)s', yang tidak ada di versi %(version)s."),
    "migration.gateway_data_missing": _l("'%(gateway)s' di versi %(version)s membaca '%(variable)s', yang tidak dimiliki "
                                         "kasus dan tidak diisi langkah mana pun sebelumnya."),
    "migration.state_unusable": _l("Kasus yang dipindahkan tidak dapat disimpan dan dibaca kembali: %(detail)s"),
    "migration.engine_error": _l("Kasus akan berhenti dengan galat di versi %(version)s: %(detail)s"),
    "migration.step_renamed": _l("Nama langkah %(step)s: '%(old)s' menjadi '%(new)s'."),
    "migration.step_duration": _l("Waktu baku langkah %(step)s: %(old)s → %(new)s."),
    "migration.step_lane": _l("Langkah %(step)s pindah dari '%(old)s' ke '%(new)s'."),
    "migration.step_form": _l("Langkah %(step)s memakai formulir lain (%(old)s → %(new)s)."),
    "migration.step_number": _l("Langkah '%(name)s' bernomor %(new)s, bukan %(old)s."),
    "migration.step_added": _l("Langkah %(step)s '%(name)s' ditambahkan di depan kasus ini."),
    "migration.step_removed": _l("Langkah %(step)s '%(name)s' tidak lagi ada di depan kasus ini."),
    "migration.no_change": _l("Tidak ada yang berubah pada langkah yang terbuka maupun yang akan datang."),
    "process.owners_check": _l("Hanya admin dan Process Owner yang boleh memeriksa dan membandingkan diagram."),
    "diff.step_renamed": _l("Nama langkah %(step)s: '%(old)s' menjadi '%(new)s'."),
    "diff.step_duration": _l("Waktu baku langkah %(step)s: %(old)s → %(new)s."),
    "diff.step_lane": _l("Langkah %(step)s pindah dari '%(old)s' ke '%(new)s'."),
    "diff.step_form": _l("Langkah %(step)s memakai formulir lain (%(old)s → %(new)s)."),
    "diff.step_number": _l("Langkah '%(name)s' bernomor %(new)s, bukan %(old)s."),
    "diff.step_output": _l("Output langkah %(step)s: '%(old)s' → '%(new)s'."),
    "diff.step_form_fields": _l("Formulir langkah %(step)s berubah."),
    "migration.step_form_fields": _l("Formulir langkah %(step)s berubah."),
    "form.in_diagram": _l("formulir di diagram"),
    "form.inline_too_large": _l("Formulir langkah '%(step)s' lebih besar dari %(n)s KB."),
    "form.inline_json": _l("Formulir langkah '%(step)s' bukan JSON: %(why)s"),
    "form.inline_not_object": _l("Formulir langkah '%(step)s' harus berupa JSON Schema bertipe object dengan properties."),
    "form.inline_schema": _l("Formulir langkah '%(step)s' bukan JSON Schema yang sah: %(why)s"),
    "bpmn.form_both": _l("Langkah ini menyebut berkas formulir (%(form)s) dan juga membawa formulirnya sendiri; pilih salah satu."),
    "diff.step_added": _l("Langkah %(step)s '%(name)s' ditambahkan."),
    "diff.step_removed": _l("Langkah %(step)s '%(name)s' dihapus."),
    "diff.lane_added": _l("Lane '%(name)s' ditambahkan."),
    "diff.lane_removed": _l("Lane '%(name)s' dihapus."),
    "diff.decision_changed": _l("Keputusan '%(name)s' berubah arah atau syaratnya."),
    "diff.decision_added": _l("Keputusan '%(name)s' ditambahkan."),
    "diff.decision_removed": _l("Keputusan '%(name)s' dihapus."),
    "diff.process_renamed": _l("Nama proses '%(old)s' menjadi '%(new)s'."),
    "diff.no_change": _l("Langkah, lane dan keputusannya sama dengan versi %(version)s."),
    # durations in words
    "duration_words.not_iso": _l("'%(text)s' bukan durasi seperti '3 hari', '120 menit' atau P3D."),
    "duration_words.bad_unit": _l("'%(unit)s' dalam '%(text)s' bukan satuan (hari, jam, menit, minggu, bulan)."),
    "duration_words.bad_number": _l("'%(number)s' dalam '%(text)s' bukan angka."),
    "duration_words.unknown": _l("'%(text)s' bukan durasi seperti '3 hari', '120 menit' atau '1 jam'."),
    "duration_words.months": _l("'%(text)s': tulis bulan sebagai bilangan bulat, atau waktunya dalam hari."),
    "duration_words.minutes": _l("'%(text)s': waktunya harus genap dalam menit."),
    "duration_words.too_long": _l("'%(text)s' lebih dari lima tahun."),
    "duration_words.zero": _l("'%(text)s' sama sekali bukan waktu."),
    # a case stopped while running; a notification not delivered (kept on the row by code)
    "engine.too_deep": _l("Aktivitas panggilan dan subproses bersarang lebih dari %(n)s tingkat di '%(name)s': "
                          "proses yang memanggil dirinya sendiri?"),
    "engine.step_budget": _l("Pengajuan menjalankan %(n)s langkah tanpa sampai pada langkah seseorang atau penantian "
                             "(terakhir: %(name)s); putaran tanpa tugas manusia, atau aktivitas panggilan yang "
                             "memanggil prosesnya sendiri?"),
    "engine.recursion": _l("Pengajuan bersarang terlalu dalam (aktivitas panggilan yang memanggil prosesnya sendiri?)."),
    "engine.stuck": _l("Pengajuan tidak dapat berlanjut: tidak ada yang siap atau menunggu dan tidak ada peristiwa "
                       "akhir yang tercapai (elemen tanpa alur keluar?)."),
    "engine.stuck_after": _l("Pengajuan tidak dapat berlanjut setelah '%(name)s': tidak ada yang siap atau menunggu "
                             "dan tidak ada peristiwa akhir yang tercapai (elemen tanpa alur keluar?)."),
    "engine.failed": _l("Mesin alur berhenti: %(detail)s"),
    "engine.failed_at": _l("Mesin alur berhenti di %(where)s: %(detail)s"),
    "delivery.no_address": _l("Orang itu tidak punya alamat surel atau sudah tidak aktif."),
    "delivery.webhook_disabled": _l("Webhook ini dinonaktifkan."),
    "delivery.webhook_disabled_because": _l("Webhook ini dinonaktifkan: %(why)s."),
    "delivery.webhook_stopped": _l("%(n)s pengiriman berturut-turut gagal; yang terakhir: %(last)s."),
    "delivery.http_status": _l("Penerima menjawab HTTP %(status)s."),
    "delivery.unreachable": _l("Penerima tidak dapat dihubungi: %(detail)s"),
    "delivery.failed": _l("Pengiriman gagal (%(type)s): %(detail)s"),
}

#: The web layer's own English that reaches a page: Flask-WTF's CSRF refusals, by their words.
LIBRARY_TEXTS = {
    "The CSRF token is missing.": _l("Token keamanan formulir tidak ada. Muat ulang halaman lalu kirim lagi."),
    "The CSRF session token is missing.": _l("Token keamanan formulir tidak ada. Muat ulang halaman lalu kirim lagi."),
    "The CSRF token has expired.": _l("Formulir ini sudah kedaluwarsa. Muat ulang halaman lalu kirim lagi."),
    "The CSRF token is invalid.": _l("Token keamanan formulir tidak cocok. Muat ulang halaman lalu kirim lagi."),
    "The CSRF tokens do not match.": _l("Token keamanan formulir tidak cocok. Muat ulang halaman lalu kirim lagi."),
}


def _clause(text: str) -> str:
    """A sentence as the second half of ``head: tail``: no full stop, a small first letter
    (an acronym such as ``BPMN`` keeps its capitals)."""
    text = text.rstrip()
    if text.endswith("."):
        text = text[:-1]
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        text = text[0].lower() + text[1:]
    return text


def _durations_in_language(params: dict[str, Any]) -> dict[str, Any]:
    """A standard time's change, each side worded in the page's language."""
    language = str(current_locale() or "id")
    return {**params, "old": describe_duration(params.get("old_iso"), language) or "–",
            "new": describe_duration(params.get("new_iso"), language) or "–"}


#: Codes whose params the page words itself before saying them.
ADJUST = {"migration.step_duration": _durations_in_language, "diff.step_duration": _durations_in_language}


def _param(name: str, value: Any) -> Any:
    if isinstance(value, Message):
        return _clause(say_message(value))
    if name == "status" and value in CASE_STATUS:
        return str(CASE_STATUS[value])
    return value


def say_message(message: Message) -> str:
    """One message in the page's language; an unknown code keeps its own words."""
    words = TEXTS.get(message.code)
    if words is None:
        return str(message)
    params = {name: _param(name, value) for name, value in message.params.items()}
    if message.code in ADJUST:
        params = ADJUST[message.code](params)
    text = str(words)
    try:
        return text % params if "%(" in text else text.replace("%%", "%")
    except (KeyError, ValueError, TypeError):
        return str(message)


def say(what: AlurError | Problem | Message | str | None) -> str:
    """A refusal, a problem or a message in the page's language. Plain text (a page's own
    sentence, or a library's) is said as it is, or in the page's language where it is known."""
    if what is None or what == "":
        return what or ""
    if isinstance(what, (AlurError, Problem)):
        return say_message(what.said)
    if isinstance(what, Message):
        return say_message(what)
    if is_stored(what):  # a case's error or a delivery's, kept by code
        return say_message(loaded(what))
    known = LIBRARY_TEXTS.get(str(what))
    return str(known) if known is not None else str(what)


def said_detail(details: dict[str, Any] | None, name: str = "message") -> str:
    """An audit event's message in the page's language: by the code recorded beside it
    (engine/audit.py), else its words as they are."""
    details = details or {}
    code = details.get(f"{name}_code")
    if isinstance(code, str):
        return say_message(from_dict({"code": code, "params": details.get(f"{name}_params") or {},
                                      "message": details.get(name) or ""}))
    return say(details.get(name))


def problem_text(problem: Problem) -> str:
    """A problem's message in the page's language (where it is, field or element and line, aside)."""
    return say(problem)


def located(problem: Problem) -> str:
    """A problem with where it is: the table's row and column, or the diagram's element and line."""
    where = [_("baris %(n)d", n=problem.line) if problem.line else "", problem.field or "", problem.element or ""]
    where = [w for w in where if w and w != "file"]
    text = say(problem)
    return f"{', '.join(where)}: {text}" if where else text
