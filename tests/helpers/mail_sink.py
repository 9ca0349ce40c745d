"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1) and a local webhook receiver."""
from __future__ import annotations

import asyncio
import email
import email.policy
import http.server
import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"]).strip()

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    def part(self, kind: str) -> str:
        return self.message.get_body(preferencelist=(kind,)).get_content()


@dataclass
class MailSink:
    """Records every message the server accepted. ``delay`` holds the final reply of the next
    message that long: a client killed meanwhile never hears "250", and the message is dropped,
    as RFC 5321 servers do when the connection closes before the reply was sent."""

    messages: list[Received] = field(default_factory=list)
    delay: float = 0.0
    started: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            delay, self.delay = self.delay, 0.0
            self.started.set()
            await asyncio.sleep(delay)
            if server.transport is None or server.transport.is_closing():
                return "421 connection lost"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(Received(list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.to]


def start_smtp() -> tuple[Controller, MailSink]:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, sink


class WebhookReceiver(http.server.ThreadingHTTPServer):
    """Answers the statuses in ``answers`` in turn (then 200) and keeps what it was sent."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = list(answers)
        self.received: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.received.append({"status": status, "headers": dict(self.headers), "body": body})
                self.send_response(status)
                self.end_headers()
                self.wfile.write(json.dumps({"ok": status == 200}).encode())

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
