"""Losing the team database: the receiver answers 503 (never 2xx) while it cannot commit, the
sender pauses and resumes by itself, and both carry on once the server is back (issue 17)."""

from __future__ import annotations

import time

import aiohttp
import pytest
from pytest_httpserver import HTTPServer

from tests.sender.conftest import subscribe
from tests.team.pgserver import PgServer
from tests.team.procs import until
from webhook_studio.health import Health
from webhook_studio.receiver import EndpointConfig, Receiver
from webhook_studio.sender import Dispatcher
from webhook_studio.store import open_store
from webhook_studio.store.receiver_queries import list_captures

pytestmark = pytest.mark.slow


async def test_a_stopped_server_means_503_and_a_paused_sender_then_both_resume(
        pg_server: PgServer, pg_database: str, httpserver: HTTPServer) -> None:
    store = open_store(pg_database)
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe(store, httpserver.url_for("/hook"), retry="4s", now=time.time())
    health = Health()
    receiver = Receiver(store, port=0, default_endpoint=EndpointConfig(path="/", name="t"))
    dispatcher = Dispatcher(store, health=health)
    await receiver.start()
    await dispatcher.start()
    stopped = False
    try:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{receiver.url}/in", data=b"before") as resp:
                assert resp.status == 200
            (delivery_id,) = dispatcher.emit("a.b", {"n": 1})  # due in 4 s

            pg_server.stop("fast")
            stopped = True
            started = time.monotonic()
            async with http.post(f"{receiver.url}/in", data=b"while down") as resp:
                assert resp.status == 503, "a capture that is not stored is never acknowledged"
                detail = (await resp.json())["detail"]
            assert time.monotonic() - started < 20, "a bounded wait, not a hang"
            assert "unreachable" in detail.lower() or "did not answer" in detail.lower(), detail
            await until(lambda: health.get("sender").state == "degraded",
                        "the sender to notice", limit=40)
            assert "did not answer" in health.get("store").sentence
            assert len(httpserver.log) == 0

            pg_server.restart()
            stopped = False
            assert await _final(dispatcher, delivery_id) == "delivered"
            await until(lambda: health.get("sender").state == "ok", "the sender to resume",
                        limit=40)
            async with http.post(f"{receiver.url}/in", data=b"after") as resp:
                assert resp.status == 200
        with store.session() as session:
            bodies = [c.body for c in list_captures(session, with_body=True)]
        assert bodies == [b"after", b"before"], "nothing answered 503 was stored"
        assert len(httpserver.log) == 1
    finally:
        if stopped:
            pg_server.restart()
        await receiver.stop()
        await dispatcher.stop()
        store.dispose()


async def _final(dispatcher: Dispatcher, delivery_id: str) -> str:
    import asyncio

    return await asyncio.wait_for(dispatcher.wait_final(delivery_id), 60)
