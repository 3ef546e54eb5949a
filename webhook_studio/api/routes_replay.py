"""``/captures/{id}/replay`` and ``/captures/{id}/resend``: send a capture again, as it was,
re-signed, or edited (the edited copy is stored as a new capture linked to the original);
``/captures/{id}/forwards/retry``: forward it again to one of its endpoint's targets.

The target is checked before anything is stored; the edit rules are the CLI's
(``relay/edit.py``), so ``replay --edit`` and this route accept the same requests.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from webhook_studio.api.errors import InvalidInput, not_found
from webhook_studio.api.models import FORWARD_OUT, RESEND_OUT
from webhook_studio.api.profiles import named_profile
from webhook_studio.api.routes import Call, Result, Route, off_loop
from webhook_studio.core import limits
from webhook_studio.core.errors import CoreError
from webhook_studio.core.specs import Field, Schema, http_url
from webhook_studio.core.specs_records import REPLAY, RESEND, secret_problem
from webhook_studio.relay.errors import RelayError
from webhook_studio.store import NotFound
from webhook_studio.store.receiver_queries import get_capture
from webhook_studio.store.sender_models import Attempt


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


def _captured(call: Call, capture_id: int) -> tuple[str, bytes, list[tuple[str, str]]]:
    from webhook_studio.relay.headers import forwardable

    with call.services.store.session() as session:
        capture = get_capture(session, capture_id)
        return capture.method, capture.body or b"", forwardable(capture.headers or [])


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

    capture_id = await off_loop(_existing, call)
    resign = await off_loop(_resign, call, call.body)
    try:
        result = await replay_capture(
            call.services.store, capture_id, call.body["url"], resign=resign,
            timeout_s=float(call.body.get("timeout", limits.DEFAULT_TIMEOUT_SECONDS)),
            clock=call.services.clock.now)
    except (CoreError, RelayError) as exc:  # a secret it cannot sign with, a bad target
        raise InvalidInput({"resign" if resign else "url": str(exc)}) from exc
    return 200, await off_loop(_result, call, result)


async def resend_route(call: Call) -> Result:
    """Edit and resend: the edits are saved as a new capture linked to the original."""
    from webhook_studio.relay.replay import Edit, replay_capture

    capture_id = await off_loop(_existing, call)
    body = call.body
    if "body" in body and "body_base64" in body:
        raise InvalidInput({"body": "give body or body_base64, not both"})
    resign = await off_loop(_resign, call, body)
    method, raw, headers = await off_loop(_captured, call, capture_id)
    new_body = (body["body"].encode("utf-8") if "body" in body
                else body.get("body_base64", raw))
    if len(new_body) > limits.EDITED_BODY_BYTES:
        raise InvalidInput({"body": f"must be at most {limits.EDITED_BODY_BYTES:,} bytes as "
                            f"UTF-8 (this one is {len(new_body):,})"})
    edit = Edit(method=body.get("method", method.upper()),
                headers=body.get("headers", headers), body=new_body)
    unchanged = (edit.method == method.upper() and list(edit.headers or []) == headers
                 and new_body == raw)
    try:
        result = await replay_capture(
            call.services.store, capture_id, body["url"], resign=resign,
            edit=None if unchanged else edit,
            timeout_s=float(body.get("timeout", limits.DEFAULT_TIMEOUT_SECONDS)),
            clock=call.services.clock.now)
    except (CoreError, RelayError) as exc:
        raise InvalidInput({"resign" if resign else "url": str(exc)}) from exc
    return 201, await off_loop(_result, call, result)


FORWARD_RETRY = Schema("ForwardRetry", (
    Field("target", http_url(), description="one of the capture's forward targets; may be "
          "left out when it has exactly one"),
))


async def forward_retry_route(call: Call) -> Result:
    """Forward the capture again, now, once, as the inspector's "Retry forward" does; the
    answer is the new forward record (also appended to the capture's ``forwards``)."""
    from webhook_studio.relay.errors import ForwardTargetError
    from webhook_studio.relay.forward import retry_forward

    capture_id = await off_loop(_existing, call)
    forwarder = getattr(call.services.receiver, "forwarder", None)
    try:
        result = await retry_forward(call.services.store, forwarder, capture_id,
                                     call.body.get("target"))
    except ForwardTargetError as exc:
        raise InvalidInput({"target": str(exc)}) from exc
    except NotFound as exc:  # deleted meanwhile
        raise not_found(str(exc)) from exc
    return 200, result


REPLAY_ROUTES = (
    Route("POST", "/captures/{id}/replay", replay_route,
          "Send the capture's raw body and headers to a URL", "captures", body=REPLAY,
          errors=(404, 422)),
    Route("POST", "/captures/{id}/resend", resend_route,
          "Edit and resend: change method, headers or body (and re-sign); saved as a new "
          "capture linked to the original (edited_from), which stays as it was", "captures",
          body=RESEND, status=201, response=RESEND_OUT,
          errors=(404, 422)),
    Route("POST", "/captures/{id}/forwards/retry", forward_retry_route,
          "Forward the capture again, now, to one of its endpoint's targets (target may be "
          "left out when it has one); answers the new forward record. 422 names the "
          "targets it has", "captures", body=FORWARD_RETRY, body_optional=True,
          response=FORWARD_OUT, errors=(404, 422)),
)
