"""Opening a store: engine, connection pragmas, schema check, sessions.

SQLite is the default (WAL, synchronous=NORMAL, a busy timeout); PostgreSQL
(``postgresql+psycopg://…``) is the team database (docs/team.md); any SQLAlchemy URL works.
The SQLite file holds secrets in clear text, so it and its -wal/-shm files are 0600 and new
folders for it 0700 (see docs/security.md).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from webhook_studio.paths import DB_FILENAME, default_data_dir, default_db_path
from webhook_studio.private_files import make_private_dir, restrict, write_private
from webhook_studio.store import models  # noqa: F401  (registers every table on Base)
from webhook_studio.store.db_errors import DbErrorKind, classify
from webhook_studio.store.errors import DuplicateRecord, StoreUnavailable, UnusableDatabase
from webhook_studio.store.pg_errors import describe_pg_error
from webhook_studio.store.schema import ensure_schema

__all__ = ["DB_FILENAME", "Store", "default_data_dir", "default_db_path", "open_store"]
#: How long one statement waits for another program's lock before StoreUnavailable. Short on
#: purpose: callers answer 503 (API, receiver) or back off and retry (sender) instead of
#: hanging; our own commits hold the lock for milliseconds.
BUSY_TIMEOUT_MS = 2000


def to_url(db: str | Path | None) -> str:
    """``--db`` takes a file path or a SQLAlchemy URL; None means the default file."""
    if db is None:
        db = default_db_path()
    text = str(db)
    if "://" in text:
        from webhook_studio.store.team_check import team_url

        return team_url(text)  # postgresql:// means psycopg 3, the driver we ship
    path = Path(text).expanduser()
    make_private_dir(path.parent)
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


#: The sentence for each kind of failure (see ``db_errors``); ``{detail}`` is the driver's text.
_SENTENCES = {
    DbErrorKind.BUSY: "The database is locked by another program ({detail}); close it and "
                      "try again.",
    DbErrorKind.DISK_FULL: "The disk holding the database is full ({detail}); free some space.",
    DbErrorKind.READ_ONLY: "The database file cannot be written ({detail}); check its "
                           "permissions.",
    DbErrorKind.CANNOT_OPEN: "The database file cannot be opened ({detail}); check the --db "
                             "path.",
    DbErrorKind.CORRUPT: "The database is damaged or is not a database ({detail}); restore a "
                         "backup or choose another file with --db.",
    DbErrorKind.UNIQUE_VIOLATION: "A record with the same key already exists ({detail}).",
    DbErrorKind.CONNECTION_LOST: "The connection to the database was lost ({detail}); check "
                                 "that the database server is running, then try again.",
    DbErrorKind.OTHER: "The database failed: {detail}.",
}


def describe_db_error(exc: BaseException) -> str:
    """One sentence for a database failure, without a traceback; chosen by the failure's
    code (:func:`~webhook_studio.store.db_errors.classify`), never by its wording."""
    if (team := describe_pg_error(exc)) is not None:  # PostgreSQL's own sentences by SQLSTATE
        return team
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    detail = str(orig).strip() or type(orig).__name__
    return _SENTENCES[classify(exc)].format(detail=detail)


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn SQLAlchemy/sqlite3 errors into :class:`StoreUnavailable` (or, for a taken unique
    key, :class:`DuplicateRecord`) with a sentence and the failure's kind."""
    try:
        yield
    except (SQLAlchemyError, sqlite3.Error) as exc:
        kind = classify(exc)
        if kind is DbErrorKind.UNIQUE_VIOLATION:
            raise DuplicateRecord(describe_db_error(exc)) from exc
        raise StoreUnavailable(describe_db_error(exc), kind) from exc


#: How long connecting to a team database may take before the store counts as unreachable
#: (the receiver answers 503, the sender pauses), and how long one statement may wait for a
#: row lock before giving up: short for the same reason as ``BUSY_TIMEOUT_MS``.
PG_CONNECT_TIMEOUT_S = 3
PG_LOCK_TIMEOUT_MS = 5000


