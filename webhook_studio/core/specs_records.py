"""One spec per record: subscriptions, receiver endpoints, emitted events, replays and resends.

These are the rules. The API validates request bodies with them and publishes them in its
OpenAPI document; the subscription and endpoint editors turn their form texts into the same
record and run the same :func:`check_subscription` / :func:`check_endpoint`; the CLI checks its
options with the same ranges and :func:`secret_problem`. Every number comes from
:mod:`webhook_studio.core.limits`.
"""

from __future__ import annotations

from typing import Any

from webhook_studio.core import limits
from webhook_studio.core.diagnose import whsec_key
from webhook_studio.core.errors import CoreError
from webhook_studio.core.matching import validate_pattern
from webhook_studio.core.message import SignInput
from webhook_studio.core.retry import parse_delay, parse_policy
from webhook_studio.core.schemes import SCHEME_NAMES, get_scheme
from webhook_studio.core.schemes.asymmetric import Asymmetric
from webhook_studio.core.specs import (
    Check,
    Field,
    Invalid,
    Schema,
    SpecError,
    any_json,
    array,
    boolean,
    choice,
    cidr,
    core_text,
    header_map,
    header_problem,
    http_url,
    method_problem,
    nested,
    string,
    within,
)

#: Schemes a record can sign or verify with (``hmac`` needs options only profiles give).
SIGNING_SCHEMES = tuple(n for n in SCHEME_NAMES if n != "hmac")
VERIFY_SCHEMES = SIGNING_SCHEMES
#: How an endpoint with forward targets answers: at once with its response rule (``async``),
#: or with the first target's response (``proxy``); relay/forward.py honours it.
FORWARD_MODES = ("async", "proxy")


# -- secrets ----------------------------------------------------------------------------------

def secret_problem(scheme: str, secret: str, options: dict[str, Any] | None = None, *,
                   verify_only: bool = False) -> str | None:
    """Why ``secret`` cannot sign under ``scheme`` (with ``options``), or None when it can.

    The one rule for every editor, the API, the CLI and profiles: it asks the scheme itself to
    sign a probe message, so it accepts exactly what sending accepts. ``verify_only`` (a
    receiver endpoint) also accepts a Standard Webhooks ``whpk_`` public key. A PEM key
    (several lines) is fine for the schemes that sign with one.
    """
    if not secret:
        return "A secret is needed: paste the provider's signing secret or generate one."
    if len(secret) > limits.SECRET_CHARS:
        return (f"The secret is {len(secret):,} characters long; at most "
                f"{limits.SECRET_CHARS:,} are accepted (a PEM private key fits).")
    pem = secret.startswith("-----BEGIN ")
    if secret != secret.strip() or "\0" in secret or (not pem and
                                                      any(c in secret for c in "\r\n")):
        return ("The secret has spaces or a line break at its ends (or inside); paste it again "
                "without them.")
    try:
        signer = get_scheme(scheme, options)
    except CoreError as exc:
        return str(exc)
    if verify_only and scheme == "standard-webhooks" and secret.startswith("whpk_"):
        from webhook_studio.core.schemes.standard import ed25519_public

        try:
            ed25519_public(secret)
        except CoreError as exc:
            return str(exc)
        return None
    if verify_only and isinstance(signer, Asymmetric):
        try:  # the provider's public key (PEM, JWK, base64 DER): the receiver verifies with it
            signer._public(secret)
            return None
        except CoreError:
            pass  # or a private key, which verifies too: the probe below reads it
    try:
        signer.sign(secret, SignInput(b"{}", "msg_check", 0, "http://localhost/"))
    except CoreError as exc:
        if getattr(signer, "secret_format", "") == "whsec" and \
                not secret.startswith(("whsk_", "whpk_")):
            return _whsec_problem(secret)
        return str(exc)
    return None


def _whsec_problem(secret: str) -> str:
    key = whsec_key(secret)
    why = ("this one is not base64 after the prefix" if key is None
           else f"this one decodes to {len(key)} bytes")
    return (f"A Standard Webhooks secret is whsec_ followed by base64 of 24 to 64 bytes; {why}. "
            "Generate one, or copy it again from the provider.")


def _secret() -> Check:
    return string(min_len=1, max_len=limits.SECRET_CHARS)


# -- field checks shared by several records --------------------------------------------------

EVENT_PATTERN = core_text(validate_pattern,
                          {"pattern": r"^(\*|[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*(\.\*)?)$"},
                          max_len=limits.EVENT_TYPE_CHARS)


def _event_type(v: Any) -> str:
    text = EVENT_PATTERN(v)
    if "*" in text:
        raise Invalid("must be an exact event type, not a pattern")
    return str(text)


_PATTERNS = array(EVENT_PATTERN, min_items=1, max_items=limits.MAX_EVENT_PATTERNS, unique=True)


