"""Protection against hostile clients, at the connection level.

aiohttp's server has no header deadline and no connection cap
(docs/architecture.md#how-a-request-flows): a client sending headers at one byte a second holds
a connection for minutes, and a few hundred idle sockets hold every slot.
:class:`GuardedServer` adds around aiohttp's own protocol:

* every connection is tracked in a phase: ``handshake`` (TLS not done yet), ``fresh`` (no byte
  yet), ``reading`` (a request is arriving), ``busy`` (a request is being handled) or ``idle``
  (keep-alive between requests), each with its own deadline, enforced by a watchdog;
* a cap on open connections, pre-handshake ones included. At the cap a new connection sheds
  the oldest connection that is not working for anyone (handshake/fresh first, then idle, then
  half-sent headers); only when every slot is handling a request is the newcomer refused. So
  idle sockets cannot keep fast clients out: they are the ones that go;
* refusals and sheds are counted, and reported as one summary line per interval, never one
  log record per connection (thousands of those filled stderr and, with stderr a full pipe,
  stopped the loop);
* a hook that reports malformed HTTP (answered 400 by aiohttp) so it is listed as a capture.

The body deadline is enforced by the request handler, which reads the body itself.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from asyncio import sslproto
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from webhook_studio.receiver.trailers import TrailerTracker

MalformedHook = Callable[[str | None, int, str], None]

log = logging.getLogger("webhook_studio.receiver")

HANDSHAKE, FRESH, READING, BUSY, IDLE = "handshake", "fresh", "reading", "busy", "idle"
#: Which connections go first when the cap is reached (busy ones never do).
SHED_RANK = {HANDSHAKE: 0, FRESH: 0, IDLE: 1, READING: 2}


@dataclass(frozen=True)
class Deadlines:
    """Seconds a connection may stay in each phase (busy requests have the body deadline)."""

    first_byte: float = 5.0
    header: float = 10.0
    idle: float = 5.0
    handshake: float = 10.0

    def of(self, phase: str) -> float | None:
        return {HANDSHAKE: self.handshake, FRESH: self.first_byte, READING: self.header,
                IDLE: self.idle}.get(phase)


class Tracked:
    __slots__ = ("close", "phase", "since")

    def __init__(self, phase: str, since: float, close: Callable[[], None]) -> None:
        self.phase = phase
        self.since = since
        self.close = close


class GuardedProtocol(RequestHandler):
    """aiohttp's protocol, reporting its phase to the server and parse errors before
    answering them."""

    on_malformed: MalformedHook | None = None
    guard: GuardedServer | None = None
    #: The TLS gate this protocol replaces once the handshake is done.
    gate: object | None = None
    refused = False
    trailers: TrailerTracker | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        guard = self.guard
        if guard is not None:
            closer = self.force_close
            if self.gate is not None:
                guard.hand_over(self.gate, self, closer)
            elif not guard.admit(self, FRESH, closer):
                # Refused before aiohttp starts its task for the connection: nothing runs,
                # nothing is logged; the client sees the connection close.
                self.refused = True
                transport.close()
                return
        self.trailers = TrailerTracker()
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self.refused:
            return
        if self.guard is not None:
            self.guard.forget(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        guard = self.guard
        if guard is not None and data:
            guard.mark(self, READING, only_from=(FRESH, IDLE))
        if self.trailers is not None and data:
            self.trailers.feed(data)
        super().data_received(data)

    async def _handle_request(self, request: Any, start_time: Any, request_handler: Any
                              ) -> Any:
        guard = self.guard
        if guard is not None:
            guard.mark(self, BUSY)
        try:
            return await super()._handle_request(request, start_time, request_handler)
        finally:
            if guard is not None:
                guard.mark(self, IDLE)

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


class TlsGate(asyncio.Protocol):
    """The first protocol of a TLS connection: holds a slot under the cap and the handshake
    deadline until the handshake is done, then hands the slot to the HTTP protocol.

    asyncio's own TLS server creates the HTTP protocol only after the handshake, so
    connections that never send a ClientHello were invisible to the cap and piled up until
    file descriptors ran out."""

    def __init__(self, guard: GuardedServer, context: ssl.SSLContext) -> None:
        self.guard = guard
        self.context = context
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if not self.guard.admit(self, HANDSHAKE, transport.abort):
            transport.abort()
            return
        loop = asyncio.get_running_loop()
        app = self.guard.make_protocol()
        app.gate = self
        waiter: asyncio.Future[None] = loop.create_future()
        waiter.add_done_callback(self._settled)
        tls = sslproto.SSLProtocol(
            loop, app, self.context, waiter, server_side=True, call_connection_made=True,
            ssl_handshake_timeout=self.guard.deadlines.handshake)  # type: ignore[arg-type]
        transport.set_protocol(tls)
        tls.connection_made(transport)

    def _settled(self, waiter: asyncio.Future[None]) -> None:
        self.guard.forget(self)  # no-op when the HTTP protocol took the slot over

    def connection_lost(self, exc: BaseException | None) -> None:
        self.guard.forget(self)

    def data_received(self, data: bytes) -> None:  # pragma: no cover - TLS takes over first
        pass


class GuardedServer(web.Server):
    def __init__(self, handler: Any, *, max_connections: int, deadlines: Deadlines,
                 ssl_context: ssl.SSLContext | None = None,
                 on_malformed: MalformedHook | None = None, report_interval: float = 10.0,
                 **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.max_connections = max_connections
        self.deadlines = deadlines
        self.ssl_context = ssl_context
        self.on_malformed = on_malformed
        self.report_interval = report_interval
        self.tracked: dict[object, Tracked] = {}
        self.refused = 0
        self.shed = 0
        self.timed_out = 0
        self.last_pressure = 0.0  # monotonic time of the last shed or refusal
        self._reported = (0, 0)
        self._last_report = 0.0
        self._started = time.monotonic()
        self._watchdog: asyncio.Task[None] | None = None

    # -- protocol factory -----------------------------------------------------------------
    def __call__(self) -> asyncio.Protocol:  # type: ignore[override]
        if self.ssl_context is not None:
            return TlsGate(self, self.ssl_context)
        return self.make_protocol()

    def make_protocol(self) -> GuardedProtocol:
        protocol = GuardedProtocol(self, loop=self._loop, **self._kwargs)
        protocol.on_malformed = self.on_malformed
        protocol.guard = self
        return protocol

    # -- tracking -------------------------------------------------------------------------
    def admit(self, key: object, phase: str, close: Callable[[], None]) -> bool:
        """Take a slot for a new connection, shedding an idle one at the cap; False when
        every slot is handling a request (the newcomer is then refused)."""
        if len(self.tracked) >= self.max_connections:
            victim = self._victim()
            self.last_pressure = time.monotonic()
            if victim is None:
                self.refused += 1
                return False
            self.shed += 1
            entry = self.tracked.pop(victim)
            entry.close()
        self.tracked[key] = Tracked(phase, time.monotonic(), close)
        if self._watchdog is None:
            self._watchdog = self._loop.create_task(self._watch(), name="receiver-watchdog")
        return True

    def hand_over(self, old: object, new: object, close: Callable[[], None]) -> None:
        """The TLS handshake is done: the HTTP protocol keeps the gate's slot."""
        self.tracked.pop(old, None)
        self.tracked[new] = Tracked(FRESH, time.monotonic(), close)

    def forget(self, key: object) -> None:
        self.tracked.pop(key, None)

    def mark(self, key: object, phase: str, only_from: tuple[str, ...] | None = None) -> None:
        entry = self.tracked.get(key)
        if entry is not None and (only_from is None or entry.phase in only_from):
            entry.phase = phase
            entry.since = time.monotonic()

    def _victim(self) -> object | None:
        best: object | None = None
        best_key = (99, 0.0)
        for key, entry in self.tracked.items():
            rank = SHED_RANK.get(entry.phase)
            if rank is not None and (rank, entry.since) < best_key:
                best, best_key = key, (rank, entry.since)
        return best

    def counts(self) -> dict[str, int]:
        phases = [e.phase for e in self.tracked.values()]
        return {"open": len(phases), "busy": phases.count(BUSY),
                "idle": sum(p in (FRESH, IDLE, HANDSHAKE) for p in phases),
                "handshaking": phases.count(HANDSHAKE),
                "shed": self.shed, "refused": self.refused, "timed_out": self.timed_out}

    # -- deadlines and reports ------------------------------------------------------------
    async def _watch(self) -> None:
        smallest = min(self.deadlines.first_byte, self.deadlines.header, self.deadlines.idle,
                       self.deadlines.handshake)
        period = max(0.05, min(1.0, smallest / 4))
        while True:
            await asyncio.sleep(period)
            now = time.monotonic()
            for key, entry in list(self.tracked.items()):
                limit = self.deadlines.of(entry.phase)
                if limit is not None and now - entry.since > limit:
                    self.timed_out += 1
                    self.tracked.pop(key, None)
                    entry.close()
            self._report(now)

    def _report(self, now: float, final: bool = False) -> None:
        """One line per interval when the cap was hit, whatever the number of connections
        (and a last one at shutdown for the interval not yet reported)."""
        if not final and now - self._last_report < self.report_interval:
            return
        shed, refused = self.shed - self._reported[0], self.refused - self._reported[1]
        if shed or refused:
            log.warning(
                "webhook-studio: receiver: the connection cap of %d was reached in the last "
                "%.0f s: %d idle connection(s) closed to make room, %d connection(s) refused "
                "(every slot was handling a request); %d open now.",
                self.max_connections, now - (self._last_report or self._started), shed,
                refused, len(self.tracked))
        self._reported = (self.shed, self.refused)
        self._last_report = now

    async def shutdown(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
            self._report(time.monotonic(), final=True)
        for key, entry in list(self.tracked.items()):
            if entry.phase == HANDSHAKE:
                self.tracked.pop(key, None)
                entry.close()
        await super().shutdown(timeout)
