"""Standard Webhooks (and Svix): ``{id}.{timestamp}.{body}`` signed with HMAC-SHA256 (``v1``)
or Ed25519 (``v1a``); the signature header is a space-separated list of ``version,base64``.
"""

from __future__ import annotations

import base64
import binascii
import secrets as _secrets
from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from webhook_studio.core.errors import SecretError
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes._mac import (
    Content,
    MacScheme,
    Parsed,
    malformed,
    missing,
    parse_seconds,
    valid,
)
from webhook_studio.core.schemes.base import ToleranceRule
from webhook_studio.core.verdict import Reason, Verdict

PREFIXES = ("webhook", "svix")


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SecretError(f"The {what} is not valid base64 after its prefix.") from exc


def ed25519_private(secret: str) -> Ed25519PrivateKey:
    raw = _b64(secret[len("whsk_"):], "whsk_ signing key")
    if len(raw) not in (32, 64):
        raise SecretError(f"A whsk_ key must decode to 32 or 64 bytes, not {len(raw)}.")
    return Ed25519PrivateKey.from_private_bytes(raw[:32])


def ed25519_public(secret: str) -> Ed25519PublicKey:
    if secret.startswith("whsk_"):
        return ed25519_private(secret).public_key()
    raw = _b64(secret[len("whpk_"):], "whpk_ public key")
    if len(raw) != 32:
        raise SecretError(f"A whpk_ key must decode to 32 bytes, not {len(raw)}.")
    return Ed25519PublicKey.from_public_bytes(raw)


def is_asymmetric(secret: str) -> bool:
    return secret.startswith(("whsk_", "whpk_"))


class StandardWebhooks(MacScheme):
    name = "standard-webhooks"
    encoding = "base64"
    secret_format = "whsec"
    multi_signature = True
    default_tolerance = 300
    tolerance_rule = ToleranceRule.BOTH
    needs_id = True
    needs_timestamp = True

    def __init__(self, header_prefix: str = "webhook") -> None:
        if header_prefix not in PREFIXES:
            raise SecretError(f"header_prefix must be one of {PREFIXES}, not {header_prefix!r}.")
        self.header_prefix = header_prefix

    def generate_secret(self) -> str:
        return "whsec_" + base64.b64encode(_secrets.token_bytes(32)).decode("ascii")

    def parse(self, request: IncomingRequest) -> Parsed | Verdict:
        prefix = next((p for p in PREFIXES if request.header(f"{p}-signature") is not None),
                      None)
        if prefix is None:
            return missing(self.name, "webhook-signature")
        values: dict[str, str] = {}
        for part in ("id", "timestamp", "signature"):
            value = request.header(f"{prefix}-{part}")
            if value is None:
                return missing(self.name, f"{prefix}-{part}")
            values[part] = value.strip()
        seconds = parse_seconds(values["timestamp"])
        if seconds is None:
            return malformed(self.name, f"{prefix}-timestamp",
                             f"{values['timestamp']!r} is not a Unix timestamp")
        tokens = values["signature"].split()
        sigs = tuple(tok for tok in tokens if "," in tok)
        if not sigs:
            return malformed(self.name, f"{prefix}-signature",
                             "expected space-separated 'v1,<base64>' entries")
        return Parsed(sigs, values["timestamp"], seconds, values["id"])

    def content(self, c: Content) -> bytes:
        return f"{c.msg_id}.{c.timestamp}.".encode() + c.body

    def compute(self, key: bytes, c: Content, algorithm: str | None = None) -> str:
        return "v1," + super().compute(key, c, algorithm)

    def sign(self, secrets: str | Sequence[str], data: SignInput) -> dict[str, str]:
        chosen = [secrets] if isinstance(secrets, str) else list(secrets)
        if not chosen:
            raise SecretError("No secret given to sign with.")
        if data.id is None or data.timestamp is None:
            raise SecretError("Standard Webhooks signs an id and a timestamp; give both.")
        c = Content(data.body, str(data.timestamp), data.id)
        sigs = []
        for secret in chosen:
            if secret.startswith("whpk_"):
                raise SecretError("A whpk_ key is public and can only verify; sign with whsk_.")
            if secret.startswith("whsk_"):
                raw = ed25519_private(secret).sign(self.content(c))
                sigs.append("v1a," + base64.b64encode(raw).decode("ascii"))
            else:
                sigs.append(self.compute(self.key(secret), c))
        p = self.header_prefix
        return {f"{p}-id": data.id, f"{p}-timestamp": str(data.timestamp),
                f"{p}-signature": " ".join(sigs)}

    def headers(self, signatures: Sequence[str], data: SignInput, timestamp: str | None
                ) -> dict[str, str]:  # pragma: no cover - sign() is overridden
        raise NotImplementedError

    def verify(
        self,
        request: IncomingRequest,
        secrets: Sequence[str],
        *,
        now: float,
        tolerance: int | None = None,
        previous_secrets: Sequence[str] = (),
    ) -> Verdict:
        if not any(is_asymmetric(s) for s in secrets):
            return super().verify(request, secrets, now=now, tolerance=tolerance,
                                  previous_secrets=previous_secrets)
        return self._verify_ed25519(request, secrets, now=now, tolerance=tolerance)

    def _verify_ed25519(self, request: IncomingRequest, secrets: Sequence[str], *, now: float,
                        tolerance: int | None) -> Verdict:
        from webhook_studio.core.schemes._mac import tolerance_verdict

        parsed = self.parse(request)
        if isinstance(parsed, Verdict):
            return parsed
        message = self.content(Content(request.body, parsed.timestamp, parsed.msg_id))
        signatures = []
        for candidate in parsed.candidates:
            version, _, value = candidate.partition(",")
            if version == "v1a":
                try:
                    signatures.append(base64.b64decode(value, validate=True))
                except (binascii.Error, ValueError):
                    continue
        matched = None
        for index, secret in enumerate(secrets):
            try:
                public = ed25519_public(secret)
            except SecretError as exc:
                if len(secrets) == 1:
                    return Verdict(False, self.name, Reason.INVALID_SECRET, str(exc))
                continue
            for sig in signatures:
                try:
                    public.verify(sig, message)
                except InvalidSignature:
                    continue
                matched = index
                break
            if matched is not None:
                break
        limit = self.default_tolerance if tolerance is None else tolerance
        late = tolerance_verdict(self.name, int(parsed.seconds or 0), now, limit,
                                 self.tolerance_rule, matched is not None)
        if late is not None:
            return late
        if matched is not None:
            return valid(self.name, matched, len(secrets), " (Ed25519, v1a)")
        return Verdict(False, self.name, Reason.NO_SIGNATURE_MATCHED,
                       f"No v1a (Ed25519) signature verified with the given key(s); "
                       f"{len(signatures)} v1a signature(s) in the request.")
