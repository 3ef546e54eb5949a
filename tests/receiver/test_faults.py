"""The receiver under bad luck and hostile clients (issue 14): bounded deadlines and waits,
a bounded mistake search, health, and logging that cannot block."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import logging.handlers
import os
import queue
import ssl
import time
from pathlib import Path

import aiohttp

from tests.receiver.conftest import StartReceiver
from tests.team.faults import store_locked
from webhook_studio.receiver import EndpointConfig, Limits
from webhook_studio.receiver.logs import DroppingQueueHandler, FdHandler
from webhook_studio.receiver.tls import ensure_certificate, server_context
from webhook_studio.store import Store
from webhook_studio.store.receiver_queries import list_captures


def port_of(url: str | None) -> int:
    assert url is not None, "the receiver is not listening"
    return int(url.rsplit(":", 1)[1])


def github_headers(body: bytes, secret: str = "s") -> dict[str, str]:
    return {"X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body,
                                                        hashlib.sha256).hexdigest()}


async def test_a_silent_connection_is_closed_at_the_first_byte_deadline(
        start_receiver: StartReceiver) -> None:
    receiver = await start_receiver(limits=Limits(first_byte_timeout=0.3))
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(receiver.url))
    started = time.monotonic()
    assert await asyncio.wait_for(reader.read(), 10) == b""
    assert time.monotonic() - started < 5
    assert receiver.connection_stats["timed_out"] >= 1
    writer.close()


async def test_tls_connections_count_before_their_handshake(
        start_receiver: StartReceiver, tmp_path: Path) -> None:
    """Pre-handshake TLS connections hold slots (shed first at the cap) and have a deadline;
    a client that does handshake is served."""
    context = server_context(ensure_certificate(tmp_path / "tls"))
    receiver = await start_receiver(ssl_context=context, limits=Limits(
        max_connections=4, tls_handshake_timeout=3.0, first_byte_timeout=30))
    port = port_of(receiver.url)
    silent = [await asyncio.open_connection("127.0.0.1", port) for _ in range(4)]
    for _ in range(100):
        if receiver.connection_stats["handshaking"] == 4:
            break
        await asyncio.sleep(0.02)
    assert receiver.connection_stats["handshaking"] == 4
    client = ssl.create_default_context()
    client.check_hostname, client.verify_mode = False, ssl.CERT_NONE
    async with aiohttp.ClientSession() as session, session.post(
            f"{receiver.url}/x", data=b"{}", ssl=client) as resp:
        assert resp.status == 200
    assert receiver.connection_stats["shed"] >= 1
    for reader, writer in silent:  # every silent one is gone by its deadline
        assert await asyncio.wait_for(reader.read(), 10) == b""
        writer.close()


async def test_big_bodies_skip_the_mistake_search_and_say_so(
        start_receiver: StartReceiver, store: Store) -> None:
    receiver = await start_receiver(
        EndpointConfig(scheme_name="github", secrets=("s",), reject_invalid=True),
        limits=Limits(search_max_bytes=20_000))
    small = b'{"a": 1}'
    big = json.dumps({"items": list(range(10_000))}).encode()
    async with aiohttp.ClientSession() as session:
        # Signed over compact JSON, sent pretty: explained when small, skipped when big.
        for body in (small, big):
            compact = json.dumps(json.loads(body), separators=(",", ":")).encode()
            async with session.post(f"{receiver.url}/h", data=body,
                                    headers=github_headers(compact)) as resp:
                assert resp.status == 401  # the status depends on validity only
    with store.session() as db:
        big_row, small_row = list_captures(db)
    small_verdict, big_verdict = small_row.verification, big_row.verification
    assert small_verdict is not None and big_verdict is not None
    assert small_verdict["mistake"] == "body_reformatted_compact"
    assert big_verdict["mistake"] is None
    assert "was skipped: the body is" in big_verdict["message"]
    assert big_verdict["details"]["diagnosis"] == "skipped"
    assert receiver.health()["counters"]["searches_skipped"] == 1


async def test_a_locked_store_answers_503_within_the_store_wait(
        start_receiver: StartReceiver, db_url: str, store: Store) -> None:
    """Several requests queued behind a locked store each get their 503 within a few
    seconds (each queued group waited the full busy timeout after the previous one before:
    up to 13 s); health says degraded, with the reason."""
    receiver = await start_receiver(limits=Limits(store_wait=1.0))
    assert receiver.health()["state"] == "ok"
    with store_locked(db_url):
        async with aiohttp.ClientSession() as session:

            async def one(delay: float) -> tuple[int, float]:
                await asyncio.sleep(delay)
                started = time.monotonic()
                async with session.post(f"{receiver.url}/x", data=b"x") as resp:
                    return resp.status, time.monotonic() - started

            results = await asyncio.gather(*(one(d) for d in (0, 0.3, 0.6, 0.9, 1.2, 1.5)))
    assert [status for status, _ in results] == [503] * 6
    assert max(seconds for _, seconds in results) < 5.0, results
    health = receiver.health()
    assert health["state"] == "degraded" and "store" in health["sentence"]
    assert health["counters"]["captures_failed"] >= 1
    async with aiohttp.ClientSession() as session, session.post(
            f"{receiver.url}/x", data=b"after") as resp:
        assert resp.status == 200
    await asyncio.sleep(0.5)
    with store.session() as db:  # nothing answered 503 was stored later
        assert [c.body for c in list_captures(db, with_body=True)] == [b"after"]


async def test_health_is_down_when_stopped(start_receiver: StartReceiver) -> None:
    receiver = await start_receiver()
    health = receiver.health()
    assert health["state"] == "ok" and receiver.url in health["sentence"]
    assert set(health["counters"]) >= {"connections_open", "connections_shed",
                                       "connections_refused", "connections_idle"}
    await receiver.stop()
    assert receiver.health()["state"] == "down"


def test_logging_through_the_queue_never_blocks_on_a_full_pipe() -> None:
    """stderr a pipe nobody reads: 5,000 records (1 MB) are logged at once without blocking the
    caller; what the queue cannot hold is dropped and counted."""
    read_end, write_end = os.pipe()
    records: queue.Queue[logging.LogRecord] = queue.Queue(100)
    handler = DroppingQueueHandler(records)
    listener = logging.handlers.QueueListener(records, FdHandler(write_end))
    listener.start()
    logger = logging.getLogger("tests.receiver.full-pipe")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        started = time.monotonic()
        for i in range(5_000):
            logger.warning("line %d %s", i, "x" * 200)
        assert time.monotonic() - started < 10
        assert handler.dropped > 0
    finally:
        logger.removeHandler(handler)
        os.close(read_end)  # the listener's blocked write now fails and it drains the queue
        deadline = time.monotonic() + 10
        while not records.empty() and time.monotonic() < deadline:
            time.sleep(0.01)
        listener.stop()
        os.close(write_end)
