"""Persistence models (SQLAlchemy 2.0 typed ORM). The one ``Base`` the web app also uses."""
from __future__ import annotations

import hashlib

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    registry = registry(type_annotation_map={datetime: UTCDateTime, dict[str, Any]: JSON})


user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(Base):
    """A role is a lane name: holders are candidates for the lane's user tasks."""

    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Kualifikasi Pelaksana (SOP header): shown when appointing people.
    education_level: Mapped[str] = mapped_column(String(20), default="")
    field_of_study: Mapped[str] = mapped_column(String(200), default="")
    expertise: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(5), default="id")
    # What letters (Surat Perintah Tugas) and the SOP sheet need of a person.
    nip: Mapped[str] = mapped_column(String(30), default="")  # Nomor Induk Pegawai (18 digits)
    position: Mapped[str] = mapped_column(String(200), default="")  # jabatan
    rank: Mapped[str] = mapped_column(String(100), default="")  # pangkat/golongan, e.g. "Penata / III-c"
    unit: Mapped[str] = mapped_column(String(200), default="")  # unit kerja
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")

    @property
    def role_names(self) -> list[str]:
        return sorted(r.name for r in self.roles)

    # The small protocol session libraries (Flask-Login) expect of a user object.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    #: The key of the login session this object was loaded for (set by the web app, not stored).
    login_key = None

    def get_id(self) -> str:
        """The login session's id: user id, a fingerprint of the password hash (a changed or reset
        password ends every other session) and the key of its :class:`LoginSession` row."""
        return f"{self.id}.{self.session_fingerprint}.{self.login_key or ''}"

    @property
    def session_fingerprint(self) -> str:
        return hashlib.sha256(self.password_hash.encode("utf-8")).hexdigest()[:16]


class ApiToken(Base):
    """A script's key to the API: only its hash is stored; revoking deletes the row."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: What the token is for ("sinkronisasi SIMPEG"), shown where its owner lists tokens.
    name: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[Optional[datetime]]
    #: To the minute: noted at most once a minute, so a busy script does not write on every call.
    last_used_at: Mapped[Optional[datetime]]
    user: Mapped[User] = relationship(lazy="joined")


class CredentialsGeneration(Base):
    """One row (id 1) whose ``value`` is set to a new random number, by database triggers, in the
    same transaction as any change to who may call the API as whom: a user's row, their roles,
    a role, an API token's owner, hash or expiry, a token revoked, a delegation (Plt/Plh). A
    process that remembers a caller (engine/credentials.py) trusts the memory only while this
    value is the one it saw; random, not counted, so a restored backup never brings back a value
    some other state had."""

    __tablename__ = "credentials_generation"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class LoginSession(Base):
    """A browser login, checked on every request: logging out, a password change or an admin
    ends it on the server, so a copied cookie stops working. Only the key's hash is stored."""

    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[Optional[datetime]]
    address: Mapped[str] = mapped_column(String(64), default="")
    agent: Mapped[str] = mapped_column(String(200), default="")


