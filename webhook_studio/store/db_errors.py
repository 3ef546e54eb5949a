"""What kind of database failure an exception is, from its code, never from its wording.

Why codes: messages differ between SQLite versions, between SQLite and PostgreSQL ("database
is locked" vs "could not obtain lock on row"), and between locales; the codes do not. SQLite
gives ``sqlite3.Error.sqlite_errorcode`` (the extended result code; its low byte is the primary
code) and ``sqlite_errorname``; PostgreSQL drivers give the SQLSTATE (``sqlstate`` in psycopg
3, ``pgcode`` in psycopg2), read here with ``getattr`` so no driver is imported.

``classify(exc) -> DbErrorKind`` is a stable entry point: SQLAlchemy's wrappers (``exc.orig``),
the driver's own exceptions and our :class:`StoreUnavailable` (whose cause is looked at) all
go in; callers pick a sentence, a health state or an HTTP status from the kind.
"""

from __future__ import annotations

import sqlite3
from enum import StrEnum

__all__ = ["DbErrorKind", "classify", "is_transient"]


class DbErrorKind(StrEnum):
    BUSY = "busy"                  # locked by another writer, deadlock, lock timeout
    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"        # read-only file or database, no permission to write
    CORRUPT = "corrupt"            # damaged, or not a database at all
    UNIQUE_VIOLATION = "unique_violation"
    CONNECTION_LOST = "connection_lost"  # server gone, connection closed or refused
    CANNOT_OPEN = "cannot_open"    # the file or database cannot be opened (path, auth)
    OTHER = "other"


# SQLite primary result codes (https://sqlite.org/rescode.html).
SQLITE_PERM, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY = 3, 5, 6, 8
SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_CONSTRAINT = 11, 13, 14, 19
SQLITE_NOTADB = 26
# Extended codes of SQLITE_CONSTRAINT that mean "this key is taken".
SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE = 1555, 2067

_SQLITE_PRIMARY = {
    SQLITE_BUSY: DbErrorKind.BUSY,
    SQLITE_LOCKED: DbErrorKind.BUSY,
    SQLITE_FULL: DbErrorKind.DISK_FULL,
    SQLITE_READONLY: DbErrorKind.READ_ONLY,
    SQLITE_PERM: DbErrorKind.READ_ONLY,
    SQLITE_CORRUPT: DbErrorKind.CORRUPT,
    SQLITE_NOTADB: DbErrorKind.CORRUPT,
    SQLITE_CANTOPEN: DbErrorKind.CANNOT_OPEN,
}

# PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html).
_SQLSTATE = {
    "40P01": DbErrorKind.BUSY,        # deadlock_detected
    "40001": DbErrorKind.BUSY,        # serialization_failure
    "55P03": DbErrorKind.BUSY,        # lock_not_available (lock_timeout, NOWAIT)
    "53300": DbErrorKind.BUSY,        # too_many_connections
    "53100": DbErrorKind.DISK_FULL,   # disk_full
    "25006": DbErrorKind.READ_ONLY,   # read_only_sql_transaction (a hot standby)
    "42501": DbErrorKind.READ_ONLY,   # insufficient_privilege
    "23505": DbErrorKind.UNIQUE_VIOLATION,
    "57P01": DbErrorKind.CONNECTION_LOST,  # admin_shutdown
    "57P02": DbErrorKind.CONNECTION_LOST,  # crash_shutdown
    "57P03": DbErrorKind.CONNECTION_LOST,  # cannot_connect_now (starting up)
    "XX001": DbErrorKind.CORRUPT,     # data_corrupted
    "XX002": DbErrorKind.CORRUPT,     # index_corrupted
    "3D000": DbErrorKind.CANNOT_OPEN,  # invalid_catalog_name: no such database
    "28000": DbErrorKind.CANNOT_OPEN,  # invalid_authorization_specification
    "28P01": DbErrorKind.CANNOT_OPEN,  # invalid_password
}
_SQLSTATE_CLASSES = {
    "08": DbErrorKind.CONNECTION_LOST,  # connection_exception
    "23": DbErrorKind.OTHER,            # other integrity violations (foreign key, not null)
}


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc``, then what it wraps: SQLAlchemy's ``orig``, then ``__cause__``/``__context__``."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 8:
        chain.append(current)
        orig = getattr(current, "orig", None)
        current = (orig if isinstance(orig, BaseException)
                   else current.__cause__ or current.__context__)
    return chain


def _sqlite_kind(exc: sqlite3.Error) -> DbErrorKind | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(exc, sqlite3.IntegrityError) and code is None:
        return None  # a constraint whose code this Python does not expose: look further
    if code is None:
        return None
    if code in (SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY):
        return DbErrorKind.UNIQUE_VIOLATION
    if code & 0xFF == SQLITE_CONSTRAINT:
        return DbErrorKind.OTHER
    return _SQLITE_PRIMARY.get(code & 0xFF, DbErrorKind.OTHER)


def _sqlstate_kind(exc: BaseException) -> DbErrorKind | None:
    state = getattr(exc, "sqlstate", None) or getattr(exc, "pgcode", None)
    if not isinstance(state, str) or len(state) != 5:
        return None
    return _SQLSTATE.get(state) or _SQLSTATE_CLASSES.get(state[:2], DbErrorKind.OTHER)


def classify(exc: BaseException) -> DbErrorKind:
    """The kind of database failure ``exc`` is (``OTHER`` when nothing says)."""
    for cause in _causes(exc):
        kind = getattr(cause, "kind", None)  # StoreUnavailable/DuplicateRecord carry theirs
        if isinstance(kind, DbErrorKind) and kind is not DbErrorKind.OTHER:
            return kind
        if isinstance(cause, sqlite3.Error):
            found = _sqlite_kind(cause)
            if found is not None:
                return found
        found = _sqlstate_kind(cause)
        if found is not None:
            return found
        if getattr(cause, "connection_invalidated", False):  # SQLAlchemy's DBAPIError
            return DbErrorKind.CONNECTION_LOST
    return DbErrorKind.OTHER


def is_transient(kind: DbErrorKind) -> bool:
    """Waiting and trying again can help (another writer lets go, the server comes back)."""
    return kind in (DbErrorKind.BUSY, DbErrorKind.CONNECTION_LOST)
