"""Public-key signatures (family F11): Ed25519, ECDSA P-256 and RSA PKCS#1 v1.5, configured by
data like the generic HMAC scheme.

The receiver verifies with the provider's public key, pasted by the user (never fetched: a
certificate URL in a request is not followed). Emulating the provider signs with a private
key the app generated (``core/keys``); the consumer is given the matching public key.

==================  =========================================================  ==============
option              meaning                                                    default
==================  =========================================================  ==============
algorithm           ed25519, ecdsa-p256-sha256, ecdsa-p256-sha1, rsa-sha256,   (required)
                    rsa-sha1, rsa-sha512
header              the signature header                                       (required)
encoding            hex or base64 (the signature bytes; ECDSA is DER)          base64
prefix              text before the signature in the header                    ""
template            signed content over {timestamp} {id} {body} {url}          {body}
                    {crc32} (unsigned decimal CRC-32 of the body) and
                    {webhook_id} (given with the key as ``WEBHOOK_ID|KEY``)
timestamp_header    where {timestamp} comes from                               (none)
timestamp_format    unix or iso8601 (how the sender writes it)                 unix
id_header           where {id} comes from                                      (none)
key_id_header       a header naming the signing key (sent, not checked)        (none)
tolerance           seconds of clock skew accepted                             none
tolerance_rule      none, old_only or both                                     both
header_format       plain, or json_base64: the header is base64 of a JSON      plain
                    object {alg, kid, signature (base64 DER), digest} (eBay)
==================  =========================================================  ==============
"""

from __future__ import annotations

import base64
import binascii
import json
import string
import zlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from webhook_studio.core import keys
from webhook_studio.core.errors import SchemeError, SecretError
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes._asym_explain import explain_mismatch
from webhook_studio.core.schemes._mac import (
    first_secret,
    malformed,
    missing,
    parse_seconds,
    tolerance_verdict,
    valid,
)
from webhook_studio.core.schemes._parts import choice, optional_text
from webhook_studio.core.schemes._pubkey import (
    ALGORITHMS,
    KIND_NAMES,
    json_signature,
    key_id,
    sign_bytes,
    split_webhook_id,
    verifies,
)
from webhook_studio.core.schemes.base import Scheme, ToleranceRule
from webhook_studio.core.schemes.providers import rfc3339_seconds
from webhook_studio.core.verdict import Reason, Verdict

OPTIONS = ("algorithm", "header", "encoding", "prefix", "template", "timestamp_header",
           "timestamp_format", "id_header", "key_id_header", "tolerance", "tolerance_rule",
           "header_format")
FIELDS = {"timestamp", "id", "body", "url", "crc32", "webhook_id"}


