"""Sender throughput: signed deliveries with every attempt persisted, against a bare client loop.

    .venv/bin/python bench/sender.py [--count 3000] [--concurrency 32]

The target is ``bench/_bare_server.py`` (aiohttp no-op handler, its own process, 127.0.0.1).
In the same run, on a plain asyncio loop in this process:

* ``bare aiohttp``: an ``aiohttp.ClientSession`` posting the same ~1 KB body ``count`` times
  with ``concurrency`` requests in flight; nothing signed, nothing stored. The baseline.
* ``bare httpx`` / ``bare httpx-aiohttp``: the same loop through each httpx transport.
* ``httpx client alone``: httpx with a transport that answers at once, no network: what the
  httpx layer itself costs per request, the sender's ceiling whatever the transport.
* ``dispatcher (…)``: ``Dispatcher.emit`` ``count`` events to one subscription (Standard Webhooks
  signature, retry ``0``), then ``run_until_final``: every attempt signed afresh, marked in
  flight, sent, and recorded (attempt row with headers, body, response) in the SQLite store
  (WAL). Reported twice: delivery phase only, and emit + delivery end to end.

Loopback only, bounded by ``count`` and a per-phase time limit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
LIMIT_S = 120.0
DATA = {"id": "in_" + "x" * 24, "lines": ["item"] * 60, "amount": 1999, "currency": "EUR"}


def start_target() -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen([sys.executable, str(HERE / "_bare_server.py")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"target did not start: {line!r}")
    return proc, line.split()[-1] + "/hook"


async def fan_out(count: int, concurrency: int, one: Callable[[], Awaitable[int]]) -> float:
    """Requests per second for ``count`` calls of ``one`` with ``concurrency`` in flight."""
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            status = await one()
            assert status == 200, status

    started = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), LIMIT_S)
    return count / (time.perf_counter() - started)


async def bare_aiohttp(url: str, body: bytes, count: int, concurrency: int) -> float:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def one() -> int:
            async with session.post(url, data=body, allow_redirects=False,
                                    headers={"Content-Type": "application/json"}) as response:
                await response.read()
                return response.status

        return await fan_out(count, concurrency, one)


async def bare_httpx(url: str, body: bytes, count: int, concurrency: int, backend: str) -> float:
    from webhook_studio.sender.transport import make_client

    async with make_client(backend=backend) as client:
        async def one() -> int:
            response = await client.post(url, content=body,
                                         headers={"Content-Type": "application/json"})
            return response.status_code

        return await fan_out(count, concurrency, one)


async def httpx_alone(count: int) -> float:
    """httpx's own cost: the same client API with a transport that answers at once (no network,
    no server). However fast the transport, an httpx-based sender cannot post faster."""
    import httpx

    body = b"x" * 1100
    headers = {"Content-Type": "application/json", "webhook-id": "msg_x",
               "webhook-timestamp": "1", "webhook-signature": "v1,x"}

    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"received": true}')

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer),
                                 follow_redirects=False) as client:
        started = time.perf_counter()
        for _ in range(count):
            response = await client.post("http://127.0.0.1:9/hook", content=body,
                                          headers=headers, timeout=10)
            assert response.status_code == 200
            response.content  # noqa: B018 - read as the dispatcher does
        return count / (time.perf_counter() - started)


async def dispatcher_run(url: str, count: int, concurrency: int, backend: str, db: Path,
                         emit_batch: int) -> tuple[float, float, int]:
    """``(deliveries/s delivery phase, deliveries/s end to end, attempts stored)``."""
    from sqlalchemy import func, select

    from webhook_studio.core.clock import SystemClock
    from webhook_studio.sender import Dispatcher
    from webhook_studio.sender.transport import make_client
    from webhook_studio.store import open_store
    from webhook_studio.store.sender_models import Attempt, Delivery

    store = open_store(db)
    with store.session() as session:
        before = int(session.scalar(select(func.count()).select_from(Attempt)) or 0)
        done_before = int(session.scalar(select(func.count()).select_from(Delivery)
                                         .where(Delivery.state == "delivered")) or 0)
    client = make_client(backend=backend)
    dispatcher = Dispatcher(store, SystemClock(), client=client, max_in_flight=concurrency)
    try:
        started = time.perf_counter()
        if emit_batch <= 1:
            for i in range(count):
                dispatcher.emit("invoice.paid", {**DATA, "n": i})
        else:
            for first in range(0, count, emit_batch):
                dispatcher.emit_many([("invoice.paid", {**DATA, "n": i})
                                      for i in range(first, min(count, first + emit_batch))])
        emitted = time.perf_counter()
        await asyncio.wait_for(dispatcher.run_until_final(), LIMIT_S)
        finished = time.perf_counter()
        with store.session() as session:
            delivered = int(session.scalar(select(func.count()).select_from(Delivery)
                                           .where(Delivery.state == "delivered")) or 0)
            attempts = int(session.scalar(select(func.count()).select_from(Attempt)) or 0)
        assert delivered - done_before == count, f"only {delivered - done_before} of {count}"
    finally:
        await dispatcher.stop()
        await client.aclose()
        store.dispose()
    return count / (finished - emitted), count / (finished - started), attempts - before


def new_store(db: Path, url: str, concurrency: int, prefill: int) -> None:
    """The bench's subscription, and ``prefill`` finished deliveries (each with its event and
    one attempt) already in the store, so the run shows whether the rate falls with size."""
    from sqlalchemy import insert

    from webhook_studio.core.retry import parse_policy
    from webhook_studio.store import open_store
    from webhook_studio.store.sender_models import Attempt, Delivery, Event
    from webhook_studio.store.sender_queries import create_subscription

    store = open_store(db)
    sub = create_subscription(store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", url=url,
                              events=["*"], retry_policy=parse_policy("0").to_dict(),
                              max_concurrency=concurrency, timeout_seconds=10)
    now = time.time() - prefill
    body = json.dumps(DATA).encode()
    for first in range(0, prefill, 5000):
        ids = range(first, min(prefill, first + 5000))
        with store.session() as session:
            session.execute(insert(Event), [
                {"id": f"evt_old{i}", "type": "invoice.paid", "payload": body,
                 "created_at": now + i} for i in ids])
            session.execute(insert(Delivery), [
                {"id": f"msg_old{i}", "event_id": f"evt_old{i}", "subscription_id": sub,
                 "event_type": "invoice.paid", "target_url": url, "state": "delivered",
                 "attempt_count": 1, "next_attempt_at": None, "created_at": now + i,
                 "updated_at": now + i} for i in ids])
            session.execute(insert(Attempt), [
                {"delivery_id": f"msg_old{i}", "number": 1, "started_at": now + i,
                 "finished_at": now + i, "duration_ms": 1.0, "outcome": "2xx",
                 "response_status": 200,
                 "request_headers": [], "request_body": body, "response_headers": [],
                 "response_body": b"{}"} for i in ids])
    store.dispose()


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from webhook_studio.core.envelope import default_envelope

    body = default_envelope("invoice.paid", DATA, "evt_bench", time.time())
    proc, url = start_target()
    backend = "httpx-aiohttp"
    rounds: list[dict[str, float]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "bench.sqlite3"
            new_store(db, url, args.concurrency, args.prefill)
            # Warm the target and the loop once so the first phase is not penalised.
            await bare_httpx(url, body, 200, args.concurrency, backend)
            for _ in range(args.rounds):
                r: dict[str, float] = {}
                r["bare httpx-aiohttp"] = await bare_httpx(url, body, args.count,
                                                           args.concurrency, backend)
                phase, total, attempts = await dispatcher_run(
                    url, args.count, args.concurrency, backend, db, args.emit_batch)
                assert attempts == args.count
                r["dispatcher delivery phase"] = phase
                r["dispatcher emit + delivery"] = total
                r["bare httpx-aiohttp (again)"] = await bare_httpx(url, body, args.count,
                                                                   args.concurrency, backend)
                base = (r["bare httpx-aiohttp"] + r["bare httpx-aiohttp (again)"]) / 2
                r["delivery/bare"] = phase / base
                r["emit+delivery/bare"] = total / base
                rounds.append(r)
            extra: dict[str, float] = {}
            if args.all_backends:
                extra["bare aiohttp"] = await bare_aiohttp(url, body, args.count,
                                                           args.concurrency)
                extra["bare httpx (httpcore)"] = await bare_httpx(url, body, args.count,
                                                                  args.concurrency, "httpx")
                extra["httpx client alone, no network"] = await httpx_alone(args.count)
    finally:
        proc.terminate()
        proc.wait(10)
    return {"rounds": rounds, "extra": extra}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat bare, dispatcher, bare this many times in one run")
    parser.add_argument("--prefill", type=int, default=0, metavar="N",
                        help="finished deliveries already in the store")
    parser.add_argument("--emit-batch", type=int, default=100, metavar="N",
                        help="events per emit_many() call (1: one emit() per event)")
    parser.add_argument("--all-backends", action="store_true",
                        help="also bare aiohttp, httpx over httpcore and httpx alone")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{args.count} deliveries, concurrency {args.concurrency}, prefill {args.prefill}, "
          f"emit batch {args.emit_batch}, transport httpx-aiohttp, loopback")
    for n, r in enumerate(results["rounds"], 1):
        print(f"round {n}: bare {r['bare httpx-aiohttp']:.0f} / "
              f"{r['bare httpx-aiohttp (again)']:.0f} req/s; delivery phase "
              f"{r['dispatcher delivery phase']:.0f} /s = {r['delivery/bare']:.0%} (goal >= 70%);"
              f" emit + delivery {r['dispatcher emit + delivery']:.0f} /s = "
              f"{r['emit+delivery/bare']:.0%} (goal >= 50%)")
    for name, rate in results["extra"].items():
        print(f"{name:<42} {rate:8.0f} /s")


if __name__ == "__main__":
    main()
