"""Configuration from defaults, the instance folder and the environment (read here, nowhere else)."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from pathlib import Path

from engine.calendar import office_hours, office_week
from engine.config import EngineConfig

from .env import env_bool, env_float, env_int

#: A reminder goes out once this share of a step's standard time has passed (at least, at most).
REMINDER_SHARE = (0.05, 1.0)


def database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'alur.db'}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def secret_key(instance_path: str) -> str:
    """``SECRET_KEY`` from the environment, else one generated once into the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def defaults(instance_path: str) -> dict:
    max_mb = env_int("ALUR_MAX_UPLOAD_MB", 50, minimum=1, maximum=10_240)
    secure_cookies = env_bool("ALUR_SECURE_COOKIES")
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url(instance_path),
        # No ping at every checkout (a round trip per request): engine/db.py pings a server's
        # connection only after it idled, and connections are renewed every half hour.
        "SQLALCHEMY_ENGINE_OPTIONS": {} if database_url(instance_path).startswith("sqlite") else {"pool_recycle": 1800},
        "ALUR_FILES_DIR": os.environ.get("ALUR_FILES_DIR") or str(Path(instance_path) / "files"),
        "ALUR_MAX_UPLOAD_MB": max_mb,
        # multipart framing on top of the file itself
        "MAX_CONTENT_LENGTH": max_mb * 1024 * 1024 + 64 * 1024,
        # A JSON body (start data, a step's data) is small; uploads are multipart, not JSON.
        "ALUR_MAX_JSON_BYTES": env_int("ALUR_MAX_JSON_KB", 1024, minimum=1, maximum=102_400) * 1024,
        "ALUR_PASSWORD_HASH": os.environ.get("ALUR_PASSWORD_HASH", "scrypt"),
        # retention policy: `alur archive` archives cases that ended this many months ago
        "ALUR_ARCHIVE_AFTER_MONTHS": env_int("ALUR_ARCHIVE_AFTER_MONTHS", 12, minimum=0, maximum=1200),
        "ALUR_PROCESSES_DIR": os.environ.get("ALUR_PROCESSES_DIR") or None,
        "ALUR_FORMS_DIR": os.environ.get("ALUR_FORMS_DIR") or None,
        # Notifications (engine/outbox.py, engine/delivery.py): where mail goes and what links say.
        "ALUR_SMTP_URL": os.environ.get("ALUR_SMTP_URL", ""),
        "ALUR_MAIL_FROM": os.environ.get("ALUR_MAIL_FROM") or "alur <alur@localhost>",
        "ALUR_MAIL_DIR": os.environ.get("ALUR_MAIL_DIR") or str(Path(instance_path) / "mail"),
        "ALUR_BASE_URL": os.environ.get("ALUR_BASE_URL") or "http://127.0.0.1:5000",
        "ALUR_REMINDER_SHARE": env_float("ALUR_REMINDER_SHARE", 0.75, minimum=REMINDER_SHARE[0], maximum=REMINDER_SHARE[1]),
        "ALUR_WORKER_INTERVAL": env_float("ALUR_WORKER_INTERVAL", 10.0, minimum=0.1, maximum=86_400),
        "ALUR_DELIVERY_LEASE_SECONDS": env_int("ALUR_DELIVERY_LEASE_SECONDS", 300, minimum=1, maximum=86_400),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        # the login session behind the cookie ends on the server after as long (EngineConfig.remember_days)
        "REMEMBER_COOKIE_DURATION": timedelta(days=EngineConfig.remember_days),
        #: Reverse proxies in front of alur whose X-Forwarded-For/-Proto/-Host are trusted (0: none).
        "ALUR_PROXY_COUNT": env_int("ALUR_PROXY_COUNT", 0, minimum=0, maximum=10),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "id",
        # The office (engine/calendar.py): its time zone (WIB Asia/Jakarta, WITA Asia/Makassar, WIT
        # Asia/Jayapura), its regular day, and its working days (a day may keep hours of its own).
        # The pages show moments in ALUR_TIMEZONE too (office_settings sets BABEL_DEFAULT_TIMEZONE).
        "ALUR_TIMEZONE": os.environ.get("ALUR_TIMEZONE") or "Asia/Jakarta",
        "ALUR_OFFICE_HOURS": os.environ.get("ALUR_OFFICE_HOURS") or "08:00-16:00",
        "ALUR_WORKING_DAYS": os.environ.get("ALUR_WORKING_DAYS") or "mon-fri",
        "LANGUAGES": ["id", "en"],
    }


def office_settings(app_config: dict) -> dict:
    """The office's time zone, hours and week, checked once at start (a typo stops the app with
    the reason, instead of counting due times wrong): EngineConfig's fields, and the pages' zone."""
    zone = app_config["ALUR_TIMEZONE"]
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"ALUR_TIMEZONE '{zone}' is not a time zone like Asia/Jakarta") from None
    try:
        start, end = office_hours(app_config["ALUR_OFFICE_HOURS"])
        week = office_week(app_config["ALUR_WORKING_DAYS"], (start, end))
    except ValueError as exc:
        raise ValueError(f"ALUR_OFFICE_HOURS / ALUR_WORKING_DAYS: {exc}") from None
    app_config["BABEL_DEFAULT_TIMEZONE"] = zone  # one setting: the calendar's zone is the pages' zone
    return {"timezone": zone, "office_start": start, "office_end": end, "office_week": week}


def engine_config(app_config: dict) -> EngineConfig:
    base = EngineConfig()
    return EngineConfig(
        **office_settings(app_config),
        files_dir=Path(app_config["ALUR_FILES_DIR"]),
        forms_dir=Path(app_config.get("ALUR_FORMS_DIR") or base.forms_dir),
        processes_dir=Path(app_config.get("ALUR_PROCESSES_DIR") or base.processes_dir),
        max_upload_bytes=int(app_config["ALUR_MAX_UPLOAD_MB"]) * 1024 * 1024,
        password_hash_method=app_config.get("ALUR_PASSWORD_HASH") or base.password_hash_method,
        smtp_url=app_config.get("ALUR_SMTP_URL") or "",
        mail_from=app_config.get("ALUR_MAIL_FROM") or base.mail_from,
        mail_dir=Path(app_config.get("ALUR_MAIL_DIR") or base.mail_dir),
        base_url=app_config.get("ALUR_BASE_URL") or base.base_url,
        reminder_share=min(max(float(app_config.get("ALUR_REMINDER_SHARE", base.reminder_share)), REMINDER_SHARE[0]),
                           REMINDER_SHARE[1]),
        delivery_lease_seconds=int(app_config.get("ALUR_DELIVERY_LEASE_SECONDS", base.delivery_lease_seconds)),
    )
