"""Schema 5 on both backends: a version-4 store (SQLite file or team PostgreSQL database) loses
the two indexes on captures no query needed, its delivery-id index keeps only captures that
have one, and duplicates are still found across the upgrade (docs/benchmarks.md, "Receiver,
third pass")."""

from __future__ import annotations

import time

from sqlalchemy import inspect, text

from webhook_studio.receiver.writer import CaptureRecord, CaptureWriter
from webhook_studio.store import open_store
from webhook_studio.store.schema import write_version

KEPT = {"ix_captures_endpoint_received", "ix_captures_verdict_id", "ix_captures_delivery_id",
        "ix_captures_received_at", "ix_captures_method"}


def _record(delivery: str | None) -> CaptureRecord:
    return CaptureRecord({"received_at": time.time(), "method": "POST", "path": "/i",
                          "headers": [], "body": b"{}", "body_size": 2, "verify_valid": True},
                         delivery)


def _write(url: str, records: list[CaptureRecord]) -> list[tuple[int, int | None]]:
    store = open_store(url)
    writer = CaptureWriter(store)
    try:
        return writer._write(records)
    finally:
        writer._drop_raw()
        store.dispose()


def test_a_version_4_store_is_upgraded_to_the_five_indexes_and_keeps_finding_duplicates(
        db_url: str) -> None:
    before = _write(db_url, [_record("webhook-id:a"), _record(None), _record("webhook-id:b")])
    store = open_store(db_url)
    with store.engine.begin() as conn:  # back to what version 4 had
        conn.execute(text("DROP INDEX ix_captures_delivery_id"))
        conn.execute(text("CREATE INDEX ix_captures_delivery_id ON captures (delivery_id)"))
        conn.execute(text("CREATE INDEX ix_captures_endpoint_id ON captures (endpoint_id)"))
        conn.execute(text("CREATE INDEX ix_captures_valid_received ON captures "
                          "(verify_valid, received_at)"))
        write_version(conn, 4)
    store.dispose()

    upgraded = open_store(db_url)
    try:
        assert upgraded.upgraded_from == 4
        names = {ix["name"] for ix in inspect(upgraded.engine).get_indexes("captures")}
        with upgraded.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                definition = conn.execute(text(
                    "SELECT sql FROM sqlite_master WHERE name = 'ix_captures_delivery_id'"
                )).scalar()
            else:
                definition = conn.execute(text(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = "
                    "'ix_captures_delivery_id'")).scalar()
            count = conn.execute(text("SELECT count(*) FROM captures")).scalar()
    finally:
        upgraded.dispose()
    assert names == KEPT
    assert "delivery_id IS NOT NULL" in str(definition)
    assert count == 3

    after = _write(db_url, [_record("webhook-id:b"), _record("webhook-id:c"),
                            _record("webhook-id:c"), _record(None)])
    assert [dup for _, dup in after] == [before[2][0], None, after[1][0], None]
