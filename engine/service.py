"""The one facade the web pages, the JSON API, the CLI and the tests call.

Each public method is one unit of work on the given session; methods that change an instance
flush and commit once, guarded by the instance's version column (optimistic locking). The
operations live in one module per area (``ops_*.py``); this class puts them together.
"""
from __future__ import annotations

from .ops_administration import AdministrationOperations
from .ops_backup import BackupOperations
from .ops_check import CheckOperations
from .ops_directory import DirectoryOperations
from .ops_instances import INSTANCE_STATUSES, InstanceOperations
from .ops_logins import LoginOperations
from .ops_messages import MessageOperations
from .ops_migration import MigrationOperations
from .ops_notifications import NotificationOperations
from .ops_people import PeopleOperations
from .ops_processes import ProcessOperations
from .ops_retention import RetentionOperations
from .ops_tasks import TaskOperations

__all__ = ["WorkflowService", "INSTANCE_STATUSES"]


class WorkflowService(ProcessOperations, InstanceOperations, TaskOperations, AdministrationOperations,
                      MessageOperations, LoginOperations, CheckOperations, NotificationOperations,
                      RetentionOperations, PeopleOperations, MigrationOperations, BackupOperations,
                      DirectoryOperations):
    """Everything alur does to processes, cases and tasks, on one SQLAlchemy session."""
