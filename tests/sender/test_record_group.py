"""Recording a group of finished attempts in one statement per delivery keeps the rules the
three separate updates had: the lease is cleared only where this sender holds it, and the
state moves only while the delivery is still pending (one cancelled meanwhile stays so)."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select

from webhook_studio.core.retry import parse_policy
from webhook_studio.sender import Dispatcher
from webhook_studio.sender.queue import Result, claim_due, record_results
from webhook_studio.store import open_store
from webhook_studio.store.sender_models import Attempt, Delivery
from webhook_studio.store.sender_queries import create_subscription


def test_group_record_clears_own_leases_and_keeps_cancelled(tmp_path: Path) -> None:
    store = open_store(tmp_path / "r.sqlite3")
    try:
        create_subscription(store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                            url="http://127.0.0.1:9/hook", events=["*"],
                            retry_policy=parse_policy("0").to_dict())
        ids = Dispatcher(store).emit_many([("a.b", {"n": i}) for i in range(3)])
        assert len(ids) == 3
        now = time.time() + 1
        with store.session() as session:
            jobs = claim_due(session, now, owner="me")
        assert sorted(j.delivery_id for j in jobs) == sorted(ids)
        by_id = {j.delivery_id: j for j in jobs}
        with store.session() as session:  # meanwhile: one cancelled, one leased by another
            session.get(Delivery, ids[1]).state = "cancelled"  # type: ignore[union-attr]
            session.get(Delivery, ids[2]).lease_owner = "other"  # type: ignore[union-attr]
        results = [Result(by_id[i], now, now, [["a", "b"]], 200, [], b"ok", 2, 1.0, "2xx",
                          None, None, "delivered", None, None) for i in ids]
        with store.session() as session:
            states = record_results(session, results, now, owner="me")
        assert states == {ids[0]: "delivered", ids[1]: "cancelled", ids[2]: "delivered"}
        with store.session() as session:
            rows = {d.id: d for d in session.scalars(select(Delivery))}
            attempts = session.scalars(select(Attempt.delivery_id)).all()
        assert sorted(attempts) == sorted(ids)
        assert all(rows[i].attempt_count == 1 for i in ids)
        assert rows[ids[0]].lease_owner is None and rows[ids[0]].in_flight_until is None
        assert rows[ids[1]].lease_owner is None and rows[ids[1]].final_reason is None
        assert rows[ids[2]].lease_owner == "other" and rows[ids[2]].in_flight_until is not None
    finally:
        store.dispose()
