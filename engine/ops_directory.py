"""What pages, the API and the command line read of the office without changing it: people's
names and roles, the office's time zone and calendar, the settings they show, a stored file.

The web app asks the service for these by name instead of reaching into its user directory,
calendar, file store or configuration, so what it depends on shows here (tests/test_house.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo

from . import sop_sheet
from .config import EngineConfig
from .models import ProcessDefinition, User
from .unit_of_work import UnitOfWork


class DirectoryOperations(UnitOfWork):
    # ---- people ------------------------------------------------------------------------
    def full_names(self, usernames: Iterable[str | None]) -> dict[str, str]:
        """Username → full name (the username where none is set), in one query."""
        return self.users.full_names(usernames)

    def role_names(self) -> list[str]:
        """Every role (lane) users hold, sorted."""
        return self.users.roles()

    def all_users(self) -> list[User]:
        return self.users.list()

    def active_users(self) -> list[User]:
        return [u for u in self.users.list() if u.active]

    def appointable(self, role: str | None) -> list[User]:
        """Who may be appointed where a role is asked: its holders, or every active user."""
        return self.users.with_role(role) if role else self.active_users()

    def get_user(self, username: str) -> User:
        """The user, or ``NotFound`` (``user.not_found``)."""
        return self.users.get(username)

    def find_user(self, username: str) -> User | None:
        return self.users.find(username)

    def user_for_token(self, token: str) -> User | None:
        """The active user an API token belongs to (None: unknown, expired or revoked), remembered
        per process until any change of credentials (engine/credentials.py). The same look-up says
        whether they act for an official now; when not, :meth:`acting_for` knows it for this unit
        of work without a query of its own."""
        found = self.users.caller_for_token(token)
        if found is None:
            return None
        user, acting = found
        if not acting:
            self._acting_for[user.id] = []
        return user

    # ---- the office ---------------------------------------------------------------------
    @property
    def office_tz(self) -> ZoneInfo:
        """The office's time zone: dates on pages and in archives are said in it."""
        return self.calendar.tz

    def duration_minutes(self, duration: str | None) -> int | None:
        """A step's ISO 8601 duration in working minutes by the office's calendar."""
        return self.calendar.duration_minutes(duration)

    def sop_sheet(self, definition: ProcessDefinition) -> sop_sheet.Sheet:
        """The SOP sheet of a process version, its times in the office's working days."""
        return sop_sheet.build(definition, self.calendar)

    @property
    def settings(self) -> EngineConfig:
        """The engine's settings, read only (frozen): the forms directory, the upload limit, the
        address links in messages point at."""
        return self.config

    def stored_file(self, sha256: str) -> Path:
        """Where the file store keeps a file's bytes (it may be missing: the caller says so)."""
        return self.files.path_for(sha256)