def _events(v: Any) -> list[str]:
    if v == []:
        raise Invalid("Choose at least one event type, a prefix like user.*, or *.")
    return list(_PATTERNS(v))


EVENTS = Check(_events, _PATTERNS.schema)
EVENT_TYPE = core_text(_event_type, {}, max_len=limits.EVENT_TYPE_CHARS)
PROFILE_NAME = string(min_len=1, max_len=limits.PROFILE_NAME_CHARS)
TIMEOUT = within(limits.TIMEOUT_SECONDS, "of seconds")


def _path(v: Any) -> str:
    if not isinstance(v, str) or not v.startswith("/") or any(c in v for c in " \t\r\n?#"):
        raise Invalid("must start with / and have no spaces, ? or #, e.g. /hooks/github")
    if len(v) > limits.PATH_CHARS:
        raise Invalid(f"must be at most {limits.PATH_CHARS} characters long")
    return v


PATH = Check(_path, {"type": "string", "minLength": 1, "maxLength": limits.PATH_CHARS,
                     "pattern": r"^/[^\s?#]*$"})

# -- records -----------------------------------------------------------------------------------

SUBSCRIPTION = Schema("Subscription", (
    Field("url", http_url(), required=True, description="where deliveries are POSTed",
          label="The URL"),
    Field("events", EVENTS,
          required=True, description="event types or patterns: user.created, user.*, *",
          label="The event list"),
    Field("description", string(max_len=limits.DESCRIPTION_CHARS), label="The description"),
    Field("headers", header_map(), description="custom headers sent with every delivery",
          label="The headers"),
    Field("is_active", boolean()),
    Field("secret", _secret(), patchable=False,
          description="signing secret; generated for the scheme when absent",
          label="The secret"),
    Field("scheme", choice(SIGNING_SCHEMES), patchable=False, label="The scheme"),
    Field("profile", PROFILE_NAME, patchable=False,
          description="a provider profile (webhook-studio profiles list): deliveries are "
                      "signed, shaped and retried as that provider's; overrides scheme"),
    Field("retry_policy", core_text(parse_policy, {"examples": [
              "0,1m,5m", "svix", "exp 30s x2 cap 1h 10 attempts jitter 20%"]}),
          description="a preset name, a comma list of delays, or exponential back-off "
                      "(docs/retry-policies.md)", label="The retry policy"),
    Field("timeout", TIMEOUT, description=f"seconds per attempt, "
          f"{limits.TIMEOUT_SECONDS.text()}", label="The timeout"),
    Field("rate_per_minute", within(limits.RATE_PER_MINUTE), nullable=True,
          description="deliveries a minute at most (null: no limit)", label="A rate limit"),
    Field("rate_per_hour", within(limits.RATE_PER_HOUR), nullable=True,
          description="deliveries an hour at most (null: no limit)", label="A rate limit"),
    Field("max_concurrency", within(limits.MAX_CONCURRENCY),
          description=f"requests in flight at once (default {limits.DEFAULT_CONCURRENCY})",
          label="Concurrency"),
), aliases={"active": "is_active"})

ROTATE = Schema("RotateSecret", (
    Field("secret", _secret(), description="new secret; generated if absent"),
    Field("overlap_seconds", within(limits.OVERLAP_SECONDS, "of seconds"),
          description="how long the old secret keeps signing (default 7 days)"),
))

#: How far back the per-event-type stats look when not told: seed 004's 24 hours.
STATS_WINDOW = 86400.0


def stats_window(text: str) -> float:
    """``deliveries stats --since`` and ``GET /deliveries/stats?since=``: a duration longer
    than 0 (30m, 2h, 7d) in seconds, or ``all`` (0.0: no limit)."""
    if text == "all":
        return 0.0
    if (seconds := parse_delay(text)) <= 0:
        raise CoreError("Give a duration longer than 0 (30m, 2h, 7d) or all.")
    return seconds


RETRY_DEAD_LETTERS = Schema("RetryDeadLetters", (
    Field("since", core_text(parse_delay, {"examples": ["2h", "1d"]}, max_len=40),
          description="only dead letters created this long ago or less (all when absent)",
          label="How far back"),
))

EVENT = Schema("Event", (
    Field("type", EVENT_TYPE, required=True, label="The event type"),
    Field("data", any_json(), required=True, nullable=True, description="any JSON value"),
    Field("subscription_id", string(min_len=1, max_len=64),
          description="deliver to this subscription only, whatever its filter"),
))

