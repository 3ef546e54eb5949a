"""The generic HMAC scheme, configured by data: one class for every provider whose signature is
a MAC (or a plain hash) over a string built from the body, a timestamp, an id, the URL…

Options (all optional but ``header``, unless the signature is in the body):

===================  ===================================================  ================
option               meaning                                              default
===================  ===================================================  ================
algorithm            md5, sha1, sha256 or sha512                          sha256
mode                 hmac, or hash: H(key + signed string) (HubSpot v1)   hmac
encoding             hex, hex-upper, base64, base64url (no padding)       hex
header               the signature header                                 (required)
prefix               text before each MAC, e.g. ``sha256=``               ""
signature_separator  several signatures in one header, split on this      (one)
header_format        plain, or kv: ``t=<ts>,v1=<mac>`` in one header      plain
kv_separator         between kv items (``,`` Stripe, ``;`` Paddle)        ","
timestamp_key        kv item holding the timestamp                        t
signature_key        kv item holding a signature (may repeat)             v1
numbered_headers     signatures in ``header-1`` … ``header-N`` (DocuSign)  false
secondary_header     a second signature header (Box primary/secondary)    (none)
template             signed string over {id} {timestamp} {body} {url}     {body}
                     {url_base} (no query) {method} {field:PATH}
canonical_json       sign the body as JSON with sorted keys, no spaces    false
timestamp_header     where {timestamp} comes from                         (none)
timestamp_format     unix, unix_ms, iso8601, iso8601_local, http_date     unix
id_header            where {id} comes from                                (none)
signature_field      the signature is in the body at this path (F9)       (none)
timestamp_field      the timestamp is in the body at this path            (none)
tolerance            seconds of clock skew accepted                       none
tolerance_rule       none, old_only or both                               both
secret_encoding      utf8, base64, whsec, hex, nfkd, sha1 (key transform) utf8
===================  ===================================================  ================

Every seed system and most providers are one configuration of this (see the profiles).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from webhook_studio.core.errors import SchemeError, SecretError
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes import _parts
from webhook_studio.core.schemes._keys import SECRET_ENCODINGS, transform_key
from webhook_studio.core.schemes._mac import (
    ALGORITHMS,
    Content,
    MacScheme,
    Parsed,
    encode,
    malformed,
    missing,
    same,
)
from webhook_studio.core.schemes._parts import choice, optional_text
from webhook_studio.core.schemes.base import ToleranceRule
from webhook_studio.core.verdict import Reason, Verdict

OPTIONS = ("algorithm", "mode", "encoding", "header", "prefix", "signature_separator",
           "header_format", "kv_separator", "timestamp_key", "signature_key",
           "numbered_headers", "secondary_header", "template", "canonical_json",
           "timestamp_header", "timestamp_format", "id_header", "signature_field",
           "timestamp_field", "tolerance", "tolerance_rule", "secret_encoding")
ENCODINGS = ("hex", "hex-upper", "base64", "base64url")
#: DocuSign sends one header per active key, up to 100.
MAX_NUMBERED = 100


def canonical_json(body: bytes) -> bytes:
    """Sorted keys, no spaces, ASCII escapes: ``json.dumps(obj, separators=(",", ":"),
    sort_keys=True)`` as the EnvoyOU guide's own code does. The body is parsed as bytes, as
    ``request.json()`` does there, so a UTF-8 byte-order mark is accepted as it is there."""
    obj = json.loads(body)
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode("utf-8")


class GenericHmac(MacScheme):
    name = "hmac"

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        opts = dict(options or {})
        unknown = sorted(set(opts) - set(OPTIONS))
        if unknown:
            raise SchemeError(f"Unknown option {unknown[0]!r} for the hmac scheme; known "
                              f"options: {', '.join(OPTIONS)}.")
        self.signature_field = optional_text(opts.get("signature_field"))
        header = opts.get("header")
        if not self.signature_field and (not isinstance(header, str) or not header.strip()):
            raise SchemeError("The hmac scheme needs option header=NAME (the signature header).")
        self.header = str(header or "").strip()
        self.algorithm = choice(opts, "algorithm", tuple(ALGORITHMS), "sha256")
        self.mode = choice(opts, "mode", ("hmac", "hash"), "hmac")
        self.encoding = choice(opts, "encoding", ENCODINGS, "hex")
        self.secret_encoding = choice(opts, "secret_encoding", SECRET_ENCODINGS, "utf8")
        self.secret_format = "whsec" if self.secret_encoding == "whsec" else "utf8"
        self.prefix = str(opts.get("prefix", ""))
        self.separator = opts.get("signature_separator")
        self.kv = choice(opts, "header_format", ("plain", "kv"), "plain") == "kv"
        self.kv_separator = str(opts.get("kv_separator", ","))
        self.ts_key = str(opts.get("timestamp_key", "t"))
        self.sig_key = str(opts.get("signature_key", "v1"))
        self.numbered = _flag(opts.get("numbered_headers", False), "numbered_headers")
        self.secondary = optional_text(opts.get("secondary_header"))
        self.template = str(opts.get("template", "{body}"))
        fields = _parts.template_fields(self.template)
        self.canonical = _flag(opts.get("canonical_json", False), "canonical_json")
        self.timestamp_header = optional_text(opts.get("timestamp_header"))
        self.timestamp_field = optional_text(opts.get("timestamp_field"))
        self.ts_format = choice(opts, "timestamp_format", _parts.TIMESTAMP_FORMATS, "unix")
        self.id_header = optional_text(opts.get("id_header"))
        has_ts = bool(self.timestamp_header or self.kv or self.timestamp_field)
        if "timestamp" in fields and not has_ts:
            raise SchemeError("The template signs {timestamp}: set timestamp_header (or "
                              "header_format=kv, or timestamp_field) too.")
        if "id" in fields and not self.id_header:
            raise SchemeError("The template signs {id}: set id_header too.")
        self.body_fields = tuple(sorted(f[len("field:"):] for f in fields
                                        if f.startswith("field:")))
        self.needs_timestamp = "timestamp" in fields or self.kv
        self.needs_id = "id" in fields
        self.needs_url = bool(fields & {"url", "url_base"})
        self.signs_body = "body" in fields or bool(self.body_fields)
        self.can_emulate = not self.signature_field
        self.multi_signature = bool(self.separator or self.kv or self.numbered or self.secondary)
        tolerance = opts.get("tolerance")
        if tolerance is not None and (isinstance(tolerance, bool)
                                      or not isinstance(tolerance, int)):
            raise SchemeError(f"Option tolerance={tolerance!r} must be whole seconds.")
        self.default_tolerance = tolerance
        rule = choice(opts, "tolerance_rule", [r.value for r in ToleranceRule], "both")
        self.tolerance_rule = ToleranceRule(rule) if has_ts else ToleranceRule.NONE
        self.options = opts

    # -- keys and MACs -----------------------------------------------------------------------
    def key(self, secret: str) -> bytes:
        if not secret:
            raise SecretError("The secret is empty; give the signing secret.")
        return transform_key(secret, self.secret_encoding)

    def generate_secret(self) -> str:
        import secrets

        raw = secrets.token_bytes(32)
        if self.secret_encoding == "whsec":
            return "whsec_" + base64.b64encode(raw).decode("ascii")
        if self.secret_encoding == "base64":
            return base64.b64encode(raw).decode("ascii")
        if self.secret_encoding == "hex":
            return raw.hex()
        return secrets.token_urlsafe(32)

    def compute(self, key: bytes, c: Content, algorithm: str | None = None) -> str:
        if self.mode == "hash":
            hasher = ALGORITHMS[algorithm or self.algorithm]()
            hasher.update(key + self.content(c))
            digest = hasher.digest()
            return encode(digest, self.encoding)
        return super().compute(key, c, algorithm)

    def _match(self, keys: Sequence[bytes | None], c: Content, parsed: Parsed) -> int | None:
        if self.encoding != "hex-upper":
            return super()._match(keys, c, parsed)
        # Authorize.Net writes upper-case hex and its consumers compare ignoring case.
        wanted = [cand.lower() for cand in parsed.candidates]
        for index, key in enumerate(keys):
            if key is not None:
                expected = self.compute(key, c, parsed.algorithm).lower()
                if any(same(expected, cand) for cand in wanted):
                    return index
        return None

    # -- reading a request -------------------------------------------------------------------
    def parse(self, request: IncomingRequest) -> Parsed | Verdict:
        ts: str | None = None
        if self.signature_field:
            value = _parts.body_value(request.body, self.signature_field)
            if value is None:
                return _missing_field(self.name, self.signature_field)
            found = self._split([value], self.signature_field)
        elif self.kv:
            value = request.header(self.header)
            if value is None:
                return missing(self.name, self.header)
            kv = self._parse_kv(value)
            if isinstance(kv, Verdict):
                return kv
            ts, found = kv
        else:
            values = self._header_values(request)
            if not values:
                return missing(self.name, self.header)
            found = self._split(values, self.header)
        if isinstance(found, Verdict):
            return found
        note = ""
        if self.timestamp_header:
            ts = request.header(self.timestamp_header)
            if ts is None:
                return missing(self.name, self.timestamp_header)
        elif self.timestamp_field:
            ts = _parts.body_value(request.body, self.timestamp_field)
            if ts is None:  # the signature decides; its age cannot be checked
                note = f" The body has no {self.timestamp_field}, so its age was not checked."
        seconds = None
        if ts is not None:
            ts = ts.strip()
            seconds = _parts.timestamp_seconds(ts, self.ts_format)
            if seconds is None and (self.default_tolerance is not None or self.kv):
                return malformed(self.name, self.timestamp_header or self.header,
                                 f"{ts!r} is not a {self.ts_format} timestamp")
        msg_id = None
        if self.id_header:
            msg_id = request.header(self.id_header)
            if msg_id is None and self.needs_id:
                return missing(self.name, self.id_header)
        return Parsed(tuple(found), ts, seconds, msg_id, note=note)

    def _header_values(self, request: IncomingRequest) -> list[str]:
        if self.numbered:
            out = []
            for n in range(1, MAX_NUMBERED + 1):
                value = request.header(f"{self.header}-{n}")
                if value is not None:
                    out.append(value)
            return out
        values = [v for v in [request.header(self.header)] if v is not None]
        if self.secondary and (second := request.header(self.secondary)) is not None:
            values.append(second)
        return values

    def _split(self, values: Sequence[str], where: str) -> list[str] | Verdict:
        items: list[str] = []
        for value in values:
            parts = value.split(str(self.separator)) if self.separator else [value]
            items.extend(p.strip() for p in parts if p.strip())
        sigs = [item[len(self.prefix):] for item in items if item.startswith(self.prefix)]
        if not sigs:
            return malformed(self.name, where, f"expected it to start with {self.prefix!r}"
                             if self.prefix else "it is empty")
        return sigs

    def _parse_kv(self, value: str) -> tuple[str, list[str]] | Verdict:
        ts: str | None = None
        sigs: list[str] = []
        for item in value.split(self.kv_separator.strip() or self.kv_separator):
            key, found, val = item.strip().partition("=")
            if not found:
                continue
            if key == self.ts_key:
                ts = val.strip()
            elif key == self.sig_key:
                sigs.append(val.strip())
        if ts is None:
            return malformed(self.name, self.header, f"no {self.ts_key}= timestamp")
        if not sigs:
            return malformed(self.name, self.header, f"no {self.sig_key}= signature")
        return ts, sigs

    def content_for(self, request: IncomingRequest, parsed: Parsed) -> Content | Verdict:
        body = request.body
        if self.canonical:
            try:
                body = canonical_json(body)
            except (UnicodeDecodeError, ValueError, RecursionError):
                return Verdict(False, self.name, Reason.MALFORMED_BODY,
                               "The body is not JSON, but this scheme signs its canonical JSON "
                               "form.")
        if self.needs_url and not request.url:
            return Verdict(False, self.name, Reason.MISSING_URL,
                           "This scheme signs the URL: give the URL the sender posted to.")
        fields = []
        for path in self.body_fields:
            value = _parts.body_value(request.body, path)
            fields.append((path, value or ""))
        return Content(body, parsed.timestamp, parsed.msg_id, request.url,
                       method=request.method.upper(), fields=tuple(fields))

    def content(self, c: Content) -> bytes:
        values = {"id": c.msg_id or "", "timestamp": c.timestamp or "", "url": c.url or "",
                  "url_base": _without_query(c.url or ""), "method": c.method}
        values.update((f"field:{path}", value) for path, value in c.fields)
        return _parts.render(self.template, values, c.body)

    # -- signing -----------------------------------------------------------------------------
    def timestamp_text(self, seconds: int) -> str:
        return _parts.timestamp_text(seconds, self.ts_format)

    def sign(self, secrets: str | Sequence[str], data: SignInput) -> dict[str, str]:
        if self.signature_field:
            raise SecretError(
                "This provider puts its signature inside the body "
                f"({self.signature_field}); Webhook Studio verifies it but cannot add it to a "
                "body it sends.")
        body = data.body
        if self.canonical:
            try:
                body = canonical_json(body)
            except (UnicodeDecodeError, ValueError) as exc:
                raise SecretError("This scheme signs canonical JSON, but the body is not JSON."
                                  ) from exc
        return super().sign(secrets, SignInput(body, data.id, data.timestamp, data.url,
                                               data.params))

    def headers(self, signatures: Sequence[str], data: SignInput, timestamp: str | None
                ) -> dict[str, str]:
        sigs = [self.prefix + s for s in signatures]
        if self.kv:
            items = [f"{self.ts_key}={timestamp}"] + [f"{self.sig_key}={s}" for s in signatures]
            out = {self.header: self.kv_separator.join(items)}
        elif self.numbered:
            out = {f"{self.header}-{n}": s for n, s in enumerate(sigs, 1)}
        elif self.secondary:
            out = {self.header: sigs[0], self.secondary: sigs[-1]}
        elif self.separator:
            out = {self.header: str(self.separator).join(sigs)}
        else:
            out = {self.header: sigs[0]}
        if self.timestamp_header and timestamp is not None:
            out[self.timestamp_header] = timestamp
        if self.id_header and data.id is not None:
            out[self.id_header] = data.id
        return out


def _without_query(url: str) -> str:
    """The URL without its query and fragment (Plivo V2 signs scheme, host, port and path)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _missing_field(scheme: str, path: str) -> Verdict:
    return Verdict(False, scheme, Reason.MALFORMED_BODY,
                   f"The body has no {path} field: this provider puts the signature data "
                   "inside the body, so the request is not signed under this scheme.",
                   details={"field": path})


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise SchemeError(f"Option {name}={value!r} must be true or false.")
