"""The OpenAPI 3.1 document, built from the route table and the schemas handlers validate with.

Nothing here is written by hand per route: add a :class:`~webhook_studio.api.routes.Route` and
it appears, with its request schema, query parameters and error statuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from webhook_studio import __version__
from webhook_studio.api.routes import Route

API_PREFIX = "/api/v1"

_ERROR = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string"},
        "detail": {},
        "fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}
_STATUS_TEXT = {400: "Invalid JSON", 401: "Missing or wrong bearer token", 404: "Not found",
                405: "Method not allowed", 409: "Conflict with the current state",
                413: "Request body too large", 422: "Invalid input (fields names each problem)"}
_OUT_SCHEMAS: dict[str, Any] = {
    "SubscriptionOut": {"type": "object", "required": ["id", "url", "events", "is_active"],
                        "properties": {
                            "id": {"type": "string"}, "url": {"type": "string"},
                            "events": {"type": "array", "items": {"type": "string"}},
                            "description": {"type": "string"},
                            "headers": {"type": "object"}, "is_active": {"type": "boolean"},
                            "scheme": {"type": "string"}, "retry_policy": {"type": "string"},
                            "timeout": {"type": "number"},
                            "created_at": {"type": "string"},
                            "last_called_at": {"type": ["string", "null"]},
                            "secret": {"type": "string",
                                       "description": "only in the answer to create"}}},
    "ResendOut": {"type": "object",
                  "required": ["capture_id", "edited_from", "delivery_id", "status", "outcome"],
                  "properties": {
                      "capture_id": {"type": "integer",
                                     "description": "the capture sent: the edited copy"},
                      "edited_from": {"type": ["integer", "null"],
                                      "description": "the original (null: nothing changed)"},
                      "delivery_id": {"type": "string",
                                      "description": "the replay's record (GET /deliveries/{id})"},
                      "url": {"type": "string"}, "method": {"type": "string"},
                      "status": {"type": ["integer", "null"],
                                 "description": "the target's response status"},
                      "outcome": {"type": "string"}, "error": {"type": ["string", "null"]},
                      "duration_ms": {"type": "number"},
                      "request_headers": {"type": "array"},
                      "response_headers": {"type": "array"}}},
    "EndpointOut": {"type": "object", "required": ["id", "path"],
                    "properties": {"id": {"type": "integer"}, "path": {"type": "string"},
                                   "secrets_count": {"type": "integer"}}},
}


def _operation_id(route: Route) -> str:
    words = re.sub(r"[{}]", "", route.path).replace("-", "_").strip("/").split("/")
    return route.method.lower() + "_" + "_".join(w for w in words if w)


def _path_params(path: str) -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", path)]


def operation(route: Route) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": _operation_id(route), "summary": route.summary,
                          "tags": [route.tag]}
    params = _path_params(route.path) + [
        {"name": p.name, "in": "query", "required": False,
         "schema": {**p.schema, **({"default": p.default} if p.default is not None else {})},
         **({"description": p.description} if p.description else {})}
        for p in route.query]
    if params:
        op["parameters"] = params
    if route.body is not None:
        name = route.body.name + ("Patch" if route.partial else "")
        op["requestBody"] = {"required": not route.body_optional, "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}
    responses: dict[str, Any] = {}
    if route.status == 204:
        responses["204"] = {"description": "Done"}
    else:
        responses[str(route.status)] = {"description": "Success", "content": {
            "application/json": {"schema": route.response}}}
    statuses = {401, *route.errors}
    if route.body is not None:
        statuses |= {400, 413, 422}
    if route.query:
        statuses.add(422)
    for status in sorted(statuses):
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    op["responses"] = responses
    return op


def build_document(routes: Iterable[Route]) -> dict[str, Any]:
    routes = list(routes)
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": _ERROR, **_OUT_SCHEMAS}
    for route in routes:
        paths.setdefault(API_PREFIX + route.path, {})[route.method.lower()] = operation(route)
        if route.body is not None:
            name = route.body.name + ("Patch" if route.partial else "")
            schemas[name] = route.body.json_schema(partial=route.partial)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Webhook Studio local management API", "version": __version__,
                 "description": "Local REST API of Webhook Studio. Every call needs "
                 "'Authorization: Bearer <token>' (print it with: webhook-studio token)."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
            "responses": {
                f"E{status}": {"description": text, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}}}}
                for status, text in _STATUS_TEXT.items()},
        },
    }
