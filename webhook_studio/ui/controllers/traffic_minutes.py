"""The traffic strip's minutes kept between reads, so that while captures arrive a read
covers only the minutes that may still change (docs/benchmarks.md, "Loop lag while the
traffic strip follows ingest": a read of the whole hour took 0.14-0.24 s of a worker thread
per second at 120,000 captures in it; the last two minutes are a sixtieth of that).

Which minutes may change: a capture's ``received_at`` is set when it arrives and it is
committed up to a group commit later, so a read asks again from the minute that held
``GRACE`` seconds before the last read (and never later than the minute before the current
one). Older minutes change only when captures are deleted or imported, examples loaded, or
another window or process writes to the same store: the window's own changes call
:meth:`TrafficMinutes.invalidate`; for the rest a full read comes at least every
``FULL_EVERY`` seconds.
"""

from __future__ import annotations

from webhook_studio.store.stats import TrafficBucket

#: Seconds a capture's ``received_at`` may precede its commit and still be counted by the
#: next incremental read (a group commit takes milliseconds; a loaded machine, more).
GRACE = 15.0
#: Seconds between full reads while reads are incremental: what another process deleted or
#: imported in older minutes shows after at most this long.
FULL_EVERY = 60.0


class TrafficMinutes:
    """The buckets of the last ``minutes`` minutes as last read, and what to read next."""

    def __init__(self, minutes: int, width: float = 60.0) -> None:
        self.minutes = minutes
        self.width = width
        self._buckets: dict[int, TrafficBucket] = {}
        #: Bumped by :meth:`invalidate`; a full read started before a bump does not count.
        self.changes = 0
        self._full_changes = -1
        self._full_at: float | None = None
        self._read_at: float | None = None

    def invalidate(self) -> None:
        """Past minutes changed (a delete, an import): the next read is of the whole hour."""
        self.changes += 1

    def since(self, now: float) -> float | None:
        """Where the next read starts: None for the whole hour."""
        full_at, read_at = self._full_at, self._read_at
        if (self._full_changes != self.changes or full_at is None or read_at is None
                or not 0 <= now - full_at < FULL_EVERY or now < read_at):
            return None  # stale, due, or the clock went back
        current = int(now // self.width)
        minute = min(current - 1, int((read_at - GRACE) // self.width))
        if minute <= current - self.minutes + 1:
            return None  # the whole hour anyway (the last read was long ago)
        return minute * self.width

    def merge(self, now: float, since: float | None, changes: int,
              found: list[TrafficBucket]) -> list[TrafficBucket]:
        """Fold a read that started at ``now`` (from ``since``, when ``changes`` was the
        count of invalidations) into the kept minutes; the strip's buckets, oldest first."""
        keyed = {int(b.start // self.width): b for b in found}
        if since is None:
            self._buckets = keyed
            self._full_at = now
            self._full_changes = changes
        else:
            self._buckets.update(keyed)
        self._read_at = now
        current = int(now // self.width)
        first = current - self.minutes + 1
        self._buckets = {n: b for n, b in self._buckets.items() if first <= n <= current}
        return [self._buckets.get(n) or TrafficBucket(n * self.width, 0, 0, 0)
                for n in range(first, current + 1)]
