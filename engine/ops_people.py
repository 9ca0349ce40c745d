"""People around a case: acting officials (Plt/Plh) and the case's discussion thread."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select

from . import access, audit, outbox
from .errors import Conflict, Invalid, NotAllowed, NotFound, Problem
from .models import CaseComment, Delegation, Instance, TaskRecord, User, utcnow
from .case_lookups import CaseLookups
from .unit_of_work import rolls_back_on_refusal, valid_id as _valid_id

#: Plt (Pelaksana Tugas: a vacant post) and Plh (Pelaksana Harian: the official is away).
DELEGATION_KINDS = ("plt", "plh")
#: The longest period one delegation may cover.
MAX_DELEGATION_DAYS = 366
MAX_DELEGATION_REASON = 500
#: A comment's length, and how many a case may hold.
MAX_COMMENT = 2000
MAX_COMMENTS_PER_CASE = 1000
#: A case's thread (built once, as the case page's other statements: docs/benchmarks.md).
_THREAD = (select(CaseComment).where(CaseComment.instance_id == bindparam("instance_id"))
           .order_by(CaseComment.id).limit(MAX_COMMENTS_PER_CASE))
#: ``@username`` inside a comment (the characters a username may have).
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9_.\-]{0,79})")


def _plain_text(text: str) -> str:
    """Text as a person typed it: no control characters but line breaks and tabs, no surrogates,
    Windows line ends made plain."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs", "Co"))


def mentioned_usernames(body: str) -> list[str]:
    """The ``@username`` words of a text, in order, each once (a trailing full stop is punctuation)."""
    return list(dict.fromkeys(m.rstrip(".-") for m in MENTION.findall(body)))


