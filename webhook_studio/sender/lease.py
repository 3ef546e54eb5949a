"""Who holds a delivery while its attempt runs: lease owners and their liveness.

A sender claims a delivery for ``LEASE_S`` seconds and renews the lease every ``RENEW_S``
while the attempt runs, so a second ``serve`` or ``deliveries resume`` on the same store never
sends a delivery that is in flight elsewhere. A lease is taken back when it has expired, or at
once when its owner is a process on this machine that no longer exists (a crash or SIGKILL:
``deliveries resume`` then carries on without waiting for the lease to run out).

The owner id is ``host:pid:start``; ``start`` is the process start time from ``/proc`` where
there is one, so a reused pid is not mistaken for the crashed owner.
"""

from __future__ import annotations

import asyncio
import math
import os
import secrets
import socket
from collections.abc import Callable, Collection

from webhook_studio.health import Backoff


def _lease_from_env(value: str | None, default: float) -> float:
    """A lease length from the environment; anything unusable (not a number, under 1 s, over
    an hour) leaves the default."""
    try:
        seconds = float(value) if value else default
    except ValueError:
        return default
    return seconds if math.isfinite(seconds) and 1.0 <= seconds <= 3600.0 else default

#: How long a claim lasts without renewal, and how often it is renewed. A team can shorten
#: the lease (so a vanished worker's deliveries move on sooner) with the environment variable
#: ``WEBHOOK_STUDIO_LEASE_S``; renewal stays at a third of it.
LEASE_S = _lease_from_env(os.environ.get("WEBHOOK_STUDIO_LEASE_S"), 30.0)
RENEW_S = LEASE_S / 3


def _start_ticks(pid: int) -> str | None:
    """The process start time in clock ticks since boot (Linux), or None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def make_owner_id() -> str:
    """A new owner id for this process (the random part tells two dispatchers apart)."""
    pid = os.getpid()
    start = _start_ticks(pid) or secrets.token_hex(4)
    return f"{socket.gethostname()}:{pid}:{start}:{secrets.token_hex(3)}"


def owner_is_gone(owner: str) -> bool:
    """True only when ``owner`` was a process on this machine that has ended.

    Anything else (another host, a malformed id, no way to tell) is False: that lease is
    waited out, never cut short.
    """
    host, _, rest = owner.partition(":")
    pid_text, _, rest = rest.partition(":")
    start = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # another dispatcher of this process: it renews its own leases
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists but belongs to someone else, or no permission: alive
        return False
    now_start = _start_ticks(pid)
    return now_start is not None and start.isdigit() and now_start != start


async def keep_renewed(held: Collection[str], every_s: float,
                       renew: Callable[[Collection[str]], None],
                       trouble: Callable[[BaseException, Backoff, str], float]) -> None:
    """While ``held`` (the deliveries whose attempts run or wait to be recorded) is not
    empty, ``renew`` their leases every ``every_s`` on a worker thread so none expires; a
    failure goes to ``trouble`` and the next round tries again."""
    backoff = Backoff()
    while held:
        await asyncio.sleep(every_s)
        ids = set(held)
        if not ids:
            return
        try:
            await asyncio.to_thread(renew, ids)
        except Exception as exc:
            trouble(exc, backoff, "renewing leases")
        else:
            backoff.reset()
