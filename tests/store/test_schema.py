"""Schema versioning: new files are created at the current version, old ones upgraded in order,
newer ones refused without being touched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, inspect, text

from tests.store.test_change_counters import remove_counters
from webhook_studio.store import SchemaTooNewError, StoreUnavailable, UnusableDatabase, open_store
from webhook_studio.store.base import Base
from webhook_studio.store.schema import SCHEMA_VERSION, ensure_schema, read_version


def test_a_new_file_gets_every_table_and_the_current_version(db_path: Path) -> None:
    store = open_store(db_path)
    try:
        assert store.upgraded_from == 0
        with store.engine.connect() as conn:
            assert read_version(conn) == SCHEMA_VERSION
            tables = set(inspect(conn).get_table_names())
        assert set(Base.metadata.tables) <= tables
    finally:
        store.dispose()
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    raw.close()


def test_reopening_keeps_data_and_does_not_recreate(db_path: Path) -> None:
    open_store(db_path).dispose()
    again = open_store(db_path)
    assert again.upgraded_from == SCHEMA_VERSION
    again.dispose()


def test_migrations_run_in_order_from_an_old_version(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    ran: list[int] = []

    def create_v1(conn: Connection) -> None:
        conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        conn.execute(text("INSERT INTO notes (body) VALUES ('kept')"))

    def v1_to_v2(conn: Connection) -> None:
        ran.append(1)
        conn.execute(text("ALTER TABLE notes ADD COLUMN tag TEXT DEFAULT 'x'"))

    def v2_to_v3(conn: Connection) -> None:
        ran.append(2)
        conn.execute(text("UPDATE notes SET tag = 'y'"))

    with engine.begin() as conn:
        assert ensure_schema(conn, target=1, migrations={}, create=create_v1) == 0
    with engine.begin() as conn:
        found = ensure_schema(conn, target=3, migrations={1: v1_to_v2, 2: v2_to_v3})
        assert found == 1
        assert read_version(conn) == 3
        assert conn.execute(text("SELECT body, tag FROM notes")).one() == ("kept", "y")
    assert ran == [1, 2]
    engine.dispose()


def test_a_file_from_a_newer_version_is_refused_untouched(db_path: Path) -> None:
    open_store(db_path).dispose()
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE studio_meta SET value = '99' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    with pytest.raises(SchemaTooNewError, match="newer Webhook Studio"):
        open_store(db_path)
    raw = sqlite3.connect(db_path)
    assert raw.execute("SELECT value FROM studio_meta").fetchone() == ("99",)
    raw.close()


def test_a_missing_migration_step_is_a_clear_error(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'gap.sqlite3'}")
    with engine.begin() as conn:
        ensure_schema(conn, target=1, migrations={}, create=lambda c: None)
    with engine.begin() as conn, pytest.raises(SchemaTooNewError, match="No migration from"):
        ensure_schema(conn, target=2, migrations={})
    engine.dispose()


def test_an_unopenable_path_is_a_sentence_not_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises((StoreUnavailable, OSError)):
        open_store(blocker / "sub" / "db.sqlite3")


def test_garbage_file_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    # Another kind of file is the user's choice to change (exit 2), not a failing store.
    with pytest.raises(UnusableDatabase, match="is not a SQLite database"):
        open_store(bad)


def _make_version_1_file(path: Path) -> None:
    """A file as version 1 wrote it: no leases, no response sizes, one delivery left in
    flight by a crash (version 1 marked it with ``in_flight_since`` only)."""
    open_store(path).dispose()
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        remove_counters(conn)  # schema 6
    engine.dispose()
    raw = sqlite3.connect(path)
    for table, column in (("deliveries", "in_flight_until"), ("deliveries", "lease_owner"),
                          ("attempts", "response_size")):
        raw.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    raw.execute("UPDATE studio_meta SET value = '1' WHERE key = 'schema_version'")
    raw.execute("PRAGMA user_version = 1")
    raw.execute("INSERT INTO subscriptions (id, url, description, events, headers, active, "
                "scheme, retry_policy, timeout_seconds, max_concurrency, adhoc, created_at, "
                "updated_at) VALUES ('wh_1', 'http://127.0.0.1:9/x', '', '[\"*\"]', '{}', 1, "
                "'standard-webhooks', '{\"kind\": \"schedule\", \"delays\": [0, 60]}', 2, 1, "
                "0, 1, 1)")
    raw.execute("INSERT INTO subscription_secrets (subscription_id, secret, created_at) "
                "VALUES ('wh_1', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 1)")
    raw.execute("INSERT INTO events (id, type, payload, created_at) "
                "VALUES ('evt_1', 'a.b', X'7B7D', 1)")
    raw.execute("INSERT INTO deliveries (id, event_id, subscription_id, event_type, "
                "target_url, state, attempt_count, next_attempt_at, in_flight_since, "
                "created_at, updated_at) VALUES ('msg_1', 'evt_1', 'wh_1', 'a.b', "
                "'http://127.0.0.1:9/x', 'pending', 0, 100, 100, 1, 1)")
    raw.commit()
    raw.close()


async def test_a_version_1_file_is_upgraded_to_leases_and_its_in_flight_delivery_resumes(
        db_path: Path) -> None:
    """Schema 2 (issue 14): leases replace the bare in-flight mark. A mark version 1 left
    behind becomes an expired lease, so the delivery is sent again (as version 1 did at
    start), and nothing stored is lost."""
    from webhook_studio.core.clock import FixedClock
    from webhook_studio.sender import Dispatcher
    from webhook_studio.store.sender_models import Delivery

    _make_version_1_file(db_path)
    store = open_store(db_path)
    try:
        assert store.upgraded_from == 1
        with store.engine.connect() as conn:
            assert read_version(conn) == SCHEMA_VERSION
            columns = {c["name"] for c in inspect(conn).get_columns("deliveries")}
            assert {"in_flight_until", "lease_owner"} <= columns
            assert "response_size" in {c["name"] for c in inspect(conn).get_columns("attempts")}
        with store.session() as session:
            row = session.get(Delivery, "msg_1")
            assert row is not None and row.in_flight_until == 100.0 and row.lease_owner is None
        dispatcher = Dispatcher(store, FixedClock(1_000.0))
        try:
            assert await dispatcher.run_due() == 1
        finally:
            await dispatcher.stop()
        with store.session() as session:
            row = session.get(Delivery, "msg_1")
            assert row is not None and row.attempt_count == 1 and row.in_flight_until is None
    finally:
        store.dispose()
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    raw.close()


def test_a_version_2_file_speaks_the_one_outcome_vocabulary_after_the_upgrade(
        db_path: Path) -> None:
    """Schema 3 (issue 13): replays stored status classes ("2xx", "5xx") in the column where
    the dispatcher stores "success"/"http_error"; the upgrade rewrites them, so filters and
    the timeline read replays and deliveries alike."""
    from webhook_studio.core.vocabulary import AttemptOutcome
    from webhook_studio.store.sender_models import Attempt

    _make_version_1_file(db_path)
    raw = sqlite3.connect(db_path)
    for number, outcome in enumerate(("2xx", "5xx", "4xx", "timeout", "success"), 1):
        raw.execute("INSERT INTO attempts (delivery_id, number, started_at, request_headers, "
                    "request_body, response_headers, response_body, outcome) VALUES "
                    "('msg_1', ?, 1, '[]', X'', '[]', X'', ?)", (number, outcome))
    raw.commit()
    raw.close()
    store = open_store(db_path)
    try:
        with store.session() as session:
            stored = [a.outcome for a in session.query(Attempt).order_by(Attempt.number)]
    finally:
        store.dispose()
    assert stored == ["success", "http_error", "http_error", "timeout", "success"]
    assert set(stored) <= {str(o) for o in AttemptOutcome}
