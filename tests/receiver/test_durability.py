"""Kill the ``listen`` process mid-burst: every request that got a 2xx must be stored exactly."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from webhook_studio.store import open_store
from webhook_studio.store.receiver_queries import get_capture, list_captures


async def start_listen(db: Path) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "webhook_studio", "listen", "--port", "0", "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30)
    assert line.startswith(b"listening on http://127.0.0.1:"), line
    return proc, line.decode().split()[-1]


@pytest.mark.slow
async def test_sigkill_during_a_burst_loses_no_acknowledged_capture(tmp_path: Path) -> None:
    db = tmp_path / "burst.sqlite3"
    proc, url = await start_listen(db)
    rng = random.Random(7)
    bodies = [rng.randbytes(rng.randint(0, 4000)) for _ in range(400)]
    acknowledged: dict[int, bytes] = {}
    killed = asyncio.Event()

    async def one(session: aiohttp.ClientSession, i: int, sem: asyncio.Semaphore) -> None:
        async with sem:
            if killed.is_set():
                return
            try:
                async with session.post(f"{url}/burst/{i}", data=bodies[i]) as resp:
                    if 200 <= resp.status < 300:
                        reply = await resp.json()
                        acknowledged[int(reply["capture"])] = bodies[i]
            except (TimeoutError, aiohttp.ClientError, ConnectionError):
                pass

    async def killer() -> None:
        while len(acknowledged) < 120:
            await asyncio.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
        killed.set()

    sem = asyncio.Semaphore(20)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(killer(), *(one(session, i, sem) for i in range(len(bodies))))
    proc.wait(10)
    proc.stdout.close()  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    assert proc.returncode == -signal.SIGKILL
    assert 120 <= len(acknowledged) < len(bodies), "the kill must land mid-burst"

    store = open_store(db)
    try:
        with store.session() as reading:
            for capture_id, body in acknowledged.items():
                assert get_capture(reading, capture_id).body == body
    finally:
        store.dispose()


@pytest.mark.slow
async def test_sigterm_flushes_and_exits_0(tmp_path: Path) -> None:
    db = tmp_path / "term.sqlite3"
    proc, url = await start_listen(db)
    async with aiohttp.ClientSession() as session:
        for i in range(25):
            async with session.post(f"{url}/t", data=f"body {i}".encode()) as resp:
                assert resp.status == 200
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 0
    proc.stdout.close()  # type: ignore[union-attr]
    assert proc.stderr.read() == b""  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    store = open_store(db)
    with store.session() as session:
        assert len(list_captures(session, limit=100)) == 25
    store.dispose()
