"""Users, roles and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from typing import Iterable

from datetime import timedelta

from sqlalchemy import bindparam, case, exists, func, select, update
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from . import credentials
from .data_limits import text_problem
from .errors import Conflict, Invalid, NotFound, Problem
from .models import ApiToken, Delegation, Role, User, utcnow

#: A recorded education level is free text of at most this many characters: which levels qualify
#: is each process's own Kualifikasi Pelaksana (engine/qualifications.py).
EDUCATION_LEVEL_CHARS = 20


#: Whether someone named the user their acting official (Plt/Plh) for this moment: asked with the
#: token or the login session, so the usual caller, who acts for nobody, costs no look-up of
#: delegations afterwards.
ACTS_FOR_SOMEONE = exists().where(
    Delegation.delegate_id == User.id, Delegation.delegator_id != User.id, Delegation.ends_at > bindparam("now"),
    Delegation.starts_at <= bindparam("now"), Delegation.ended_at.is_(None))
#: The next moment that answer may change by itself: a delegation naming the user begins or ends
#: (None: none is pending). A remembered caller is not used past it (engine/credentials.py).
_DELEGATION_CHANGES = (select(func.min(case((Delegation.starts_at > bindparam("now"), Delegation.starts_at),
                                            else_=Delegation.ends_at)))
                       .where(Delegation.delegate_id == User.id, Delegation.delegator_id != User.id,
                              Delegation.ended_at.is_(None), Delegation.ends_at > bindparam("now"))
                       .scalar_subquery())
# Built once: every API request runs it, and building it cost more than running it.
_USER_FOR_TOKEN = (select(User, ApiToken.id, ApiToken.last_used_at, ACTS_FOR_SOMEONE.label("acts_for_someone"),
                          ApiToken.expires_at, _DELEGATION_CHANGES.label("delegation_changes"),
                          credentials.GENERATION_NOW.label("generation"))
                   .join(ApiToken, ApiToken.user_id == User.id)
                   .where(ApiToken.token_hash == bindparam("token_hash"), User.active.is_(True),
                          (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > bindparam("now")))
                   .options(joinedload(User.roles)))
#: A token's last use is noted at most this often (a busy script does not write on every call).
TOKEN_TOUCH_EVERY = timedelta(minutes=1)
#: A hash per method to check an unknown user's password against, so that answering "no such
#: user" costs as long as a wrong password (user names cannot be told apart by timing).
_DUMMY_HASHES: dict[str, str] = {}
_USER_BY_NAME = select(User).where(User.username == bindparam("username"))
# Built once, as every statement a page or a completion sends: building one and its cache key costs
# more than running it (docs/benchmarks.md, "statements built once").
_USERS_NAMED = (select(User).options(joinedload(User.roles))
                .where(User.username.in_(bindparam("usernames", expanding=True))))
_FULL_NAMES = select(User.username, User.full_name).where(User.username.in_(bindparam("usernames", expanding=True)))
_TOUCH_TOKEN = (update(ApiToken).where(ApiToken.id == bindparam("token_id"))
                .values(last_used_at=bindparam("now")).execution_options(synchronize_session=False))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class UserDirectory:
    def __init__(self, session: Session, hash_method: str = "scrypt") -> None:
        self.session = session
        self.hash_method = hash_method

    def get(self, username: str) -> User:
        user = self.session.scalar(_USER_BY_NAME, {"username": username})
        if user is None:
            raise NotFound("user.not_found", u=username)
        return user

    def find(self, username: str) -> User | None:
        return self.session.scalar(_USER_BY_NAME, {"username": username})

    def find_many(self, usernames: Iterable[str]) -> dict[str, User]:
        """username → user for every name that exists, in one query (roles loaded, joined in)."""
        wanted = list({u for u in usernames if isinstance(u, str) and u})
        if not wanted:
            return {}
        return {u.username: u for u in self.session.scalars(_USERS_NAMED, {"usernames": wanted}).unique()}

    def full_names(self, usernames: Iterable[str | None]) -> dict[str, str]:
        """username → full name (the username where none is recorded) for everyone a page names,
        in one query; a username no longer known keeps itself."""
        wanted = {u for u in usernames if u}
        if not wanted:
            return {}
        rows = self.session.execute(_FULL_NAMES, {"usernames": list(wanted)})
        names = {username: full_name or username for username, full_name in rows}
        return {u: names.get(u, u) for u in wanted}

    def get_by_id(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def list(self) -> list[User]:
        return list(self.session.scalars(select(User).order_by(User.username)))

    def with_role(self, role: str) -> list[User]:
        return [u for u in self.list() if role in u.role_names and u.active]

    def role(self, name: str) -> Role:
        role = self.session.scalar(select(Role).where(Role.name == name))
        if role is None:
            role = Role(name=name)
            self.session.add(role)
        return role

    def roles(self) -> list[str]:
        return list(self.session.scalars(select(Role.name).order_by(Role.name)))

    def create(self, username: str, password: str, roles: Iterable[str] = (), *, is_admin: bool = False,
               full_name: str = "", **profile: str) -> User:
        problems = []
        if not username or not username.replace("_", "").replace(".", "").replace("-", "").isalnum() or len(username) > 80:
            problems.append(Problem("user.bad_name", field="username"))
        if len(password or "") < 8:
            problems.append(Problem("user.short_password", field="password"))
        problems += employment_problems(profile)
        if problems:
            raise Invalid("user.invalid", problems)
        if self.find(username) is not None:
            raise Conflict("user.exists", u=username)
        user = User(username=username, password_hash=generate_password_hash(password, method=self.hash_method),
                    is_admin=is_admin,
                    full_name=full_name or username, **profile)
        user.roles = [self.role(r) for r in dict.fromkeys(roles)]
        self.session.add(user)
        self.session.flush()
        return user

    def update(self, user: User, *, roles: Iterable[str] | None = None, password: str | None = None,
               **fields) -> User:
        if password:
            if len(password) < 8:
                raise Invalid("user.invalid", [Problem("user.short_password", field="password")])
            user.password_hash = generate_password_hash(password, method=self.hash_method)
        problems = employment_problems(fields)
        if problems:
            raise Invalid("user.invalid", problems)
        if roles is not None:
            user.roles = [self.role(r) for r in dict.fromkeys(r for r in roles if r)]
        for key, value in fields.items():
            if key not in {"full_name", "email", "is_admin", "active", "education_level", "field_of_study",
                           "expertise", "language", *EMPLOYMENT_FIELDS}:
                raise ValueError(f"unknown user field {key}")
            setattr(user, key, value)
        self.session.flush()
        return user

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with these credentials, or None; as slow for unknown names as for
        known ones (a password hash is checked either way)."""
        user = self.find(username) if len(username) <= 80 else None
        if user is None:
            dummy = _DUMMY_HASHES.get(self.hash_method)
            if dummy is None:
                dummy = _DUMMY_HASHES[self.hash_method] = generate_password_hash(
                    secrets.token_hex(8), method=self.hash_method)
            check_password_hash(dummy, password or "")
            return None
        if not self.check_password(user, password) or not user.active:
            return None
        return user

    @staticmethod
    def check_password(user: User, password: str | None) -> bool:
        return check_password_hash(user.password_hash, password or "")

    def create_token(self, username: str, name: str = "", *, days: int | None = 365) -> str:
        """A new token for ``username``: ``name`` says what it is for; it expires after ``days``
        (None: never). Only its hash is stored; the token itself is returned once."""
        user = self.get(username)
        name = (name or "api").strip()
        if len(name) > 100 or text_problem(name):
            raise Invalid("token.invalid", [Problem("token.bad_name", field="name")])
        if days is not None and not 1 <= days <= 3650:
            raise Invalid("token.invalid", [Problem("token.bad_days", field="days")])
        token = secrets.token_urlsafe(32)
        now = utcnow()
        self.session.add(ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token), created_at=now,
                                  expires_at=now + timedelta(days=days) if days else None))
        self.session.flush()
        return token

    def user_for_token(self, token: str) -> User | None:
        """The active user an unexpired token belongs to, roles loaded. A revoked token (row
        deleted) stops working on the very next request: see :meth:`caller_for_token`. The
        token's last use is noted (at most once a minute)."""
        found = self.caller_for_token(token)
        return found[0] if found is not None else None

    def caller_for_token(self, token: str) -> tuple[User, bool] | None:
        """:meth:`user_for_token`, and whether the user may be acting for an official now (a
        current delegation names them; False: they act for nobody), from the same statement.

        A process remembers the answer per token (engine/credentials.py) and then asks only for
        the credentials generation, one row by primary key: any change to the token, the user,
        their roles or their delegations changes it in the same transaction, and the caller is
        read again."""
        now = utcnow()
        token_hash = _token_hash(token)
        callers = credentials.callers_of(self.session)
        if callers.enabled:
            known = callers.get(token_hash, now)
            if known is not None:
                if self.session.connection().execute(credentials.GENERATION).scalar() == known.generation:
                    user = self.session.merge(known.user, load=False)
                    if known.last_used is None or known.last_used < now - TOKEN_TOUCH_EVERY:
                        self._touch(known.token_id, now)
                        known.last_used = now
                    return user, known.acting
                callers.forget(token_hash)
        found = self.session.execute(_USER_FOR_TOKEN, {"token_hash": token_hash, "now": now}).unique().first()
        if found is None:
            return None
        user, token_id, last_used, acting, expires_at, changes, generation = found
        if last_used is None or last_used < now - TOKEN_TOUCH_EVERY:
            self._touch(token_id, now)
            last_used = now
        if callers.enabled and generation is not None:
            until = min(t for t in (now + credentials.RENEW_EVERY, expires_at, changes) if t is not None)
            callers.put(token_hash, credentials.Caller(credentials.detached_copy(user), token_id, bool(acting),
                                                       generation, until, last_used))
        return user, bool(acting)

    def _touch(self, token_id: int, now) -> None:
        """Note a token's use (its ``last_used_at`` is no change of credentials: no trigger fires)."""
        self.session.execute(_TOUCH_TOKEN, {"token_id": token_id, "now": now})
        self.session.commit()


#: What letters (Surat Perintah Tugas) need of a person: NIP, jabatan, pangkat/golongan, unit kerja.
EMPLOYMENT_FIELDS = {"nip": 30, "position": 200, "rank": 100, "unit": 200}


def normal_nip(value: str) -> str:
    """A NIP as digits: offices write it grouped (``19700101 199503 2 001``)."""
    return "".join((value or "").split())


def employment_problems(fields: dict) -> list[Problem]:
    """NIP: the 18 digits of a civil servant's number (or empty); the other fields bounded."""
    problems = []
    for name, limit in EMPLOYMENT_FIELDS.items():
        value = fields.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > limit:
            problems.append(Problem("user.field_too_long", field=name, n=limit))
    nip = fields.get("nip")
    if isinstance(nip, str) and nip and not (normal_nip(nip).isdigit() and len(normal_nip(nip)) == 18):
        problems.append(Problem("user.bad_nip", field="nip"))
    return problems
