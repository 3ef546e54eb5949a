"""The shared delivery queue: three ``serve`` processes on one PostgreSQL database work 2,000
events to one target that fails a third of first attempts; one worker is SIGKILLed mid-run
and its leased deliveries finish on the others once the lease runs out (issue 17)."""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, insert, select
from werkzeug import Request, Response

from tests.team.procs import Serve, until
from webhook_studio.core.envelope import default_envelope
from webhook_studio.core.retry import parse_policy
from webhook_studio.store import Store, open_store
from webhook_studio.store.sender_models import Attempt, Delivery, Event, Subscription
from webhook_studio.store.sender_queries import create_subscription, new_id

pytestmark = pytest.mark.slow

EVENTS = 2000
LEASE_S = 6.0
FINAL = ("delivered", "failed", "disabled", "cancelled")


class Target:
    """Answers 503 to the first attempt of a third of the deliveries (chosen by a hash of the
    delivery id, so the choice does not depend on which worker asks first), 200 otherwise;
    logs each request's delivery id and the time it started and ended."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: dict[str, int] = defaultdict(int)
        self.log: list[tuple[str, float, float, int]] = []

    def __call__(self, request: Request) -> Response:
        started = time.monotonic()
        delivery = request.headers.get("webhook-id", "")
        with self.lock:
            self.seen[delivery] += 1
            first = self.seen[delivery] == 1
        fail = first and int(hashlib.sha256(delivery.encode()).hexdigest(), 16) % 3 == 0
        time.sleep(0.002)  # long enough for two concurrent attempts to overlap in the log
        status = 503 if fail else 200
        with self.lock:
            self.log.append((delivery, started, time.monotonic(), status))
        return Response("no" if fail else "ok", status=status)


def enqueue(store: Store, sub_id: str, n: int) -> list[str]:
    """``n`` events for the subscription in one transaction, as ``Dispatcher.emit`` writes
    each (one emit per event costs a transaction each: most of a minute here for 2,000)."""
    now = time.time()
    events, deliveries = [], []
    for i in range(n):
        eid = new_id("evt")
        events.append({"id": eid, "type": "order.created", "created_at": now,
                       "payload": default_envelope("order.created", {"n": i}, eid, now)})
        deliveries.append({"id": new_id("msg"), "event_id": eid, "subscription_id": sub_id,
                           "event_type": "order.created", "target_url": "", "state": "pending",
                           "attempt_count": 0, "next_attempt_at": now, "created_at": now,
                           "updated_at": now})
    with store.session() as session:
        url = session.get(Subscription, sub_id).url  # type: ignore[union-attr]
        for row in deliveries:
            row["target_url"] = url
        session.execute(insert(Event), events)
        session.execute(insert(Delivery), deliveries)
    return [str(d["id"]) for d in deliveries]


def counts(url: str) -> tuple[dict[str, int], int]:
    store = open_store(url)
    try:
        with store.session() as session:
            states = dict(session.execute(select(Delivery.state, func.count())
                                          .group_by(Delivery.state)).all())
            attempts = int(session.scalar(select(func.count(Attempt.id))) or 0)
    finally:
        store.dispose()
    return {str(k): int(v) for k, v in states.items()}, attempts


def leases_by_pid(url: str) -> dict[int, set[str]]:
    store = open_store(url)
    try:
        with store.session() as session:
            rows = session.execute(select(Delivery.id, Delivery.lease_owner).where(
                Delivery.state == "pending", Delivery.lease_owner.is_not(None))).all()
    finally:
        store.dispose()
    out: dict[int, set[str]] = defaultdict(set)
    for delivery_id, owner in rows:
        pid = str(owner).split(":")[1]
        if pid.isdigit():
            out[int(pid)].add(delivery_id)
    return out


async def test_three_workers_share_the_queue_and_survive_a_sigkill(
        pg_database: str, tmp_path: Path) -> None:
    target = Target()
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.expect_request("/hook").respond_with_handler(target)
    server.start()
    store = open_store(pg_database)
    workers: list[Serve] = []
    try:
        sub_id = create_subscription(
            store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", url=server.url_for("/hook"),
            events=["*"], retry_policy=parse_policy("0,1s,1s,1s").to_dict(),
            timeout_seconds=10.0, max_concurrency=16)
        ids = enqueue(store, sub_id, EVENTS)
        assert len(ids) == EVENTS
        workers = [Serve(pg_database, tmp_path / f"w{i}", lease_s=LEASE_S) for i in range(3)]
        await asyncio.gather(*(w.ready() for w in workers))

        # Mid-run: kill the worker holding the most leases while it holds some.
        victim: Serve | None = None
        held: set[str] = set()
        killed_at = 0.0
        deadline = time.monotonic() + 40
        while victim is None:
            assert time.monotonic() < deadline, "no worker ever held a lease"
            leases = leases_by_pid(pg_database)
            candidates = [(len(leases.get(w.proc.pid, ())), w) for w in workers]
            size, best = max(candidates, key=lambda c: c[0])
            if size >= 5 and len(target.log) >= 200:
                victim, held = best, set(leases[best.proc.pid])
                victim.kill()
                killed_at = time.monotonic()
            else:
                await asyncio.sleep(0.05)
        assert held

        def all_final() -> bool:
            states, _ = counts(pg_database)
            return sum(states.get(s, 0) for s in FINAL) == EVENTS

        await until(all_final, "every delivery to reach a final state", limit=50, step=0.5,
                    why=lambda: [w.errors() for w in workers])
    finally:
        for worker in workers:
            worker.stop()
        store.dispose()
        server.stop()

    states, attempts = counts(pg_database)
    assert states == {"delivered": EVENTS}, states
    store = open_store(pg_database)
    try:
        with store.session() as session:
            rows = session.execute(select(Attempt.delivery_id, Attempt.number,
                                          Attempt.started_at, Attempt.finished_at,
                                          Attempt.response_status)
                                   .order_by(Attempt.delivery_id, Attempt.started_at)).all()
            held_done = session.execute(select(Delivery.id, Delivery.updated_at).where(
                Delivery.id.in_(held))).all()
    finally:
        store.dispose()
    per_delivery: dict[str, list[tuple[int, float, float | None, int | None]]] = \
        defaultdict(list)
    for delivery_id, number, started, finished, status in rows:
        per_delivery[delivery_id].append((number, started, finished, status))
    assert set(per_delivery) == set(ids)
    renumbered = {d: t for d, t in per_delivery.items()
                  if [n for n, *_ in t] != list(range(1, len(t) + 1))}
    assert not renumbered, (len(renumbered), list(renumbered.items())[:3],
                            len(held & set(renumbered)), [w.errors() for w in workers])
    for delivery_id, tries in per_delivery.items():
        for before, after in itertools.pairwise(tries):
            assert before[2] is not None and before[2] <= after[1], \
                f"{delivery_id}: attempts {before[0]} and {after[0]} overlap"
        assert tries[-1][3] == 200
    # The target's own view: no delivery had two requests in progress at once (this also
    # covers the attempt the killed worker made but never recorded).
    by_id: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for delivery_id, start, end, _status in target.log:
        by_id[delivery_id].append((start, end))
    assert set(by_id) == set(ids)
    for delivery_id, spans in by_id.items():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start, f"{delivery_id} was attempted twice at the same time"
    failed_first = sum(1 for d in ids
                       if int(hashlib.sha256(d.encode()).hexdigest(), 16) % 3 == 0)
    # Every third delivery needed a second attempt; one of them may be missing from the table
    # only where the victim made the first attempt and died before recording it.
    assert attempts >= EVENTS + failed_first - len(held), (attempts, failed_first, len(held))
    assert len(target.log) >= attempts
    assert len(held_done) == len(held)
    # The victim's leased deliveries were finished by the others (a few it may have recorded
    # between the look at the leases and the kill).
    resent = {d for d, start, _end, _status in target.log if d in held and start > killed_at}
    assert len(resent) >= len(held) / 2, (len(resent), len(held))
