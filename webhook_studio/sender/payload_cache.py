"""Event bodies kept in memory between the emit that wrote them and the claims that send them.

Why: each claim read the bodies of the events it claimed back from the store (a third of the
claim's statements, the largest column it reads), though the same process had just written
most of them. An event's body never changes after it is written and its id is random and never
reused, so a kept body cannot go stale: no invalidation is needed, only a bound on memory.
Bodies the claim had to read are kept too (a retry sends the same body again). Oldest first
out once :attr:`max_bytes` is passed; a body bigger than the whole bound is never kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


class PayloadCache:
    """Thread-safe: the API's batches are written on worker threads, claims on others."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def add(self, items: Iterable[tuple[str, bytes]]) -> None:
        with self._lock:
            for event_id, body in items:
                if len(body) > self.max_bytes or event_id in self._bodies:
                    continue
                self._bodies[event_id] = body
                self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._bodies.popitem(last=False)
                self._size -= len(dropped)

    def get(self, event_ids: Collection[str]) -> dict[str, bytes]:
        """The kept bodies among ``event_ids`` (the others must be read from the store)."""
        with self._lock:
            return {i: self._bodies[i] for i in event_ids if i in self._bodies}

    @property
    def size(self) -> int:
        return self._size
