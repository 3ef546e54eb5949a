"""What passes between the queue's claim, an attempt and the recorder: a :class:`Job` to make
and its :class:`Result` to write. A module of their own so the recorders (``queue.py``'s Core
path, ``record_sqlite.py``'s raw one) and ``attempt.py`` share them without importing each
other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Job:
    """One attempt to make: everything needed to sign and send it without the store."""

    delivery_id: str
    subscription_id: str
    number: int
    url: str
    event_type: str
    body: bytes
    secrets: list[str]
    scheme: str
    scheme_options: dict[str, Any] | None
    headers: dict[str, str]
    profile: str | None
    timeout: float
    retry_policy: dict[str, Any]
    max_concurrency: int


@dataclass
class Result:
    """A finished attempt, ready to be written."""

    job: Job
    started_at: float
    finished_at: float
    request_headers: list[list[str]]
    status: int | None
    response_headers: list[list[str]]
    response_body: bytes
    response_size: int | None
    duration_ms: float
    outcome: str
    error_class: str | None
    error_message: str | None
    state: str  # pending, delivered, failed, disabled
    next_attempt_at: float | None
    reason: str | None
