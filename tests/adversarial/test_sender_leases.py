"""``deliveries resume`` and a second ``serve`` started while a ``serve`` has deliveries in
flight (issue 14, item 2). Real processes, a slow real target, loopback."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from tests.adversarial.sender_faults_support import ServeProcess, cli, eventually
from tests.sender.targets import RawTarget, held

EVENTS = 3


@pytest.mark.slow
async def test_resume_and_a_second_serve_never_resend_what_is_in_flight(
        tmp_path: Path) -> None:
    """Guards: starting ``deliveries resume`` or a second ``serve`` cleared every in-flight
    mark, so each delivery in flight was sent twice. Now they see live leases and leave those
    deliveries alone; ``resume --wait`` waits for them to end instead of returning early."""
    release = asyncio.Event()
    db = tmp_path / "leases.sqlite3"
    async with RawTarget(held(release)) as target, ServeProcess(db, "first") as first:
        await first.subscribe(target.url, timeout=60, retry_policy="0,1s")
        ids = [i for _ in range(EVENTS) for i in await first.emit()]

        async def all_in_flight() -> bool:
            return target.requests == EVENTS

        await eventually(all_in_flight, "the first serve to send every delivery")

        resume = await asyncio.create_subprocess_exec(
            *cli("deliveries", "resume", "--db", str(db)),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(resume.communicate(), 45)
        assert resume.returncode == 0, err
        assert b"recovered" not in err, "live leases are not taken back"
        assert b"3 pending" in out, out

        waiter = await asyncio.create_subprocess_exec(
            *cli("deliveries", "resume", "--wait", "--wait-timeout", "50", "--db", str(db)),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        async with ServeProcess(db, "second") as second:
            await asyncio.sleep(3.0)  # the second serve's loop has looked at the queue
            status, words = await second.liveness()
            assert status == 200 and words["sender"] == "ok", words
            assert waiter.returncode is None, "resume --wait waits while they are in flight"
            assert target.requests == EVENTS, target.header_values("webhook-id")
            release.set()
            out, err = await asyncio.wait_for(waiter.communicate(), 55)
            assert waiter.returncode == 0, err
            assert b"3 delivered" in out, out
            assert await second.stop() == 0
        for delivery_id in ids:
            data = await first.delivery(delivery_id)
            assert data["state"] == "delivered"
            assert [a["status"] for a in data["attempts"]] == [200]
        assert await first.stop() == 0
        seen = Counter(target.header_values("webhook-id"))
    assert sorted(seen) == sorted(ids) and set(seen.values()) == {1}, seen
