"""Posting an event to another office system: JSON, signed with HMAC-SHA256 of the body."""
from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from .messages import Coded, Message

TIMEOUT_SECONDS = 10
MAX_URL = 2000


class WebhookFailed(Coded, Exception):
    """The receiver did not take the event (an error status, no answer, a refused address)."""


def check_url(url: str) -> Message | None:
    """Why ``url`` cannot be a webhook address, or None."""
    if len(url) > MAX_URL:
        return Message("webhook.url_too_long", n=MAX_URL)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Message("webhook.bad_url")
    return None


def signature(secret: str, body: bytes) -> str:
    """The ``X-Alur-Signature`` header: ``sha256=`` + hex HMAC-SHA256 of the body with the secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # a redirect is an answer, not a hop
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(url: str, secret: str, event: str, delivery: str, document: dict[str, Any]) -> int:
    """POST ``document``; returns the HTTP status of a 2xx answer, raises :class:`WebhookFailed`."""
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "alur-webhook/1",
        "X-Alur-Event": event, "X-Alur-Delivery": delivery, "X-Alur-Signature": signature(secret, body)})
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as answer:
            answer.read(65536)
            status = answer.status
    except urllib.error.HTTPError as exc:
        raise WebhookFailed("delivery.http_status", status=exc.code) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise WebhookFailed("delivery.unreachable", detail=str(getattr(exc, "reason", exc))[:300]) from None
    if not 200 <= status < 300:
        raise WebhookFailed("delivery.http_status", status=status)
    return status
