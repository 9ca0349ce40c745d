"""Pengajuan: every person's own cases (Pengajuan saya) and a search across the cases they may
see; withdrawing one's own case; the discussion thread of a case."""
from __future__ import annotations

import re
from math import ceil

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from markupsafe import Markup, escape

from engine.errors import Conflict, Invalid, NotAllowed
from engine.messages import Message
from engine.models import CaseComment, utcnow
from engine.ops_people import MENTION

from .language import gettext as _
from .message_text import problem_text, say
from .services import service
from .page_helpers import me, safe_next

bp = Blueprint("cases", __name__, url_prefix="/cases")
PER_PAGE = 25
MAX_PAGE = 100_000
MAX_QUERY = 200
SCOPES = ("mine", "all")


@bp.before_request
@login_required
def _logged_in() -> None:
    """Every page here needs a logged-in user (anonymous → the login page)."""


@bp.app_template_filter("case_name")
def case_name(instance) -> str:
    """How a case is named everywhere: its registration number, then its title."""
    return f"{instance.number} · {instance.title}" if getattr(instance, "number", None) else instance.title


@bp.app_template_filter("comment_html")
def comment_html(comment: CaseComment) -> Markup:
    """A comment's plain text as HTML: escaped, line breaks kept, each ``@username`` it names
    marked as a mention."""
    known = set(comment.mentions or [])

    def mark(m: re.Match) -> str:
        name = m.group(1).rstrip(".-")
        if name not in known:
            return m.group(0)
        return f'<strong class="mention">@{name}</strong>' + m.group(1)[len(name):]

    text = str(escape(comment.body))
    return Markup(MENTION.sub(mark, text).replace("\n", "<br>\n"))


@bp.get("/")
def index():
    """Pengajuan saya (``scope=mine``, the default): cases one started or took part in; ``scope=all``:
    every case one may see. ``q`` searches number, title and answers."""
    user, svc, args = me(), service(), request.args
    scope = args.get("scope") if args.get("scope") in SCOPES else "mine"
    q = (args.get("q") or "").strip()[:MAX_QUERY]
    page = min(max(args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    rows, total = svc.list_instances(user, mine=scope == "mine", q=q or None, limit=PER_PAGE,
                                     offset=(page - 1) * PER_PAGE)
    current = svc.current_tasks(i.id for i in rows)
    people = svc.full_names([i.started_by for i in rows]
                                  + [t.claimed_by for ts in current.values() for t in ts])
    query = {k: v for k, v in {"scope": scope if scope != "mine" else "", "q": q}.items() if v}
    from .instances import status_labels

    return render_template("cases/index.html", rows=rows, total=total, current=current, people=people,
                           status_labels=status_labels(),
                           scope=scope, q=q, page=page, query=query,
                           pages=max(ceil(total.value / PER_PAGE), 1) if total.exact else page + 1,
                           now=utcnow())


@bp.post("/<int:instance_id>/withdraw")
def withdraw(instance_id: int):
    """The submitter withdraws their case, with a reason."""
    svc, user = service(), me()
    reason = request.form.get("reason", "")
    try:
        svc.withdraw(instance_id, user, reason)
    except Invalid as exc:
        from .instances import render_detail

        errors = {"withdraw-reason": problem_text(p) for p in exc.problems}
        return render_detail(svc, svc.visible_instance(instance_id, user), errors, 422)
    except Conflict as exc:
        flash(say(exc), "error")
        return redirect(url_for("instances.detail", instance_id=instance_id))
    except NotAllowed as exc:  # the page says it in its language; the API keeps the engine's words
        raise NotAllowed(say(exc), api_code=exc.api_code) from None
    flash(_("Pengajuan ditarik kembali."), "success")
    return redirect(url_for("instances.detail", instance_id=instance_id))


def withdrawal_refusal_text(refused: Message) -> str:
    """Why a withdrawal is refused (:meth:`engine.service.Service.withdrawal_refusal`), in the page's language."""
    return say(refused)


@bp.post("/<int:instance_id>/comments")
def comment(instance_id: int):
    """Write in the case's thread; back to the page it was written on (the case's or a step's)."""
    svc, user = service(), me()
    task_id = request.form.get("task_id") or None
    back = safe_next(request.form.get("next")) or url_for("instances.detail", instance_id=instance_id)
    try:
        svc.add_comment(instance_id, user, request.form.get("body", ""), task_id)
    except Invalid as exc:
        flash(" ".join(say(p) for p in exc.problems) or say(exc), "error")
        return redirect(back + "#diskusi")
    except Conflict:
        flash(_("Diskusi pengajuan ini sudah penuh."), "error")
        return redirect(back + "#diskusi")
    except NotAllowed as exc:
        raise NotAllowed(say(exc), api_code=exc.api_code) from None
    flash(_("Komentar ditambahkan."), "success")
    return redirect(back + "#diskusi")
