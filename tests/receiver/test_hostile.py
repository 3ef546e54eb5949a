"""Limits and hostile clients: none of them may stall the others, nothing is answered 2xx
unless stored."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator

import aiohttp

from tests.receiver.conftest import StartReceiver
from tests.team.faults import store_locked
from webhook_studio.receiver import EndpointConfig, Limits
from webhook_studio.store import Store
from webhook_studio.store.receiver_queries import count_captures, list_captures


def port_of(url: str | None) -> int:
    assert url is not None, "the receiver is not listening"
    return int(url.rsplit(":", 1)[1])


async def raw_exchange(port: int, payload: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    await writer.wait_closed()
    return data


async def test_announced_body_over_the_limit_gets_413_before_reading(
        start_receiver: StartReceiver, store: Store) -> None:
    receiver = await start_receiver(EndpointConfig(max_body_bytes=1000))
    # Announce 50 MB but send nothing: a 413 must come back without waiting for the body.
    reply = await raw_exchange(port_of(receiver.url), b"POST /big HTTP/1.1\r\nHost: x\r\n"
                               b"X-Kept: yes\r\nContent-Length: 50000000\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 413")
    with store.session() as session:
        (capture,) = list_captures(session)
        assert capture.state == "rejected" and capture.response_status == 413
        assert ["X-Kept", "yes"] in capture.headers and capture.body_size == 50_000_000


async def test_chunked_body_over_the_limit_gets_413(
        start_receiver: StartReceiver, store: Store) -> None:
    receiver = await start_receiver(EndpointConfig(max_body_bytes=1000))

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 500

    async with aiohttp.ClientSession() as session, session.post(
            f"{receiver.url}/c", data=chunks()) as resp:
        assert resp.status == 413
    with store.session() as db:
        error = list_captures(db)[0].error
    assert error is not None and error.startswith("Chunked body exceeded")


async def test_malformed_http_is_answered_400_and_listed(
        start_receiver: StartReceiver, store: Store) -> None:
    receiver = await start_receiver()
    reply = await raw_exchange(port_of(receiver.url), b"NOT HTTP AT ALL\r\n\r\n")
    assert reply.startswith(b"HTTP/1.") and b" 400 " in reply.split(b"\r\n")[0]
    for _ in range(50):
        with store.session() as session:
            rows = list_captures(session)
        if rows:
            break
        await asyncio.sleep(0.02)
    assert rows[0].state == "malformed" and rows[0].response_status == 400
    assert rows[0].error is not None and rows[0].error.startswith("Malformed HTTP")


async def test_slow_clients_hit_the_deadlines_while_fast_clients_are_served(
        start_receiver: StartReceiver) -> None:
    receiver = await start_receiver(limits=Limits(header_timeout=0.6, body_timeout=0.6))
    port = port_of(receiver.url)

    async def slowloris() -> float:
        started = time.monotonic()
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /slow HTTP/1.1\r\nHost: x\r\n")
        try:
            for _ in range(40):  # one header byte every 100 ms, never finishing
                writer.write(b"X")
                await writer.drain()
                await asyncio.sleep(0.1)
            held_for = time.monotonic() - started
        except ConnectionError:
            held_for = time.monotonic() - started  # the server hung up on us: good
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
        return held_for

    async def slow_body() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /slowbody HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        return data

    async def fast_clients() -> list[int]:
        statuses = []
        async with aiohttp.ClientSession() as session:
            for _ in range(20):
                async with session.post(f"{receiver.url}/fast", data=b"ok") as resp:
                    statuses.append(resp.status)
                await asyncio.sleep(0.03)
        return statuses

    slow_task = asyncio.create_task(slowloris())
    body_task = asyncio.create_task(slow_body())
    statuses = await fast_clients()
    held = await slow_task
    assert statuses == [200] * 20
    assert held < 2.5, f"slow header client held its connection for {held:.1f} s"
    assert (await body_task).startswith(b"HTTP/1.1 408")
    assert receiver.connection_stats["timed_out"] >= 1


async def test_at_the_cap_idle_connections_make_room_and_busy_ones_refuse(
        start_receiver: StartReceiver) -> None:
    """The cap once refused newcomers while idle sockets held every slot; now the oldest idle
    connection is closed for a newcomer, and only when every slot is handling a request is the
    newcomer refused (and counted, not logged one by one)."""
    receiver = await start_receiver(limits=Limits(max_connections=3, header_timeout=5,
                                                  body_timeout=5))
    port = port_of(receiver.url)
    idle = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
    await asyncio.sleep(0.05)
    async with aiohttp.ClientSession() as session, session.post(
            f"{receiver.url}/served", data=b"x") as resp:
        assert resp.status == 200
    assert await asyncio.wait_for(idle[0][0].read(), 2) == b""  # the oldest idle one went
    assert receiver.connection_stats["shed"] >= 1
    health = receiver.health()
    assert health["state"] == "degraded" and "connection cap of 3" in health["sentence"]
    for _r, w in idle:
        w.close()
    await asyncio.sleep(0.05)
    uploads = []
    for _ in range(3):  # three requests still sending their body: busy, never shed
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     b"Content-Length: 10\r\n\r\nab")
        await writer.drain()
        uploads.append((reader, writer))
    await asyncio.sleep(0.2)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    assert await asyncio.wait_for(reader.read(), 2) == b""  # refused at once
    assert receiver.connection_stats["refused"] >= 1
    for upload_reader, upload_writer in uploads:
        upload_writer.write(b"cdefghij")
        assert (await asyncio.wait_for(upload_reader.read(), 5)).startswith(b"HTTP/1.1 200")
        upload_writer.close()
    writer.close()


async def test_store_failure_answers_503_never_2xx(
        start_receiver: StartReceiver, store: Store, db_url: str) -> None:
    receiver = await start_receiver()
    import webhook_studio.store.database as database

    original = database.BUSY_TIMEOUT_MS
    blocker = contextlib.ExitStack()
    blocker.enter_context(store_locked(db_url))
    try:
        if store.engine.dialect.name == "sqlite":  # make the writer give up quickly
            with store.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA busy_timeout=100")
        store.engine.dispose()
        database.BUSY_TIMEOUT_MS = 100
        async with aiohttp.ClientSession() as session, session.post(
                f"{receiver.url}/x", data=b"must not be acknowledged") as resp:
            assert resp.status == 503
            detail = json.loads(await resp.read())["detail"]
            assert "locked" in detail
    finally:
        database.BUSY_TIMEOUT_MS = original
        blocker.close()
    async with aiohttp.ClientSession() as session, session.post(
            f"{receiver.url}/x", data=b"stored now") as resp:
        assert resp.status == 200
    with store.session() as db:
        assert count_captures(db) == 1
        assert [c.path for c in list_captures(db, with_body=True)] == ["/x"]
