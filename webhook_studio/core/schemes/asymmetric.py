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
import hashlib
import json
import string
import zlib
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, utils
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from webhook_studio.core import diagnose, keys
from webhook_studio.core.errors import SchemeError, SecretError
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes._mac import (
    first_secret,
    malformed,
    missing,
    parse_seconds,
    tolerance_verdict,
    valid,
)
from webhook_studio.core.schemes.base import Scheme, ToleranceRule
from webhook_studio.core.schemes.providers import rfc3339_seconds
from webhook_studio.core.verdict import Mistake, Reason, Verdict

ALGORITHMS = {"ed25519": "ed25519", "ecdsa-p256-sha256": "ec-p256",
              "ecdsa-p256-sha1": "ec-p256", "rsa-sha256": "rsa", "rsa-sha1": "rsa",
              "rsa-sha512": "rsa"}
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "rsa-sha256": hashes.SHA256, "rsa-sha1": hashes.SHA1, "rsa-sha512": hashes.SHA512,
    "ecdsa-p256-sha256": hashes.SHA256, "ecdsa-p256-sha1": hashes.SHA1}
OPTIONS = ("algorithm", "header", "encoding", "prefix", "template", "timestamp_header",
           "timestamp_format", "id_header", "key_id_header", "tolerance", "tolerance_rule",
           "header_format")
FIELDS = {"timestamp", "id", "body", "url", "crc32", "webhook_id"}
_KIND_NAMES = {"ed25519": "an Ed25519", "ec-p256": "an EC P-256", "rsa": "an RSA"}


def _choice(options: Mapping[str, Any], key: str, allowed: Sequence[str], default: str) -> str:
    value = str(options.get(key, default))
    if value not in allowed:
        raise SchemeError(f"Option {key}={value!r} is not one of: {', '.join(allowed)}.")
    return value


def sign_bytes(algorithm: str, key: keys.PrivateKey, message: bytes) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(message, ec.ECDSA(_HASHES.get(algorithm, hashes.SHA256)()))
    return key.sign(message, padding.PKCS1v15(), _HASHES[algorithm]())


def verifies(algorithm: str, key: keys.PublicKey, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is ``key``'s over ``message``; never raises."""
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(_HASHES.get(algorithm, hashes.SHA256)()))
        else:
            key.verify(signature, message, padding.PKCS1v15(), _HASHES[algorithm]())
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def split_webhook_id(secret: str) -> tuple[str, str]:
    """``WEBHOOK_ID|KEY`` (or the id on its own first line) into its two parts."""
    text = secret.strip()
    for sep in ("|", "\n"):
        head, found, tail = text.partition(sep)
        if found and not head.startswith("-----") and head.strip():
            return head.strip(), tail.strip()
    raise SecretError("This provider signs your webhook id: give the secret as "
                      "WEBHOOK_ID|KEY (the id from the provider's dashboard, a vertical bar, "
                      "then the key).")


def key_id(key: keys.PublicKey) -> str:
    """A stable id for a key (UUID-shaped, from its SPKI hash), for ``key_id_header``."""
    spki = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    h = hashlib.sha256(spki).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


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
        self.algorithm = _choice(opts, "algorithm", tuple(ALGORITHMS), "ed25519")
        self.kind = ALGORITHMS[self.algorithm]
        header = opts.get("header")
        if not isinstance(header, str) or not header.strip():
            raise SchemeError("The asymmetric scheme needs option header=NAME.")
        self.header = header.strip()
        self.encoding = _choice(opts, "encoding", ("hex", "base64"), "base64")
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
        self.timestamp_header = _opt(opts.get("timestamp_header"))
        self.timestamp_format = _choice(opts, "timestamp_format", ("unix", "iso8601"), "unix")
        self.id_header = _opt(opts.get("id_header"))
        self.key_id_header = _opt(opts.get("key_id_header"))
        self.header_format = _choice(opts, "header_format", ("plain", "json_base64"), "plain")
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
        rule = _choice(opts, "tolerance_rule", [r.value for r in ToleranceRule], "both")
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
            raise SecretError(f"The key is {_KIND_NAMES[keys.kind_of(key)]} key, but this "
                              f"provider signs with {self.algorithm}: paste its "
                              f"{_KIND_NAMES[self.kind].split(' ', 1)[1]} public key.")
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
            raise SecretError(f"The private key is {_KIND_NAMES[keys.kind_of(private)]} key; "
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
            inner = _json_signature(sig_text)
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
        return self._explain(request, loaded, signature, sig_text, message, seconds)

    def _explain(self, request: IncomingRequest, loaded: Sequence[tuple[str | None,
                                                                          keys.PublicKey]],
                 signature: bytes, sig_text: str, message: Any, seconds: int | None) -> Verdict:
        count = "the public key" if len(loaded) == 1 else f"any of the {len(loaded)} keys"

        def found(mistake: Mistake, sentence: str) -> Verdict:
            return Verdict(False, self.name, Reason.NO_SIGNATURE_MATCHED,
                           f"The signature does not verify with {count}, but {sentence}.",
                           mistake=mistake)

        def any_key(body: bytes, sig: bytes, stamp: str | None = None) -> bool:
            return any(verifies(self.algorithm, key, sig,
                                message(body, wid, stamp) if stamp else message(body, wid))
                       for wid, key in loaded)

        for mistake, body, sentence in diagnose.body_variants(request.body):
            if any_key(body, signature):
                return found(mistake, sentence)
        other = "base64" if self.encoding == "hex" else "hex"
        swapped = self._decode(sig_text, other)
        if swapped is not None and any_key(request.body, swapped):
            return found(Mistake.HEX_INSTEAD_OF_BASE64 if other == "hex"
                         else Mistake.BASE64_INSTEAD_OF_HEX,
                         f"it verifies when read as {other}: the sender wrote the signature in "
                         f"{other} instead of {self.encoding}")
        if self.kind == "ec-p256" and len(signature) == 64:
            der = utils.encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                             int.from_bytes(signature[32:], "big"))
            if any_key(request.body, der):
                return Verdict(False, self.name, Reason.MALFORMED_HEADER,
                               "The signature is raw r‖s (64 bytes); this provider sends the "
                               "DER encoding. The content and key are right: encode the "
                               "signature as DER.", details={"header": self.header})
        if seconds is not None and self.timestamp_format == "unix" and any_key(
                request.body, signature, str(seconds * 1000)):
            return found(Mistake.TIMESTAMP_IN_MILLISECONDS,
                         "it was signed over the timestamp in milliseconds while the header "
                         "carries seconds")
        return Verdict(False, self.name, Reason.NO_SIGNATURE_MATCHED,
                       f"The {self.algorithm} signature does not verify with {count}: either "
                       "the key is not the one the sender signs with (check you pasted the "
                       "right verification key; production and sandbox keys differ), or the "
                       "signed content changed on the way (the body must reach the verifier "
                       "byte-for-byte as sent).")


def _json_signature(text: str) -> str | None:
    """The ``signature`` field of a base64 JSON header (eBay's X-EBAY-SIGNATURE), else None."""
    try:
        data = json.loads(base64.b64decode(text.strip(), validate=True))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None
    value = data.get("signature") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _opt(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


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