class PeopleOperations(CaseLookups):
    # ---- acting officials (Plt/Plh) ------------------------------------------------------
    @rolls_back_on_refusal
    def create_delegation(self, actor: User, delegator: str, delegate: str, starts_at: datetime,
                          ends_at: datetime, kind: str = "plh", reason: str = "") -> Delegation:
        """``delegate`` acts for ``delegator`` from ``starts_at`` until ``ends_at``: the official
        names their own acting official, or an administrator does for them (audited)."""
        problems: list[Problem] = []
        official = self.users.find(delegator) if isinstance(delegator, str) else None
        if official is None:
            raise Invalid("delegation.invalid", [Problem("delegation.no_delegator", field="delegator", u=delegator)],
                          api_code="delegation.no_delegator")
        if official.id != actor.id and not actor.is_admin:
            raise NotAllowed("delegation.not_yours", api_code="delegation.not_yours")
        acting = self.users.find(delegate) if isinstance(delegate, str) and delegate else None
        if acting is None or not acting.active:
            problems.append(Problem("delegation.no_delegate", field="delegate", u=delegate))
        elif acting.id == official.id:
            problems.append(Problem("delegation.self", field="delegate"))
        if kind not in DELEGATION_KINDS:
            problems.append(Problem("delegation.bad_kind", field="kind"))
        reason = _plain_text(reason or "").strip()
        if len(reason) > MAX_DELEGATION_REASON:
            problems.append(Problem("delegation.reason_too_long", field="reason", n=MAX_DELEGATION_REASON))
        now = utcnow()
        if ends_at <= now:
            problems.append(Problem("delegation.over", field="ends_at"))
        elif ends_at <= starts_at:
            problems.append(Problem("delegation.reversed", field="ends_at"))
        elif ends_at - starts_at > timedelta(days=MAX_DELEGATION_DAYS):
            problems.append(Problem("delegation.too_long", field="ends_at", n=MAX_DELEGATION_DAYS))
        elif starts_at - now > timedelta(days=MAX_DELEGATION_DAYS):
            problems.append(Problem("delegation.too_far", field="starts_at", n=MAX_DELEGATION_DAYS))
        if problems:
            raise Invalid("delegation.invalid", problems, api_code="delegation.invalid")
        overlapping = self.session.scalar(select(Delegation.id).where(
            Delegation.delegator_id == official.id, Delegation.delegate_id == acting.id,
            Delegation.ended_at.is_(None), Delegation.starts_at < ends_at, Delegation.ends_at > starts_at).limit(1))
        if overlapping is not None:
            raise Conflict("delegation.overlap", api_code="delegation.overlap", acting=acting.username,
                           official=official.username)
        delegation = Delegation(delegator_id=official.id, delegate_id=acting.id, kind=kind, starts_at=starts_at,
                                ends_at=ends_at, reason=reason, created_by=actor.username, created_at=now)
        self.session.add(delegation)
        self.session.flush()
        audit.record(self.session, "delegation_create", actor.username, delegation_id=delegation.id,
                     delegator=official.username, delegate=acting.username, delegation_kind=kind,
                     starts_at=starts_at.isoformat(), ends_at=ends_at.isoformat(), reason=reason or None)
        self._commit()
        self._acting_for.clear()
        return delegation

    @rolls_back_on_refusal
    def end_delegation(self, delegation_id: int, actor: User) -> Delegation:
        """End a delegation now (the official, the acting official, or an administrator)."""
        delegation = self.session.get(Delegation, delegation_id) if _valid_id(delegation_id) else None
        if delegation is None:
            raise NotFound("delegation.not_found", id=delegation_id)
        if actor.id not in (delegation.delegator_id, delegation.delegate_id) and not actor.is_admin:
            raise NotAllowed("delegation.end_not_yours", api_code="delegation.not_yours")
        now = utcnow()
        if delegation.ended_at is not None or delegation.ends_at <= now:
            raise Conflict("delegation.ended", api_code="delegation.ended")
        delegation.ended_at, delegation.ended_by = now, actor.username
        audit.record(self.session, "delegation_end", actor.username, delegation_id=delegation.id,
                     delegator=delegation.delegator.username, delegate=delegation.delegate.username)
        self._commit()
        self._acting_for.clear()
        return delegation

    def delegations(self, user: User, *, everyone: bool = False, limit: int = 100) -> list[Delegation]:
        """Delegations ``user`` gave or received (all of them for an administrator asking for
        ``everyone``), newest first."""
        query = select(Delegation)
        if not (everyone and user.is_admin):
            query = query.where(or_(Delegation.delegator_id == user.id, Delegation.delegate_id == user.id))
        return list(self.session.scalars(query.order_by(Delegation.starts_at.desc(), Delegation.id.desc())
                                         .limit(limit)))

    # ---- the discussion thread ---------------------------------------------------------------
    def may_discuss(self, user: User, instance: Instance) -> bool:
        """The thread is for the people of the case: administrators and Process Owners, who
        started it or took part in it, and who may do one of its waiting steps (also as an
        acting official). A holder of the process's lanes who has no part in the case has none."""
        if access.sees_everything(user) or self.is_participant(user, instance):
            return True
        return any(self.principal(user, row) is not None for row in self.session.scalars(
            select(TaskRecord).where(TaskRecord.instance_id == instance.id, TaskRecord.state == "ready")))

    def _discussable(self, instance_id: int, user: User) -> Instance:
        instance = self.visible_instance(instance_id, user)
        if not self.may_discuss(user, instance):
            raise NotAllowed("comment.not_participant", api_code="comment.not_participant")
        return instance

    def comments(self, instance_id: int, user: User) -> list[CaseComment]:
        """The case's thread, oldest first, for the people of the case (:meth:`may_discuss`)."""
        self._discussable(instance_id, user)
        return list(self.session.scalars(_THREAD, {"instance_id": instance_id}))

    @rolls_back_on_refusal
    def add_comment(self, instance_id: int, user: User, body: str, task_id: str | None = None) -> CaseComment:
        """A participant writes in the case's thread (plain text, audited). The result's
        ``mentions`` lists the usernames of the people it names with ``@username``."""
        instance = self._discussable(instance_id, user)
        text = _plain_text(body if isinstance(body, str) else "").strip()
        if not text:
            raise Invalid("comment.invalid", [Problem("comment.empty", field="body")], api_code="comment.empty")
        if len(text) > MAX_COMMENT:
            raise Invalid("comment.invalid", [Problem("comment.too_long", field="body", n=MAX_COMMENT)],
                          api_code="comment.too_long")
        if task_id is not None:
            row = self.task(task_id)
            if row.instance_id != instance.id:
                raise NotFound("comment.step_elsewhere")
        count = self.session.scalar(select(func.count()).select_from(CaseComment).where(
            CaseComment.instance_id == instance.id)) or 0
        if count >= MAX_COMMENTS_PER_CASE:
            raise Conflict("comment.full", api_code="comment.full", n=MAX_COMMENTS_PER_CASE)
        named = mentioned_usernames(text)
        known = set(self.session.scalars(select(User.username).where(User.username.in_(named), User.active.is_(True)))) \
            if named else set()
        mentions = [n for n in named if n in known]
        comment = CaseComment(instance_id=instance.id, task_id=task_id, author=user.username, body=text,
                              mentions=mentions or None, created_at=utcnow())
        self.session.add(comment)
        self.session.flush()
        audit.record(self.session, "comment", user.username, instance_id=instance.id, task_id=task_id,
                     comment_id=comment.id, mentions=mentions or None)
        if mentions:
            outbox.mentioned(self.session, instance, comment.id, user.username, mentions, comment.created_at)
        self._commit()
        return comment
