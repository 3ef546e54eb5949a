"""Chaos replay as data: what to send, in which order, in which burst, after which pause.

Real providers deliver at least once, out of order, in bursts, with uneven pacing; a consumer
that is not idempotent applies an event twice. The schedule is computed here first, from a
seeded generator and nothing else, so a run is reproducible (same seed, same schedule) and can
be shown before anything is sent. :mod:`webhook_studio.relay.chaos` runs it.

Spec text: ``duplicates=0.2,shuffle,burst=50,delay=0-2s`` (each part optional):
``duplicates=P`` sends each capture a second time with probability P (the copy keeps the
delivery id, and goes later in the run); ``shuffle`` reorders everything; ``burst=N`` sends N
requests at once; ``delay=A-B`` waits a random time between A and B (``s`` or ``ms``) before
each burst.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from webhook_studio.core.errors import CoreError

MAX_BURST = 1000
MAX_DELAY_S = 300.0


class ChaosSpecError(CoreError):
    """The chaos spec cannot be read; the message says what to write."""


@dataclass(frozen=True)
class ChaosSpec:
    duplicates: float = 0.0
    shuffle: bool = False
    burst: int = 1
    delay: tuple[float, float] = (0.0, 0.0)

    def describe(self) -> str:
        parts = []
        if self.duplicates:
            parts.append(f"duplicates={self.duplicates:g}")
        if self.shuffle:
            parts.append("shuffle")
        if self.burst > 1:
            parts.append(f"burst={self.burst}")
        if self.delay != (0.0, 0.0):
            parts.append(f"delay={self.delay[0]:g}-{self.delay[1]:g}s")
        return ",".join(parts) or "none"


_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")


def _seconds(text: str, unit: str | None) -> float:
    match = _SECONDS.match(text)
    if match is None:
        raise ChaosSpecError(f"delay {text!r} is not a time; write e.g. delay=0-2s or "
                             "delay=100-500ms.")
    value = float(match.group(1))
    return value / 1000 if (match.group(2) or unit) == "ms" else value


def parse_spec(text: str) -> ChaosSpec:
    """``duplicates=0.2,shuffle,burst=50,delay=0-2s`` as a spec; ChaosSpecError otherwise."""
    duplicates, shuffle, burst, delay = 0.0, False, 1, (0.0, 0.0)
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            continue
        key, _, value = part.partition("=")
        key = key.strip().lower()
        if key == "shuffle" and not value:
            shuffle = True
        elif key == "duplicates":
            try:
                duplicates = float(value)
            except ValueError:
                duplicates = -1.0
            if not 0.0 <= duplicates <= 1.0:
                raise ChaosSpecError(f"duplicates={value} must be a probability from 0 to 1 "
                                     "(0.2: one capture in five is sent twice).")
        elif key == "burst":
            if not value.strip().isdigit() or not 1 <= int(value) <= MAX_BURST:
                raise ChaosSpecError(f"burst={value} must be a whole number from 1 to "
                                     f"{MAX_BURST} (requests sent at once).")
            burst = int(value)
        elif key == "delay":
            low, dash, high = value.partition("-")
            unit = "ms" if value.strip().endswith("ms") else None
            lo = _seconds(low, unit)
            hi = _seconds(high, unit) if dash else lo
            if hi < lo or hi > MAX_DELAY_S:
                raise ChaosSpecError(f"delay={value} must be A-B with A ≤ B ≤ "
                                     f"{MAX_DELAY_S:g}s (e.g. delay=0-2s).")
            delay = (lo, hi)
        else:
            raise ChaosSpecError(f"{part!r} is not a chaos option; use duplicates=P, shuffle, "
                                 "burst=N and delay=A-B (e.g. duplicates=0.2,shuffle,burst=50,"
                                 "delay=0-2s).")
    return ChaosSpec(duplicates, shuffle, burst, delay)


@dataclass(frozen=True)
class Send:
    """One request of the run: the ``copy``-th sending of a capture (0 is the first)."""

    position: int
    capture_id: int
    copy: int
    burst: int
    #: Seconds to wait before this send's burst starts (set on a burst's first send only).
    wait_s: float


@dataclass(frozen=True)
class Schedule:
    spec: ChaosSpec
    seed: int
    sends: tuple[Send, ...]

    @property
    def duplicated(self) -> list[int]:
        return sorted({s.capture_id for s in self.sends if s.copy > 0})

    def bursts(self) -> list[list[Send]]:
        groups: dict[int, list[Send]] = {}
        for send in self.sends:
            groups.setdefault(send.burst, []).append(send)
        return [groups[k] for k in sorted(groups)]


def plan(capture_ids: Sequence[int], spec: ChaosSpec, seed: int) -> Schedule:
    """The run for these captures (given in received order): same inputs, same schedule."""
    rng = random.Random(seed)
    order: list[tuple[int, int]] = [(cid, 0) for cid in capture_ids]
    for cid in capture_ids:
        if spec.duplicates and rng.random() < spec.duplicates:
            after = next(i for i, item in enumerate(order) if item == (cid, 0))
            order.insert(rng.randint(after + 1, len(order)), (cid, 1))
    if spec.shuffle:
        rng.shuffle(order)
    sends = []
    for position, (cid, copy) in enumerate(order):
        burst = position // spec.burst
        first = position % spec.burst == 0
        wait = round(rng.uniform(*spec.delay), 3) if first and position and \
            spec.delay != (0.0, 0.0) else 0.0
        sends.append(Send(position, cid, copy, burst, wait))
    return Schedule(spec, seed, tuple(sends))


@dataclass(frozen=True)
class CheckResult:
    """What the consumer applied per event, against what was sent once per event."""

    applied: dict[str, int]
    duplicated: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)


def assess(event_ids: Sequence[str], before: Mapping[str, int],
           after: Mapping[str, int]) -> CheckResult:
    """Each event sent (whatever the number of copies) must be applied exactly once. The
    consumer's counts before the run are subtracted, so earlier runs do not count."""
    applied = {eid: int(after.get(eid, 0)) - int(before.get(eid, 0))
               for eid in dict.fromkeys(event_ids)}
    return CheckResult(applied,
                       duplicated=sorted(e for e, n in applied.items() if n > 1),
                       lost=sorted(e for e, n in applied.items() if n < 1))


def state_problem(data: object) -> str | None:
    """Why the consumer's answer is not a map of event id → times applied, or None."""
    if not isinstance(data, dict):
        return "the consumer's state must be a JSON object mapping event id to times applied"
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int):
            return (f"the consumer's state has {value!r} for {key!r}; each value must be a "
                    "whole number (times applied)")
    return None
