"""Which headers are passed on when a capture is forwarded or replayed."""

from __future__ import annotations

from collections.abc import Iterable

from webhook_studio.core.message import TRAILER_MARK

#: RFC 9110 section 7.6.1 connection-specific headers, plus what the client recomputes.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "proxy-connection", "host", "content-length",
})

#: Header names whose values are secrets or signatures, redacted on export when asked.
SENSITIVE = frozenset({
    "authorization", "cookie", "set-cookie", "x-api-key", "webhook-signature", "svix-signature",
    "stripe-signature", "x-hub-signature", "x-hub-signature-256", "x-slack-signature",
    "x-shopify-hmac-sha256", "x-twilio-signature", "x-square-hmacsha256-signature",
    "x-square-signature", "paddle-signature", "x-zm-signature",
    "twitch-eventsub-message-signature", "x-webhook-signature", "x-brainsait-signature",
    "x-envoyou-signature",
})


def forwardable(headers: Iterable[Iterable[str]]) -> list[tuple[str, str]]:
    """Headers minus hop-by-hop ones and trailer fields (which an HTTP client cannot send as
    trailers, and which are not headers), order, case and duplicates kept."""
    out = []
    for name, value in headers:
        if name.lower() not in HOP_BY_HOP and not name.startswith(TRAILER_MARK):
            out.append((name, value))
    return out


def redact(headers: Iterable[Iterable[str]]) -> list[list[str]]:
    return [[name, "REDACTED" if name.lower() in SENSITIVE else value]
            for name, value in headers]
