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


def delivery_id(headers: Sequence[tuple[str, str]], preferred: str | None = None) -> str | None:
    """The delivery id of a request, qualified by its header so ids from two providers never
    collide (``webhook-id:msg_1``), or None. ``preferred`` (a profile's duplicate-id header) is
    looked for first."""
    found = {k.lower(): v for k, v in reversed(headers)}
    names = _LOWER if preferred is None else (preferred.lower(), *_LOWER)
    for name in names:
        value = found.get(name)
        if value and value.strip():
            return f"{name}:{value.strip()}"[:200]
    return None
