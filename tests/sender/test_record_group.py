"""Recording a group of finished attempts in one statement per delivery keeps the rules the
three separate updates had: the lease is cleared only where this sender holds it, and the
state moves only while the delivery is still pending (one cancelled meanwhile stays so).

SQLite records through the driver's connection (``sender/record_sqlite.py``), everything else
through Core; both must leave the same rows behind."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from webhook_studio.core.clock import FixedClock
from webhook_studio.core.retry import parse_policy
from webhook_studio.sender import Dispatcher
from webhook_studio.sender.jobs import Result
from webhook_studio.sender.queue import claim_due, record_results, record_results_core
from webhook_studio.store import Store
from webhook_studio.store.sender_models import Attempt, Delivery, Subscription
from webhook_studio.store.sender_queries import create_subscription

Recorder = Callable[[Session, Sequence[Result], float, str], dict[str, str]]
PATHS: dict[str, Recorder] = {"dispatching": record_results, "core": record_results_core}


def _scenario(store: Store, record: Recorder) -> dict[str, Any]:
    """Three claimed deliveries, one cancelled and one re-leased meanwhile, one 410: record
    them and return what the store then holds (ids replaced by their position)."""
    sub = create_subscription(store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                              url="http://127.0.0.1:9/hook", events=["*"],
                              retry_policy=parse_policy("0,1m").to_dict())
    start = 1_700_000_000.0
    ids = Dispatcher(store, FixedClock(start)).emit_many([("a.b", {"n": i}) for i in range(4)])
    assert len(ids) == 4
    now = start + 1
    with store.session() as session:
        jobs = claim_due(session, now, owner="me")
    assert sorted(j.delivery_id for j in jobs) == sorted(ids)
    by_id = {j.delivery_id: j for j in jobs}
    with store.session() as session:  # meanwhile: one cancelled, one leased by another
        session.get(Delivery, ids[1]).state = "cancelled"  # type: ignore[union-attr]
        session.get(Delivery, ids[2]).lease_owner = "other"  # type: ignore[union-attr]
    results = [Result(by_id[i], now, now + 0.5, [["a", "b"], ["Zoë", "é"]], 200,
                      [["Set-Cookie", "x=1"]], b"ok\x00", 3, 1.5, "2xx", None, None,
                      "delivered", None, None) for i in ids[:3]]
    results.append(Result(by_id[ids[3]], now, now, [], 410, [], b"", 0, 2.0, "4xx", None,
                          "HTTP 410 Gone", "disabled", None, "the target said 410 Gone"))
    with store.session() as session:
        states = record(session, results, now, "me")
    with store.session() as session:
        rows = {d.id: d for d in session.scalars(select(Delivery))}
        attempts = {a.delivery_id: a for a in session.scalars(select(Attempt))}
        subscription = session.get(Subscription, sub)
        assert subscription is not None
        return {
            "states": {ids.index(k): v for k, v in states.items()},
            "deliveries": [(rows[i].state, rows[i].attempt_count, rows[i].lease_owner,
                            rows[i].in_flight_until is None, rows[i].next_attempt_at,
                            rows[i].final_reason, rows[i].updated_at == now) for i in ids],
            "attempts": [(a.number, a.started_at, a.finished_at, a.request_headers,
                          a.request_body == by_id[i].body, a.response_status,
                          a.response_headers, a.response_body, a.response_size, a.duration_ms,
                          a.outcome, a.error_class, a.error_message, a.next_attempt_at)
                         for i in ids for a in [attempts[i]]],
            "subscription": (subscription.active, subscription.disabled_reason,
                             subscription.last_called_at == now)}


@pytest.mark.parametrize("path", sorted(PATHS))
def test_group_record_clears_own_leases_and_keeps_cancelled(store: Store, path: str) -> None:
    seen = _scenario(store, PATHS[path])
    assert seen["states"] == {0: "delivered", 1: "cancelled", 2: "delivered", 3: "disabled"}
    delivered, cancelled, other, gone = seen["deliveries"]
    assert delivered == ("delivered", 1, None, True, None, None, True)
    assert cancelled == ("cancelled", 1, None, True, cancelled[4], None, True)
    assert other[:4] == ("delivered", 1, "other", False)
    assert gone == ("disabled", 1, None, True, None, "the target said 410 Gone", True)
    first = seen["attempts"][0]
    assert first[3] == [["a", "b"], ["Zoë", "é"]] and first[4] and first[7] == b"ok\x00"
    assert first[6] == [["Set-Cookie", "x=1"]] and first[8] == 3
    assert seen["subscription"] == (False, "the target said 410 Gone", True)


def test_sqlite_fast_path_writes_what_core_writes(tmp_path: Any) -> None:
    from webhook_studio.store import open_store

    written = []
    for name, recorder in (("fast", record_results), ("core", record_results_core)):
        store = open_store(tmp_path / f"{name}.sqlite3")
        try:
            assert store.engine.dialect.name == "sqlite"
            written.append(_scenario(store, recorder))
        finally:
            store.dispose()
    fast, core = written
    assert fast == core


@pytest.mark.parametrize("count", [63, 64, 65, 129, 200])
def test_a_group_of_any_size_is_recorded_whole_and_in_order(tmp_path: Any, count: int) -> None:
    """The SQLite path inserts attempts 64 rows a statement: groups at and across that size
    leave one attempt per delivery with its own number, headers and body, as the Core path."""
    from webhook_studio.store import open_store

    written = []
    for name, recorder in (("fast", record_results), ("core", record_results_core)):
        store = open_store(tmp_path / f"{name}{count}.sqlite3")
        try:
            create_subscription(store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                url="http://127.0.0.1:9/hook", events=["*"],
                                retry_policy=parse_policy("0,1m").to_dict())
            start = 1_700_000_000.0
            ids = Dispatcher(store, FixedClock(start)).emit_many(
                [("a.b", {"n": i}) for i in range(count)])
            with store.session() as session:
                jobs = {j.delivery_id: j for j in claim_due(session, start + 1, owner="me",
                                                            limit=count)}
            assert len(jobs) == count
            results = [Result(jobs[i], start + 1, start + 2, [["n", str(n)]], 200 + n % 3,
                              [], f"body {n}".encode(), n, float(n), "2xx", None, None,
                              "delivered", None, None) for n, i in enumerate(ids)]
            with store.session() as session:
                states = recorder(session, results, start + 2, "me")
            assert set(states.values()) == {"delivered"} and len(states) == count
            with store.session() as session:
                written.append(sorted(
                    (ids.index(a.delivery_id), a.number, a.request_headers,
                     a.response_status, a.response_body, a.response_size)
                    for a in session.scalars(select(Attempt))))
        finally:
            store.dispose()
    fast, core = written
    assert fast == core and len(fast) == count
    assert fast[count - 1] == (count - 1, 1, [["n", str(count - 1)]], 200 + (count - 1) % 3,
                               f"body {count - 1}".encode(), count - 1)
