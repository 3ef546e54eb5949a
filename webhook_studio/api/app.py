"""Builds the aiohttp application and runs it: :class:`ApiServer`.

Usage (``serve`` and the tests)::

    services = ApiServices(store, clock, dispatcher, receiver, profiles=ctx.profiles)
    server = ApiServer(services, token)
    url = await server.start("127.0.0.1", 8001)   # "http://127.0.0.1:8001"
    await server.stop()

Middlewares, outermost first: JSON errors, the token-free ``GET /health``, bearer token,
request size. Routes come from the modules' ``ROUTES`` tables, which also produce the OpenAPI
document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from webhook_studio.api import routes_captures, routes_events, routes_health, routes_webhooks
from webhook_studio.api.auth import TOKEN_KEY, auth_middleware
from webhook_studio.api.errors import ApiError, Handler, error_middleware
from webhook_studio.api.openapi import API_PREFIX, build_document
from webhook_studio.api.routes import SERVICES_KEY, Call, Result, Route, wrap
from webhook_studio.core import limits
from webhook_studio.core.clock import Clock
from webhook_studio.health import Health

#: The one body limit (core/limits.py): an edited request of EDITED_BODY_BYTES, as base64.
MAX_BODY_BYTES = limits.API_REQUEST_BYTES


@dataclass
class ApiServices:
    """What the handlers use. ``receiver`` may be None (no endpoint reloads then)."""

    store: Any
    clock: Clock
    dispatcher: Any
    receiver: Any = None
    extra_events: Mapping[str, Sequence[str]] | None = None
    health: Health | None = None  # default: the dispatcher's
    #: The process's one ProfileLibrary (``ctx.profiles``); loaded here only when not given.
    profiles: Any = None

    def __post_init__(self) -> None:
        if self.profiles is None:
            from webhook_studio.profile_library import ProfileLibrary

            self.profiles = ProfileLibrary.load()
        if self.health is None:
            found = getattr(self.dispatcher, "health", None)
            self.health = found if isinstance(found, Health) else Health(self.clock.now)

    def wake_sender(self) -> None:
        wake = getattr(self.dispatcher, "wake", None)
        if wake is not None:
            wake()


async def _openapi(call: Call) -> Result:
    document = build_document(all_routes())
    # Any operation may meet a store another program holds locked: 503 with Retry-After.
    document["components"]["responses"]["E503"] = {
        "description": "The store is unavailable (locked, full); retry after Retry-After",
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in document["paths"].values():
        for op in operations.values():
            op["responses"].setdefault("503", {"$ref": "#/components/responses/E503"})
    document["paths"]["/health"] = {"get": routes_health.LIVENESS_OPERATION}
    document["paths"][API_PREFIX + "/health"]["get"]["responses"]["503"] = {
        "description": "The receiver, the sender or the store is down", "content": {
            "application/json": {"schema": routes_health.HEALTH_SCHEMA}}}
    return 200, document


def all_routes() -> tuple[Route, ...]:
    return (*routes_webhooks.ROUTES, *routes_events.ROUTES, *routes_captures.ROUTES,
            *routes_health.ROUTES,
            Route("GET", "/openapi.json", _openapi, "This document", "meta"))


@web.middleware
async def public_health(request: web.Request, handler: Handler) -> web.StreamResponse:
    """``GET /health`` answers without a token (load balancers); everything else goes on to
    the bearer-token check."""
    if request.path == "/health" and request.method in ("GET", "HEAD"):
        return await routes_health.liveness(request)
    return await handler(request)


def size_limit(limit: int) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        length = request.content_length
        if length is not None and length > limit:
            raise ApiError(413, "request body too large",
                           f"At most {limit} bytes are accepted.")
        return await handler(request)

    return middleware


def build_app(services: ApiServices, token: str, *,
              max_body: int = MAX_BODY_BYTES) -> web.Application:
    app = web.Application(
        middlewares=[error_middleware, public_health, auth_middleware, size_limit(max_body)],
        client_max_size=max_body)
    app[SERVICES_KEY] = services
    app[TOKEN_KEY] = token
    for route in all_routes():
        app.router.add_route(route.method, API_PREFIX + route.path, wrap(route))
    return app


class ApiServer:
    def __init__(self, services: ApiServices, token: str) -> None:
        self.app = build_app(services, token)
        self._runner: web.AppRunner | None = None
        self.url: str | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 8001) -> str:
        from webhook_studio.receiver.errors import BindError
        from webhook_studio.receiver.server import bind_message

        self._runner = web.AppRunner(self.app, handle_signals=False, access_log=None,
                                     shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise BindError(bind_message(host, port, exc)) from exc
        bound_port = self._runner.addresses[0][1]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{bound_port}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.url = None
