"""Targets that drip, flood or garble their answers, against the real CLI and ``serve``
(issue 14, items 3, 4 and 6). Real processes, raw sockets, loopback."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.adversarial.sender_faults_support import ServeProcess, cli, eventually
from tests.sender.targets import RawTarget, dripping, fixed, huge

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def send(target: str, db: Path, *extra: str, limit: float = 50.0
               ) -> tuple[int, dict[str, Any], str]:
    proc = await asyncio.create_subprocess_exec(
        *cli("send", target, "--event", "a.b", "--secret", SECRET, "--json", "--db", str(db),
             *extra), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), limit)
    assert proc.returncode is not None
    return proc.returncode, json.loads(out), err.decode()


@pytest.mark.slow
@pytest.mark.parametrize(("head", "drip", "what"), [
    (b"HTTP/1.1 200 OK\r\n", b"X-Drip: " + b"d" * 200, "No response within 2 s"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n", b"b" * 300, "did not finish within 2 s"),
], ids=["headers", "body"])
async def test_a_dripping_target_hits_the_total_deadline(
        tmp_path: Path, head: bytes, drip: bytes, what: str) -> None:
    """Guards: a target dripping 1 byte/s held attempts for 248 s (headers) and 299 s (body)
    with ``--timeout 5``, then they were recorded as delivered. Now the deadline covers
    connect to last byte: the attempt is a timeout and the retry policy decides."""
    async with RawTarget(dripping(head, drip, every=1.0)) as target:
        started = time.monotonic()
        code, data, err = await send(target.url, tmp_path / "drip.db", "--timeout", "2",
                                     "--retry", "0,1s", "--wait")
        elapsed = time.monotonic() - started
        assert target.finished == 0, "both attempts were cut off while the target dripped"
    assert code == 1, err
    assert data["state"] == "failed"
    assert [a["outcome"] for a in data["attempts"]] == ["timeout", "timeout"]
    assert all(what in a["error"] for a in data["attempts"]), data["attempts"]
    assert "Gave up after 2 attempt(s)" in data["reason"]
    assert elapsed < 45, "two 2 s deadlines and a 1 s wait, not 200 s of dripping"


@pytest.mark.slow
async def test_a_huge_answer_does_not_grow_the_senders_memory(tmp_path: Path) -> None:
    """Guards: a 1 GiB answer took the sender to 2.1 GiB (the body was buffered whole). Now
    ``serve`` keeps the first 64 KiB, counts the rest and stays within a memory bound."""
    size = 300 * 1024 * 1024
    async with RawTarget(huge(size)) as target, \
            ServeProcess(tmp_path / "huge.sqlite3") as serve:
        await serve.subscribe(target.url, timeout=120, retry_policy="0")
        await asyncio.sleep(1.0)  # let start-up allocations settle before the baseline
        baseline = serve.rss_bytes()
        peak = baseline
        (delivery_id,) = await serve.emit()
        done: dict[str, Any] = {}

        async def finished() -> bool:
            nonlocal peak
            peak = max(peak, serve.rss_bytes())
            done.update(await serve.delivery(delivery_id))
            return bool(done["state"] != "pending")

        await eventually(finished, "the huge answer to be read", limit=55, every=0.05)
        assert serve.proc is not None and await serve.stop() == 0
    assert done["state"] == "delivered", done
    (attempt,) = done["attempts"]
    assert attempt["status"] == 200 and attempt["response_size"] == size
    growth = peak - baseline
    print(f"serve RSS {baseline / 2**20:.0f} MiB, peak {peak / 2**20:.0f} MiB while reading "
          f"a {size / 2**20:.0f} MiB answer")
    assert growth < 100 * 1024 * 1024, f"RSS grew {growth / 2**20:.0f} MiB for a 300 MiB answer"


@pytest.mark.slow
@pytest.mark.parametrize("garbage", [b"\xb2", b"\xff\xfe", b"Thu, 99 Foo 2015 07:28:00 GMT"])
async def test_retry_after_garbage_retries_on_the_schedule(
        tmp_path: Path, garbage: bytes) -> None:
    """Guards: ``Retry-After: \\xb2`` turned a retryable 503 into ``failed`` with a false
    "could not sign the request" reason. Now an unreadable Retry-After falls back to the
    retry schedule and the attempt says so. (tests/sender/test_attempt_limits.py tries
    arbitrary bytes with hypothesis; these go through the real CLI and sockets.)"""
    answers = [b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: " + garbage +
               b"\r\nContent-Length: 0\r\n\r\n",
               b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]

    async def first_503_then_200(writer: asyncio.StreamWriter) -> None:
        await fixed(answers.pop(0) if len(answers) > 1 else answers[0])(writer)

    async with RawTarget(first_503_then_200) as target:
        code, data, err = await send(target.url, tmp_path / "ra.db", "--retry", "0,1s",
                                     "--wait")
        assert target.requests == 2
    assert code == 0, err
    assert data["state"] == "delivered"
    first, second = data["attempts"]
    assert first["status"] == 503 and second["status"] == 200
    assert "Retry-After" in first["error"] and "retry schedule" in first["error"]
    assert "sign" not in err.lower()
    gap = (_ts(second["started_at"]) - _ts(first["started_at"]))
    assert 0.9 <= gap < 30, f"the schedule's 1 s, not a garbage hint: {gap}"


def _ts(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()
