"""The OpenAPI 3.1 document, built from the route table and the specs handlers validate with.

Nothing here is written by hand per route: add a :class:`~webhook_studio.api.routes.Route` and
it appears, with its request spec (``core/specs_records.py``), its answer's spec
(``api/models.py``), query parameters and error statuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from webhook_studio import __version__
from webhook_studio.api.routes import Route
from webhook_studio.core.specs import Schema

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
def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


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
            "application/json": {"schema": _ref(name)}}}
    responses: dict[str, Any] = {}
    if route.status == 204:
        responses["204"] = {"description": "Done"}
    else:
        schema = (_ref(route.response.name) if isinstance(route.response, Schema)
                  else route.response)
        responses[str(route.status)] = {"description": "Success", "content": {
            "application/json": {"schema": schema}}}
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
    schemas: dict[str, Any] = {"Error": _ERROR}
    for route in routes:
        paths.setdefault(API_PREFIX + route.path, {})[route.method.lower()] = operation(route)
        if isinstance(route.response, Schema):
            schemas[route.response.name] = route.response.json_schema()
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
