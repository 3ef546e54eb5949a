"""What the API answers with, as specs: the OpenAPI document publishes them, and the tests
check real answers against them (tests/api/test_openapi.py).

The writable fields reuse the record specs' checks, so a subscription read back says the same
ranges it was written with (``timeout`` from 0.1 to 300, ...).
"""

from __future__ import annotations

from typing import Any

from webhook_studio.core.specs import Check, Field, Schema, string
from webhook_studio.core.specs_records import ENDPOINT, SUBSCRIPTION


def _plain(schema: dict[str, Any]) -> Check:
    return Check(lambda v: v, schema)


_STR = _plain({"type": "string"})
_INT = _plain({"type": "integer"})
_NULLABLE_STR = _plain({"type": ["string", "null"]})
_NULLABLE_INT = _plain({"type": ["integer", "null"]})
_TIME = _plain({"type": "string", "format": "date-time"})


def _same(schema: Schema, *names: str) -> tuple[Field, ...]:
    """The record spec's own fields, required in an answer (always present there)."""
    return tuple(Field(f.name, f.check, required=True, nullable=f.nullable,
                       description=f.description)
                 for f in schema.fields if f.name in names)


SUBSCRIPTION_OUT = Schema("SubscriptionOut", (
    Field("id", _STR, required=True),
    *_same(SUBSCRIPTION, "url", "events", "description", "headers", "is_active", "timeout",
           "rate_per_minute", "rate_per_hour", "max_concurrency"),
    Field("scheme", _STR, required=True, description="a profile may sign with a scheme of "
          "its own (hmac, asymmetric, ...)"),
    Field("profile", _NULLABLE_STR, required=True),
    Field("retry_policy", string(), required=True,
          description="the preset's name, the delays as a comma list, or "
                      "exp 30s x2 cap 1h 10 attempts jitter 20%: text retry_policy accepts"),
    Field("disabled_reason", _NULLABLE_STR, required=True),
    Field("created_at", _TIME, required=True),
    Field("updated_at", _plain({"type": ["string", "null"], "format": "date-time"}),
          required=True),
    Field("last_called_at", _plain({"type": ["string", "null"], "format": "date-time"}),
          required=True),
    Field("secret", string(), description="only in the answer to create"),
))

ENDPOINT_OUT = Schema("EndpointOut", (
    Field("id", _INT, required=True),
    Field("scheme", _NULLABLE_STR, required=True),
    *_same(ENDPOINT, "path", "profile", "tolerance", "public_url",
           "response_status", "response_headers", "response_body", "response_delay_ms",
           "reject_invalid", "max_body_bytes", "is_active", "forward_to", "forward_mode",
           "ip_allowlist"),
    Field("name", string(), required=True),
    Field("secrets_count", _INT, required=True,
          description="how many secrets verify (they are write-only)"),
    Field("created_at", _TIME, required=True),
    Field("updated_at", _plain({"type": ["string", "null"], "format": "date-time"}),
          required=True),
))

_HEADER_PAIRS = _plain({"type": "array", "items": {
    "type": "array", "prefixItems": [{"type": "string"}, {"type": "string"}]}})
RESEND_OUT = Schema("ResendOut", (
    Field("capture_id", _INT, required=True, description="the capture sent: the edited copy"),
    Field("edited_from", _NULLABLE_INT, required=True,
          description="the original (null: nothing changed)"),
    Field("delivery_id", _STR, required=True,
          description="the replay's record (GET /deliveries/{id})"),
    Field("url", _STR, required=True),
    Field("method", _STR, required=True),
    Field("status", _NULLABLE_INT, required=True,
          description="the target's response status"),
    Field("outcome", _STR, required=True),
    Field("error", _NULLABLE_STR, required=True),
    Field("duration_ms", _plain({"type": ["number", "null"]}), required=True),
    Field("request_headers", _HEADER_PAIRS, required=True),
    Field("response_headers", _HEADER_PAIRS, required=True),
))

EVENT_BATCH_OUT = Schema("EventBatchOut", (
    Field("delivery_ids", _plain({"type": "array", "items": {
        "type": "array", "items": {"type": "string"}}}), required=True,
        description="one list per event, in request order: a delivery id for each "
                    "subscription it went to (empty: none listens)"),
))

FORWARD_OUT = Schema("ForwardOut", (
    Field("target", _STR, required=True, description="the endpoint's forward target"),
    Field("url", _STR, required=True, description="where it went (target plus the path "
          "below the endpoint's prefix)"),
    Field("at", _plain({"type": "number"}), required=True, description="Unix time sent"),
    Field("ok", _plain({"type": "boolean"}), required=True, description="a 2xx answer"),
    Field("status", _NULLABLE_INT, required=True, description="null: no answer"),
    Field("outcome", _STR, required=True,
          description="response, broken, timeout, connection_error, tls_error, ..."),
    Field("error", _NULLABLE_STR, required=True),
    Field("headers", _HEADER_PAIRS, required=True, description="the target's answer"),
    Field("duration_ms", _plain({"type": "number"}), required=True),
    Field("body", _STR, description="the answer's first 64 KiB"),
    Field("body_size", _INT),
    Field("body_truncated", _plain({"type": "boolean"})),
    Field("manual", _plain({"type": "boolean"}), description="retried by hand"),
    Field("attempt", _INT, description="this target's forwards of the capture, this one "
          "included"),
))
