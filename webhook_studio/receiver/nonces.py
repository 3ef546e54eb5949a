"""One-time nonces: a nonce accepted once is refused when it comes again within the window.

Kept in memory (the receiver decides before answering, on the loop, so two copies racing each
other cannot both pass) and seeded from the store whenever endpoints reload, so a restart does
not reopen the window. A nonce is remembered only for a request whose signature verified:
unsigned junk cannot burn a sender's nonces.
"""

from __future__ import annotations

from collections import OrderedDict

#: At most this many nonces are remembered; the oldest go first (a flood cannot grow memory).
MAX_REMEMBERED = 200_000


class NonceGuard:
    def __init__(self, max_remembered: int = MAX_REMEMBERED) -> None:
        self._seen: OrderedDict[tuple[int | None, str], tuple[float, int | None]] = OrderedDict()
        self._max = max_remembered
        self._horizon = 0.0  # the longest window asked about; older entries can go

    def seen(self, endpoint_id: int | None, nonce: str, now: float, window: float
             ) -> tuple[float, int | None] | None:
        """``(first_seen, capture_id)`` when this nonce was accepted within ``window`` s."""
        self._horizon = max(self._horizon, window)
        self._prune(now - self._horizon)
        hit = self._seen.get((endpoint_id, nonce))
        if hit is None or hit[0] < now - window:
            return None
        return hit

    def remember(self, endpoint_id: int | None, nonce: str, at: float,
                 capture_id: int | None = None) -> None:
        key = (endpoint_id, nonce)
        self._seen.pop(key, None)
        self._seen[key] = (at, capture_id)
        while len(self._seen) > self._max:
            self._seen.popitem(last=False)

    def forget(self, endpoint_id: int | None, nonce: str) -> None:
        self._seen.pop((endpoint_id, nonce), None)

    def _prune(self, oldest: float) -> None:
        while self._seen:
            key, (at, _) = next(iter(self._seen.items()))
            if at >= oldest:
                return
            del self._seen[key]
