"""Logging in: login sessions kept on the server, failed-login limits, API tokens.

Everything lives in the database, so it holds across workers and hosts:

- a browser login is a :class:`LoginSession` row whose random key travels in the (signed) session
  cookie; every request checks the row, so logging out, a password change, deactivation or an
  admin's unlock/"end sessions" stops a copied cookie at once. "Remember me" lasts at most
  ``remember_days``; other logins end after ``session_idle_hours`` unused.
- failed logins count per account and per address (:class:`LoginThrottle`); past the limit the
  account (or address) is locked for ``login_lock_minutes`` and says until when. An admin can
  unlock an account. Unknown user names count like known ones (the lock gives nothing away).
- API tokens have a purpose, an expiry and a last-used time; their owner or an admin revokes them.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, delete, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from . import audit
from .errors import AlurError, NotAllowed, NotFound
from .models import ApiToken, LoginSession, LoginThrottle, User, utcnow
from .unit_of_work import UnitOfWork, valid_id
from .users import ACTS_FOR_SOMEONE

#: A session's last-seen time (and a sliding expiry) is written at most this often.
TOUCH_EVERY = timedelta(minutes=5)

#: The user of a live login session, with their roles in the same statement (every page asks them:
#: the menu, who may do a step), instead of a second one right after, and whether they act for an
#: official now (when not, as for most people, no page looks their delegations up).
_SESSION_USER = (select(User, LoginSession, ACTS_FOR_SOMEONE.label("acts_for_someone"))
                 .join(LoginSession, LoginSession.user_id == User.id)
                 .where(LoginSession.key_hash == bindparam("key_hash"), User.id == bindparam("user_id"),
                        User.active.is_(True), LoginSession.ended_at.is_(None),
                        LoginSession.expires_at > bindparam("now"))
                 .options(joinedload(User.roles)))


class LoginLocked(AlurError):
    """Too many failed logins: the account or the address is locked until ``until`` (HTTP 429)."""

    api_code = "login.locked"

    def __init__(self, code: str, until: datetime, *, scope: str) -> None:
        super().__init__(code, until=until.isoformat())
        self.until = until
        self.scope = scope


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _name_key(username: str) -> str:
    return username.strip().lower()[:200]


class LoginOperations(UnitOfWork):
    # ---- logging in ---------------------------------------------------------------------
    def log_in(self, username: str, password: str, address: str | None = None) -> User | None:
        """The user these credentials name, or None (the failure is counted). Raises
        :class:`LoginLocked` while the account or the address is locked, whatever the password."""
        now = utcnow()
        address = (address or "")[:64]
        self._refuse_if_locked(username, address, now)
        user = self.users.authenticate(username, password)
        if user is None:
            self._count_failure("user", _name_key(username), self.config.login_max_failures_per_account, now)
            if address:
                self._count_failure("address", address, self.config.login_max_failures_per_address, now)
            self._commit()
            return None
        self.session.execute(delete(LoginThrottle).where(LoginThrottle.scope == "user",
                                                         LoginThrottle.key == _name_key(username)))
        self._commit()
        return user

    def locked_until(self, username: str) -> datetime | None:
        """Until when the account is locked (for the admin's user page), or None."""
        until = self.session.scalar(select(LoginThrottle.locked_until).where(
            LoginThrottle.scope == "user", LoginThrottle.key == _name_key(username)))
        return until if until is not None and until > utcnow() else None

    def unlock(self, admin: User, username: str) -> None:
        """An administrator lifts an account's lock and its count of failures (audited)."""
        if not admin.is_admin:
            raise NotAllowed("login.unlock_admins_only")
        self.session.execute(delete(LoginThrottle).where(LoginThrottle.scope == "user",
                                                         LoginThrottle.key == _name_key(username)))
        audit.record(self.session, "unlock", admin.username, username=username)
        self._commit()

    def _refuse_if_locked(self, username: str, address: str, now: datetime) -> None:
        keys = [("user", _name_key(username))] + ([("address", address)] if address else [])
        for scope, key in keys:
            until = self.session.scalar(select(LoginThrottle.locked_until).where(
                LoginThrottle.scope == scope, LoginThrottle.key == key))
            if until is not None and until > now:
                raise LoginLocked("login.account_locked" if scope == "user" else "login.address_locked",
                                  until, scope=scope)

    def _count_failure(self, scope: str, key: str, limit: int, now: datetime) -> None:
        """One more failure for (scope, key), atomically (several workers may count at once)."""
        table = LoginThrottle.__table__
        window = timedelta(minutes=self.config.login_window_minutes)
        stale = table.c.window_start < now - window
        bump = (update(table).where(table.c.scope == scope, table.c.key == key)
                .values(failures=case((stale, 1), else_=table.c.failures + 1),
                        window_start=case((stale, literal(now, table.c.window_start.type)),
                                          else_=table.c.window_start))
                .returning(table.c.failures, table.c.locked_until))
        found = self.session.execute(bump).first()
        if found is None:
            try:
                with self.session.begin_nested():
                    self.session.execute(table.insert().values(scope=scope, key=key, failures=1, window_start=now))
                found = (1, None)
            except IntegrityError:  # another worker counted the first failure just now
                found = self.session.execute(bump).first()
        failures, locked = found
        if failures >= limit and (locked is None or locked <= now):
            until = now + timedelta(minutes=self.config.login_lock_minutes)
            self.session.execute(update(table).where(table.c.scope == scope, table.c.key == key)
                                 .values(locked_until=until))
            audit.record(self.session, "login_locked", None, scope=scope, key=key, failures=failures,
                         until=until.isoformat())
        # forget old failures nobody is locked for, so the table stays small
        self.session.execute(delete(table).where(stale, or_(table.c.locked_until.is_(None),
                                                            table.c.locked_until < now)))

    # ---- login sessions -----------------------------------------------------------------
    def open_session(self, user: User, *, remember: bool = False, address: str | None = None,
                     agent: str | None = None) -> str:
        """A new login session for ``user``; returns its key (goes into the signed cookie)."""
        now = utcnow()
        key = secrets.token_urlsafe(24)
        lifetime = (timedelta(days=self.config.remember_days) if remember
                    else timedelta(hours=self.config.session_idle_hours))
        self.session.add(LoginSession(user_id=user.id, key_hash=_key_hash(key), remember=remember,
                                      created_at=now, last_seen_at=now, expires_at=now + lifetime,
                                      address=(address or "")[:64], agent=(agent or "")[:200]))
        self._commit()
        user.login_key = key
        return key

    def session_user(self, user_id: int, key: str) -> User | None:
        """The active user of a live login session, or None (ended, expired, unknown)."""
        if not key or not valid_id(user_id):
            return None
        now = utcnow()
        found = self.session.execute(
            _SESSION_USER, {"key_hash": _key_hash(key), "user_id": user_id, "now": now}).unique().first()
        if found is None:
            return None
        user, login, acting = found
        if not acting:
            self._acting_for[user.id] = []
        if login.last_seen_at < now - TOUCH_EVERY:
            values = {"last_seen_at": now}
            if not login.remember:
                values["expires_at"] = now + timedelta(hours=self.config.session_idle_hours)
            self.session.execute(update(LoginSession).where(LoginSession.id == login.id).values(**values))
            self.session.commit()
        user.login_key = key
        return user

    def end_session(self, key: str | None) -> None:
        """Log out: the session ends on the server (a copy of its cookie no longer works)."""
        if key:
            self.session.execute(update(LoginSession).where(
                LoginSession.key_hash == _key_hash(key), LoginSession.ended_at.is_(None)).values(ended_at=utcnow()))
            self._commit()

    def end_sessions(self, actor: User, user: User, *, session_id: int | None = None,
                     keep_key: str | None = None) -> int:
        """End one (``session_id``) or all of ``user``'s login sessions but ``keep_key``'s; the
        user themself or an admin. Returns how many ended."""
        if actor.id != user.id and not actor.is_admin:
            raise NotAllowed("login.not_yours")
        query = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        if session_id is not None:
            query = query.where(LoginSession.id == session_id)
        if keep_key:
            query = query.where(LoginSession.key_hash != _key_hash(keep_key))
        ended = self.session.execute(query.values(ended_at=utcnow())).rowcount
        audit.record(self.session, "sessions_end", actor.username, username=user.username, count=ended)
        self._commit()
        return ended

    def login_sessions(self, user: User) -> list[LoginSession]:
        """``user``'s live login sessions, newest first."""
        return list(self.session.scalars(select(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.ended_at.is_(None), LoginSession.expires_at > utcnow())
            .order_by(LoginSession.created_at.desc()).limit(100)))

    @staticmethod
    def is_session_of(login: LoginSession, key: str | None) -> bool:
        return bool(key) and login.key_hash == _key_hash(key)

    # ---- API tokens ----------------------------------------------------------------------
    def api_tokens(self, user: User) -> list[ApiToken]:
        return list(self.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                         .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))

    def create_token(self, actor: User | None, username: str, name: str = "", *, days: int | None = 365) -> str:
        """A new API token for ``username`` (audited, without the token): its owner or an admin
        (``actor=None``: the server's CLI). The token itself is returned once; only its hash is kept."""
        if actor is not None and actor.username != username and not actor.is_admin:
            raise NotAllowed("token.create_not_yours")
        token = self.users.create_token(username, name, days=days)
        audit.record(self.session, "token_create", actor.username if actor else None, username=username,
                     name=(name or "api").strip(), days=days)
        self._commit()
        return token

    def revoke_token(self, actor: User | None, token_id: int) -> ApiToken:
        """Revoke (delete) a token: its owner or an admin (``actor=None``: the server's CLI)."""
        token = self.session.get(ApiToken, token_id) if valid_id(token_id) else None
        if token is None:
            raise NotFound("token.not_found", id=token_id)
        if actor is not None and actor.id != token.user_id and not actor.is_admin:
            raise NotAllowed("token.not_yours")
        audit.record(self.session, "token_revoke", actor.username if actor else None,
                     username=token.user.username, token_id=token.id, name=token.name)
        self.session.delete(token)
        self._commit()
        return token

