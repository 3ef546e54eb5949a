"""Defect guarded (issue 14, item 3): about 300 idle sockets, reopened as they close, kept
every other client out of ``listen`` for 30 s; each refused connection logged a 7-line
traceback (45 MB of stderr in 30 s), and with stderr a pipe nobody reads the receiver hung."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from tests.adversarial._receiver_tools import Flood, listen, post

FLOOD_SECONDS = 10.0


def test_fast_clients_are_answered_while_300_idle_sockets_flood(tmp_path: Path) -> None:
    """An idle-socket flood past the connection cap, with stderr a pipe nobody reads: every
    fast client is answered, each within 5 s (30 s and more before), and stderr stays small
    (one summary line per interval, no traceback per connection)."""
    with listen(tmp_path, stderr=subprocess.PIPE) as receiver:
        latencies: list[tuple[int, float]] = []
        with Flood(receiver.port, 300) as flood:
            time.sleep(1.0)  # let the flood fill the table
            end = time.monotonic() + FLOOD_SECONDS
            while time.monotonic() < end:
                latencies.append(post(receiver.port, timeout=30))
                time.sleep(0.2)
        assert flood.opened >= 300
        assert receiver.stop() == 0
        assert receiver.proc.stderr is not None
        stderr = receiver.proc.stderr.read()
    statuses = [status for status, _ in latencies]
    slowest = max(seconds for _, seconds in latencies)
    assert len(latencies) >= 10
    assert statuses == [200] * len(statuses), statuses
    assert slowest < 5.0, f"a fast client waited {slowest:.1f} s"
    assert b"Traceback" not in stderr
    assert len(stderr) < 4096, stderr[:500]
