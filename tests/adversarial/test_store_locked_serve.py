"""``serve`` with its store locked by another program for 15 s, then released (issue 14,
items 1, 5 and 7). Real process, real sockets, loopback."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.adversarial.sender_faults_support import ServeProcess, eventually

LOCK_S = 15.0
EVENTS = 4


@pytest.mark.slow
async def test_serve_rides_out_a_locked_store_and_finishes_every_delivery(
        httpserver: HTTPServer, tmp_path: Path) -> None:
    """Guards: a store locked ~10 s stopped the sender in ``serve`` for good (deliveries stayed
    pending while the API kept answering, nothing was logged), API calls got 500 instead of
    503, and nothing told the user. Now ``/health`` says degraded while the lock lasts, the
    API answers 503 with Retry-After quickly, and once the lock goes every delivery is made,
    each exactly once, and ``/health`` is ok again."""
    seen: Counter[str] = Counter()

    def count(request: Request) -> Response:
        seen[request.headers["webhook-id"]] += 1
        return Response("ok")

    httpserver.expect_request("/hook").respond_with_handler(count)
    db = tmp_path / "locked.sqlite3"
    async with ServeProcess(db) as serve:
        # The first attempt is 5 s away, so all of them fall due while the store is locked.
        await serve.subscribe(httpserver.url_for("/hook"), retry_policy="5s,1s,1s")
        ids = [i for _ in range(EVENTS) for i in await serve.emit()]
        status, words = await serve.liveness()
        assert (status, words["status"]) == (200, "ok"), words

        lock = sqlite3.connect(db, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        locked_at = time.monotonic()
        saw_sender_degraded = False
        try:
            started = time.monotonic()
            status, body = await serve.call("POST", "/webhooks",
                                            {"url": "http://127.0.0.1:9/x", "events": ["*"]})
            assert status == 503 and body["error"] == "store unavailable", body
            assert time.monotonic() - started < 15, "a bounded wait, not a hang"
            while time.monotonic() - locked_at < LOCK_S:
                status, words = await serve.liveness()
                assert status == 200 and words["status"] == "degraded", words
                assert words["store"] == "degraded"
                saw_sender_degraded |= words["sender"] == "degraded"
                await asyncio.sleep(0.5)
            assert not seen, "nothing is sent while its claim cannot be written"
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert saw_sender_degraded, "the sender reported its trouble"

        async def all_delivered() -> bool:
            states = [(await serve.delivery(i))["state"] for i in ids]
            return all(s == "delivered" for s in states)

        await eventually(all_delivered, "every delivery after the lock", limit=45)

        async def healthy() -> bool:
            return (await serve.liveness())[1]["status"] == "ok"

        await eventually(healthy, "/health ok again", limit=30)
        assert await serve.stop() == 0
    assert sorted(seen) == sorted(ids) and set(seen.values()) == {1}, seen
    err = serve.stderr()
    assert err.count("sender degraded") == 1, err  # logged once, not once per retry
    assert err.count("sender ok") == 2, err  # at start, and once the lock was gone
    assert "Traceback" not in err