class LoginThrottle(Base):
    """Failed logins per account (``scope='user'``) or per address (``'address'``), in the
    database so the limit holds across workers and hosts; ``locked_until`` while locked."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("scope", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[Optional[datetime]]


class ProcessDefinition(Base):
    """One deployed version of a BPMN process. The parsed spec is stored once here."""

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    # The three big texts (~65 KB for the SOP) load on first access, together: every case and task
    # look-up joins its definition, and the compiled definition is cached per version anyway.
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True, deferred_group="source")
    spec_json: Mapped[str] = mapped_column(Text, deferred=True, deferred_group="source")
    #: alur's reading of the diagram (per-task sop.* properties, lanes), see bpmn_loader.TaskMeta.
    meta_json: Mapped[str] = mapped_column(Text, deferred=True, deferred_group="source")
    documentation: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(300), default="")
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by: Mapped[Optional[str]] = mapped_column(String(80))


class Instance(Base):
    """One running case of a process. ``state`` holds SpiffWorkflow's serialized instance part."""

    __tablename__ = "instances"
    __table_args__ = (
        # Lists of cases are newest first: a filter on status or process walks its own index in
        # id order and stops after a page, however many cases there are (docs/benchmarks.md).
        Index("ix_instances_status_id", "status", "id"),
        Index("ix_instances_definition_id_id", "definition_id", "id"),
        # the archive run finds finished cases not yet archived by their end
        Index("ix_instances_archived_ended", "archived_at", "ended_at"),
        Index("ix_instances_status_ended", "status", "ended_at"),  # the report's cases of a period
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    title: Mapped[str] = mapped_column(String(300), default="")
    #: Registration number ("PAE-2026-0001"): the process's prefix, the year, a gapless sequence.
    number: Mapped[Optional[str]] = mapped_column(String(40), unique=True, index=True)
    status: Mapped[str] = mapped_column(String(20), default="running")
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by: Mapped[Optional[str]] = mapped_column(String(80), index=True)
    ended_at: Mapped[Optional[datetime]]
    error_message: Mapped[Optional[str]] = mapped_column(Text)
    next_timer_at: Mapped[Optional[datetime]] = mapped_column(index=True)
    #: When the case was archived: ``state`` then holds only its final data (engine/ops_retention.py).
    archived_at: Mapped[Optional[datetime]]
    #: the key messages to and from this case correlate on (see engine/message_waits.py)
    correlation_key: Mapped[Optional[str]] = mapped_column(String(200))
    definition: Mapped[ProcessDefinition] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}


