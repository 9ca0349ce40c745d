"""Sending email: SMTP from a URL (``smtp://``, ``smtps://``, ``smtp+starttls://``, user and
password in the URL), or .eml files in a folder where no SMTP server is set (``make run``)."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}
TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None

    def __str__(self) -> str:  # never the password
        return f"{self.scheme}://{self.username + '@' if self.username else ''}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://[user:pass@]host[:port]`` and its ``smtps`` / ``smtp+starttls`` kin; a clear
    ValueError for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme not in SCHEMES:
        raise ValueError(f"ALUR_SMTP_URL must start with smtp://, smtps:// or smtp+starttls:// (got '{parts.scheme}://')")
    if not parts.hostname:
        raise ValueError("ALUR_SMTP_URL names no host, e.g. smtp://mail.example.go.id:25")
    try:
        port = parts.port or SCHEMES[parts.scheme]
    except ValueError:
        raise ValueError("ALUR_SMTP_URL has a port that is not a number between 1 and 65535") from None
    return SmtpServer(parts.scheme, parts.hostname, port, unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None)


#: UTF-8 in quoted-printable, headers and bodies: a notification is mostly ASCII Indonesian or
#: English, which stays readable in the raw message (base64 would hide every line).
_UTF8 = Charset("utf-8")
_UTF8.header_encoding = _UTF8.body_encoding = QP


def _one_line(value: str) -> str:
    """A header value on one line: a case title or step name never carries a line break into a
    header (the mail library would refuse the message, and the recipient would never hear)."""
    return " ".join(value.split())


def _header(value: str) -> str | Header:
    value = _one_line(value)
    return value if value.isascii() else Header(value, _UTF8)


def _address(value: str) -> str:
    """An address as given; a display name outside ASCII as an encoded word (the address itself
    must be ASCII for SMTP without SMTPUTF8 either way)."""
    value = _one_line(value)
    if value.isascii():
        return value
    name, address = parseaddr(value)
    return formataddr((name, address), charset=_UTF8) if name else value


def build_message(*, sender: str, to: str, subject: str, text: str, html: str, message_id: str) -> Message:
    """A plain-text and HTML alternative, built with the standard library's classic MIME classes:
    the same message the modern ``EmailMessage`` API gives any reader, at a third of the CPU (its
    header registry parses and refolds every header it is given; a worker sends a mail per person
    per step, bench/throughput.py)."""
    message = MIMEMultipart("alternative")
    message["From"] = _address(sender)
    message["To"] = _address(to)
    message["Subject"] = _header(subject)
    message["Date"] = formatdate(localtime=False)
    # The same notification always carries the same Message-ID: a receiver can tell a resend.
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.attach(MIMEText(text, "plain", _UTF8))
    message.attach(MIMEText(html, "html", _UTF8))
    return message


class Mailer:
    """Keeps one SMTP connection open for a batch of messages; :meth:`close` ends it."""

    def __init__(self, smtp_url: str, mail_dir: Path) -> None:
        self.server = parse_smtp_url(smtp_url) if smtp_url else None
        self.mail_dir = mail_dir
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: Message) -> None:
        if self.server is None:
            self._write_file(message)
            return
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            self._smtp.send_message(message)
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPSenderRefused, OSError):
            self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        server = self.server
        context = ssl.create_default_context()
        if server.scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_SECONDS, context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS)
            if server.scheme == "smtp+starttls":
                smtp.starttls(context=context)
        if server.username:
            smtp.login(server.username, server.password or "")
        return smtp

    def _write_file(self, message: Message) -> None:
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").split("@")[0]
        path = self.mail_dir / f"{name}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(bytes(message))
        temporary.replace(path)

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None
