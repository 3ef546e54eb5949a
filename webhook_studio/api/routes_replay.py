"""``/captures/{id}/replay`` and ``/captures/{id}/resend``: send a capture again, as it was,
re-signed, or edited (the edited copy is stored as a new capture linked to the original).

The target is checked before anything is stored; the edit rules are the CLI's
(``relay/edit.py``), so ``replay --edit`` and this route accept the same requests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from webhook_studio.api.errors import InvalidInput, not_found
from webhook_studio.api.profiles import named_profile
from webhook_studio.api.routes import Call, Result, Route
from webhook_studio.api.validation import (
    Check,
    Field,
    Invalid,
    Schema,
    choice,
    http_url,
    nested,
    string,
    within,
)
from webhook_studio.core import limits
from webhook_studio.core.errors import CoreError
from webhook_studio.core.schemes import SCHEME_NAMES
from webhook_studio.core.validation import secret_problem
from webhook_studio.relay.errors import RelayError
from webhook_studio.store import NotFound
from webhook_studio.store.receiver_queries import get_capture
from webhook_studio.store.sender_models import Attempt

VERIFY_SCHEMES = tuple(n for n in SCHEME_NAMES if n != "hmac")


RESIGN = Schema("Resign", (
    Field("scheme", choice(VERIFY_SCHEMES), description="re-sign under this scheme, or"),
    Field("profile", string(min_len=1, max_len=64),
          description="as this provider profile: its scheme, and fresh delivery-id and nonce "
                      "headers (so the receiver does not flag a duplicate)"),
    Field("secret", string(min_len=1, max_len=500), required=True),
))
_RESIGN_FIELD = Field("resign", nested(RESIGN), nullable=True,
                      description="re-sign with a fresh id and timestamp: give scheme or "
                                  "profile, and secret")
_TIMEOUT_FIELD = Field("timeout", within(limits.TIMEOUT_SECONDS),
                       description=f"seconds, {limits.TIMEOUT_SECONDS.text()} (default 15)")
REPLAY = Schema("Replay", (
    Field("url", http_url(), required=True),
    _RESIGN_FIELD,
    _TIMEOUT_FIELD,
))


def _method(v: Any) -> str:
    from webhook_studio.relay.edit import method_problem

    if problem := method_problem(v):
        raise Invalid(problem[0].lower() + problem[1:].rstrip("."))
    return str(v).upper()


def _header_list(v: Any) -> list[tuple[str, str]]:
    from webhook_studio.relay.edit import header_problem

    if not isinstance(v, list) or len(v) > 200:
        raise Invalid('must be a list of {"name": ..., "value": ...} (at most 200)')
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
        return base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("must be base64 text") from exc


_HEADER_ITEM = {"type": "object", "required": ["name", "value"], "additionalProperties": False,
                "properties": {"name": {"type": "string"}, "value": {"type": "string"}}}
RESEND = Schema("Resend", (
    Field("url", http_url(), required=True, description="where to send the edited request"),
    Field("method", Check(_method, {"type": "string", "examples": ["POST", "PUT"]}),
          description="default: the captured method"),
    Field("headers", Check(_header_list, {"type": "array", "items": _HEADER_ITEM,
                                          "maxItems": 200}),
          description="every header to send, in order (default: the captured ones); "
                      "Host and Content-Length are set by the client"),
    Field("body", string(max_len=limits.EDITED_BODY_BYTES),
          description="the body as text (UTF-8); default: the captured body"),
    Field("body_base64", Check(_base64, {"type": "string", "contentEncoding": "base64"}),
          description="the body as base64, for binary data (instead of body)"),
    _RESIGN_FIELD,
    _TIMEOUT_FIELD,
))


def _resign(call: Call, body: dict[str, Any]) -> Any:
    """The Resign a request asks for; 422 on ``resign`` when it names both or neither."""
    from webhook_studio.relay.replay import Resign

    spec = body.get("resign")
    if not spec:
        return None
    if ("scheme" in spec) == ("profile" in spec):
        raise InvalidInput({"resign": "give either scheme or profile (with secret)"})
    if "profile" in spec:
        try:
            profile = named_profile(call.services.profiles, spec["profile"])
            resign = Resign.for_profile(profile, spec["secret"])
        except InvalidInput as exc:
            raise InvalidInput({"resign": f"profile {exc.fields['profile']}"}) from exc
    else:
        resign = Resign.for_scheme(spec["scheme"], spec["secret"],
                                      call.services.profiles.get)
    if problem := secret_problem(resign.scheme, resign.secret, resign.options):
        raise InvalidInput({"resign": f"secret: {problem}"})
    return resign


def _existing(call: Call) -> int:
    capture_id = call.path_int("id", "capture")
    with call.services.store.session() as session:
        try:
            get_capture(session, capture_id)
        except NotFound as exc:
            raise not_found(str(exc)) from exc
    return capture_id


def _result(call: Call, result: Any) -> dict[str, Any]:
    with call.services.store.session() as session:
        attempt = session.scalars(select(Attempt).where(
            Attempt.delivery_id == result.delivery_id)).first()
        response_headers = [list(h) for h in attempt.response_headers] if attempt else []
    return {
        "delivery_id": result.delivery_id, "capture_id": result.capture_id,
        "edited_from": result.edited_from, "url": result.url, "method": result.method,
        "status": result.status, "outcome": result.outcome,
        "error": result.error, "duration_ms": result.duration_ms,
        "request_headers": [list(h) for h in result.request_headers],
        "response_headers": response_headers,
    }


async def replay_route(call: Call) -> Result:
    from webhook_studio.relay.replay import replay_capture

    capture_id = _existing(call)
    resign = _resign(call, call.body)
    try:
        result = await replay_capture(
            call.services.store, capture_id, call.body["url"], resign=resign,
            timeout_s=float(call.body.get("timeout", 15)), clock=call.services.clock.now)
    except (CoreError, RelayError) as exc:  # a secret it cannot sign with, a bad target
        raise InvalidInput({"resign" if resign else "url": str(exc)}) from exc
    return 200, _result(call, result)


async def resend_route(call: Call) -> Result:
    """Edit and resend: the edits are saved as a new capture linked to the original."""
    from webhook_studio.relay.headers import forwardable
    from webhook_studio.relay.replay import Edit, replay_capture

    capture_id = _existing(call)
    body = call.body
    if "body" in body and "body_base64" in body:
        raise InvalidInput({"body": "give body or body_base64, not both"})
    resign = _resign(call, body)
    with call.services.store.session() as session:
        capture = get_capture(session, capture_id)
        method, raw = capture.method, capture.body or b""
        headers = forwardable(capture.headers or [])
    new_body = (body["body"].encode("utf-8") if "body" in body
                else body.get("body_base64", raw))
    if len(new_body) > limits.EDITED_BODY_BYTES:
        raise InvalidInput({"body_base64": f"must be at most {limits.EDITED_BODY_BYTES} bytes"})
    edit = Edit(method=body.get("method", method.upper()),
                headers=body.get("headers", headers), body=new_body)
    unchanged = (edit.method == method.upper() and list(edit.headers or []) == headers
                 and new_body == raw)
    try:
        result = await replay_capture(
            call.services.store, capture_id, body["url"], resign=resign,
            edit=None if unchanged else edit, timeout_s=float(body.get("timeout", 15)),
            clock=call.services.clock.now)
    except (CoreError, RelayError) as exc:
        raise InvalidInput({"resign" if resign else "url": str(exc)}) from exc
    return 201, _result(call, result)


REPLAY_ROUTES = (
    Route("POST", "/captures/{id}/replay", replay_route,
          "Send the capture's raw body and headers to a URL", "captures", body=REPLAY,
          errors=(404, 422)),
    Route("POST", "/captures/{id}/resend", resend_route,
          "Edit and resend: change method, headers or body (and re-sign); saved as a new "
          "capture linked to the original (edited_from), which stays as it was", "captures",
          body=RESEND, status=201, response={"$ref": "#/components/schemas/ResendOut"},
          errors=(404, 422)),
)
