"""The route table: one :class:`Route` per operation, used by the app *and* the OpenAPI document.

A handler gets a :class:`Call` with the validated body and query already in it, and returns
``(status, payload)``; the wrapper turns that into a JSON response. Validation lives in the
route's ``body``/``query`` declarations, so the published schema and the checks cannot drift.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from aiohttp import web

from webhook_studio.api.errors import ApiError, InvalidInput, not_found
from webhook_studio.api.validation import Param, parse_query
from webhook_studio.core.specs import Schema, SpecError

if TYPE_CHECKING:
    from webhook_studio.api.app import ApiServices

SERVICES_KEY: web.AppKey[ApiServices] = web.AppKey("services")


@dataclass
class Call:
    request: web.Request
    services: ApiServices
    body: dict[str, Any]
    query: dict[str, Any]

    def path_str(self, name: str) -> str:
        return self.request.match_info[name]

    def path_int(self, name: str, what: str) -> int:
        text = self.request.match_info[name]
        if not re.fullmatch(r"[0-9]{1,12}", text):
            raise not_found(f"No {what} with id {text}.")
        return int(text)


Result = tuple[int, Any]
#: A handler: ``def`` when all it does is store work (it then runs in a worker thread, so a
#: store another program holds locked stalls that request only, never the event loop that
#: also serves ``/health`` and the receiver); ``async def`` when it must touch the loop (the
#: dispatcher, the receiver), doing its store work through :func:`off_loop`.
HandlerFn = Callable[[Call], Awaitable[Result] | Result]
T = TypeVar("T")


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Blocking store work from an ``async`` handler, in a worker thread."""
    return await asyncio.to_thread(fn, *args)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # relative to /api/v1, aiohttp syntax: /webhooks/{id}
    handler: HandlerFn
    summary: str
    tag: str
    body: Schema | None = None
    #: The whole record rule when it is more than the body's spec (cross-field checks that
    #: should be reported with the per-field ones): takes the raw body, returns the valid one.
    check: Callable[[ApiServices, Any], dict[str, Any]] | None = None
    partial: bool = False  # PATCH: every field optional
    body_optional: bool = False  # an absent/empty body is {}
    query: tuple[Param, ...] = ()
    status: int = 200
    #: The answer's schema: a spec (its JSON Schema is published) or a plain schema.
    response: Schema | dict[str, Any] = field(default_factory=lambda: {"type": "object"})
    errors: tuple[int, ...] = ()


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_json(request: web.Request, optional: bool) -> Any:
    raw = await request.read()  # 413 from aiohttp's client_max_size if too large
    if not raw.strip() and optional:
        return {}
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, "invalid JSON", str(exc)[:200]) from exc


def wrap(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        services = request.app[SERVICES_KEY]
        body: dict[str, Any] = {}
        query = parse_query(route.query, request.query)
        if route.body is not None:
            raw = await read_json(request, route.body_optional)
            try:
                body = (route.check(services, raw) if route.check is not None
                        else route.body.validate(raw, partial=route.partial))
            except SpecError as exc:
                raise InvalidInput(exc.fields) from exc
        call = Call(request, services, body, query)
        try:
            if inspect.iscoroutinefunction(route.handler):
                status, payload = await cast(Callable[[Call], Awaitable[Result]],
                                             route.handler)(call)
            else:
                status, payload = await asyncio.to_thread(
                    cast(Callable[[Call], Result], route.handler), call)
        except SpecError as exc:  # a cross-field rule of the record's spec
            raise InvalidInput(exc.fields) from exc
        if status == 204:
            return web.Response(status=204)
        return web.json_response(payload, status=status,
                                 dumps=lambda v: json.dumps(v, ensure_ascii=False))

    handler.__name__ = route.handler.__name__
    return handler
