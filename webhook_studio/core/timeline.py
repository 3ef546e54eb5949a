"""Layout of the retry timeline: where each attempt sits, what it looks like, what comes next.

Pure so that the rules (outcome classes, scale, countdown wording) are tested without Qt; the
widget in ``ui/widgets/retry_timeline.py`` only paints what this computes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from webhook_studio.core.vocabulary import AttemptOutcome


class Outcome(StrEnum):
    """How an attempt ended, as the timeline colours it."""

    SUCCESS = "2xx"
    REDIRECT = "3xx"
    CLIENT_ERROR = "4xx"
    SERVER_ERROR = "5xx"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    OTHER = "other"
    SCHEDULED = "scheduled"


_ERROR_OUTCOMES: dict[str, Outcome] = {
    AttemptOutcome.TIMEOUT: Outcome.TIMEOUT,
    AttemptOutcome.CONNECTION_ERROR: Outcome.CONNECTION,
    AttemptOutcome.TLS_ERROR: Outcome.CONNECTION,
}


def classify(status: int | None, error_kind: str | None = None) -> Outcome:
    """The outcome class of an attempt from its status code or its error kind."""
    if status is not None:
        if 200 <= status < 300:
            return Outcome.SUCCESS
        if 300 <= status < 400:
            return Outcome.REDIRECT
        if 400 <= status < 500:
            return Outcome.CLIENT_ERROR
        if 500 <= status < 600:
            return Outcome.SERVER_ERROR
        return Outcome.OTHER
    if error_kind is None:
        return Outcome.OTHER
    return _ERROR_OUTCOMES.get(error_kind, Outcome.OTHER)


@dataclass(frozen=True)
class AttemptPoint:
    """One past attempt as the timeline needs it."""

    number: int
    at: float
    status: int | None = None
    duration_ms: float | None = None
    error_kind: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Marker:
    """A marker to draw: ``x`` in 0..1 along the axis; ``hollow`` for scheduled attempts."""

    x: float
    outcome: Outcome
    hollow: bool
    label: str
    tooltip: str


@dataclass(frozen=True)
class TimelineLayout:
    markers: tuple[Marker, ...]
    start: float
    end: float
    now_x: float | None
    countdown: str | None


def format_duration(seconds: float) -> str:
    """Short human wording: ``45 s``, ``4 min 5 s``, ``2 h 5 min``, ``3 d 2 h``."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    minutes, sec = divmod(s, 60)
    if minutes < 60:
        return f"{minutes} min {sec} s" if sec else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _tooltip(point: AttemptPoint, outcome: Outcome) -> str:
    parts = [f"Attempt {point.number}"]
    if point.status is not None:
        parts.append(f"HTTP {point.status}")
    if point.duration_ms is not None:
        parts.append(f"{point.duration_ms:.0f} ms")
    if point.error:
        parts.append(point.error)
    elif point.status is None and outcome is not Outcome.OTHER:
        parts.append(str(outcome))
    return " · ".join(parts)


def layout(
    attempts: Sequence[AttemptPoint], scheduled: Sequence[float], now: float
) -> TimelineLayout:
    """Place past attempts and scheduled ones on one axis from the first to the last.

    The axis is logarithmic in the time since the first attempt: retry schedules grow
    geometrically (5 s, 5 min, 30 min, 2 h …), and on a linear axis the early attempts would
    sit on top of each other. A small margin keeps markers inside the edges.
    """
    times = [a.at for a in attempts] + list(scheduled)
    if not times:
        return TimelineLayout((), now, now, None, None)
    start = min(times)
    end = max([*times, now]) if scheduled else max(times)
    scale = math.log1p(max(end - start, 1.0))
    lo, hi = start, end

    def pos(t: float) -> float:
        return 0.04 + 0.92 * math.log1p(max(t - start, 0.0)) / scale

    markers: list[Marker] = []
    for point in attempts:
        outcome = classify(point.status, point.error_kind)
        markers.append(Marker(pos(point.at), outcome, False, str(point.number),
                              _tooltip(point, outcome)))
    first_future = len(attempts) + 1
    for offset, when in enumerate(sorted(scheduled)):
        number = first_future + offset
        wait = when - now
        tip = (f"Attempt {number} · scheduled in {format_duration(wait)}" if wait > 0
               else f"Attempt {number} · due now")
        markers.append(Marker(pos(when), Outcome.SCHEDULED, True, str(number), tip))
    countdown = None
    if scheduled:
        wait = min(scheduled) - now
        countdown = (f"next attempt in {format_duration(wait)}" if wait > 0
                     else "next attempt due now")
    now_x = pos(now) if start <= now <= end else None
    return TimelineLayout(tuple(markers), lo, hi, now_x, countdown)
