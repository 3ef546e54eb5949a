"""Protection against hostile clients, at the connection level.

aiohttp's server has no header deadline and no connection cap (DESIGN.md section 3): a client
sending headers at one byte a second holds a connection for minutes. :class:`GuardedServer`
adds three things around aiohttp's own protocol:

* a cap on open connections: past it, new connections are closed at once;
* a watchdog that closes any connection with no request in progress for longer than the
  header deadline (covers slow headers and idle keep-alive alike);
* a hook that reports malformed HTTP (answered 400 by aiohttp) so it is listed as a capture.

The body deadline is enforced by the request handler, which reads the body itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

MalformedHook = Callable[[str | None, int, str], None]


class GuardedProtocol(RequestHandler):
    """aiohttp's protocol, reporting parse errors before answering them."""

    on_malformed: MalformedHook | None = None

    def handle_error(self, request: web.BaseRequest, status: int = 500,
                     exc: BaseException | None = None, message: str | None = None
                     ) -> web.StreamResponse:
        if status == 400 and self.on_malformed is not None:
            remote = None
            try:
                remote = request.remote
            except Exception:  # the dummy request of a parse error may lack a transport
                remote = None
            self.on_malformed(remote, status, message or str(exc or "malformed request"))
        return super().handle_error(request, status, exc, message)


class GuardedServer(web.Server):
    def __init__(self, handler: Any, *, max_connections: int, header_timeout: float,
                 on_malformed: MalformedHook | None = None, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.max_connections = max_connections
        self.header_timeout = header_timeout
        self.on_malformed = on_malformed
        self.last_activity: dict[RequestHandler, float] = {}
        self.refused = 0
        self.timed_out = 0
        self._watchdog: asyncio.Task[None] | None = None

    def __call__(self) -> RequestHandler:
        protocol = GuardedProtocol(self, loop=self._loop, **self._kwargs)
        protocol.on_malformed = self.on_malformed
        return protocol

    def connection_made(self, handler: RequestHandler, transport: asyncio.Transport) -> None:
        if len(self._connections) >= self.max_connections:
            self.refused += 1
            transport.close()
            return
        super().connection_made(handler, transport)
        self.last_activity[handler] = time.monotonic()
        if self._watchdog is None:
            self._watchdog = self._loop.create_task(self._watch(), name="receiver-watchdog")

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        self.last_activity.pop(handler, None)
        super().connection_lost(handler, exc)

    def touch(self, handler: object) -> None:
        """Called by the request handler when a request finishes: the idle clock restarts."""
        if handler in self.last_activity:
            self.last_activity[handler] = time.monotonic()

    async def _watch(self) -> None:
        period = max(0.05, min(1.0, self.header_timeout / 4))
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for handler, since in list(self.last_activity.items()):
                busy = getattr(handler, "_request_in_progress", False)
                if not busy and now - since > self.header_timeout:
                    self.timed_out += 1
                    self.last_activity.pop(handler, None)
                    transport = self._connections.get(handler)
                    if transport is not None:
                        transport.close()

    async def shutdown(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        await super().shutdown(timeout)
