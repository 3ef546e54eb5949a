"""Provider profiles: everything needed to play a provider or check what it sends, as data.

A profile is a TOML file (``resources/profiles/<name>.toml``; users add their own). It is
parsed and validated here from text — no file I/O in the core. The format::

    name = "stripe"                     # the file's stem
    title = "Stripe"
    description = "…"
    docs_url = "https://…"
    scheme = "stripe"                   # a name from core.schemes
    scheme_options = { … }              # for the generic "hmac" scheme
    secret_format = "literal"           # literal | whsec (how the secret is used)
    retry = "stripe"                    # any retry policy text (core.retry): a preset,
                                        # 0,1m,5m or exp 30s x2 cap 1h 10 attempts
    timeout = 30                        # seconds per attempt
    format = "json"                     # json | form (the body's encoding)
    handshake = "none"                  # none | slack_url_verification |
                                        # zoom_url_validation | twitch_callback_verification
                                        # | … (HANDSHAKES; core/handshakes.py)
    duplicate_header = "…"              # where the delivery id is, for duplicate detection
    rotation_overlap = "7d"             # optional; rate_per_minute / rate_per_hour optional
    replay_protection = { kind = "nonce", header = "X-Nonce", window = 600 }
                                        # optional: the receiver refuses a nonce seen twice
    family = "hmac-body-hex"            # the scheme family (FAMILIES), for grouping
    proof = "official-vector"           # official-vector | sdk-interop | docs: how the
    proof_source = "owner/repo@commit path"  # profile was proven, and where
    [headers]                           # sent with every delivery; values are templates
    "X-GitHub-Event" = "$type"
    [envelope]                          # the body; strings "$id" "$type" "$data" "$created_iso"
    id = "$id"                          # "$created_unix" "$created_unix_ms" "$delivery_id"
    type = "$type"                      # "$nonce" are replaced, everything else is literal;
    data = { object = "$data" }         # ``envelope = "$data"`` sends the data as the body
    [[events]]
    type = "payment_intent.succeeded"
    category = "Payments"
    description = "…"
    sample = { id = "pi_…", amount = 2000 }

Every problem raises :class:`ProfileError` with one sentence naming the file, the field and
the problem.
"""

from __future__ import annotations

import json
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from webhook_studio.core.errors import CoreError, ProfileError
from webhook_studio.core.limits import DEFAULT_TIMEOUT_SECONDS
from webhook_studio.core.retry import parse_delay, parse_policy
from webhook_studio.core.schemes import ALL_SCHEMES, Scheme, get_scheme
from webhook_studio.core.specs import Invalid
from webhook_studio.core.specs_records import SUBSCRIPTION, TIMEOUT

HANDSHAKES = ("none", "slack_url_verification", "zoom_url_validation",
              "twitch_callback_verification",
              # core/handshakes.py documents each of these
              "meta_hub_challenge", "twitter_crc", "dropbox_challenge", "nylas_challenge",
              "microsoft_graph_validation", "xero_intent_to_receive", "discord_ping",
              "google_push_sync", "okta_verification", "ringcentral_validation",
              "asana_hook_secret", "notion_verification", "monday_challenge",
              "linkedin_challenge", "smartcar_verify", "worldline_verification", "head_get_ok",
              "ebay_challenge")
FIELDS = {"name", "title", "description", "docs_url", "scheme", "scheme_options",
          "secret_format", "retry", "timeout", "format", "handshake", "duplicate_header",
          "rotation_overlap", "rate_per_minute", "rate_per_hour", "headers", "envelope",
          "events", "replay_protection", "family", "proof", "proof_source"}
#: Scheme families, as in the provider research table (F1-F12); a profile names one.
FAMILIES = ("standard-webhooks", "timestamped-header", "composite-string", "hmac-body-hex",
            "hmac-body-base64", "hmac-sha512", "digest-sha1-md5", "url-bound", "in-body",
            "jwt", "asymmetric", "static-token", "custom")
