"""``/captures`` (read; replay and resend are in ``routes_replay``) and ``/endpoints``
(receiver endpoint CRUD): the receiving side.

Endpoint secrets are write-only: reads say how many there are, never what they are. Every change
to an endpoint is followed by ``receiver.reload_endpoints()`` so it applies to the next request.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from webhook_studio.api.errors import InvalidInput, not_found
from webhook_studio.api.models import ENDPOINT_OUT
from webhook_studio.api.profiles import named_profile
from webhook_studio.api.routes import Call, Result, Route, off_loop
from webhook_studio.api.routes_replay import REPLAY_ROUTES
from webhook_studio.api.validation import Invalid, Param, choice, q_bool, q_int, q_str
from webhook_studio.core.errors import CoreError
from webhook_studio.core.specs import SpecError
from webhook_studio.core.specs_records import ENDPOINT, endpoint_secrets_problem
from webhook_studio.receiver.endpoints import EndpointConfig
from webhook_studio.store import NotFound
from webhook_studio.store.receiver_models import Endpoint
from webhook_studio.store.receiver_queries import (
    CaptureFilter,
    capture_to_dict,
    count_captures,
    create_endpoint,
    delete_captures,
    delete_endpoint,
    existing_capture_ids,
    get_capture,
    iso,
    list_captures,
    update_endpoint,
)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

# -- captures ---------------------------------------------------------------------------------

def list_route(call: Call) -> Result:
    q = call.query
    flt = CaptureFilter(endpoint_id=q["endpoint_id"], method=q["method"], valid=q["valid"],
                        duplicates_only=bool(q["duplicates"]))
    with call.services.store.session() as session:
        rows = list_captures(session, limit=q["limit"], offset=q["offset"], flt=flt)
        items = [capture_to_dict(c, with_body=False) for c in rows]
        total = count_captures(session, flt)
    return 200, {"items": items, "total": total, "limit": q["limit"], "offset": q["offset"]}


def get_route(call: Call) -> Result:
    capture_id = call.path_int("id", "capture")
    with call.services.store.session() as session:
        try:
            return 200, capture_to_dict(get_capture(session, capture_id))
        except NotFound as exc:
            raise not_found(str(exc)) from exc


def delete_route(call: Call) -> Result:
    capture_id = call.path_int("id", "capture")
    if not delete_captures(call.services.store, [capture_id]):
        raise not_found(f"No capture with id {capture_id}.")
    return 204, None


def _id_list(text: str) -> list[int]:
    items = [t.strip() for t in text.split(",")]
    if not all(re.fullmatch(r"[0-9]{1,12}", t) for t in items) or len(items) > 10_000:
        raise Invalid("must be up to 10000 capture ids separated by commas, e.g. 3,7,12")
    return [int(t) for t in items]


def bulk_delete_route(call: Call) -> Result:
    ids, everything = call.query["ids"], bool(call.query["all"])
    if (ids is None) == (not everything):
        raise InvalidInput({"ids": "give ids=1,2,3 or all=true (one of them)"})
    if everything:
        return 200, {"deleted": delete_captures(call.services.store, None), "missing": []}
    with call.services.store.session() as session:
        missing = sorted(set(ids) - existing_capture_ids(session, ids))
    return 200, {"deleted": delete_captures(call.services.store, ids), "missing": missing}


# -- endpoints --------------------------------------------------------------------------------

def endpoint_to_dict(e: Endpoint) -> dict[str, Any]:
    return {
        "id": e.id, "path": e.path, "name": e.name, "scheme": e.scheme, "profile": e.profile,
        "secrets_count": len(e.secrets or []), "tolerance": e.tolerance,
        "public_url": e.public_url, "response_status": e.response_status,
        "response_headers": {str(k): str(v) for k, v in e.response_headers or []},
        "response_body": (e.response_body or b"").decode("utf-8", "replace"),
        "response_delay_ms": e.response_delay_ms, "reject_invalid": e.reject_invalid,
        "max_body_bytes": e.max_body_bytes, "is_active": e.active,
        "forward_to": list(e.forward_to or []), "forward_mode": e.forward_mode or "async",
        "ip_allowlist": list(e.ip_allowlist or []),
        "created_at": iso(e.created_at), "updated_at": iso(e.updated_at),
    }


def _to_columns(call: Call, body: dict[str, Any]) -> dict[str, Any]:
    """Request fields as columns; a named profile sets the scheme and its options."""
    out = dict(body)
    if out.get("profile"):
        profile = named_profile(call.services.profiles, out["profile"])
        out["scheme"], out["scheme_options"] = profile.scheme, profile.scheme_options
    if "is_active" in out:
        out["active"] = out.pop("is_active")
    if "response_body" in out:
        out["response_body"] = out["response_body"].encode("utf-8")
    if "response_headers" in out:
        out["response_headers"] = [[k, v] for k, v in out["response_headers"].items()]
    return out


def _load(call: Call, endpoint_id: int | None = None) -> Endpoint:
    endpoint_id = endpoint_id or call.path_int("id", "endpoint")
    with call.services.store.session() as session:
        row: Endpoint | None = session.get(Endpoint, endpoint_id)
        if row is None:
            raise not_found(f"No endpoint with id {endpoint_id}.")
        session.expunge(row)
        return row


def _check(call: Call, row_fields: dict[str, Any], endpoint_id: int | None) -> None:
    """Cross-field checks: a free path, and a scheme/secrets pair the receiver can build."""
    errors: dict[str, str] = {}
    with call.services.store.session() as session:
        other = session.scalar(select(Endpoint.id).where(Endpoint.path == row_fields["path"]))
    if other is not None and other != endpoint_id:
        errors["path"] = f"is already used by endpoint {other}"
    try:
        EndpointConfig(path=row_fields["path"], scheme_name=row_fields.get("scheme"),
                       scheme_options=row_fields.get("scheme_options"))
    except CoreError as exc:
        errors["scheme"] = str(exc)
    if "scheme" not in errors and (problem := endpoint_secrets_problem(
            row_fields.get("scheme"), list(row_fields.get("secrets") or []),
            row_fields.get("scheme_options"))):
        errors["secrets"] = problem
    if errors:
        raise InvalidInput(errors)


def check_create(services: Any, raw: Any) -> dict[str, Any]:
    """POST /endpoints: the endpoint spec and "the receiver can verify with these secrets"
    in one answer, as the endpoint editor says them (the free path is checked on the store)."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {}
    try:
        body = ENDPOINT.validate(raw)
    except SpecError as exc:
        errors.update(exc.fields)
    if isinstance(raw, dict) and not {"scheme", "profile", "secrets"} & set(errors):
        scheme, options = raw.get("scheme"), None
        if raw.get("profile"):
            try:
                profile = named_profile(services.profiles, raw["profile"])
                scheme, options = profile.scheme, profile.scheme_options
            except InvalidInput as exc:
                errors.update(exc.fields)
        if "profile" not in errors and (problem := endpoint_secrets_problem(
                scheme, list(raw.get("secrets") or []), options)):
            errors["secrets"] = problem
    if errors:
        raise SpecError(errors)
    return body