def _batch_items(v: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The valid events of a batch and what is wrong, keyed ``events`` (the list itself) or
    ``events[3].type`` (an item's field; ``events[3]`` when the item is not an object)."""
    if not isinstance(v, list):
        return [], {"events": 'must be an array of events like {"type": "user.created", '
                              '"data": {}}'}
    if not v:
        return [], {"events": "must hold at least one event"}
    if len(v) > limits.MAX_BATCH_EVENTS:
        return [], {"events": f"holds {len(v):,} events; at most "
                              f"{limits.MAX_BATCH_EVENTS:,} fit in one request, so split the "
                              "batch into smaller ones"}
    out: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for i, item in enumerate(v):
        try:
            out.append(EVENT.validate(item))
        except SpecError as exc:
            errors.update({f"events[{i}]" if k == "body" else f"events[{i}].{k}": m
                           for k, m in exc.fields.items()})
    return out, errors


def _batch(v: Any) -> list[dict[str, Any]]:
    out, errors = _batch_items(v)
    if errors:
        raise Invalid("; ".join(f"{k} {m}" for k, m in errors.items()))
    return out


EVENT_BATCH = Schema("EventBatch", (
    Field("events", Check(_batch, {
        "type": "array", "items": EVENT.json_schema(), "minItems": 1,
        "maxItems": limits.MAX_BATCH_EVENTS}), required=True,
        description="each as POST /events takes one; all are stored, or none"),
))


def check_event_batch(raw: Any) -> dict[str, Any]:
    """``EVENT_BATCH`` with every bad item named by index and field (``events[3].type``), so a
    client fixes them all in one go; nothing is taken unless everything is valid."""
    if not isinstance(raw, dict):
        raise SpecError({"body": "must be a JSON object"})
    errors = {str(k): "is not a known field" for k in raw if k != "events"}
    events: list[dict[str, Any]] = []
    if "events" in raw:
        events, problems = _batch_items(raw["events"])
        errors.update(problems)
    else:
        errors["events"] = "is required"
    if errors:
        raise SpecError(errors)
    return {"events": events}


ENDPOINT = Schema("Endpoint", (
    Field("path", PATH, required=True, label="The path"),
    Field("name", string(min_len=1, max_len=limits.NAME_CHARS), label="The name"),
    Field("scheme", choice(VERIFY_SCHEMES), nullable=True, label="The scheme"),
    Field("profile", PROFILE_NAME, nullable=True,
          description="a provider profile (`webhook-studio profiles list`); its scheme, "
                      "tolerance, duplicate-id header and nonce rules apply, and it overrides "
                      "scheme"),
    Field("secrets", array(_secret(), max_items=limits.MAX_ENDPOINT_SECRETS),
          description="verification secrets, newest first (write-only)", label="The secrets"),
    Field("tolerance", within(limits.TOLERANCE_SECONDS, "of seconds (-1 turns the check off)"),
          nullable=True, description="seconds of clock skew accepted; -1 disables the check",
          label="The tolerance"),
    Field("public_url", http_url(), nullable=True, label="The public URL"),
    Field("response_status", within(limits.RESPONSE_STATUS), label="The response status"),
    Field("response_headers", header_map(), label="The response headers"),
    Field("response_body", string(max_len=limits.RESPONSE_BODY_CHARS),
          label="The response body"),
    Field("response_delay_ms", within(limits.RESPONSE_DELAY_MS, "of milliseconds"),
          label="The delay"),
    Field("reject_invalid", boolean()),
    Field("max_body_bytes", within(limits.ENDPOINT_BODY_BYTES, "of bytes"),
          label="The body limit"),
    Field("is_active", boolean()),
    Field("forward_to", array(http_url(), max_items=limits.MAX_FORWARD_TARGETS),
          label="The forward targets"),
    Field("forward_mode", choice(FORWARD_MODES),
          description="async (default): answer at once with the response rule and forward "
                      "in the background; proxy: answer with the first forward target's "
                      "response (the others still get a copy)", label="The forward mode"),
    Field("ip_allowlist", array(cidr(), max_items=limits.MAX_ALLOWLIST),
          description="CIDR networks allowed to post (empty: everyone); others get 403",
          label="The IP allowlist"),
), aliases={"active": "is_active"})

RESIGN = Schema("Resign", (
    Field("scheme", choice(VERIFY_SCHEMES), description="re-sign under this scheme, or"),
    Field("profile", PROFILE_NAME,
          description="as this provider profile: its scheme, and fresh delivery-id and nonce "
                      "headers (so the receiver does not flag a duplicate)"),
    Field("secret", _secret(), required=True),
))
_RESIGN_FIELD = Field("resign", nested(RESIGN), nullable=True,
                      description="re-sign with a fresh id and timestamp: give scheme or "
                                  "profile, and secret")
_TIMEOUT_FIELD = Field("timeout", TIMEOUT, description=f"seconds, "
                       f"{limits.TIMEOUT_SECONDS.text()} (default "
                       f"{limits.DEFAULT_TIMEOUT_SECONDS:g})")
REPLAY = Schema("Replay", (
    Field("url", http_url(), required=True),
    _RESIGN_FIELD,
    _TIMEOUT_FIELD,
))


def _method(v: Any) -> str:
    if problem := method_problem(v):
        raise Invalid(problem)
    return str(v).upper()


def _header_list(v: Any) -> list[tuple[str, str]]:
    if not isinstance(v, list) or len(v) > limits.MAX_EDITED_HEADERS:
        raise Invalid(f'must be a list of {{"name": ..., "value": ...}} (at most '
                      f'{limits.MAX_EDITED_HEADERS})')
    out = []
    for index, item in enumerate(v):
        if not isinstance(item, dict) or set(item) != {"name", "value"}:
            raise Invalid(f'item {index} must be {{"name": ..., "value": ...}}')
        if problem := header_problem(item["name"], item["value"]):
            raise Invalid(f"item {index}: {problem}")
        out.append((item["name"], item["value"]))
    return out


def _base64(v: Any) -> bytes:
    import base64
    import binascii

    if not isinstance(v, str):
        raise Invalid("must be base64 text")
    try:
        raw = base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("must be base64 text") from exc
    if len(raw) > limits.EDITED_BODY_BYTES:
        raise Invalid(f"must decode to at most {limits.EDITED_BODY_BYTES:,} bytes "
                      f"(this one is {len(raw):,})")
    return raw


_HEADER_ITEM = {"type": "object", "required": ["name", "value"], "additionalProperties": False,
                "properties": {"name": {"type": "string",
                                        "maxLength": limits.HEADER_NAME_CHARS},
                               "value": {"type": "string",
                                         "maxLength": limits.HEADER_VALUE_CHARS}}}
RESEND = Schema("Resend", (
    Field("url", http_url(), required=True, description="where to send the edited request"),
    Field("method", Check(_method, {"type": "string", "maxLength": limits.METHOD_CHARS,
                                    "examples": ["POST", "PUT"]}),
          description="default: the captured method"),
    Field("headers", Check(_header_list, {"type": "array", "items": _HEADER_ITEM,
                                          "maxItems": limits.MAX_EDITED_HEADERS}),
          description="every header to send, in order (default: the captured ones); "
                      "Host and Content-Length are set by the client"),
    Field("body", string(max_len=limits.EDITED_BODY_BYTES),
          description="the body as text (UTF-8); default: the captured body"),
    Field("body_base64", Check(_base64, {"type": "string", "contentEncoding": "base64"}),
          description="the body as base64, for binary data (instead of body)"),
    _RESIGN_FIELD,
    _TIMEOUT_FIELD,
))


# -- cross-field rules -------------------------------------------------------------------------

def subscription_secret_problem(record: dict[str, Any], *, scheme: str | None = None,
                                options: dict[str, Any] | None = None) -> str | None:
    """Can the record's secret sign under its scheme (or the profile's ``scheme``/``options``,
    which override the record's)? None when it can, or when there is no secret to check."""
    secret = record.get("secret")
    signing = scheme or record.get("scheme") or "standard-webhooks"
    if not isinstance(secret, str) or not isinstance(signing, str):
        return None
    return secret_problem(signing, secret, options)


def check_subscription(record: Any, *, scheme: str | None = None,
                       options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The whole subscription rule: the spec, then "the secret can sign under the scheme".

    ``scheme``/``options`` come from a provider profile when there is one (they override the
    record's scheme). Raises :class:`SpecError` naming every field that is wrong.
    """
    errors: dict[str, str] = {}
    try:
        out = SUBSCRIPTION.validate(record)
    except SpecError as exc:
        errors.update(exc.fields)
        out = {}
    if isinstance(record, dict) and "secret" not in errors and "scheme" not in errors and \
            (problem := subscription_secret_problem(record, scheme=scheme, options=options)):
        errors["secret"] = problem
    if errors:
        raise SpecError(errors)
    return out


def check_endpoint(record: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The endpoint spec (``partial`` for a PATCH body). The scheme/secret pairing needs the
    merged record: :func:`endpoint_secrets_problem`."""
    return ENDPOINT.validate(record, partial=partial)


def endpoint_secrets_problem(scheme: str | None, secrets: list[str],
                             options: dict[str, Any] | None = None) -> str | None:
    """Can the receiver verify with these secrets under this scheme? (None: yes.)"""
    if scheme is None:
        if secrets:
            return "Secrets need a signature scheme to verify with: choose one."
        return None
    if not secrets:
        return "A signature scheme needs at least one secret to verify with."
    for number, secret in enumerate(secrets, 1):
        if problem := secret_problem(scheme, secret, options, verify_only=True):
            where = f"Secret {number}: " if len(secrets) > 1 else ""
            return where + problem
    return None
