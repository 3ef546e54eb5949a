"""Which header carries a delivery id, so the same delivery seen twice is flagged."""

from __future__ import annotations

from collections.abc import Sequence

#: Delivery-id headers, in the order they are looked for (case-insensitive).
DELIVERY_ID_HEADERS: tuple[str, ...] = (
    "webhook-id",
    "svix-id",
    "X-GitHub-Delivery",
    "X-Webhook-Delivery-Id",
    "X-EnvoyOU-Nonce",
    "X-EnvoyOU-Webhook-ID",
    "Twitch-Eventsub-Message-Id",
    "X-Shopify-Webhook-Id",
    "X-Shopify-Event-Id",
    "Idempotency-Key",
)
_LOWER = tuple(h.lower() for h in DELIVERY_ID_HEADERS)


def _ranks(preferred: str | None) -> dict[str, int]:
    names = _LOWER if preferred is None else (preferred.lower(), *_LOWER)
    ranks: dict[str, int] = {}
    for rank, name in enumerate(names):
        ranks.setdefault(name, rank)
    return ranks


_RANKS: dict[str | None, dict[str, int]] = {None: _ranks(None)}
_SIZES: dict[str | None, frozenset[int]] = {None: frozenset(len(n) for n in _LOWER)}


def delivery_id(headers: Sequence[tuple[str, str]], preferred: str | None = None) -> str | None:
    """The delivery id of a request, qualified by its header so ids from two providers never
    collide (``webhook-id:msg_1``), or None. ``preferred`` (a profile's duplicate-id header) is
    looked for first. The first value of each name counts; a blank one is skipped.

    One pass over the headers with a rank per known name (this runs on the loop for every
    request, and a dict of every header name was a third of its cost)."""
    ranks = _RANKS.get(preferred)
    if ranks is None:
        ranks = _RANKS[preferred] = _ranks(preferred)
        _SIZES[preferred] = frozenset(len(name) for name in ranks)
    sizes = _SIZES[preferred]
    best = len(ranks) + 1
    found: tuple[str, str] | None = None
    seen: set[int] = set()
    for key, value in headers:
        if len(key) not in sizes:  # most headers: no name of that length is looked for
            continue
        rank = ranks.get(key.lower())
        if rank is None or rank >= best or rank in seen:
            continue
        seen.add(rank)
        if value and value.strip():
            best, found = rank, (key.lower(), value.strip())
    if found is None:
        return None
    return f"{found[0]}:{found[1]}"[:200]
