"""The receiver: one aiohttp server on the running loop, capturing every request exactly.

Order of work per request: route to an endpoint, check its IP allowlist, refuse an announced
body over the limit before reading it (413), read the raw body under a deadline (408) and a
size cap (413), verify under the endpoint's scheme (off the loop for big bodies), commit the
capture through the group writer, and only then answer. A store failure answers 503, never
2xx. On stop, requests still uploading their body are answered 503 and listed as rejected.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import AsyncIterable, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import select

from webhook_studio.core.clock import Clock, SystemClock
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.tunnels import client_ip
from webhook_studio.core.verdict import Verdict
from webhook_studio.core.vocabulary import CaptureState
from webhook_studio.receiver.duplicates import delivery_id
from webhook_studio.receiver.endpoints import EndpointConfig, ProfileLookup, Router, resolve
from webhook_studio.receiver.errors import BindError
from webhook_studio.receiver.events import CaptureStored, EndpointsChanged, EventHub
from webhook_studio.receiver.guard import Deadlines, GuardedProtocol, GuardedServer
from webhook_studio.receiver.health import health_of
from webhook_studio.receiver.logs import install_nonblocking_logging
from webhook_studio.receiver.nonces import NonceGuard
from webhook_studio.receiver.trailers import as_header_pairs
from webhook_studio.receiver.verifying import Verifier
from webhook_studio.receiver.writer import CaptureRecord, CaptureWriter
from webhook_studio.store import Store, StoreUnavailable
from webhook_studio.store.receiver_models import Endpoint

Handshake = Callable[[EndpointConfig, IncomingRequest], tuple[int, dict[str, str], bytes] | None]
#: A response body: bytes, or a stream of chunks (proxy mode relays a target's answer).
Body = bytes | AsyncIterable[bytes]
AfterCapture = Callable[[int, EndpointConfig, dict[str, Any], bytes],
                        Awaitable[tuple[int, list[tuple[str, str]], Body] | None]]


@dataclass(frozen=True)
class Limits:
    """Deadlines (seconds) and caps. A connection must send its first byte within
    ``first_byte_timeout``, finish its headers within ``header_timeout`` of that, its body
    within ``body_timeout``; keep-alive connections close after ``idle_timeout`` without a
    request, TLS handshakes after ``tls_handshake_timeout``. The writer answers 503 when the
    store stays busy for ``store_wait``; bodies over ``search_max_bytes`` skip the mistake
    search, which stops after ``search_seconds``."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    first_byte_timeout: float = 5.0
    idle_timeout: float = 5.0
    tls_handshake_timeout: float = 10.0
    max_connections: int = 256
    max_line_size: int = 16_384
    max_field_size: int = 16_384
    store_wait: float = 3.0
    search_max_bytes: int = 256 * 1024
    search_seconds: float = 0.5
    report_interval: float = 10.0


class BodyTooLarge(Exception):
    pass


class Stopping(Exception):
    """The receiver is stopping while this request's body is still arriving."""

    def __init__(self, received: int = 0) -> None:
        super().__init__(received)
        self.received = received


