"""What the sender reports: plain value objects for callbacks (the UI bridges them to Qt)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AttemptFinished:
    delivery_id: str
    number: int
    status: int | None
    outcome: str
    state: str
    next_attempt_at: float | None


@dataclass(frozen=True)
class DeliveryChanged:
    delivery_id: str
    state: str


SenderEvent = AttemptFinished | DeliveryChanged
