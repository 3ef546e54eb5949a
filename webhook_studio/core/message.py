"""Value types for what gets signed and what gets verified.

Bodies are raw bytes, always: signatures are checked over the bytes that arrived, never over a
re-serialized copy (docs/architecture.md#rules, rule 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

Headers = tuple[tuple[str, str], ...]

#: Prefix of a trailer field's name in a capture's header list: ``"[trailer] X-Checksum"``. The
#: receiver stores chunked trailers this way; relay and replay leave such fields out.
TRAILER_MARK = "[trailer] "


@dataclass(frozen=True)
class SignInput:
    """Everything a scheme may put into a signature.

    ``id`` and ``timestamp`` are used by schemes that sign them (Standard Webhooks, Stripe,
    Slack, ...). ``url`` and ``params`` are for schemes that sign the URL (Twilio, Square).
    ``params`` are form parameters in arrival order; Twilio sorts them itself.
    """

    body: bytes
    id: str | None = None
    timestamp: int | None = None
    url: str | None = None
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class IncomingRequest:
    """A request as it arrived, for verification. Header lookup is case-insensitive."""

    body: bytes
    headers: Headers = ()
    url: str | None = None
    method: str = "POST"
    params: tuple[tuple[str, str], ...] | None = field(default=None)

    def header(self, name: str) -> str | None:
        """The first value of a header, or None when absent."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def header_values(self, name: str) -> list[str]:
        """Every value of a header, in arrival order."""
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]
