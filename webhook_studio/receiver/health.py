"""The receiver's health as a small dict: ``GET /health`` and the window's status show it.

``state`` is ``down`` when it is not listening, ``degraded`` when in the last minute the store
refused captures (requests got 503) or the connection cap was reached, else ``ok``; ``sentence``
says which, for people; ``counters`` are totals since start.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from webhook_studio.receiver.events import CaptureStored, ReceiverEvent

if TYPE_CHECKING:
    from webhook_studio.health import Health
    from webhook_studio.receiver.server import Receiver

#: How far back a store failure or a full connection table makes the receiver "degraded".
RECENT = 60.0


def health_of(receiver: Receiver) -> dict[str, Any]:
    stats = receiver.connection_stats
    writer = receiver.writer
    counters = {
        "connections_open": stats["open"], "connections_idle": stats["idle"],
        "connections_busy": stats["busy"], "connections_shed": stats["shed"],
        "connections_refused": stats["refused"], "connections_timed_out": stats["timed_out"],
        "captures_stored": writer.written, "captures_failed": writer.failed,
        "uploads_stopped": receiver.stopped_uploads,
        "searches_skipped": receiver.verifier.searches_skipped,
    }
    now = time.monotonic()
    if receiver.url is None:
        return {"state": "down", "sentence": "The receiver is not running.",
                "counters": counters}
    problems = []
    if writer.last_failure is not None and now - writer.last_failure[0] < RECENT:
        problems.append(f"the store refused captures in the last minute (answered 503): "
                        f"{writer.last_failure[1]}")
    server = receiver._server
    if server is not None and server.last_pressure and now - server.last_pressure < RECENT:
        problems.append(
            f"the connection cap of {server.max_connections} was reached in the last minute "
            f"({stats['shed']} idle connections closed to make room, {stats['refused']} "
            "refused since start)")
    if problems:
        sentence = "Receiving on " + receiver.url + ", but " + "; and ".join(problems)
        return {"state": "degraded", "sentence": sentence.rstrip(".") + ".",
                "counters": counters}
    return {"state": "ok",
            "sentence": f"Receiving on {receiver.url}; {stats['open']} connection(s) open.",
            "counters": counters}


def follow_receiver(health: Health, receiver: Receiver) -> Callable[[], Awaitable[None]]:
    """Let a receiver's stored captures vouch for the store; returns the coroutine function
    that stops the receiver and marks it ``down``, for an exit stack. (The caller marks it
    ``ok`` with its URL once it listens.) Here and not in ``webhook_studio.health``: the sender
    imports that module, and it must not reach the receiver through it."""

    def on_event(event: ReceiverEvent) -> None:
        if isinstance(event, CaptureStored):
            health.set("store", "ok", "writable")

    unsubscribe = receiver.hub.subscribe(on_event)

    async def stop() -> None:
        unsubscribe()
        try:
            await receiver.stop()
        finally:
            health.set("receiver", "down", "stopped", expected=True)

    return stop