def _reload(call: Call) -> None:
    if call.services.receiver is not None:
        call.services.receiver.reload_endpoints()


def endpoints_list(call: Call) -> Result:
    with call.services.store.session() as session:
        rows = session.scalars(select(Endpoint).order_by(Endpoint.path)).all()
        return 200, {"items": [endpoint_to_dict(e) for e in rows], "total": len(rows)}


def _create(call: Call) -> dict[str, Any]:
    fields = _to_columns(call, call.body)
    _check(call, fields, None)
    endpoint_id = create_endpoint(call.services.store, **fields)
    return endpoint_to_dict(_load(call, endpoint_id))


async def endpoint_create(call: Call) -> Result:
    created = await off_loop(_create, call)
    _reload(call)
    return 201, created


def endpoint_get(call: Call) -> Result:
    return 200, endpoint_to_dict(_load(call))


def _patch(call: Call) -> dict[str, Any]:
    row = _load(call)
    fields = _to_columns(call, call.body)
    merged = {"path": row.path, "scheme": row.scheme, "scheme_options": row.scheme_options,
              "secrets": row.secrets, **fields}
    _check(call, merged, row.id)
    if fields:
        update_endpoint(call.services.store, row.id, **fields)
    return endpoint_to_dict(_load(call))


async def endpoint_patch(call: Call) -> Result:
    changed = await off_loop(_patch, call)
    if call.body:
        _reload(call)
    return 200, changed


def _delete(call: Call) -> None:
    try:
        delete_endpoint(call.services.store, call.path_int("id", "endpoint"))
    except NotFound as exc:
        raise not_found(str(exc)) from exc


async def endpoint_delete(call: Call) -> Result:
    await off_loop(_delete, call)
    _reload(call)
    return 204, None


_EP = ENDPOINT_OUT

ROUTES = (
    Route("GET", "/captures", list_route, "Captures, newest first, without bodies", "captures",
          query=(q_int("endpoint_id", 0, 10**12), q_str("method", choice(METHODS)),
                 q_bool("valid", "verification verdict"),
                 q_bool("duplicates", "only captures that repeat a delivery id"),
                 q_int("limit", 1, 500, 50), q_int("offset", 0, 10**9, 0)),
          errors=(422,)),
    Route("GET", "/captures/{id}", get_route, "One capture with body_base64", "captures",
          errors=(404,)),
    Route("DELETE", "/captures/{id}", delete_route,
          "Delete a capture (deliveries replayed from it are kept)", "captures", status=204,
          errors=(404,)),
    Route("DELETE", "/captures", bulk_delete_route,
          "Delete the captures listed in ids, or all=true for every one; answers how many "
          "went and which ids did not exist", "captures",
          query=(Param("ids", _id_list, {"type": "string", "pattern": r"^[0-9]+(,[0-9]+)*$"},
                       None, "comma-separated capture ids"),
                 q_bool("all", "every capture")),
          response={"type": "object", "properties": {
              "deleted": {"type": "integer"},
              "missing": {"type": "array", "items": {"type": "integer"}}}},
          errors=(422,)),
    *REPLAY_ROUTES,
    Route("GET", "/endpoints", endpoints_list, "Receiver endpoints", "endpoints"),
    Route("POST", "/endpoints", endpoint_create, "Create a receiver endpoint", "endpoints",
          body=ENDPOINT, check=check_create, status=201, response=_EP, errors=(422,)),
    Route("GET", "/endpoints/{id}", endpoint_get, "One receiver endpoint", "endpoints",
          response=_EP, errors=(404,)),
    Route("PATCH", "/endpoints/{id}", endpoint_patch, "Change a receiver endpoint",
          "endpoints", body=ENDPOINT, partial=True, response=_EP, errors=(404, 422)),
    Route("DELETE", "/endpoints/{id}", endpoint_delete, "Delete a receiver endpoint",
          "endpoints", status=204, errors=(404,)),
)
