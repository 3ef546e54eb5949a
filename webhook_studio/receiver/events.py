"""What the receiver tells the rest of the app, as plain value objects.

Subscribers are plain callbacks (called on the loop, must be quick) or async iterators; the UI
turns them into Qt signals in one small bridge and batches repaints.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CaptureStored:
    capture_id: int
    endpoint_id: int | None
    method: str
    path: str
    state: str
    response_status: int
    verify_valid: bool | None
    duplicate_of: int | None
    received_at: float
    #: For a one-line log (``listen``): body bytes, the verdict's reason code, an error.
    body_size: int = 0
    reason: str | None = None
    error: str | None = None
    query: str = ""


@dataclass(frozen=True)
class EndpointsChanged:
    count: int


@dataclass(frozen=True)
class ReceiverStateChanged:
    running: bool
    url: str | None


ReceiverEvent = CaptureStored | EndpointsChanged | ReceiverStateChanged


class EventHub:
    """Fan-out of engine events to callbacks and async iterators."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[ReceiverEvent], None]] = []
        self._queues: set[asyncio.Queue[ReceiverEvent]] = set()

    def subscribe(self, callback: Callable[[ReceiverEvent], None]) -> Callable[[], None]:
        """Add a callback; returns a function that removes it."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback)

    def emit(self, event: ReceiverEvent) -> None:
        for callback in list(self._callbacks):
            callback(event)
        for queue in self._queues:
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(event)

    async def stream(self, maxsize: int = 10_000) -> AsyncIterator[ReceiverEvent]:
        """Events from now on, until the consumer stops iterating."""
        queue: asyncio.Queue[ReceiverEvent] = asyncio.Queue(maxsize)
        self._queues.add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.discard(queue)