def postgres_engine_options() -> dict[str, Any]:
    """Engine options for PostgreSQL (team mode, docs/team.md).

    ``pool_pre_ping`` so a connection the server dropped (a restart, ``pg_terminate_backend``,
    a network cut) is replaced before use instead of failing the next statement; a connect
    timeout so a vanished server is an error in seconds, not a hang; an application name so
    ``pg_stat_activity`` tells the team which program holds a connection.
    """
    return {
        "pool_pre_ping": True,
        "pool_size": 5,
        "max_overflow": 10,
        "pool_timeout": PG_CONNECT_TIMEOUT_S * 2,
        "connect_args": {
            "connect_timeout": PG_CONNECT_TIMEOUT_S,
            "application_name": "webhook-studio",
            "options": f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}",
        },
    }


def _make_engine(url: str, kwargs: dict[str, Any]) -> Engine:
    """``create_engine`` with a sentence for a URL that cannot work here."""
    try:
        return create_engine(url, **kwargs)
    except NoSuchModuleError:
        kind = url.split("://", 1)[0]
        raise UnusableDatabase(
            f"--db {url!r} names an unknown kind of database ({kind!r}); give a file path, "
            "or a URL like sqlite:///path/studio.sqlite3 or postgresql+psycopg://user@host/db."
        ) from None
    except ArgumentError as exc:
        raise UnusableDatabase(
            f"--db {url!r} is neither a file path nor a database URL SQLAlchemy understands "
            f"({exc}); give a file path, or a URL like postgresql+psycopg://user@host/db."
        ) from None
    except ImportError as exc:
        driver = exc.name or str(exc)
        raise UnusableDatabase(
            f"--db {url.split('://', 1)[0]}://… needs the Python package {driver!r}, which is "
            f"not installed: install it (pip install {driver}) or use a SQLite file."
        ) from None


def sqlite_file(url: str) -> Path | None:
    """The file behind a ``sqlite:///`` URL, or None (in-memory, other databases)."""
    if not url.startswith("sqlite"):
        return None
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _create_private(path: Path) -> None:
    """Create the database file 0600 before SQLite does: SQLite gives its -wal and -shm files
    the database file's mode, so they are private too."""
    if path.is_dir():
        raise UnusableDatabase(f"--db {path} is a folder; give a file path such as "
                               f"{path / DB_FILENAME}.")
    with contextlib.suppress(FileExistsError):
        write_private(path, b"", exclusive=True)


def _restrict_sqlite_files(path: Path) -> None:
    """Take group/other access away from an older store we own (made before files were
    private) and from its -wal/-shm files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        restrict(path.with_name(path.name + suffix))


class Store:
    """An open database: the engine and a session factory. Build one per process."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
        elif url.startswith("postgresql"):
            kwargs.update(postgres_engine_options())
        self.engine: Engine = _make_engine(url, kwargs)
        self.path = sqlite_file(url) if self.engine.dialect.name == "sqlite" else None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            if self.path is not None:
                _create_private(self.path)
            with translate_errors(), self.engine.begin() as conn:
                self.upgraded_from = ensure_schema(conn)
            if self.path is not None:  # only once it is known to be ours
                _restrict_sqlite_files(self.path)
        except StoreUnavailable as exc:
            self.engine.dispose()
            if exc.kind is DbErrorKind.CORRUPT:
                raise UnusableDatabase(
                    f"{self.path or url} is not a SQLite database (or is encrypted or damaged);"
                    " choose another file with --db.") from None
            raise
        except BaseException:
            self.engine.dispose()
            raise

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error, errors translated."""
        with translate_errors(), self.sessions.begin() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(db: str | Path | None = None) -> Store:
    """Open (creating or upgrading) the store at a path, a URL, or the default location."""
    return Store(to_url(db))
