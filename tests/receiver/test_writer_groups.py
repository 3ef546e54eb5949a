"""The capture writer's group insert: ids, duplicates and defaults exactly as one-by-one inserts
would give them, on a real SQLite file."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from webhook_studio.receiver.writer import CaptureRecord, CaptureWriter
from webhook_studio.store import open_store


def _record(delivery: str | None, **extra: object) -> CaptureRecord:
    fields = {"received_at": time.time(), "method": "POST", "path": "/hooks/a",
              "headers": [["X-GitHub-Delivery", delivery or "-"]], "body": b"{}",
              "body_size": 2, "verification": {"valid": True, "reason": "valid"},
              "verify_valid": True, **extra}
    return CaptureRecord(fields, delivery)


def test_a_group_stores_ids_duplicates_and_defaults_like_single_inserts(tmp_path: Path) -> None:
    store = open_store(tmp_path / "w.sqlite3")
    writer = CaptureWriter(store)
    try:
        (first_id, first_dup), = writer._write([_record("d-1")])
        results = writer._write([
            _record("d-2"), _record("d-1"), _record(None, state="malformed"), _record("d-2"),
            _record("d-3", response_status=401, verification={"valid": False}), _record("d-2")])
    finally:
        writer._drop_raw()
        store.dispose()
    assert first_dup is None
    ids = [r[0] for r in results]
    assert ids == list(range(first_id + 1, first_id + 7))
    assert [r[1] for r in results] == [None, first_id, None, ids[0], None, ids[0]]
    conn = sqlite3.connect(tmp_path / "w.sqlite3")
    rows = conn.execute("SELECT id, delivery_id, duplicate_of, state, verification, "
                        "response_headers, forwards, source, response_status "
                        "FROM captures ORDER BY id").fetchall()
    conn.close()
    assert [r[0] for r in rows] == [first_id, *ids]
    assert [r[2] for r in rows] == [None, None, first_id, None, ids[0], None, ids[0]]
    assert rows[3][3] == "malformed" and rows[1][3] == "captured"
    assert rows[5][4] == '{"valid":false}' and rows[1][4] == '{"valid":true,"reason":"valid"}'
    assert rows[5][8] == 401 and rows[1][8] is None
    assert all(r[5] == "[]" and r[6] == "[]" and r[7] == "receiver" for r in rows)
