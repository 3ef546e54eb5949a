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


async def dispatcher_run(url: str, count: int, concurrency: int, backend: str,
                         tmp: Path) -> tuple[float, float, int]:
    """``(deliveries/s delivery phase, deliveries/s end to end, attempts stored)``."""
    from sqlalchemy import func, select

    from webhook_studio.core.clock import SystemClock
    from webhook_studio.core.retry import parse_policy
    from webhook_studio.sender import Dispatcher
    from webhook_studio.sender.transport import make_client
    from webhook_studio.store import open_store
    from webhook_studio.store.sender_models import Attempt, Delivery
    from webhook_studio.store.sender_queries import create_subscription

    store = open_store(tmp / f"bench-{backend}.sqlite3")
    create_subscription(store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", url=url,
                        events=["*"], retry_policy=parse_policy("0").to_dict(),
                        max_concurrency=concurrency, timeout_seconds=10)
    client = make_client(backend=backend)
    dispatcher = Dispatcher(store, SystemClock(), client=client, max_in_flight=concurrency)
    try:
        started = time.perf_counter()
        for i in range(count):
            dispatcher.emit("invoice.paid", {**DATA, "n": i})
        emitted = time.perf_counter()
        await asyncio.wait_for(dispatcher.run_until_final(), LIMIT_S)
        finished = time.perf_counter()
        with store.session() as session:
            delivered = session.scalar(select(func.count()).select_from(Delivery)
                                       .where(Delivery.state == "delivered"))
            attempts = int(session.scalar(select(func.count()).select_from(Attempt)) or 0)
        assert delivered == count, f"only {delivered} of {count} delivered"
    finally:
        await dispatcher.stop()
        await client.aclose()
        store.dispose()
    return count / (finished - emitted), count / (finished - started), attempts


async def main_async(args: argparse.Namespace) -> dict[str, float]:
    from webhook_studio.core.envelope import default_envelope

    body = default_envelope("invoice.paid", DATA, "evt_bench", time.time())
    proc, url = start_target()
    results: dict[str, float] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # Warm the target and the loop once so the first phase is not penalised.
            await bare_aiohttp(url, body, 200, args.concurrency)
            results["bare aiohttp"] = await bare_aiohttp(url, body, args.count,
                                                         args.concurrency)
            for backend in ("httpx", "httpx-aiohttp"):
                results[f"bare {backend}"] = await bare_httpx(url, body, args.count,
                                                              args.concurrency, backend)
                phase, total, attempts = await dispatcher_run(url, args.count,
                                                              args.concurrency, backend,
                                                              Path(tmp))
                assert attempts == args.count
                results[f"dispatcher ({backend}) delivery phase"] = phase
                results[f"dispatcher ({backend}) emit + delivery"] = total
            results["bare aiohttp (again)"] = await bare_aiohttp(url, body, args.count,
                                                                 args.concurrency)
            results["httpx client alone, no network"] = await httpx_alone(args.count)
    finally:
        proc.terminate()
        proc.wait(10)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    baseline = (results["bare aiohttp"] + results["bare aiohttp (again)"]) / 2
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{args.count} requests, concurrency {args.concurrency}, loopback")
    for name, rate in results.items():
        print(f"{name:<42} {rate:8.0f} /s  {rate / baseline:6.0%} of bare aiohttp")
    alone = results["httpx client alone, no network"]
    ceiling = 1 / (1 / alone + 1 / baseline)
    print(f"an httpx-based sender adds httpx's own {1e6 / alone:.0f} us to the bare loop's "
          f"{1e6 / baseline:.0f} us per request: at most {ceiling:.0f} /s = "
          f"{ceiling / baseline:.0%} of bare aiohttp, before signing or storing anything")


if __name__ == "__main__":
    main()
