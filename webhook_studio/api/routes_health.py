"""``GET /health``: is the receiver, the sender and the store working, and since when.

Two answers, because two kinds of callers ask:

* ``GET /health``, no token: what a load balancer or a supervisor needs. The overall status
  and each component's state word, no sentences (those can name paths and addresses);
  200 while nothing is ``down`` (``degraded`` still serves), 503 when something is.
* ``GET /api/v1/health``, with the bearer token: the same plus each component's sentence and
  since-when, for a person or a dashboard.

Both look at the store right then (a write lock taken and given back, a second at most), so the
answer is true even when no engine has written for a while.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from webhook_studio.api.routes import SERVICES_KEY, Call, Result, Route
from webhook_studio.health import COMPONENTS, Health, sync_receiver

_STATE = {"type": "string", "enum": ["ok", "degraded", "down"]}
_COMPONENT = {"type": "object", "required": ["state", "sentence", "since"],
              "properties": {"state": _STATE, "sentence": {"type": "string"},
                             "since": {"type": "string", "format": "date-time"}}}
_RECEIVER = {**_COMPONENT, "properties": {
    **_COMPONENT["properties"],  # type: ignore[dict-item]
    "counters": {"type": "object", "description": "connections open, idle, shed, refused; "
                 "captures stored and failed, since start (when the receiver reports them)",
                 "additionalProperties": {"type": "integer"}}}}
HEALTH_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["status", *COMPONENTS],
    "properties": {"status": _STATE, "receiver": _RECEIVER, "sender": _COMPONENT,
                   "store": _COMPONENT}}
LIVENESS_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["status", *COMPONENTS],
    "properties": {"status": _STATE, **{name: _STATE for name in COMPONENTS}}}


async def current(services: Any) -> Health:
    health: Health = services.health
    sync_receiver(health, services.receiver)
    await health.check_store(services.store)
    return health


def http_status(health: Health) -> int:
    return 503 if health.status == "down" else 200


async def _health(call: Call) -> Result:
    health = await current(call.services)
    return http_status(health), health.to_dict()


async def liveness(request: web.Request) -> web.StreamResponse:
    """The token-free answer (served ahead of the auth middleware, see ``api/app.py``)."""
    health = await current(request.app[SERVICES_KEY])
    body = {"status": health.status,
            **{name: part.state for name, part in health.snapshot().items()}}
    return web.json_response(body, status=http_status(health),
                             headers={"Cache-Control": "no-store"})


LIVENESS_OPERATION: dict[str, Any] = {
    "operationId": "get_health_liveness", "tags": ["meta"], "security": [],
    "summary": "Liveness without a token: overall status and each component's state word",
    "responses": {
        "200": {"description": "Nothing is down", "content": {
            "application/json": {"schema": LIVENESS_SCHEMA}}},
        "503": {"description": "The receiver, the sender or the store is down", "content": {
            "application/json": {"schema": LIVENESS_SCHEMA}}}}}

ROUTES = (
    Route("GET", "/health", _health,
          "Receiver, sender and store: state, sentence and since when (503 if one is down)",
          "meta", response=HEALTH_SCHEMA),
)
