"""Errors the store raises, translated from SQLAlchemy/sqlite3 at this boundary
(a branch of the tree in :mod:`webhook_studio.errors`; how a database error is recognised is
in :mod:`webhook_studio.store.db_errors`).

    StoreError
     ├── UnusableDatabase    --db names something this version cannot use (exit 2): an unknown
     │    │                  URL scheme, a driver not installed, another program's file
     │    └── SchemaTooNewError   the database was written by a newer Webhook Studio
     ├── StoreUnavailable    the database cannot be opened or written (locked, disk full, ...)
     ├── DuplicateRecord     a record with the same unique key exists (an endpoint path)
     └── NotFound            a record asked for by id does not exist
"""

from __future__ import annotations

from webhook_studio.core.errors import WebhookStudioError
from webhook_studio.store.db_errors import DbErrorKind


class StoreError(WebhookStudioError):
    """Base of store errors; the message is a sentence for the user."""


class UnusableDatabase(StoreError):
    """The database named cannot be used by this version; choosing another one fixes it."""

    exit_code = 2


class SchemaTooNewError(UnusableDatabase):
    """The file's schema version is newer than this program understands."""


class StoreUnavailable(StoreError):
    """The database could not be opened or written; ``kind`` says why (locked, full, ...)."""

    def __init__(self, message: str, kind: DbErrorKind = DbErrorKind.OTHER) -> None:
        super().__init__(message)
        self.kind = kind


class DuplicateRecord(StoreError):
    """A unique key is taken (two endpoints on one path): the user picks another value."""

    exit_code = 2
    kind = DbErrorKind.UNIQUE_VIOLATION


class NotFound(StoreError):
    """No record with that id."""
