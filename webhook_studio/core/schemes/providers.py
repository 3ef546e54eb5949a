"""Providers whose scheme is one HMAC in one or two headers: GitHub, Slack, Zoom, Shopify,
Square, Stripe, Paddle and Twitch. Each class only says how its headers look and what it signs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes._mac import (
    Content,
    MacScheme,
    Parsed,
    first_secret,
    malformed,
    missing,
    parse_seconds,
)
from webhook_studio.core.schemes.base import ToleranceRule
from webhook_studio.core.verdict import Reason, Verdict

_HEX = frozenset("0123456789abcdefABCDEF")


def _strip_prefix(value: str, prefix: str, header: str, scheme: str) -> str | Verdict:
    if not value.startswith(prefix):
        return malformed(scheme, header, f"expected a value starting with {prefix!r}")
    return value[len(prefix):].strip()


class GitHub(MacScheme):
    """``X-Hub-Signature-256: sha256=<hex>`` over the body; legacy ``X-Hub-Signature: sha1=``."""

    name = "github"

    def parse(self, request: IncomingRequest) -> Parsed | Verdict:
        value = request.header("X-Hub-Signature-256")
        if value is not None:
            sig = _strip_prefix(value.strip(), "sha256=", "X-Hub-Signature-256", self.name)
            return sig if isinstance(sig, Verdict) else Parsed((sig,))
        legacy = request.header("X-Hub-Signature")
        if legacy is None:
            return missing(self.name, "X-Hub-Signature-256")
        sig = _strip_prefix(legacy.strip(), "sha1=", "X-Hub-Signature", self.name)
        if isinstance(sig, Verdict):
            return sig
        return Parsed((sig,), algorithm="sha1",
                      note=" Only the legacy SHA-1 header (X-Hub-Signature) was present; "
                      "GitHub recommends X-Hub-Signature-256.")

    def sign(self, secrets: str | Sequence[str], data: SignInput) -> dict[str, str]:
        """Both headers, as GitHub sends them: SHA-256 and the legacy SHA-1."""
        key = self.key(first_secret(secrets))
        content = Content(data.body)
        return {
            "X-Hub-Signature-256": f"sha256={self.compute(key, content)}",
            "X-Hub-Signature": f"sha1={self.compute(key, content, 'sha1')}",
        }


class _VersionedTimestamped(MacScheme):
    """``v0=<hex>`` over ``v0:{ts}:{body}`` with a timestamp header (Slack, Zoom)."""

    signature_header = ""
    timestamp_header = ""
    default_tolerance = 300
    tolerance_rule = ToleranceRule.BOTH
    needs_timestamp = True

    def parse(self, request: IncomingRequest) -> Parsed | Verdict:
        value = request.header(self.signature_header)
        if value is None:
            return missing(self.name, self.signature_header)
        ts = request.header(self.timestamp_header)
        if ts is None:
            return missing(self.name, self.timestamp_header)
        seconds = parse_seconds(ts)
        if seconds is None:
            return malformed(self.name, self.timestamp_header, f"{ts!r} is not a Unix timestamp")
        sig = _strip_prefix(value.strip(), "v0=", self.signature_header, self.name)
        return sig if isinstance(sig, Verdict) else Parsed((sig,), ts.strip(), seconds)

    def content(self, c: Content) -> bytes:
        return f"v0:{c.timestamp}:".encode() + c.body

    def headers(self, signatures: Sequence[str], data: SignInput, timestamp: str | None
                ) -> dict[str, str]:
        return {self.timestamp_header: str(timestamp), self.signature_header: f"v0={signatures[0]}"}


class Slack(_VersionedTimestamped):
    name = "slack"
    signature_header = "X-Slack-Signature"
    timestamp_header = "X-Slack-Request-Timestamp"


class Zoom(_VersionedTimestamped):
    name = "zoom"
    signature_header = "x-zm-signature"
    timestamp_header = "x-zm-request-timestamp"


class Shopify(MacScheme):
    """``X-Shopify-Hmac-Sha256: <base64>`` over the body."""

    name = "shopify"
    encoding = "base64"
    header_name = "X-Shopify-Hmac-Sha256"

    def parse(self, request: IncomingRequest) -> Parsed | Verdict:
        value = request.header(self.header_name)
        if value is None:
            return missing(self.name, self.header_name)
        return Parsed((value.strip(),))

    def headers(self, signatures: Sequence[str], data: SignInput, timestamp: str | None
                ) -> dict[str, str]:
        return {self.header_name: signatures[0]}


class Square(Shopify):
    """``x-square-hmacsha256-signature: <base64>`` over notification URL + body."""

    name = "square"
    header_name = "x-square-hmacsha256-signature"
    needs_url = True

    def content(self, c: Content) -> bytes:
        return (c.url or "").encode("utf-8") + c.body

    def content_for(self, request: IncomingRequest, parsed: Parsed) -> Content | Verdict:
        if not request.url:
            return Verdict(False, self.name, Reason.MISSING_URL,
                           "Square signs the notification URL: give the URL the subscription "
                           "posts to (--url, or the endpoint's public URL).")
        return Content(request.body, url=request.url)


class Stripe(MacScheme):
    """``Stripe-Signature: t=<ts>,v1=<hex>[,v1=…]`` over ``{t}.{body}``; literal secret."""

    name = "stripe"
    default_tolerance = 300
    tolerance_rule = ToleranceRule.OLD_ONLY
    needs_timestamp = True
    multi_signature = True
    header_name = "Stripe-Signature"
    ts_key, sig_key, pair_sep, content_sep = "t", "v1", ",", "."

    def parse(self, request: IncomingRequest) -> Parsed | Verdict:
        value = request.header(self.header_name)
        if value is None:
            return missing(self.name, self.header_name)
        ts: str | None = None
        sigs: list[str] = []
        for item in value.split(self.pair_sep):
            key, found, val = item.strip().partition("=")
            if not found:
                continue
            if key == self.ts_key:
                ts = val
            elif key == self.sig_key:
                sigs.append(val)
        if ts is None:
            return malformed(self.name, self.header_name, f"no {self.ts_key}= timestamp")
        seconds = parse_seconds(ts)
        if seconds is None:
            return malformed(self.name, self.header_name, f"{ts!r} is not a Unix timestamp")
        if not sigs:
            return malformed(self.name, self.header_name, f"no {self.sig_key}= signature")
        return Parsed(tuple(sigs), ts, seconds)

    def content(self, c: Content) -> bytes:
        return f"{c.timestamp}{self.content_sep}".encode() + c.body

    def headers(self, signatures: Sequence[str], data: SignInput, timestamp: str | None
                ) -> dict[str, str]:
        parts = [f"{self.ts_key}={timestamp}"] + [f"{self.sig_key}={s}" for s in signatures]
        return {self.header_name: self.pair_sep.join(parts)}

    def generate_secret(self) -> str:
        import secrets

        return "whsec_" + secrets.token_hex(16)


class Paddle(Stripe):
    """``Paddle-Signature: ts=<ts>;h1=<hex>`` over ``{ts}:{body}``; literal secret.

    Paddle's SDKs allow 5 seconds of age by default; that is the default here too. The Python
    SDK also refuses a timestamp more than that far in the future, and so do we.
    """

    name = "paddle"
    default_tolerance = 5
    tolerance_rule = ToleranceRule.BOTH
    header_name = "Paddle-Signature"
    ts_key, sig_key, pair_sep, content_sep = "ts", "h1", ";", ":"

    def generate_secret(self) -> str:
        import secrets

        return "pdl_ntfset_" + secrets.token_hex(16)


class Twitch(MacScheme):
    """EventSub: ``sha256=<hex>`` over ``{id}{timestamp}{body}``; RFC 3339 timestamps, 10 min."""

    name = "twitch"
    default_tolerance = 600
    tolerance_rule = ToleranceRule.OLD_ONLY
    needs_id = True
    needs_timestamp = True
    ID, TS, SIG = ("Twitch-Eventsub-Message-Id", "Twitch-Eventsub-Message-Timestamp",
                   "Twitch-Eventsub-Message-Signature")

    def parse(self, request: IncomingRequest) -> Parsed | Verdict:
        for header in (self.SIG, self.ID, self.TS):
            if request.header(header) is None:
                return missing(self.name, header)
        ts = str(request.header(self.TS))
        seconds = rfc3339_seconds(ts)
        if seconds is None:
            return malformed(self.name, self.TS, f"{ts!r} is not an RFC 3339 time")
        sig = _strip_prefix(str(request.header(self.SIG)).strip(), "sha256=", self.SIG, self.name)
        if isinstance(sig, Verdict):
            return sig
        return Parsed((sig,), ts, seconds, request.header(self.ID))

    def content(self, c: Content) -> bytes:
        return f"{c.msg_id}{c.timestamp}".encode() + c.body

    def timestamp_text(self, seconds: int) -> str:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000000000Z")

    def headers(self, signatures: Sequence[str], data: SignInput, timestamp: str | None
                ) -> dict[str, str]:
        return {self.ID: str(data.id), self.TS: str(timestamp),
                self.SIG: f"sha256={signatures[0]}",
                "Twitch-Eventsub-Message-Type": "notification"}


def rfc3339_seconds(text: str) -> int | None:
    """Unix seconds of an RFC 3339 time with any number of fraction digits, else None."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    main, dot, rest = value.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        value = main + rest[digits:]
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return int(moment.timestamp())
