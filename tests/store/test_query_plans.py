"""Every hot query finds its rows through an index, so the rate does not fall with table size.

Each test runs the real code path (the receiver's writer, the Inbox's count and pages, the
sender's claim and due scans, a delivery's attempts) against a real SQLite file, records every
statement it sent, and asks SQLite for the plan of each (``EXPLAIN QUERY PLAN`` with the same
parameters). A plan that walks ``captures``, ``deliveries`` or ``attempts`` row by row fails the
test: that is what happens when someone drops or renames an index these queries need.

The one allowed walk of a whole table is along its primary key in order with a ``LIMIT``
(newest-first pages): it stops after the page, whatever the table's size.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from webhook_studio.receiver.writer import CaptureRecord, CaptureWriter
from webhook_studio.store import Store, open_store
from webhook_studio.store.pages import CaptureSource, DeliverySource
from webhook_studio.store.receiver_queries import CaptureFilter, accepted_headers_since
from webhook_studio.store.sender_queries import attempts_of, create_subscription
from webhook_studio.store.window_reads import status_counts

HOT_TABLES = ("captures", "deliveries", "attempts")
WALK = re.compile(r"\bSCAN (captures|deliveries|attempts)\b(?! USING)")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "plans.sqlite3")
    yield opened
    opened.dispose()


def _record(i: int, valid: bool | None = True, endpoint_id: int | None = None) -> CaptureRecord:
    return CaptureRecord({"received_at": time.time() - 1000 + i, "method": "POST",
                          "path": "/hooks/plans", "headers": [["X-GitHub-Delivery", str(i)]],
                          "body": b"{}", "body_size": 2, "verify_valid": valid,
                          "endpoint_id": endpoint_id}, f"x-github-delivery:{i % 40}")


def _fill_captures(store: Store) -> CaptureWriter:
    writer = CaptureWriter(store)
    writer._write([_record(i, valid=(None, True, False)[i % 3]) for i in range(200)])
    return writer


@contextmanager
def recorded(store: Store) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the engine sends while the block runs, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
               executemany: bool) -> None:
        seen.append((statement, parameters[0] if executemany and parameters else parameters))

    event.listen(store.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", before)


def plans(store: Store, statements: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    """``(statement, plan lines)`` for each statement that reads one of the hot tables."""
    out = []
    with store.engine.connect() as conn:
        for sql, params in statements:
            words = sql.lstrip().split(None, 1)
            if not words or words[0].upper() not in ("SELECT", "UPDATE", "DELETE", "INSERT"):
                continue
            if words[0].upper() == "INSERT" and "SELECT" not in sql.upper():
                continue  # an INSERT of values reads nothing
            if not any(re.search(rf"\b{t}\b", sql) for t in HOT_TABLES):
                continue
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params or ()).all()
            out.append((sql, [str(r[-1]) for r in rows]))
    return out


def assert_indexed(found: list[tuple[str, list[str]]]) -> None:
    assert found, "no statement on captures, deliveries or attempts was recorded"
    for sql, plan in found:
        for line in plan:
            if not WALK.search(line):
                continue
            ordered_walk = ("LIMIT" in sql.upper() and "ORDER BY" in sql.upper()
                            and not any("TEMP B-TREE" in p for p in plan))
            assert ordered_walk, (f"a row-by-row scan without an index:\n  {line}\n"
                                  f"in\n  {sql}\nplan:\n  " + "\n  ".join(plan))


def run_and_plan(store: Store, action: Callable[[], Any]) -> list[tuple[str, list[str]]]:
    with recorded(store) as seen:
        action()
    return plans(store, seen)


def test_receiver_duplicate_lookup_uses_the_delivery_id_index(store: Store) -> None:
    writer = _fill_captures(store)
    raw = writer._raw.driver_connection
    traced: list[str] = []
    raw.set_trace_callback(traced.append)
    try:
        writer._write([_record(7), _record(900)])
    finally:
        raw.set_trace_callback(None)
        writer._drop_raw()
    lookups = [s for s in traced if s.lstrip().upper().startswith("SELECT")]
    assert lookups, traced
    conn = sqlite3.connect(store.engine.url.database or "")
    try:
        found = [(s, [str(r[-1]) for r in conn.execute("EXPLAIN QUERY PLAN " + s)])
                 for s in lookups]
    finally:
        conn.close()
    assert_indexed(found)
    assert any("delivery_id" in line for _, plan in found for line in plan), found


@pytest.mark.parametrize("flt", [
    CaptureFilter(),
    CaptureFilter(valid=False),
    CaptureFilter(valid=True),
    CaptureFilter(endpoint_id=1),
], ids=["all", "invalid", "valid", "endpoint"])
def test_inbox_count_and_pages_use_indexes(store: Store, flt: CaptureFilter) -> None:
    _fill_captures(store)._drop_raw()
    source = CaptureSource(store, flt)

    def browse() -> None:
        total = source.count()
        source.page(0, 50, max(total, 1))
        source.page(max(0, total - 50), 50, max(total, 1))  # the far end: mirrored query
        source.count_after(100)
        source.count_after_with_rows(100, 200)  # the Inbox's arrivals, with their rows

    assert_indexed(run_and_plan(store, browse))


def test_status_bar_and_replay_window_reads_use_indexes(store: Store) -> None:
    _fill_captures(store)._drop_raw()
    found = run_and_plan(store, lambda: (status_counts(store, time.time() - 500),
                                         accepted_headers_since(store, None,
                                                                time.time() - 500)))
    assert_indexed(found)


def _deliveries(store: Store, count: int = 60) -> None:
    from webhook_studio.core.retry import parse_policy
    from webhook_studio.sender import Dispatcher

    create_subscription(store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                              url="http://127.0.0.1:9/hook", events=["*"],
                              retry_policy=parse_policy("0").to_dict())
    dispatcher = Dispatcher(store)
    for i in range(count):
        dispatcher.emit("invoice.paid", {"n": i})


def test_sender_claim_and_due_scans_use_indexes(store: Store) -> None:
    from webhook_studio.sender.queue import any_due, claim_due, next_due

    _deliveries(store)

    def claim() -> None:
        now = time.time() + 5
        with store.session() as session:
            any_due(session, now)
            next_due(session, now=now)
            claim_due(session, now, owner="plans")

    assert_indexed(run_and_plan(store, claim))


def test_delivery_list_and_attempts_use_indexes(store: Store) -> None:
    _deliveries(store)
    source = DeliverySource(store, "pending")
    with store.session() as session:
        from sqlalchemy import select

        from webhook_studio.store.sender_models import Delivery

        first = session.scalar(select(Delivery.id).limit(1))
    assert first is not None

    def read() -> None:
        total = source.count()
        source.page(0, 50, total)
        with store.session() as session:
            attempts_of(session, first)

    assert_indexed(run_and_plan(store, read))


def test_a_dropped_index_is_caught(store: Store) -> None:
    """The check itself can fail: without the delivery-id index, the duplicate lookup walks
    the table, and the assertion says so."""
    _fill_captures(store)._drop_raw()
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_captures_delivery_id")
    statement = ("SELECT delivery_id, min(id) FROM captures WHERE delivery_id IN (?) "
                 "GROUP BY delivery_id", ("x",))
    with pytest.raises(AssertionError, match="row-by-row scan"):
        assert_indexed(plans(store, [statement]))


def _capture_indexes(path: str) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                           "AND tbl_name = 'captures' AND sql IS NOT NULL")}
    finally:
        conn.close()


def test_reads_by_endpoint_use_the_endpoint_and_time_index(store: Store) -> None:
    """Schema 5 dropped ``ix_captures_endpoint_id``: the replay window's read for one endpoint,
    the Inbox's endpoint box and the foreign key's lookup when an endpoint is deleted all
    find their rows through ``(endpoint_id, received_at)``."""
    from webhook_studio.store.receiver_queries import create_endpoint

    endpoint = create_endpoint(store, path="/hooks/plans")
    writer = CaptureWriter(store)
    writer._write([_record(i, endpoint_id=endpoint if i % 2 else None) for i in range(200)])
    writer._drop_raw()
    found = run_and_plan(store, lambda: accepted_headers_since(store, endpoint,
                                                               time.time() - 500))
    found += plans(store, [("SELECT id FROM captures WHERE endpoint_id = ?", (endpoint,))])
    assert_indexed(found)
    for sql, plan in found:
        assert any("ix_captures_endpoint_received" in line for line in plan), (sql, plan)
    assert "ix_captures_endpoint_id" not in _capture_indexes(store.engine.url.database or "")


def test_a_version_4_file_drops_the_two_unneeded_indexes_and_keeps_its_captures(
        tmp_path: Path) -> None:
    path = tmp_path / "v4.sqlite3"
    fresh = open_store(path)
    writer = _fill_captures(fresh)
    writer._drop_raw()
    fresh.dispose()
    wanted = _capture_indexes(str(path))
    raw = sqlite3.connect(path)
    raw.execute("CREATE INDEX ix_captures_endpoint_id ON captures (endpoint_id)")
    raw.execute("CREATE INDEX ix_captures_valid_received ON captures (verify_valid, "
                "received_at)")
    raw.execute("UPDATE studio_meta SET value = '4' WHERE key = 'schema_version'")
    raw.execute("PRAGMA user_version = 4")
    raw.commit()
    raw.close()
    upgraded = open_store(path)
    try:
        assert upgraded.upgraded_from == 4
        with upgraded.session() as session:
            from sqlalchemy import func, select

            from webhook_studio.store.receiver_models import Capture

            assert session.scalar(select(func.count(Capture.id))) == 200
    finally:
        upgraded.dispose()
    assert _capture_indexes(str(path)) == wanted
    assert {"ix_captures_endpoint_received", "ix_captures_verdict_id",
            "ix_captures_delivery_id", "ix_captures_received_at",
            "ix_captures_method"} == wanted
    raw = sqlite3.connect(path)
    partial = raw.execute("SELECT sql FROM sqlite_master WHERE name = "
                          "'ix_captures_delivery_id'").fetchone()[0]
    raw.close()
    assert "WHERE delivery_id IS NOT NULL" in partial


def test_captures_without_a_delivery_id_stay_out_of_its_index(store: Store) -> None:
    """The index holds only captures that have a delivery id: a request without one writes
    nothing into it (the duplicate lookup still searches it:
    ``test_receiver_duplicate_lookup_uses_the_delivery_id_index``)."""
    writer = CaptureWriter(store)
    writer._write([CaptureRecord({"received_at": time.time(), "method": "POST", "path": "/n",
                                  "headers": [], "body": b"", "body_size": 0}, None)
                   for _ in range(30)] + [_record(i) for i in range(10)])
    writer._drop_raw()
    conn = sqlite3.connect(store.engine.url.database or "")
    try:
        indexed = conn.execute("SELECT count(*) FROM captures INDEXED BY "
                               "ix_captures_delivery_id WHERE delivery_id IS NOT NULL"
                               ).fetchone()[0]
        with pytest.raises(sqlite3.OperationalError, match="no query solution"):
            # a full index would answer this with the 30 NULL keys; a partial one has none
            conn.execute("SELECT count(*) FROM captures INDEXED BY ix_captures_delivery_id "
                         "WHERE delivery_id IS NULL").fetchone()
    finally:
        conn.close()
    assert indexed == 10
