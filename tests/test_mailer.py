"""The notification email as a reader sees it: built with the classic MIME classes, parsed back
with the modern policy a mail client uses."""
from __future__ import annotations

import email
import email.policy

from engine.mailer import build_message

TEXT = "Yth. Budi Santoso,\n\nLangkah menunggu Anda: Menyusun dokumen — kebutuhan\n\n" + "panjang " * 40 + "\n"
HTML = "<html><body>" + "<p>Kasus: Pembangunan SIMPEG — é</p>" * 30 + "</body></html>\n"


def _read(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_both_parts_headers_and_the_message_id_survive_a_round_trip():
    message = build_message(sender="Dinas Kominfo Kabupaten Sleman <alur@sleman.go.id>", to="budi@sleman.go.id",
                            subject="[alur] Langkah menunggu Anda: Menyusun dokumen — é", text=TEXT, html=HTML,
                            message_id="<0123abcd@alur>")
    raw = bytes(message)
    assert raw.isascii()  # quoted-printable bodies, encoded words in headers: any relay carries it
    read = _read(raw)
    assert str(read["Subject"]) == "[alur] Langkah menunggu Anda: Menyusun dokumen — é"
    assert read["From"].addresses[0].display_name == "Dinas Kominfo Kabupaten Sleman"
    assert read["From"].addresses[0].addr_spec == "alur@sleman.go.id"
    assert str(read["To"]) == "budi@sleman.go.id"
    assert read["Message-ID"] == "<0123abcd@alur>"
    assert read["Auto-Submitted"] == "auto-generated"
    assert read["Date"].datetime is not None
    assert read.get_body(preferencelist=("plain",)).get_content() == TEXT
    assert read.get_body(preferencelist=("html",)).get_content() == HTML
    assert b"Langkah menunggu Anda: Menyusun dokumen =E2=80=94 kebutuhan" in raw  # readable raw text


def test_a_line_break_in_a_title_never_becomes_a_header_of_its_own():
    message = build_message(sender="alur@sleman.go.id", to="budi@sleman.go.id",
                            subject="Kasus A\r\nBcc: someone@elsewhere.example", text="a", html="<p>a</p>",
                            message_id="<1@alur>")
    read = _read(bytes(message))
    assert read["Bcc"] is None
    assert str(read["Subject"]) == "Kasus A Bcc: someone@elsewhere.example"


def test_a_non_ascii_name_of_the_recipient_is_encoded():
    message = build_message(sender="alur@sleman.go.id", to="Sri Rahayu Ningsih é <sri@sleman.go.id>",
                            subject="x", text="a", html="<p>a</p>", message_id="<2@alur>")
    raw = bytes(message)
    assert raw.isascii()
    assert _read(raw)["To"].addresses[0].display_name == "Sri Rahayu Ningsih é"


def test_an_ascii_address_is_kept_as_given():
    message = build_message(sender="Dinas Kominfo <alur@sleman.go.id>", to="budi@sleman.go.id, sari@sleman.go.id",
                            subject="x", text="a", html="<p>a</p>", message_id="<3@alur>")
    read = _read(bytes(message))
    assert [a.addr_spec for a in read["To"].addresses] == ["budi@sleman.go.id", "sari@sleman.go.id"]
    assert read["From"].addresses[0].display_name == "Dinas Kominfo"
