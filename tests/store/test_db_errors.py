"""Database failures are told apart by their codes: real sqlite3 errors made on real files, and
PostgreSQL SQLSTATEs as psycopg reports them (driver objects stand in: no server here)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.team.faults import store_locked
from webhook_studio.health import Health
from webhook_studio.store import Store, open_store
from webhook_studio.store.database import describe_db_error
from webhook_studio.store.db_errors import DbErrorKind, classify, is_transient
from webhook_studio.store.errors import DuplicateRecord, StoreUnavailable, UnusableDatabase
from webhook_studio.store.receiver_queries import create_endpoint, update_endpoint


def failure(make: object) -> sqlite3.Error:
    try:
        make()  # type: ignore[operator]
    except sqlite3.Error as exc:
        return exc
    raise AssertionError("no error was raised")


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "t.sqlite3"
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE t (k TEXT UNIQUE, v TEXT NOT NULL)")
        conn.execute("INSERT INTO t VALUES ('a', 'x')")
    conn.close()
    return path


def test_a_lock_held_by_another_connection_is_busy(table: Path) -> None:
    holder = sqlite3.connect(table, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        other = sqlite3.connect(table, timeout=0.05)
        exc = failure(lambda: other.execute("INSERT INTO t VALUES ('b', 'y')"))
        other.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert classify(exc) is DbErrorKind.BUSY and is_transient(DbErrorKind.BUSY)
    assert describe_db_error(exc).startswith("The database is locked by another program")


def test_a_unique_violation_and_other_constraints(table: Path) -> None:
    conn = sqlite3.connect(table)
    unique = failure(lambda: conn.execute("INSERT INTO t VALUES ('a', 'y')"))
    not_null = failure(lambda: conn.execute("INSERT INTO t VALUES ('c', NULL)"))
    conn.close()
    assert classify(unique) is DbErrorKind.UNIQUE_VIOLATION
    assert classify(not_null) is DbErrorKind.OTHER
    wrapped = IntegrityError("INSERT ...", {}, unique)  # as SQLAlchemy raises it
    assert classify(wrapped) is DbErrorKind.UNIQUE_VIOLATION


def test_a_read_only_database(table: Path) -> None:
    conn = sqlite3.connect(f"file:{table}?mode=ro", uri=True)
    exc = failure(lambda: conn.execute("INSERT INTO t VALUES ('b', 'y')"))
    conn.close()
    assert classify(exc) is DbErrorKind.READ_ONLY
    assert "cannot be written" in describe_db_error(exc)


def test_a_full_database(table: Path) -> None:
    conn = sqlite3.connect(table)
    conn.execute("PRAGMA max_page_count = 3")
    exc = failure(lambda: [conn.execute("INSERT INTO t VALUES (?, ?)", (str(i), "x" * 4000))
                           for i in range(50)])
    conn.close()
    assert classify(exc) is DbErrorKind.DISK_FULL
    assert not is_transient(classify(exc))


def test_not_a_database_and_cannot_open(tmp_path: Path) -> None:
    garbage = tmp_path / "photo.sqlite3"
    garbage.write_bytes(b"\x89PNG not a database at all" * 100)
    conn = sqlite3.connect(garbage)
    exc = failure(lambda: conn.execute("SELECT * FROM sqlite_master"))
    conn.close()
    assert classify(exc) is DbErrorKind.CORRUPT
    with pytest.raises(UnusableDatabase, match="is not a SQLite database"):
        open_store(garbage)
    missing = failure(lambda: sqlite3.connect(tmp_path / "no" / "such" / "dir.sqlite3"))
    assert classify(missing) is DbErrorKind.CANNOT_OPEN


def test_the_store_raises_a_typed_duplicate_for_a_taken_path(store: Store) -> None:
    create_endpoint(store, path="/a")
    second = create_endpoint(store, path="/b")
    with pytest.raises(DuplicateRecord, match="Another endpoint already has the path /a"):
        create_endpoint(store, path="/a")
    with pytest.raises(DuplicateRecord, match="already has the path /a"):
        update_endpoint(store, second, path="/a")


def test_the_store_reports_a_lock_as_busy_and_health_calls_it_degraded(db_url: str,
                                                                       store: Store) -> None:
    with store_locked(db_url), pytest.raises(StoreUnavailable) as caught:
        create_endpoint(store, path="/locked")
    assert caught.value.kind is DbErrorKind.BUSY
    health = Health()
    health.store_failed(caught.value)
    assert health.get("store").state == "degraded"
    health.store_failed(StoreUnavailable("The disk is full.", DbErrorKind.DISK_FULL))
    assert health.get("store").state == "down"


class PsycopgError(Exception):
    """What psycopg 3 raises: the SQLSTATE in ``sqlstate``."""

    def __init__(self, sqlstate: str | None) -> None:
        super().__init__("server said no")
        self.sqlstate = sqlstate


class Psycopg2Error(Exception):
    """What psycopg2 raises: the SQLSTATE in ``pgcode``."""

    def __init__(self, pgcode: str) -> None:
        super().__init__("server said no")
        self.pgcode = pgcode


@pytest.mark.parametrize(("sqlstate", "kind"), [
    ("40P01", DbErrorKind.BUSY), ("55P03", DbErrorKind.BUSY),
    ("53100", DbErrorKind.DISK_FULL), ("23505", DbErrorKind.UNIQUE_VIOLATION),
    ("23503", DbErrorKind.OTHER), ("08006", DbErrorKind.CONNECTION_LOST),
    ("08001", DbErrorKind.CONNECTION_LOST), ("57P01", DbErrorKind.CONNECTION_LOST),
    ("25006", DbErrorKind.READ_ONLY), ("XX001", DbErrorKind.CORRUPT),
    ("42P01", DbErrorKind.OTHER),
])
def test_postgresql_sqlstates(sqlstate: str, kind: DbErrorKind) -> None:
    assert classify(OperationalError("UPDATE ...", {}, PsycopgError(sqlstate))) is kind
    assert classify(Psycopg2Error(sqlstate)) is kind
    ours = StoreUnavailable("The database failed.")  # as translate_errors raises it
    ours.__cause__ = OperationalError("UPDATE ...", {}, PsycopgError(sqlstate))
    assert classify(ours) is kind


@given(st.integers(min_value=0, max_value=0xFFFF))
def test_any_sqlite_code_maps_by_its_primary_code(code: int) -> None:
    exc = sqlite3.OperationalError("whatever the wording")
    exc.sqlite_errorcode = code
    kind = classify(exc)
    primary = code & 0xFF
    if primary in (5, 6):
        assert kind is DbErrorKind.BUSY
    elif primary == 13:
        assert kind is DbErrorKind.DISK_FULL
    elif primary not in (3, 8, 11, 14, 19, 26):
        assert kind is DbErrorKind.OTHER


@given(st.text(max_size=8), st.text(max_size=60))
def test_wording_never_decides(sqlstate: str, message: str) -> None:
    """A message saying "locked" or "UNIQUE" without a code is OTHER, and nothing crashes."""
    kind = classify(PsycopgError(sqlstate))
    assert isinstance(kind, DbErrorKind)
    assert classify(sqlite3.OperationalError(f"database is locked {message}")) \
        is DbErrorKind.OTHER