def decode_header(raw: bytes) -> str:
    """Header bytes as text: UTF-8 when it is, else Latin-1 (which keeps every byte)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class Receiver:
    """Start with :meth:`start` (returns the URL), stop with :meth:`stop` (flushes)."""

    def __init__(self, store: Store, clock: Clock | None = None, *, host: str = "127.0.0.1",
                 port: int = 8000, ssl_context: ssl.SSLContext | None = None,
                 default_endpoint: EndpointConfig | None = None, limits: Limits | None = None,
                 hub: EventHub | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.host, self.port = host, port
        self.ssl_context = ssl_context
        self.limits = limits or Limits()
        self.hub = hub or EventHub()
        self.default_endpoint = default_endpoint or EndpointConfig()
        self.router = Router([], self.default_endpoint)
        #: Finds the provider profile an endpoint names (set by the composition root).
        self.profile_lookup: ProfileLookup | None = None
        self.nonces = NonceGuard()
        #: Set while a tunnel is up (webhook_studio.tunnel): requests whose Host is the public
        #: one are verified against the public URL, and their client address is read from the
        #: tunnel's header (the only requests for which that header is trusted).
        self.public_url: str | None = None
        self.client_ip_header: str | None = None
        self.writer = CaptureWriter(store, self.limits.store_wait)
        self.verifier = Verifier(search_max_bytes=self.limits.search_max_bytes,
                                 search_seconds=self.limits.search_seconds)
        self.handshake: Handshake | None = None
        self.after_capture: AfterCapture | None = None
        #: The relay behind ``after_capture`` (wiring.py), for forwards retried by hand.
        self.forwarder: Any = None
        self.url: str | None = None
        self._runner: web.ServerRunner | None = None
        self._server: GuardedServer | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._uploads: set[Any] = set()  # StreamReaders of bodies being read
        self._stopping = False
        self.stopped_uploads = 0

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> str:
        install_nonblocking_logging()
        self.reload_endpoints()
        self.writer.start()
        self._stopping = False
        limits = self.limits
        self._server = GuardedServer(
            self._handle, max_connections=limits.max_connections,
            deadlines=Deadlines(first_byte=limits.first_byte_timeout,
                                header=limits.header_timeout, idle=limits.idle_timeout,
                                handshake=limits.tls_handshake_timeout),
            ssl_context=self.ssl_context, report_interval=limits.report_interval,
            on_malformed=self._on_malformed,
            auto_decompress=False, max_line_size=limits.max_line_size,
            max_field_size=limits.max_field_size,
            # The watchdog closes idle connections sooner; this is aiohttp's own backstop.
            keepalive_timeout=max(15.0, limits.idle_timeout + 1),
            # After a 413 the unread body is drained for at most this long, then dropped.
            lingering_time=1.0,
            access_log=None,
        )
        self._runner = web.ServerRunner(self._server, handle_signals=False, shutdown_timeout=5.0)
        await self._runner.setup()
        # TLS is layered by the server's own protocol (guard.TlsGate), so connections still
        # in their handshake count against the cap and have a deadline.
        site = web.TCPSite(self._runner, self.host, self.port, backlog=512)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise BindError(bind_message(self.host, self.port, exc)) from exc
        bound = self._runner.addresses[0]
        port = bound[1]
        scheme = "https" if self.ssl_context else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"{scheme}://{host}:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop accepting, answer 503 to requests still uploading, finish the others, write
        every queued capture."""
        self._stopping = True
        for content in list(self._uploads):
            if not content.is_eof():
                content.set_exception(Stopping())
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.writer.close()
        self.verifier.close()
        self.url = None

    @property
    def connection_stats(self) -> dict[str, int]:
        """Connections open, idle, busy, and counters: shed, refused, timed out."""
        server = self._server
        if server is None:
            return {"open": 0, "busy": 0, "idle": 0, "handshaking": 0, "shed": 0,
                    "refused": 0, "timed_out": 0}
        return server.counts()

    def health(self) -> dict[str, Any]:
        """``{"state": "ok" | "degraded" | "down", "sentence": ..., "counters": {...}}`` for
        ``GET /health`` and the window's status."""
        return health_of(self)

    def reload_endpoints(self) -> None:
        """Re-read endpoints from the store (call after editing them)."""
        with self.store.session() as session:
            rows: Sequence[Endpoint] = session.scalars(
                select(Endpoint).where(Endpoint.active.is_(True))).all()
            configs = [EndpointConfig.from_row(r, self.profile_lookup) for r in rows]
        self.router = Router(configs, resolve(self.default_endpoint, self.profile_lookup))
        self.nonces.seed(self.store, self.router, self.clock.now())
        self.hub.emit(EndpointsChanged(len(configs)))

    # -- requests -----------------------------------------------------------------------------
    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        return await self._capture(request, time.perf_counter())

    async def _capture(self, request: web.BaseRequest, started: float) -> web.StreamResponse:
        protocol = request.protocol
        tracker = protocol.trailers if isinstance(protocol, GuardedProtocol) else None
        frame = tracker.next_frame(request.method) if tracker is not None else None
        raw_path = request.raw_path
        path, _, query = raw_path.partition("?")
        endpoint = self.router.route(path)
        raw_headers = request.raw_headers
        try:  # one list of pairs, used by verification and stored as is (JSON arrays)
            headers = [(k.decode(), v.decode()) for k, v in raw_headers]
        except UnicodeDecodeError:
            headers = [(decode_header(k), decode_header(v)) for k, v in raw_headers]
        request_headers = request.headers
        remote = request.remote
        fields: dict[str, Any] = {
            "endpoint_id": endpoint.id, "received_at": self.clock.now(),
            "method": request.method, "path": path, "query": query,
            "http_version": f"{request.version.major}.{request.version.minor}",
            "headers": headers,
            "content_type": request_headers.get("Content-Type"),
            "content_encoding": request_headers.get("Content-Encoding"),
            "remote_addr": remote,
        }
        if self.public_url is not None and self.client_ip_header and self._via_tunnel(request):
            fields["remote_addr"] = client_ip(request_headers.get(self.client_ip_header)) \
                or remote
        if endpoint.ip_allowlist and not endpoint.allows(remote):
            return await self._reject(fields, 403, "The client address is not in the "
                                      "endpoint's IP allowlist.", started)
        length = request.content_length
        if length is not None and length > endpoint.max_body_bytes:
            return await self._reject(fields, 413, f"Body of {length} bytes is over the "
                                      f"{endpoint.max_body_bytes}-byte limit.", started,
                                      body_size=length)
        content = request.content
        try:
            if content.is_eof():  # the whole body came with the headers: nothing to wait for
                body = content.read_nowait(-1)
                if len(body) > endpoint.max_body_bytes:
                    raise BodyTooLarge
            else:
                body = await self._read_body(request, endpoint.max_body_bytes)
        except BodyTooLarge:
            return await self._reject(fields, 413, "Chunked body exceeded the "
                                      f"{endpoint.max_body_bytes}-byte limit.", started)
        except TimeoutError:
            return await self._reject(fields, 408, "The body did not arrive within "
                                      f"{self.limits.body_timeout:g} s.", started)
        except Stopping as stop:
            self.stopped_uploads += 1
            of = f" of {length}" if length is not None else ""
            return await self._reject(
                fields, 503, "The receiver was stopping while the body was still arriving "
                f"({stop.received} bytes received{of}); the sender should retry.", started,
                body_size=stop.received)
        if frame is not None and frame.trailers:
            fields["headers"] = [*headers, *as_header_pairs(frame.trailers)]
        url = (self._verification_url(endpoint, request)
               if endpoint.scheme is not None or self.handshake is not None else None)
        incoming = IncomingRequest(body, tuple(headers), url=url, method=request.method)
        verdict = await self.verifier.verify(endpoint, incoming, self.clock.now())
        nonce = None
        if endpoint.nonce_header and verdict is not None and verdict.valid:
            verdict, nonce = self.nonces.check(endpoint, incoming, verdict, self.clock.now())
        status, out_headers, out_body = self._response(endpoint, verdict, incoming)
        fields["body"] = body
        fields["body_size"] = len(body)
        fields["state"] = CaptureState.CAPTURED
        if verdict is None:
            fields["verification"] = fields["verify_valid"] = None
        else:
            fields["verification"] = verdict.stored  # read and encoded, never changed
            fields["verify_valid"] = verdict.valid
        fields["response_status"] = status
        fields["response_headers"] = out_headers
        fields["response_body"] = out_body
        fields["duration_ms"] = (time.perf_counter() - started) * 1000
        try:
            capture_id, duplicate_of = await self.writer.submit(
                CaptureRecord(fields, delivery_id(headers, endpoint.duplicate_header)))
        except StoreUnavailable as exc:
            if nonce is not None:  # not stored, so not accepted: the sender may try it again
                self.nonces.forget(endpoint.id, nonce)
            return web.json_response({"error": "capture not stored", "detail": str(exc)},
                                     status=503)
        if nonce is not None:
            self.nonces.remember(endpoint.id, nonce, fields["received_at"], capture_id)
        if self.after_capture is not None:
            proxied = await self.after_capture(capture_id, endpoint, fields, body)
            if proxied is not None:
                status, out_headers, answer = proxied
                if not isinstance(answer, bytes):
                    self._announce(capture_id, fields, duplicate_of)
                    return await self._stream(request, status, out_headers, answer)
                out_body = answer
        if not out_body and status == endpoint.response_status and not endpoint.response_body:
            # As json.dumps({"received": True, "capture": id}) writes it, without encoding.
            out_body = b'{"received": true, "capture": %d}' % capture_id
            out_headers = [*out_headers, ("Content-Type", "application/json")]
        if endpoint.response_delay_ms:
            await asyncio.sleep(endpoint.response_delay_ms / 1000)
        self._announce(capture_id, fields, duplicate_of)
        response = web.Response(status=status, body=out_body)
        add = response.headers.add
        for name, value in out_headers:
            add(name, value)
        return response

    async def _stream(self, request: web.BaseRequest, status: int,
                      headers: list[tuple[str, str]], chunks: AsyncIterable[bytes]
                      ) -> web.StreamResponse:
        """Relay a streamed answer (proxy mode) without holding it in memory."""
        response = web.StreamResponse(status=status)
        for name, value in headers:
            response.headers.add(name, value)
        try:
            await response.prepare(request)
            async for chunk in chunks:
                await response.write(chunk)
            await response.write_eof()
        except ConnectionError:  # the caller left, or the target's answer broke off
            if request.transport is not None:
                request.transport.abort()  # the caller must not take a cut answer as whole
        finally:
            closer = getattr(chunks, "aclose", None)
            if closer is not None:
                await closer()
        return response

    async def _read_body(self, request: web.BaseRequest, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        content = request.content
        if self._stopping and not content.is_eof():
            raise Stopping(0)
        self._uploads.add(content)
        try:
            async with asyncio.timeout(self.limits.body_timeout):
                while True:
                    try:
                        chunk = await content.readany()
                    except Stopping:
                        raise Stopping(total) from None
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > limit:
                        raise BodyTooLarge
                    chunks.append(chunk)
        finally:
            self._uploads.discard(content)
        return b"".join(chunks)

    def _via_tunnel(self, request: web.BaseRequest) -> bool:
        public = urlsplit(self.public_url).netloc.lower() if self.public_url else ""
        return bool(public) and request.host.lower() == public

    def _verification_url(self, endpoint: EndpointConfig, request: web.BaseRequest) -> str:
        if endpoint.public_url:
            query = request.raw_path.partition("?")[2]
            return endpoint.public_url + (f"?{query}" if query and "?" not in
                                          endpoint.public_url else "")
        if self.public_url and self._via_tunnel(request):  # the URL the provider signed
            return self.public_url.rstrip("/") + request.raw_path
        return f"{request.scheme}://{request.host}{request.raw_path}"

    def _response(self, endpoint: EndpointConfig, verdict: Verdict | None,
                  incoming: IncomingRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        if self.handshake is not None:
            answer = self.handshake(endpoint, incoming)
            if answer is not None:
                status, headers, body = answer
                return status, list(headers.items()), body
        if endpoint.reject_invalid and verdict is not None and not verdict.valid:
            body = json.dumps({"error": "invalid signature", "reason": str(verdict.reason),
                               "message": verdict.message}).encode()
            return 401, [("Content-Type", "application/json")], body
        return (endpoint.response_status, list(endpoint.response_headers),
                endpoint.response_body)

    async def _reject(self, fields: dict[str, Any], status: int, reason: str,
                      started: float, *, body_size: int = 0) -> web.StreamResponse:
        fields.update(state=CaptureState.REJECTED, error=reason, body=b"", body_size=body_size,
                      response_status=status, duration_ms=(time.perf_counter() - started) * 1000)
        response = web.json_response({"error": reason}, status=status)
        response.force_close()
        try:
            capture_id, _ = await self.writer.submit(CaptureRecord(fields, None))
        except StoreUnavailable:
            return response
        self._announce(capture_id, fields, None)
        return response

    def _on_malformed(self, remote: str | None, status: int, message: str) -> None:
        fields: dict[str, Any] = {"endpoint_id": None, "received_at": self.clock.now(),
                                  "method": "?",
                  "path": "?", "query": "", "headers": [], "remote_addr": remote,
                  "state": CaptureState.MALFORMED, "error": f"Malformed HTTP: {message}",
                  "response_status": status, "body": b"", "body_size": 0}

        async def record() -> None:
            try:
                capture_id, _ = await self.writer.submit(CaptureRecord(fields, None))
            except StoreUnavailable:
                return
            self._announce(capture_id, fields, None)

        task = asyncio.get_running_loop().create_task(record())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _announce(self, capture_id: int, fields: dict[str, Any], dup: int | None) -> None:
        if not self.hub.listening:  # serve without a window or log: nothing to build
            return
        self.hub.emit(CaptureStored(
            capture_id=capture_id, endpoint_id=fields.get("endpoint_id"),
            method=fields["method"], path=fields["path"],
            state=fields.get("state", CaptureState.CAPTURED),
            response_status=int(fields.get("response_status") or 0),
            verify_valid=fields.get("verify_valid"), duplicate_of=dup,
            received_at=fields["received_at"], body_size=int(fields.get("body_size") or 0),
            reason=(fields.get("verification") or {}).get("reason"), error=fields.get("error"),
            query=fields.get("query") or ""))


def bind_message(host: str, port: int, exc: OSError) -> str:
    import errno

    if exc.errno == errno.EADDRINUSE:
        return (f"Port {port} is already in use on {host}; pick another with --port, or use "
                "--port 0 for any free port.")
    if exc.errno == errno.EACCES:
        return f"Not allowed to listen on port {port}; ports below 1024 need privileges."
    return f"Cannot listen on {host}:{port}: {exc.strerror or exc}."
