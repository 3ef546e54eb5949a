"""The generic HMAC scheme, configured by data, for systems that are not built in.

Options (all optional but ``header``):

==================  ======================================================  ==============
option              meaning                                                 default
==================  ======================================================  ==============
algorithm           sha1, sha256 or sha512                                  sha256
encoding            hex or base64                                           hex
header              the signature header                                    (required)
prefix              text before the MAC in the header, e.g. ``sha256=``     ""
template            signed content over {id} {timestamp} {body} {url}       {body}
canonical_json      sign the body as JSON with sorted keys and no spaces    false
timestamp_header    where {timestamp} comes from                            (none)
id_header           where {id} comes from                                   (none)
tolerance           seconds of clock skew accepted                          none
tolerance_rule      none, old_only or both                                  both
secret_encoding     utf8 (literal), base64, or whsec (strip and decode)     utf8
==================  ======================================================  ==============

Every seed system is one configuration of this (see the provider profiles).
"""

from __future__ import annotations

import base64
import binascii
import json
import string
from collections.abc import Mapping, Sequence
from typing import Any

from webhook_studio.core.errors import SchemeError, SecretError
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes._mac import (
    ALGORITHMS,
    Content,
    MacScheme,
    Parsed,
    malformed,
    missing,
    parse_seconds,
    whsec_secret_key,
)
from webhook_studio.core.schemes.base import ToleranceRule
from webhook_studio.core.verdict import Reason, Verdict

OPTIONS = ("algorithm", "encoding", "header", "prefix", "template", "canonical_json",
           "timestamp_header", "id_header", "tolerance", "tolerance_rule", "secret_encoding")
FIELDS = {"id", "timestamp", "body", "url"}


def canonical_json(body: bytes) -> bytes:
    """Sorted keys, no spaces, ASCII escapes: ``json.dumps(obj, separators=(",", ":"),
    sort_keys=True)`` as the EnvoyOU guide's own code does."""
    obj = json.loads(body.decode("utf-8"))
    return json.dumps(obj, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _choice(options: Mapping[str, Any], key: str, allowed: Sequence[str], default: str) -> str:
    value = str(options.get(key, default))
    if value not in allowed:
        raise SchemeError(f"Option {key}={value!r} is not one of: {', '.join(allowed)}.")
    return value


class GenericHmac(MacScheme):
    name = "hmac"

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        opts = dict(options or {})
        unknown = sorted(set(opts) - set(OPTIONS))
        if unknown:
            raise SchemeError(f"Unknown option {unknown[0]!r} for the hmac scheme; known "
                              f"options: {', '.join(OPTIONS)}.")
        header = opts.get("header")
        if not isinstance(header, str) or not header.strip():
            raise SchemeError("The hmac scheme needs option header=NAME (the signature header).")
        self.header = header.strip()
        self.algorithm = _choice(opts, "algorithm", tuple(ALGORITHMS), "sha256")
        self.encoding = _choice(opts, "encoding", ("hex", "base64"), "hex")
        self.secret_encoding = _choice(opts, "secret_encoding", ("utf8", "base64", "whsec"),
                                       "utf8")
        self.secret_format = "whsec" if self.secret_encoding == "whsec" else "utf8"
        self.prefix = str(opts.get("prefix", ""))
        self.template = str(opts.get("template", "{body}"))
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(self.template) if f}
        except ValueError as exc:
            raise SchemeError(f"Option template={self.template!r} is not valid: {exc}.") from exc
        if fields - FIELDS:
            raise SchemeError(f"Option template uses {{{sorted(fields - FIELDS)[0]}}}; allowed "
                              "fields are {id}, {timestamp}, {body}, {url}.")
        self.canonical = _flag(opts.get("canonical_json", False), "canonical_json")
        self.timestamp_header = _opt_str(opts.get("timestamp_header"))
        self.id_header = _opt_str(opts.get("id_header"))
        if "timestamp" in fields and not self.timestamp_header:
            raise SchemeError("The template signs {timestamp}: set timestamp_header too.")
        if "id" in fields and not self.id_header:
            raise SchemeError("The template signs {id}: set id_header too.")
        self.needs_timestamp = "timestamp" in fields
        self.needs_id = "id" in fields
        self.needs_url = "url" in fields
        tolerance = opts.get("tolerance")
        if tolerance is not None and not isinstance(tolerance, int):
            raise SchemeError(f"Option tolerance={tolerance!r} must be whole seconds.")
        self.default_tolerance = tolerance
        rule = _choice(opts, "tolerance_rule", [r.value for r in ToleranceRule], "both")
        self.tolerance_rule = ToleranceRule(rule) if self.timestamp_header else ToleranceRule.NONE
        self.options = opts

    def key(self, secret: str) -> bytes:
        if not secret:
            raise SecretError("The secret is empty; give the signing secret.")
        if self.secret_encoding == "whsec":
            return whsec_secret_key(secret)
        if self.secret_encoding == "base64":
            try:
                return base64.b64decode(secret, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise SecretError("The secret is not valid base64 (secret_encoding=base64)."
                                  ) from exc
        return secret.encode("utf-8")

    def parse(self, request: IncomingRequest) -> Parsed | Verdict:
        value = request.header(self.header)
        if value is None:
            return missing(self.name, self.header)
        value = value.strip()
        if not value.startswith(self.prefix):
            return malformed(self.name, self.header, f"expected it to start with {self.prefix!r}")
        ts = seconds = msg_id = None
        if self.timestamp_header:
            ts = request.header(self.timestamp_header)
            if ts is None:
                return missing(self.name, self.timestamp_header)
            ts = ts.strip()
            seconds = parse_seconds(ts)
            if seconds is None and self.default_tolerance is not None:
                return malformed(self.name, self.timestamp_header,
                                 f"{ts!r} is not a Unix timestamp")
        if self.id_header:
            msg_id = request.header(self.id_header)
            if msg_id is None and self.needs_id:
                return missing(self.name, self.id_header)
        return Parsed((value[len(self.prefix):],), ts, seconds, msg_id)

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
        return Content(body, parsed.timestamp, parsed.msg_id, request.url)

    def content(self, c: Content) -> bytes:
        head, found, tail = self.template.partition("{body}")
        values = {"id": c.msg_id or "", "timestamp": c.timestamp or "", "url": c.url or ""}
        out = head.format(**values).encode("utf-8")
        if found:
            out += c.body + tail.format(**values).encode("utf-8")
        return out

    def sign(self, secrets: str | Sequence[str], data: SignInput) -> dict[str, str]:
        body = data.body
        if self.canonical:
            try:
                body = canonical_json(body)
            except (UnicodeDecodeError, ValueError) as exc:
                raise SecretError("This scheme signs canonical JSON, but the body is not JSON."
                                  ) from exc
        headers = super().sign(secrets, SignInput(body, data.id, data.timestamp, data.url,
                                                  data.params))
        return headers

    def headers(self, signatures: Sequence[str], data: SignInput, timestamp: str | None
                ) -> dict[str, str]:
        out = {self.header: self.prefix + signatures[0]}
        if self.timestamp_header and timestamp is not None:
            out[self.timestamp_header] = timestamp
        if self.id_header and data.id is not None:
            out[self.id_header] = data.id
        return out


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise SchemeError(f"Option {name}={value!r} must be true or false.")


def _opt_str(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None