#: How a profile was proven: a vector published by the provider or its official SDK, a
#: round trip against the official SDK, or the documented construction only.
PROOFS = ("official-vector", "sdk-interop", "docs")
#: What ``profiles list`` and docs/profiles.md call each family and proof level.
FAMILY_LABELS = {
    "standard-webhooks": "F1 Standard Webhooks / Svix",
    "timestamped-header": "F2 timestamp and signature(s) in one header",
    "composite-string": "F3 timestamp or id in separate headers",
    "hmac-body-hex": "F4 HMAC-SHA256 of the body, hex",
    "hmac-body-base64": "F5 HMAC-SHA256 of the body, base64",
    "hmac-sha512": "F6 HMAC-SHA512 of the body",
    "digest-sha1-md5": "F7 SHA-1, MD5 and plain hashes",
    "url-bound": "F8 URL-bound signatures",
    "in-body": "F9 signature or secret inside the body",
    "jwt": "F10 JWT / JWS with a body hash",
    "asymmetric": "F11 asymmetric signatures",
    "static-token": "F12 static token or Basic auth",
    "custom": "other",
}
PROOF_LABELS = {"official-vector": "official vector", "sdk-interop": "official SDK interop",
                "docs": "docs only"}


@dataclass(frozen=True)
class CatalogEvent:
    type: str
    category: str
    description: str
    sample: Any


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    scheme: str
    scheme_options: dict[str, Any] | None
    retry: str
    timeout: float
    envelope_template: Any
    headers: dict[str, str]
    events: tuple[CatalogEvent, ...]
    description: str = ""
    docs_url: str = ""
    secret_format: str = "literal"
    body_format: str = "json"
    handshake: str = "none"
    duplicate_header: str | None = None
    rotation_overlap: float | None = None
    rate_per_minute: int | None = None
    rate_per_hour: int | None = None
    replay_protection: dict[str, Any] = field(default_factory=dict)
    family: str = "custom"
    proof: str = "docs"
    proof_source: str = ""

    # -- signing ------------------------------------------------------------------------------
    def make_scheme(self) -> Scheme:
        return get_scheme(self.scheme, self.scheme_options)

    @property
    def default_tolerance(self) -> int | None:
        return self.make_scheme().default_tolerance

    # -- catalog ------------------------------------------------------------------------------
    def categories(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for event in self.events:
            out.setdefault(event.category, []).append(event.type)
        return out

    def sample_data(self, event_type: str) -> Any:
        for event in self.events:
            if event.type == event_type:
                return event.sample
        return {}

    # -- what goes on the wire ----------------------------------------------------------------
    def _values(self, event_type: str, data: Any, event_id: str, now: float,
                delivery_id: str | None = None) -> dict[str, Any]:
        moment = datetime.fromtimestamp(now, UTC)
        return {"$id": event_id, "$type": event_type, "$data": data,
                "$created_iso": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
                "$created_unix": int(now), "$created_unix_ms": int(now * 1000),
                "$delivery_id": delivery_id or event_id, "$nonce": secrets.token_hex(16)}

    def envelope(self, event_type: str, data: Any, event_id: str, now: float) -> bytes:
        """The body in this provider's shape (matches ``core.envelope.Envelope``)."""
        body = _fill(self.envelope_template, self._values(event_type, data, event_id, now))
        if self.body_format == "form":
            pairs = body.items() if isinstance(body, dict) else []
            return urlencode([(str(k), "" if v is None else str(v)) for k, v in pairs]).encode()
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def delivery_headers(self, event_type: str, delivery_id: str, timestamp: int
                         ) -> dict[str, str]:
        """The non-signature headers of one attempt (event type, delivery id, nonce…)."""
        values = self._values(event_type, None, delivery_id, float(timestamp), delivery_id)
        headers = {k: str(_fill(v, values)) for k, v in self.headers.items()}
        if self.body_format == "form":
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return headers



def _fill(template: Any, values: dict[str, Any]) -> Any:
    if isinstance(template, str):
        return values.get(template, template)
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    return template


def _fail(source: str, field_name: str, problem: str) -> ProfileError:
    return ProfileError(f"{source}: field '{field_name}': {problem}")


def _text(data: dict[str, Any], key: str, source: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise _fail(source, key, "must be a non-empty text" if default is None
                    else "must be text")
    return value


def parse_profile(text: str, source: str) -> Profile:
    """Parse and validate one profile file's text; ``source`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: not valid TOML ({exc}).") from exc
    except (TypeError, ValueError) as exc:
        raise ProfileError(f"{source}: cannot be read ({exc}).") from exc
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise _fail(source, unknown[0], "is not a known profile field")
    name = _text(data, "name", source)
    scheme = _text(data, "scheme", source)
    if scheme not in ALL_SCHEMES:
        raise _fail(source, "scheme", f"{scheme!r} is not a scheme ({', '.join(ALL_SCHEMES)})")
    options = data.get("scheme_options")
    if options is not None and not isinstance(options, dict):
        raise _fail(source, "scheme_options", "must be a table")
    try:
        get_scheme(scheme, options)
    except CoreError as exc:
        raise _fail(source, "scheme_options", str(exc)) from exc
    retry = _text(data, "retry", source, "0")
    try:
        parse_policy(retry)
    except CoreError as exc:
        raise _fail(source, "retry", str(exc)) from exc
    timeout = data.get("timeout", DEFAULT_TIMEOUT_SECONDS)
    try:  # the range every door uses (send --timeout, the editor, the API)
        TIMEOUT(timeout)
    except Invalid as exc:
        raise _fail(source, "timeout", str(exc)) from exc
    choices = {"secret_format": ("literal", "whsec"), "format": ("json", "form"),
               "handshake": HANDSHAKES, "family": FAMILIES, "proof": PROOFS}
    for key, allowed in choices.items():
        if key in data and data[key] not in allowed:
            raise _fail(source, key, f"must be one of {', '.join(allowed)}")
    overlap = None
    if "rotation_overlap" in data:
        try:
            overlap = parse_delay(str(data["rotation_overlap"]))
        except CoreError as exc:
            raise _fail(source, "rotation_overlap", str(exc)) from exc
    rates = {}
    for key in ("rate_per_minute", "rate_per_hour"):  # the subscription spec's ranges
        value = data.get(key)
        if value is not None:
            try:
                SUBSCRIPTION.field(key).check(value)
            except Invalid as exc:
                raise _fail(source, key, str(exc)) from exc
        rates[key] = value
    headers = data.get("headers", {})
    try:
        SUBSCRIPTION.field("headers").check(headers)
    except Invalid as exc:
        raise _fail(source, "headers", str(exc)) from exc
    if "envelope" not in data:
        raise _fail(source, "envelope", "is missing (use envelope = \"$data\" for a raw body)")
    events = _events(data.get("events", []), source)
    protection = _replay_protection(data.get("replay_protection", {}), source)
    return Profile(
        name=name, title=_text(data, "title", source, name), scheme=scheme,
        scheme_options=options, retry=retry, timeout=float(timeout),
        envelope_template=data["envelope"], headers=dict(headers), events=events,
        description=_text(data, "description", source, ""),
        docs_url=_text(data, "docs_url", source, ""),
        secret_format=data.get("secret_format", "literal"),
        body_format=data.get("format", "json"), handshake=data.get("handshake", "none"),
        duplicate_header=data.get("duplicate_header"), rotation_overlap=overlap,
        rate_per_minute=rates["rate_per_minute"], rate_per_hour=rates["rate_per_hour"],
        replay_protection=protection, family=data.get("family", "custom"),
        proof=data.get("proof", "docs"), proof_source=_text(data, "proof_source", source, ""))


def _replay_protection(raw: Any, source: str) -> dict[str, Any]:
    """``{kind = "nonce", header = "X-Nonce", window = 600}``: each nonce is accepted once per
    window (seconds, default 600)."""
    if not isinstance(raw, dict):
        raise _fail(source, "replay_protection", "must be a table")
    if not raw:
        return {}
    if raw.get("kind") != "nonce":
        raise _fail(source, "replay_protection.kind", 'must be "nonce" (the only kind known)')
    header = raw.get("header")
    if not isinstance(header, str) or not header.strip():
        raise _fail(source, "replay_protection.header", "must name the nonce header")
    window = raw.get("window", 600)
    if isinstance(window, bool) or not isinstance(window, int | float) or window <= 0:
        raise _fail(source, "replay_protection.window", "must be a number of seconds above 0")
    return {"kind": "nonce", "header": header.strip(), "window": float(window)}


def _events(raw: Any, source: str) -> tuple[CatalogEvent, ...]:
    if not isinstance(raw, list):
        raise _fail(source, "events", "must be a list of [[events]] tables")
    events = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        where = f"events[{index}]"
        if not isinstance(item, dict):
            raise _fail(source, where, "must be a table")
        event_type = item.get("type")
        if not isinstance(event_type, str) or not event_type:
            raise _fail(source, f"{where}.type", "must be a non-empty text")
        if event_type in seen:
            raise _fail(source, f"{where}.type", f"{event_type!r} is listed twice")
        seen.add(event_type)
        category = item.get("category", "Events")
        description = item.get("description", "")
        if not isinstance(category, str) or not isinstance(description, str):
            raise _fail(source, where, "category and description must be text")
        events.append(CatalogEvent(event_type, category, description, item.get("sample", {})))
    return tuple(events)
