"""CPU per claimed delivery: the claim reading subscriptions, secrets and bodies every time
against one keeping them (``sender/subscription_cache.py``, ``sender/payload_cache.py``).

    .venv/bin/python bench/claim.py [--batches 60] [--batch 128] [--subs 4]

One SQLite file (WAL), ``--subs`` subscriptions with two secrets each, events of ~1 KB. Each
round enqueues ``--batch`` due deliveries and claims them in one ``claim_due`` (as the
dispatcher does, ``max_claimed`` = 128), alternating the two ways, and takes this thread's CPU
time (``time.thread_time``), so other load on the machine changes little. The kept way starts
warm, as a running sender is: the subscriptions were read by an earlier claim and the bodies
were written by this process's emit.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from sqlalchemy import insert  # noqa: E402

from webhook_studio.core.retry import parse_policy  # noqa: E402
from webhook_studio.sender.payload_cache import PayloadCache  # noqa: E402
from webhook_studio.sender.queue import claim_due  # noqa: E402
from webhook_studio.sender.subscription_cache import SubscriptionCache  # noqa: E402
from webhook_studio.store import Store, open_store  # noqa: E402
from webhook_studio.store.sender_models import Delivery, Event  # noqa: E402
from webhook_studio.store.sender_queries import (  # noqa: E402
    create_subscription,
    new_id,
    rotate_secret,
)

BODY = b'{"type":"invoice.paid","data":{"lines":[' + b'"item",' * 140 + b'"end"]}}'


def enqueue(store: Store, subs: list[str], n: int, now: float,
            bodies: PayloadCache | None) -> None:
    events: list[dict[str, Any]] = [
        {"id": new_id("evt"), "type": "invoice.paid", "payload": BODY, "created_at": now}
        for _ in range(n)]
    with store.session() as session:
        session.execute(insert(Event), events)
        session.execute(insert(Delivery), [{
            "id": new_id("msg"), "event_id": e["id"], "subscription_id": subs[i % len(subs)],
            "event_type": "invoice.paid", "target_url": "http://127.0.0.1:9/hook",
            "state": "pending", "attempt_count": 0, "next_attempt_at": now - 1,
            "created_at": now, "updated_at": now} for i, e in enumerate(events)])
    if bodies is not None:
        bodies.add((str(e["id"]), BODY) for e in events)


def claim(store: Store, now: float, batch: int, subs_cache: SubscriptionCache | None,
          bodies: PayloadCache | None) -> float:
    started = time.thread_time()
    with store.session() as session:
        jobs = claim_due(session, now, owner="bench", limit=batch, cache=subs_cache,
                         bodies=bodies)
    spent = time.thread_time() - started
    assert len(jobs) == batch, len(jobs)
    with store.session() as session:  # out of the way for the next round, not timed
        session.query(Delivery).delete()
    return spent / batch * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--subs", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "claim.sqlite3")
        now = time.time()
        subs = [create_subscription(store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                    url=f"http://127.0.0.1:9/hook{i}", events=["*"],
                                    retry_policy=parse_policy("0").to_dict())
                for i in range(args.subs)]
        for sub in subs:
            rotate_secret(store, sub, "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", now=now)
        kept, bodies = SubscriptionCache(), PayloadCache()
        enqueue(store, subs, args.batch, now, bodies)
        claim(store, now, args.batch, kept, bodies)  # warm: the subscriptions are read once
        fresh_us: list[float] = []
        kept_us: list[float] = []
        ways: tuple[tuple[list[float], SubscriptionCache | None, PayloadCache | None], ...] = (
            (fresh_us, None, None), (kept_us, kept, bodies))
        for i in range(args.batches):
            for into, subs_cache, kept_bodies in ways[::1 if i % 2 else -1]:
                enqueue(store, subs, args.batch, now, kept_bodies)
                into.append(claim(store, now, args.batch, subs_cache, kept_bodies))
        store.dispose()
    fresh, kept_med = statistics.median(fresh_us), statistics.median(kept_us)
    print(f"{args.batches} claims of {args.batch} each way, {args.subs} subscriptions; "
          f"CPU per claimed delivery (median): read every claim {fresh:.1f} us, "
          f"kept {kept_med:.1f} us ({kept_med / fresh:.0%})")


if __name__ == "__main__":
    main()