task_assignees = Table(
    "task_assignees",
    Base.metadata,
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


#: Conditions of the worker's partial indexes; its queries use the same text so that both
#: PostgreSQL and SQLite see that the index applies.
OPEN_NOT_OVERDUE = "state = 'ready' AND NOT overdue"
OPEN_NOT_REMINDED = "state = 'ready' AND NOT near_due_sent AND NOT overdue"


class TaskRecord(Base):
    """The task index: one row per user task that became ready, kept in the state's transaction."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_state_lane", "state", "lane", "created_at"),
        Index("ix_tasks_completed_by", "completed_by", "completed_at"),
        Index("ix_tasks_state_due", "state", "due_at"),
        # The worker's look-ups: only open steps not yet marked, so a tick never re-reads the
        # steps it marked before (they leave these indexes once marked).
        Index("ix_tasks_to_mark_overdue", "due_at",
              postgresql_where=text(OPEN_NOT_OVERDUE), sqlite_where=text(OPEN_NOT_OVERDUE)),
        Index("ix_tasks_to_remind", "near_due_at",
              postgresql_where=text(OPEN_NOT_REMINDED), sqlite_where=text(OPEN_NOT_REMINDED)),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # SpiffWorkflow task UUID
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    step: Mapped[Optional[int]]
    name: Mapped[str] = mapped_column(String(300))
    lane: Mapped[Optional[str]] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))  # ready | completed | cancelled
    has_assignees: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[Optional[str]] = mapped_column(String(80), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[Optional[datetime]]
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    #: When the reminder goes out: a set share of the standard time after the step became ready
    #: (engine/reminders.py); "Mendekati batas waktu" from then until the due time.
    near_due_at: Mapped[Optional[datetime]]
    near_due_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    completed_at: Mapped[Optional[datetime]]
    completed_by: Mapped[Optional[str]] = mapped_column(String(80))
    #: The official the step belongs to when an acting official (Plt/Plh) did it: "completed_by a.n. on_behalf_of".
    on_behalf_of: Mapped[Optional[str]] = mapped_column(String(80), index=True)
    target_minutes: Mapped[Optional[int]]
    actual_minutes: Mapped[Optional[int]]
    data: Mapped[Optional[dict[str, Any]]]
    #: How often this step has been ready in its case (2 after one send-back).
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: Who sent the step back, for a round after the first: ``{"from_step", "from_name", "by", "at",
    #: "note"}`` (the completion whose loop made it ready again), else None.
    returned: Mapped[Optional[dict[str, Any]]]
    instance: Mapped[Instance] = relationship(lazy="raise")
    assignees: Mapped[list[User]] = relationship(secondary=task_assignees, lazy="selectin")


class Submission(Base):
    """One completion's submitted data, kept as it was sent: never overwritten by a later step or
    round (the workflow's own data stays flat, for the gateways; people read these)."""

    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_instance", "instance_id", "completed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), unique=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    step: Mapped[Optional[int]]
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    round: Mapped[int] = mapped_column(Integer, default=1)
    data: Mapped[dict[str, Any]]
    completed_by: Mapped[str] = mapped_column(String(80))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: What a decision led to: ``{"field", "value", "label", "returned_to": {"step", "name"} | None}``.
    outcome: Mapped[Optional[dict[str, Any]]]


class MessageWait(Base):
    """A running case waits for a message (catch event, receive task, message start): one row per
    wait, rewritten with the case's state, so delivery is an indexed look-up by name and key."""

    __tablename__ = "message_waits"
    __table_args__ = (Index("ix_message_waits_name_key", "name", "correlation_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    correlation_key: Mapped[Optional[str]] = mapped_column(String(200))


class Deliverable(Base):
    """An attached file: bytes live on disk under their sha256; this row says whose and what.

    A letter's PDF is a rendition of the letter's DOCX (``source_id``), drawn when first asked
    for (engine/renditions.py): until then its ``sha256`` and ``size`` are NULL (no bytes yet)."""

    __tablename__ = "deliverables"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[Optional[int]] = mapped_column(Integer)
    sha256: Mapped[Optional[str]] = mapped_column(String(64), index=True)
    #: The deliverable this one is drawn from (a letter's PDF from its DOCX); None for an upload.
    source_id: Mapped[Optional[int]] = mapped_column(ForeignKey("deliverables.id", ondelete="SET NULL"),
                                                     index=True)

    @property
    def drawn(self) -> bool:
        """Whether the bytes exist (False: a rendition its first download draws)."""
        return self.sha256 is not None
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Append-only: who did what, when, to which instance/task."""

    __tablename__ = "audit_events"
    __table_args__ = (
        # The log is read newest first a page at a time, by keyset on (at, id): each filter the
        # audit log page offers has an index in that order, so no page reads the whole log.
        Index("ix_audit_events_at_id", "at", "id"),
        Index("ix_audit_events_kind_at_id", "kind", "at", "id"),
        Index("ix_audit_events_actor_at_id", "actor", "at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[Optional[int]] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[Optional[str]] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(30))
    actor: Mapped[Optional[str]] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[Optional[dict[str, Any]]]


class InstanceSearchTerm(Base):
    """The search index of cases: one row per beginning of a word of a case's title (and
    whatever else ``engine.search`` indexes), so a search reads its word's rows of the primary key
    in case order, newest first, not every title."""

    __tablename__ = "instance_search_terms"
    term: Mapped[str] = mapped_column(String(20), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), primary_key=True,
                                             index=True)


class Holiday(Base):
    """Extra non-working dates an admin adds (cuti bersama, local holidays)."""

    __tablename__ = "holidays"
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[str] = mapped_column(String(10), unique=True)  # ISO date
    name: Mapped[str] = mapped_column(String(200), default="")


class CaseCounter(Base):
    """The last registration number given per prefix and year. Taken with an UPDATE in the
    transaction that starts the case, so numbers have neither gaps nor duplicates."""

    __tablename__ = "case_counters"
    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Delegation(Base):
    """An acting official (Plt/Plh): ``delegate`` does ``delegator``'s steps from ``starts_at``
    until ``ends_at`` (exclusive), or until it is ended early (``ended_at``)."""

    __tablename__ = "delegations"
    __table_args__ = (Index("ix_delegations_delegate", "delegate_id", "ends_at"),
                      Index("ix_delegations_delegator", "delegator_id", "ends_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10), default="plh")  # plt | plh
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[Optional[datetime]]
    ended_by: Mapped[Optional[str]] = mapped_column(String(80))
    delegator: Mapped[User] = relationship(foreign_keys=[delegator_id], lazy="joined")
    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id], lazy="joined")


class CaseComment(Base):
    """One message of a case's discussion thread (plain text). ``mentions``: the usernames it
    names with ``@username`` that belong to someone (for notifications)."""

    __tablename__ = "case_comments"
    __table_args__ = (Index("ix_case_comments_instance", "instance_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"))
    task_id: Mapped[Optional[str]] = mapped_column(String(36))
    author: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    mentions: Mapped[Optional[list[str]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KpiHistogram(Base):
    """Laporan Kinerja's running figures for one step of one process version over one office year
    (``kind`` "y", ``period`` "2026"), month ("m", "2026-12") or day ("d", "2026-12-01"):
    how many completions, how many on time, how many sent work back, and a histogram of their
    realisations in log buckets (``counts``: bucket index → completions; at most
    :data:`engine.kpi_tally.BUCKETS` entries). Written in each completion's transaction by one
    upsert (engine/kpi_tally.py); a report reads one row per step and year, plus the months and
    days at the period's edges, however many cases there are."""

    __tablename__ = "kpi_histograms"
    __table_args__ = (UniqueConstraint("definition_id", "kind", "period", "bpmn_id", name="uq_kpi_histograms_cell"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(1))  # "y" a year, "m" a month, "d" a day
    period: Mapped[str] = mapped_column(String(10))  # ISO year, month or date in the office's time zone
    bpmn_id: Mapped[str] = mapped_column(String(200))
    completions: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)  # of those with a due time, done by it
    sent_back: Mapped[int] = mapped_column(Integer, default=0)  # completions that reopened earlier work
    counts: Mapped[dict[str, int]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))


class DocumentTemplate(Base):
    """One version of a process's DOCX template (``sop.document``); the newest of a name is used.
    The bytes live in the file store under their sha256 (engine/documents.py)."""

    __tablename__ = "document_templates"
    __table_args__ = (Index("ix_document_templates_key_name", "process_key", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[Optional[str]] = mapped_column(String(80))


class RetentionPolicy(Base):
    """The office's retention policy (one row, ``id`` 1): archive cases that ended more than
    ``after_months`` months ago (None: the worker archives nothing), and what the worker's last
    run did. ``run_started_at`` is the claim of the run under way, so one worker runs it at a time."""

    __tablename__ = "retention_policy"
    id: Mapped[int] = mapped_column(primary_key=True)
    after_months: Mapped[Optional[int]]
    changed_by: Mapped[Optional[str]] = mapped_column(String(80))
    changed_at: Mapped[Optional[datetime]]
    run_started_at: Mapped[Optional[datetime]]
    last_run_at: Mapped[Optional[datetime]]
    #: What the last run did: the figures of :class:`engine.ops_retention.ArchiveReport`, and
    #: ``more`` when it stopped at its batch limit (the next worker pass goes on).
    last_run: Mapped[Optional[dict[str, Any]]]


class DocumentJob(Base):
    """A step's document (``sop.document``) to render: queued in the completion's transaction with
    what the template will see (frozen then), rendered and attached outside the completion's path
    (by the worker, webapp/worker.py, or ``alur tick``), so completing and reading stay fast."""

    __tablename__ = "document_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("instances.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), index=True)
    process_key: Mapped[str] = mapped_column(String(200))
    template_name: Mapped[str] = mapped_column(String(200))
    base_name: Mapped[str] = mapped_column(String(200))
    context: Mapped[dict[str, Any]]
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[Optional[datetime]] = mapped_column(index=True)
    error: Mapped[Optional[str]] = mapped_column(Text)


# Outbox, preferences, webhooks and calendar changes: models of their own module, same Base.
from .notification_models import (  # noqa: E402,F401
    CalendarChange, Notification, NotificationPreference, Webhook)
