"""Claims on a team database: concurrent workers take disjoint batches of at most what they
asked for (``FOR UPDATE SKIP LOCKED``), and the schema is created once when several processes
open a new database together."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, insert, select, text

from tests.team.pgserver import PgServer
from webhook_studio.core.retry import parse_policy
from webhook_studio.sender.queue import claim_due
from webhook_studio.store import Store, open_store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import CaptureFilter, count_captures
from webhook_studio.store.schema import SCHEMA_VERSION, read_version
from webhook_studio.store.sender_models import Delivery, Event
from webhook_studio.store.sender_queries import create_subscription, new_id


def enqueue(store: Store, n: int) -> list[str]:
    sub = create_subscription(store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                              url="http://127.0.0.1:9/x", events=["*"],
                              retry_policy=parse_policy("0").to_dict())
    now = time.time()
    with store.session() as session:
        session.execute(insert(Event), [{"id": "evt_1", "type": "a.b", "payload": b"{}",
                                         "created_at": now}])
        rows = [{"id": new_id("msg"), "event_id": "evt_1", "subscription_id": sub,
                 "event_type": "a.b", "target_url": "http://127.0.0.1:9/x", "state": "pending",
                 "attempt_count": 0, "next_attempt_at": now - 1, "created_at": now,
                 "updated_at": now} for _ in range(n)]
        session.execute(insert(Delivery), rows)
    return [str(r["id"]) for r in rows]


def test_concurrent_claims_are_disjoint_and_never_more_than_asked(pg_database: str) -> None:
    store = open_store(pg_database)
    try:
        ids = enqueue(store, 600)
        claimed: dict[str, list[str]] = {}
        errors: list[BaseException] = []
        start = threading.Barrier(6)

        def worker(name: str) -> None:
            try:
                start.wait(30)
                mine: list[str] = []
                while True:
                    with store.session() as session:
                        jobs = claim_due(session, time.time(), owner=name, lease_s=60,
                                         limit=37)
                        # hold the batch's locks a moment, as a slow worker would
                        session.execute(text("SELECT pg_sleep(0.01)"))
                    assert len(jobs) <= 37
                    if not jobs:
                        break
                    mine.extend(j.delivery_id for j in jobs)
                claimed[name] = mine
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        every = [d for batch in claimed.values() for d in batch]
        assert sorted(every) == sorted(ids), "each delivery claimed exactly once"
        assert sum(1 for batch in claimed.values() if batch) >= 2, "the work was shared"
        with store.session() as session:
            owners = dict(session.execute(select(Delivery.lease_owner, func.count())
                                          .group_by(Delivery.lease_owner)).all())
        assert owners == {name: len(batch) for name, batch in claimed.items() if batch}
    finally:
        store.dispose()


def test_processes_opening_a_new_database_together_create_the_schema_once(
        pg_server: PgServer) -> None:
    pg_server.admin("CREATE DATABASE together")
    url = pg_server.url("together")
    found: list[int] = []
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            store = open_store(url)
            found.append(store.upgraded_from)
            store.dispose()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert not errors, errors
        assert sorted(found) == [0, SCHEMA_VERSION, SCHEMA_VERSION, SCHEMA_VERSION]
        store = open_store(url)
        with store.engine.connect() as conn:
            assert read_version(conn) == SCHEMA_VERSION
        store.dispose()
    finally:
        pg_server.drop_database("together")


def test_the_inbox_search_finds_bytes_in_raw_bodies(
        pg_database: str) -> None:
    """``instr`` was SQLite-only: the body search is ``position(x IN body)`` on bytea here,
    matching raw bytes (also past a NUL, in a body that is not UTF-8)."""
    store = open_store(pg_database)
    try:
        with store.session() as session:
            session.execute(insert(Capture), [
                {"received_at": 1.0, "method": "POST", "path": "/a", "headers": [["X-A", "1"]],
                 "body": b"\x00\xffneedle\x01", "body_size": 9},
                {"received_at": 2.0, "method": "POST", "path": "/b", "headers": [],
                 "body": b"haystack", "body_size": 8},
            ])
        with store.session() as session:
            assert count_captures(session, CaptureFilter(text="needle")) == 1
            assert count_captures(session, CaptureFilter(text="/b")) == 1
            assert count_captures(session, CaptureFilter(text="nothing")) == 0
            row = session.scalars(select(Capture).where(Capture.path == "/a")).one()
            assert row.headers == [["X-A", "1"]]
        with store.engine.connect() as conn:
            kind = conn.execute(text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'captures' AND column_name = 'body'")).scalar()
        assert kind == "bytea"
    finally:
        store.dispose()
