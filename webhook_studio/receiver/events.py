"""What the receiver tells the rest of the app, as plain value objects.

Subscribers are plain callbacks (called on the loop, must be quick); the UI turns them into Qt
signals in one small bridge and batches repaints.
"""

from __future__ import annotations

from collections.abc import Callable
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
    """Fan-out of engine events to callbacks."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[ReceiverEvent], None]] = []

    def subscribe(self, callback: Callable[[ReceiverEvent], None]) -> Callable[[], None]:
        """Add a callback; returns a function that removes it."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback)

    @property
    def listening(self) -> bool:
        """Whether anyone subscribed (the receiver builds no event for nobody)."""
        return bool(self._callbacks)

    def emit(self, event: ReceiverEvent) -> None:
        for callback in list(self._callbacks):
            callback(event)
