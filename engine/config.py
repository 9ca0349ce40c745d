"""Engine settings, built once by the caller (web app, CLI, tests) and passed in.

Nothing in the engine reads the environment itself: that happens at the edge (``webapp``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class EngineConfig:
    files_dir: Path = PROJECT_ROOT / "instance" / "files"
    forms_dir: Path = PROJECT_ROOT / "forms"
    processes_dir: Path = PROJECT_ROOT / "processes"
    max_upload_bytes: int = 50 * 1024 * 1024
    max_bpmn_bytes: int = 5 * 1024 * 1024
    #: The office: its time zone, its regular day, and its working days with any hours of their
    #: own (``office_week``: Monday first, None on a day off; None here means Monday–Friday).
    timezone: str = "Asia/Jakarta"
    office_start: time = time(8, 0)
    office_end: time = time(16, 0)
    office_week: tuple | None = None

    @property
    def minutes_per_day(self) -> int:
        """One office day in minutes (what ``P1D`` and "1 hari" count)."""
        return (self.office_end.hour * 60 + self.office_end.minute) - (self.office_start.hour * 60
                                                                        + self.office_start.minute)
    #: Extra non-working dates (cuti bersama etc.) on top of the ``holidays`` package.
    extra_holidays: tuple = field(default_factory=tuple)
    #: Prune completed history from the Spiff state on every save (see engine/compaction.py): the
    #: task index and the audit log keep it, so looping cases stay small and fast.
    compact_history: bool = True
    #: Completed tasks kept above the open part of the task tree when compacting.
    compact_keep: int = 3
    #: werkzeug hash method for passwords; tests use a cheap one, production keeps scrypt.
    password_hash_method: str = "scrypt"
    #: The reminder ("Mendekati batas waktu") goes out when this share of a step's standard time
    #: has passed (working time); the overdue reminder at the due time.
    reminder_share: float = 0.75
    #: The address people open, for links in messages.
    base_url: str = "http://127.0.0.1:5000"
    #: ``smtp://[user:pass@]host:port``, ``smtps://…``, ``smtp+starttls://…``; empty: each message
    #: is written as an .eml file into ``mail_dir`` instead (nothing is lost before mail is set up).
    smtp_url: str = ""
    mail_from: str = "alur <alur@localhost>"
    mail_dir: Path = PROJECT_ROOT / "instance" / "mail"
    #: A worker holds the outbox rows it claimed this long; a killed worker's rows come back after.
    delivery_lease_seconds: int = 300
    #: Failed logins that lock an account, and those that lock an address (many accounts tried
    #: from one place), within ``login_window_minutes``; a lock lasts ``login_lock_minutes``.
    login_max_failures_per_account: int = 10
    login_max_failures_per_address: int = 50
    login_window_minutes: int = 15
    login_lock_minutes: int = 15
    #: A login without "remember me" ends after this long unused; with it, after ``remember_days``.
    session_idle_hours: int = 12
    remember_days: int = 14
    #: API tokens expire after this many days unless created with another expiry.
    token_days: int = 365