class Asymmetric(Scheme):
    name = "asymmetric"

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        opts = dict(options or {})
        unknown = sorted(set(opts) - set(OPTIONS))
        if unknown:
            raise SchemeError(f"Unknown option {unknown[0]!r} for the asymmetric scheme; known "
                              f"options: {', '.join(OPTIONS)}.")
        if "algorithm" not in opts:
            raise SchemeError("The asymmetric scheme needs option algorithm= (one of: "
                              f"{', '.join(ALGORITHMS)}).")
        self.algorithm = choice(opts, "algorithm", tuple(ALGORITHMS), "ed25519")
        self.kind = ALGORITHMS[self.algorithm]
        header = opts.get("header")
        if not isinstance(header, str) or not header.strip():
            raise SchemeError("The asymmetric scheme needs option header=NAME.")
        self.header = header.strip()
        self.encoding = choice(opts, "encoding", ("hex", "base64"), "base64")
        self.prefix = str(opts.get("prefix", ""))
        self.template = str(opts.get("template", "{body}"))
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(self.template) if f}
        except ValueError as exc:
            raise SchemeError(f"Option template={self.template!r} is not valid: {exc}.") from exc
        if fields - FIELDS:
            raise SchemeError(f"Option template uses {{{sorted(fields - FIELDS)[0]}}}; allowed: "
                              + ", ".join("{" + f + "}" for f in sorted(FIELDS)) + ".")
        self.fields = fields
        self.signs_body = bool(fields & {"body", "crc32"})
        self.timestamp_header = optional_text(opts.get("timestamp_header"))
        self.timestamp_format = choice(opts, "timestamp_format", ("unix", "iso8601"), "unix")
        self.id_header = optional_text(opts.get("id_header"))
        self.key_id_header = optional_text(opts.get("key_id_header"))
        self.header_format = choice(opts, "header_format", ("plain", "json_base64"), "plain")
        if "timestamp" in fields and not self.timestamp_header:
            raise SchemeError("The template signs {timestamp}: set timestamp_header too.")
        if "id" in fields and not self.id_header:
            raise SchemeError("The template signs {id}: set id_header too.")
        self.needs_timestamp = "timestamp" in fields
        self.needs_id = "id" in fields
        self.needs_url = "url" in fields
        tolerance = opts.get("tolerance")
        if tolerance is not None and (isinstance(tolerance, bool) or not isinstance(tolerance,
                                                                                      int)):
            raise SchemeError(f"Option tolerance={tolerance!r} must be whole seconds.")
        self.default_tolerance = tolerance
        rule = choice(opts, "tolerance_rule", [r.value for r in ToleranceRule], "both")
        self.tolerance_rule = ToleranceRule(rule) if self.timestamp_header else ToleranceRule.NONE

    # -- keys ----------------------------------------------------------------------------------
    def generate_secret(self) -> str:
        """A fresh private key (and, where the provider signs one, a webhook id before it)."""
        private = keys.generate(self.kind).private
        if "webhook_id" in self.fields:
            import secrets

            return f"WH-{secrets.token_hex(10).upper()}|{private}"
        return private

    @property
    def public_key_format(self) -> str:
        """The form of public key the provider's consumers paste (a ``keys.public_forms``
        name): Ed25519 raw bytes in the signature's encoding, ECDSA as base64 DER, RSA PEM."""
        if self.kind == "ed25519":
            return self.encoding
        return "der_base64" if self.kind == "ec-p256" else "pem"

    def _key_parts(self, secret: str) -> tuple[str | None, str]:
        if "webhook_id" in self.fields:
            return split_webhook_id(secret)
        return None, secret

    def _public(self, secret: str) -> tuple[str | None, keys.PublicKey]:
        webhook_id, text = self._key_parts(secret)
        key = keys.load_public(text)
        if keys.kind_of(key) != self.kind:
            raise SecretError(f"The key is {KIND_NAMES[keys.kind_of(key)]} key, but this "
                              f"provider signs with {self.algorithm}: paste its "
                              f"{KIND_NAMES[self.kind].split(' ', 1)[1]} public key.")
        return webhook_id, key

    # -- content -------------------------------------------------------------------------------
    def message(self, body: bytes, timestamp: str | None, msg_id: str | None, url: str | None,
                webhook_id: str | None) -> bytes:
        values = {"timestamp": timestamp or "", "id": msg_id or "", "url": url or "",
                  "crc32": str(zlib.crc32(body) & 0xFFFFFFFF), "webhook_id": webhook_id or ""}
        head, found, tail = self.template.partition("{body}")
        out = head.format(**values).encode("utf-8")
        if found:
            out += body + tail.format(**values).encode("utf-8")
        return out

    def timestamp_text(self, seconds: int) -> str:
        if self.timestamp_format == "iso8601":
            return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return str(seconds)

    def _seconds(self, text: str) -> int | None:
        return (rfc3339_seconds(text) if self.timestamp_format == "iso8601"
                else parse_seconds(text))

    def _decode(self, text: str, encoding: str) -> bytes | None:
        value = text.strip()
        try:
            if encoding == "hex":
                return bytes.fromhex(value)
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return None

    # -- signing -------------------------------------------------------------------------------
    def sign(self, secrets: str | Sequence[str], data: SignInput) -> dict[str, str]:
        webhook_id, text = self._key_parts(first_secret(secrets))
        private = keys.load_private(text)
        if keys.kind_of(private) != self.kind:
            raise SecretError(f"The private key is {KIND_NAMES[keys.kind_of(private)]} key; "
                              f"this provider signs with {self.algorithm}. Generate one with "
                              "`webhook-studio keys new`.")
        if self.needs_timestamp and data.timestamp is None:
            raise SecretError(f"The {self.name} scheme signs a timestamp; give one.")
        ts = self.timestamp_text(data.timestamp) if data.timestamp is not None else None
        raw = sign_bytes(self.algorithm, private,
                         self.message(data.body, ts, data.id, data.url, webhook_id))
        sig = raw.hex() if self.encoding == "hex" else base64.b64encode(raw).decode("ascii")
        if self.header_format == "json_base64":
            sig = base64.b64encode(json.dumps({
                "alg": "ecdsa" if self.kind == "ec-p256" else self.kind,
                "kid": key_id(private.public_key()), "signature": sig,
                "digest": "SHA1" if self.algorithm.endswith("sha1") else "SHA256"},
                separators=(",", ":")).encode()).decode("ascii")
        out = {self.header: self.prefix + sig}
        if self.timestamp_header and ts is not None:
            out[self.timestamp_header] = ts
        if self.id_header and data.id is not None:
            out[self.id_header] = data.id
        if self.key_id_header:
            out[self.key_id_header] = key_id(private.public_key())
        return out

    # -- verification --------------------------------------------------------------------------
    def verify(self, request: IncomingRequest, secrets: Sequence[str], *, now: float,
               tolerance: int | None = None, previous_secrets: Sequence[str] = ()) -> Verdict:
        value = request.header(self.header)
        if value is None:
            return missing(self.name, self.header)
        value = value.strip()
        if not value.startswith(self.prefix):
            return malformed(self.name, self.header, f"expected it to start with {self.prefix!r}")
        sig_text = value[len(self.prefix):]
        if self.header_format == "json_base64":
            inner = json_signature(sig_text)
            if inner is None:
                return malformed(self.name, self.header, "expected base64 of a JSON object "
                                 "with a signature field")
            sig_text = inner
        signature = self._decode(sig_text, self.encoding)
        if signature is None:
            return malformed(self.name, self.header, f"the signature is not {self.encoding}")
        ts = seconds = msg_id = None
        if self.timestamp_header:
            ts = request.header(self.timestamp_header)
            if ts is None:
                return missing(self.name, self.timestamp_header)
            ts = ts.strip()
            seconds = self._seconds(ts)
            if seconds is None:
                return malformed(self.name, self.timestamp_header,
                                 f"{ts!r} is not a {'Unix timestamp' if self.timestamp_format == 'unix' else 'ISO 8601 time'}")  # noqa: E501
        if self.id_header:
            msg_id = request.header(self.id_header)
            if msg_id is None and self.needs_id:
                return missing(self.name, self.id_header)
        if self.needs_url and not request.url:
            return Verdict(False, self.name, Reason.MISSING_URL,
                           "This scheme signs the URL: give the URL the sender posted to.")
        if not secrets:
            return Verdict(False, self.name, Reason.NO_SECRET,
                           "No public key is configured, so the signature cannot be checked: "
                           "paste the provider's verification key as the endpoint's secret.")
        loaded: list[tuple[str | None, keys.PublicKey]] = []
        problems: list[str] = []
        for secret in secrets:
            try:
                loaded.append(self._public(secret))
            except SecretError as exc:
                problems.append(str(exc))
        if not loaded:
            return Verdict(False, self.name, Reason.INVALID_SECRET, problems[0])

        def message(body: bytes, webhook_id: str | None, stamp: str | None = ts) -> bytes:
            return self.message(body, stamp, msg_id, request.url, webhook_id)

        matched = next((i for i, (wid, key) in enumerate(loaded)
                        if verifies(self.algorithm, key, signature,
                                    message(request.body, wid))), None)
        limit = self.default_tolerance if tolerance is None else tolerance
        if seconds is not None:
            late = tolerance_verdict(self.name, seconds, now, limit, self.tolerance_rule,
                                     matched is not None)
            if late is not None:
                return late
        if matched is not None:
            return valid(self.name, matched, len(secrets), f" Verified with {self.algorithm}.")
        return explain_mismatch(self, request, loaded, signature, sig_text, message, seconds)




#: Presets usable as ``--scheme NAME`` without options.
PRESETS: dict[str, dict[str, Any]] = {
    "discord": {"algorithm": "ed25519", "header": "X-Signature-Ed25519", "encoding": "hex",
                "template": "{timestamp}{body}", "timestamp_header": "X-Signature-Timestamp"},
    "telnyx": {"algorithm": "ed25519", "header": "telnyx-signature-ed25519",
               "encoding": "base64", "template": "{timestamp}|{body}",
               "timestamp_header": "telnyx-timestamp", "tolerance": 300},
    "sendgrid": {"algorithm": "ecdsa-p256-sha256",
                 "header": "X-Twilio-Email-Event-Webhook-Signature", "encoding": "base64",
                 "template": "{timestamp}{body}",
                 "timestamp_header": "X-Twilio-Email-Event-Webhook-Timestamp"},
}


def preset(name: str) -> Asymmetric:
    scheme = Asymmetric(PRESETS[name])
    scheme.name = name
    return scheme
