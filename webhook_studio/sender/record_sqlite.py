"""Recording finished attempts on SQLite through the driver's own connection.

Why beside the portable Core path in ``sender/queue.py``: building, compiling and binding
SQLAlchemy's ``executemany`` of attempt rows and the per-delivery UPDATE (JSON columns through
their type processors, one parameter dict per row) was most of ``record_results``, itself
~16 % of the dispatcher's samples (py-spy, docs/benchmarks.md). Here the same statements go to
sqlite3 as fixed SQL text with prepared tuples (sqlite3 keeps them prepared), in the session's
own transaction, so the commit, the error translation and every rule stay the store's:
the lease is cleared only where ``owner`` holds it, and state, next time and reason move only
while the delivery is still pending (one cancelled meanwhile stays cancelled). PostgreSQL (team
mode) keeps the Core path; ``tests/sender/test_record_group.py`` checks both write the same.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.sender.jobs import Result
from webhook_studio.store.multirow import insert_rows

INSERT_ATTEMPTS = (
    "INSERT INTO attempts (delivery_id, number, started_at, finished_at, request_headers, "
    "request_body, response_status, response_headers, response_body, response_size, "
    "duration_ms, outcome, error_class, error_message, next_attempt_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
#: Every CASE reads the row as it was before this UPDATE (SQL semantics), as the Core one does.
UPDATE_DELIVERY = (
    "UPDATE deliveries SET attempt_count = ?1, updated_at = ?2, "
    "in_flight_since = CASE WHEN lease_owner = ?3 THEN NULL ELSE in_flight_since END, "
    "in_flight_until = CASE WHEN lease_owner = ?3 THEN NULL ELSE in_flight_until END, "
    "lease_owner = CASE WHEN lease_owner = ?3 THEN NULL ELSE lease_owner END, "
    "state = CASE WHEN state = ?4 THEN ?5 ELSE state END, "
    "next_attempt_at = CASE WHEN state = ?4 THEN ?6 ELSE next_attempt_at END, "
    "final_reason = CASE WHEN state = ?4 THEN ?7 ELSE final_reason END "
    "WHERE id = ?8")


_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _json(value: Any) -> str:
    """As ``store/base.py``'s JSONText writes it, so both paths store the same text (one kept
    encoder: ``json.dumps`` with options builds a new one per call)."""
    return _ENCODE(value)


def record_results_sqlite(session: Session, results: Sequence[Result], now: float,
                          owner: str) -> dict[str, str]:
    """``queue.record_results`` for a SQLite session (same arguments, same answer)."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    cur = raw.cursor()
    try:
        insert_rows(cur, INSERT_ATTEMPTS, [(  # one statement per 64 (store/multirow.py)
            r.job.delivery_id, r.job.number, r.started_at, r.finished_at,
            _json(r.request_headers), r.job.body, r.status, _json(r.response_headers),
            r.response_body, r.response_size, r.duration_ms, r.outcome, r.error_class,
            r.error_message, r.next_attempt_at) for r in results])
        pending = DeliveryState.PENDING.value
        cur.executemany(UPDATE_DELIVERY, [(
            r.job.number, now, owner, pending, r.state, r.next_attempt_at, r.reason,
            r.job.delivery_id) for r in results])
        subs = sorted({r.job.subscription_id for r in results})
        cur.execute(f"UPDATE subscriptions SET last_called_at = ? WHERE id IN "
                    f"({', '.join('?' * len(subs))})", (now, *subs))
        for r in results:
            if r.state == DeliveryState.DISABLED:
                cur.execute("UPDATE subscriptions SET active = 0, disabled_reason = ?, "
                            "updated_at = ? WHERE id = ?", (r.reason, now, r.job.subscription_id))
        ids = [r.job.delivery_id for r in results]
        states: dict[str, str] = {}
        for first in range(0, len(ids), 500):
            chunk = ids[first:first + 500]
            states.update(cur.execute(f"SELECT id, state FROM deliveries WHERE id IN "
                                      f"({', '.join('?' * len(chunk))})", chunk).fetchall())
        return states
    finally:
        cur.close()
