"""Notifications in words: the headline of each event, and the email (text and HTML) in the
recipient's language with links to the step or case (``ALUR_BASE_URL``)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from engine.models import User
from engine.notification_models import Notification

from .i18n import format_moment
from .language import gettext as _, ngettext


def _moment(value: str | None) -> str | None:
    return format_moment(datetime.fromisoformat(value)) if value else None


def headline(n: Notification) -> str:
    """One line that says what happened, in the current language."""
    p = n.payload or {}
    task, case, by = p.get("task_name") or "", p.get("case_title") or "", p.get("by") or ""
    words = {
        "step_ready": lambda: _("Langkah menunggu Anda: %(task)s", task=task),
        "sent_back": lambda: _("Dikembalikan untuk diperbaiki: %(task)s", task=task),
        "claimed": lambda: _("%(by)s mengambil langkah %(task)s", by=by, task=task),
        "reassigned": lambda: (_("Langkah dialihkan kepada Anda: %(task)s", task=task) if p.get("yours")
                               else _("Langkah %(task)s dialihkan kepada %(to)s", task=task, to=p.get("to") or "")),
        "near_due": lambda: _("Mendekati batas waktu: %(task)s", task=task),
        "overdue": lambda: _("Melewati batas waktu: %(task)s", task=task),
        "escalated": lambda: _("Eskalasi: %(task)s melewati batas waktu", task=task),
        "case_completed": lambda: _("Pengajuan Anda selesai: %(case)s", case=case),
        "case_withdrawn": lambda: _("Pengajuan ditarik: %(case)s", case=case),
        "case_terminated": lambda: _("Pengajuan dihentikan: %(case)s", case=case),
        "mention": lambda: _("%(by)s menyebut Anda di %(case)s", by=by, case=case),
        "digest": lambda: ngettext("Ringkasan harian: %(num)d langkah menunggu Anda",
                                   "Ringkasan harian: %(num)d langkah menunggu Anda", p.get("count") or 0),
    }
    return words.get(n.event, lambda: n.event)()


def facts(n: Notification) -> list[tuple[str, str]]:
    """Label and value lines under the headline (case, step, due time, note …)."""
    p = n.payload or {}
    lines: list[tuple[str, str]] = []
    if p.get("case_title"):
        lines.append((_("Kasus"), f"{p['case_title']} (#{p.get('case_id')})"))
    if p.get("process"):
        lines.append((_("Proses"), p["process"]))
    if p.get("task_name"):
        step = f"{p['step']}. " if p.get("step") else ""
        lines.append((_("Langkah"), step + p["task_name"]))
    if p.get("due_at") and n.event not in ("case_completed", "case_withdrawn", "case_terminated"):
        lines.append((_("Batas waktu"), _moment(p["due_at"]) or ""))
    if n.event == "sent_back" and p.get("from_name"):
        lines.append((_("Dikembalikan dari"), p["from_name"] + (f" ({p['by']})" if p.get("by") else "")))
    if p.get("note"):
        lines.append((_("Catatan peninjau"), p["note"]))
    if p.get("escalated_to"):
        lines.append((_("Diteruskan kepada"), p["escalated_to"]))
    if p.get("reason"):
        lines.append((_("Alasan"), p["reason"]))
    return lines


def link(n: Notification) -> str:
    base = current_app.extensions["alur_engine_config"].base_url.rstrip("/")
    p = n.payload or {}
    if n.task_id and n.event not in ("case_completed", "case_withdrawn", "case_terminated"):
        return f"{base}/tasks/{n.task_id}"
    if n.instance_id:
        return f"{base}/instances/{n.instance_id}"
    return f"{base}/inbox" if n.event == "digest" or not p else f"{base}/notifications"


def render_email(n: Notification, user: User) -> tuple[str, str, str]:
    """Subject, plain text and HTML of an email notification, in ``user``'s language."""
    languages = current_app.config.get("LANGUAGES", ["id", "en"])
    with force_locale(user.language if user.language in languages else "id"):
        base = current_app.extensions["alur_engine_config"].base_url.rstrip("/")
        title, lines, url = headline(n), facts(n), link(n)
        steps = _digest_steps(n) if n.event == "digest" else []
        settings_url = f"{base}/notifications/settings"
        greeting = _("Yth. %(name)s,", name=user.full_name or user.username)
        open_label = _("Buka di alur") if n.event != "digest" else _("Buka Kotak Masuk")
        why = _("Anda menerima email ini dari alur. Atur pemberitahuan Anda di %(url)s", url=settings_url)
        text = [greeting, "", title, ""]
        text += [f"{label}: {value}" for label, value in lines]
        for step in steps:
            text.append(f"- {step['label']} — {step['case']} ({step['due']}) {step['url']}")
        text += ["", f"{open_label}: {url}", "", "-- ", why]
        html = render_template("mail/notification.html", title=title, greeting=greeting, lines=lines, url=url,
                               open_label=open_label, steps=steps, why=why, settings_url=settings_url,
                               lang=user.language if user.language in languages else "id")
    return f"[alur] {title}", "\n".join(text) + "\n", html


def _digest_steps(n: Notification) -> list[dict[str, Any]]:
    base = current_app.extensions["alur_engine_config"].base_url.rstrip("/")
    result = []
    for s in (n.payload or {}).get("steps", []):
        label = (f"{s['step']}. " if s.get("step") else "") + (s.get("task_name") or "")
        due = _moment(s.get("due_at")) or "—"
        if s.get("overdue"):
            due = _("lewat batas %(due)s", due=due)
        result.append({"label": label, "case": s.get("case_title") or "", "due": due, "overdue": s.get("overdue"),
                       "url": f"{base}/tasks/{s['task_id']}"})
    return result


def event_labels() -> dict[str, str]:
    """What each event is called on the pages (webhook subscriptions, lists)."""
    return {"step_ready": _("Langkah siap dikerjakan"), "sent_back": _("Langkah dikembalikan"),
            "claimed": _("Langkah diambil orang lain"), "reassigned": _("Langkah dialihkan"),
            "near_due": _("Mendekati batas waktu"), "overdue": _("Melewati batas waktu"),
            "escalated": _("Eskalasi"), "case_completed": _("Kasus selesai"), "case_withdrawn": _("Kasus ditarik"),
            "case_terminated": _("Kasus dihentikan"), "mention": _("Disebut dalam komentar"),
            "digest": _("Ringkasan harian")}


def mode_labels() -> dict[str, str]:
    return {"immediate": _("Segera"), "digest": _("Ringkasan harian"), "off": _("Mati")}
