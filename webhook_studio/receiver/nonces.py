"""One-time nonces: a nonce accepted once is refused when it comes again within the window.

Kept in memory (the receiver decides before answering, on the loop, so two copies racing each
other cannot both pass) and seeded from the store whenever endpoints reload, so a restart does
not reopen the window. A nonce is remembered only for a request whose signature verified:
unsigned junk cannot burn a sender's nonces.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import TYPE_CHECKING

from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.verdict import Reason, Verdict

if TYPE_CHECKING:
    from webhook_studio.receiver.endpoints import EndpointConfig, Router
    from webhook_studio.store import Store

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

    def check(self, endpoint: EndpointConfig, incoming: IncomingRequest, verdict: Verdict,
              now: float) -> tuple[Verdict, str | None]:
        """A valid signature with a nonce already accepted becomes an invalid verdict;
        otherwise the nonce is taken (returned, to be forgotten if the capture fails)."""
        header = endpoint.nonce_header or ""
        nonce = (incoming.header(header) or "").strip()
        if not nonce:  # optional (EnvoyOU's guide): the timestamp alone bounds replays
            return replace(verdict, message=verdict.message + (
                f" No {header} header: the nonce is optional for this provider, so only the "
                "timestamp limits replays of this request.")), None
        earlier = self.seen(endpoint.id, nonce, now, endpoint.nonce_window)
        if earlier is not None:
            first_at, capture_id = earlier
            where = f" (capture #{capture_id})" if capture_id else ""
            return Verdict(
                False, verdict.scheme, Reason.REPLAYED_NONCE,
                f"The signature matched, but nonce {nonce} in {header} was already accepted "
                f"{max(0.0, now - first_at):.0f} s ago{where}. Receivers refuse a nonce seen "
                f"within {endpoint.nonce_window:g} s: a replayed request, or a sender that "
                "reused a nonce instead of making a fresh one per attempt.",
                verdict.matched_secret,
                details={"nonce": nonce, "first_capture": capture_id,
                         "window_seconds": endpoint.nonce_window}), None
        # Taken now, before the commit, so a copy racing this one is refused.
        self.remember(endpoint.id, nonce, now)
        return verdict, nonce

    def seed(self, store: Store, router: Router, now: float) -> None:
        """Nonces accepted before a restart (or before an endpoint took a profile with
        one-time nonces) stay refused for the rest of their window."""
        from webhook_studio.store.receiver_queries import accepted_headers_since

        guarded = [e for e in (*router.endpoints, router.default) if e.nonce_header]
        for endpoint in guarded:
            since = now - endpoint.nonce_window
            header = (endpoint.nonce_header or "").lower()
            for capture_id, at, headers in accepted_headers_since(store, endpoint.id, since):
                for name, value in headers:
                    if name.lower() == header and value.strip():
                        self.remember(endpoint.id, value.strip(), at, capture_id)
