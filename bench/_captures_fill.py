"""Writing benchmark captures straight into a store's SQLite file, in big batches (bench/ui.py,
bench/filters.py and bench/traffic_reads.py fill their stores with it): through the ORM a
million rows would take minutes; this takes seconds."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

#: Rows per transaction.
BATCH = 50_000


def insert_rows(conn: sqlite3.Connection, rows: Iterable[tuple[object, ...]]) -> None:
    """Insert ``(received_at, method, path, query, http_version, headers, body, body_size,
    state, verification, verify_valid, response_status, response_headers, response_body,
    forwards, source)`` rows, committing every :data:`BATCH`."""
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            _insert(conn, batch)
            batch = []
    if batch:
        _insert(conn, batch)


def _insert(conn: sqlite3.Connection, batch: list[tuple[object, ...]]) -> None:
    conn.executemany(
        "INSERT INTO captures (received_at, method, path, query, http_version, headers, body, "
        "body_size, state, verification, verify_valid, response_status, response_headers, "
        "response_body, forwards, source) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
    conn.commit()
