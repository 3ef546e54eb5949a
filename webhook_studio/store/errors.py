"""Errors the store raises, translated from SQLAlchemy/sqlite3 at this boundary.

    StoreError
     ├── UnusableDatabase    --db names something this version cannot use (exit 2): an unknown
     │    │                  URL scheme, a driver not installed, another program's file
     │    └── SchemaTooNewError   the database was written by a newer Webhook Studio
     ├── StoreUnavailable    the database cannot be opened or written (locked, disk full, ...)
     └── NotFound            a record asked for by id does not exist
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of store errors; the message is a sentence for the user."""


class UnusableDatabase(StoreError):
    """The database named cannot be used by this version; choosing another one fixes it."""


class SchemaTooNewError(UnusableDatabase):
    """The file's schema version is newer than this program understands."""


class StoreUnavailable(StoreError):
    """The database could not be opened or written."""


class NotFound(StoreError):
    """No record with that id."""
