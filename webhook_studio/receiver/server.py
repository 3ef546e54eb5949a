"""The receiver: one aiohttp server on the running loop, capturing every request exactly.

Order of work per request: route to an endpoint, check its IP allowlist, refuse an announced
body over the limit before reading it (413), read the raw body under a deadline (408) and a
size cap (413), verify under the endpoint's scheme, commit the capture through the group
writer, and only then answer. A store failure answers 503, never 2xx.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy import select

from webhook_studio.core.clock import Clock, SystemClock
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.verdict import Reason, Verdict
from webhook_studio.receiver.duplicates import delivery_id
from webhook_studio.receiver.endpoints import EndpointConfig, ProfileLookup, Router, resolve
from webhook_studio.receiver.errors import BindError
from webhook_studio.receiver.events import CaptureStored, EndpointsChanged, EventHub
from webhook_studio.receiver.guard import GuardedServer
from webhook_studio.receiver.nonces import NonceGuard
from webhook_studio.receiver.writer import CaptureRecord, CaptureWriter
from webhook_studio.store import Store, StoreUnavailable
from webhook_studio.store.receiver_models import Endpoint

Handshake = Callable[[EndpointConfig, IncomingRequest], tuple[int, dict[str, str], bytes] | None]
AfterCapture = Callable[[int, EndpointConfig, dict[str, Any], bytes],
                        Awaitable[tuple[int, list[tuple[str, str]], bytes] | None]]


@dataclass(frozen=True)
class Limits:
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 256
    max_line_size: int = 16_384
    max_field_size: int = 16_384


class BodyTooLarge(Exception):
    pass


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
        self.writer = CaptureWriter(store)
        self.handshake: Handshake | None = None
        self.after_capture: AfterCapture | None = None
        self.url: str | None = None
        self._runner: web.ServerRunner | None = None
        self._server: GuardedServer | None = None
        self._background: set[asyncio.Task[Any]] = set()

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> str:
        self.reload_endpoints()
        self.writer.start()
        self._server = GuardedServer(
            self._handle, max_connections=self.limits.max_connections,
            header_timeout=self.limits.header_timeout, on_malformed=self._on_malformed,
            auto_decompress=False, max_line_size=self.limits.max_line_size,
            max_field_size=self.limits.max_field_size, keepalive_timeout=15.0,
            # After a 413 the unread body is drained for at most this long, then dropped.
            lingering_time=1.0,
            access_log=None,
        )
        self._runner = web.ServerRunner(self._server, handle_signals=False, shutdown_timeout=5.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, ssl_context=self.ssl_context,
                           backlog=512)
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
        """Stop accepting, finish in-flight requests, write every queued capture."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.writer.close()
        self.url = None

    @property
    def connection_stats(self) -> dict[str, int]:
        server = self._server
        if server is None:
            return {"open": 0, "refused": 0, "timed_out": 0}
        return {"open": len(server.connections), "refused": server.refused,
                "timed_out": server.timed_out}

    def reload_endpoints(self) -> None:
        """Re-read endpoints from the store (call after editing them)."""
        with self.store.session() as session:
            rows: Sequence[Endpoint] = session.scalars(
                select(Endpoint).where(Endpoint.active.is_(True))).all()
            configs = [EndpointConfig.from_row(r, self.profile_lookup) for r in rows]
        self.router = Router(configs, resolve(self.default_endpoint, self.profile_lookup))
        self._seed_nonces()
        self.hub.emit(EndpointsChanged(len(configs)))

    # -- requests -----------------------------------------------------------------------------
    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            return await self._capture(request, started)
        finally:
            if self._server is not None:
                self._server.touch(request.protocol)

    async def _capture(self, request: web.BaseRequest, started: float) -> web.StreamResponse:
        raw_path = request.raw_path
        path, _, query = raw_path.partition("?")
        endpoint = self.router.route(path)
        headers = [(decode_header(k), decode_header(v)) for k, v in request.raw_headers]
        fields: dict[str, Any] = {
            "endpoint_id": endpoint.id, "received_at": self.clock.now(),
            "method": request.method, "path": path, "query": query,
            "http_version": f"{request.version.major}.{request.version.minor}",
            "headers": [[k, v] for k, v in headers],
            "content_type": request.headers.get("Content-Type"),
            "content_encoding": request.headers.get("Content-Encoding"),
            "remote_addr": request.remote,
        }
        if not endpoint.allows(request.remote):
            return await self._reject(fields, 403, "The client address is not in the "
                                      "endpoint's IP allowlist.", started)
        length = request.content_length
        if length is not None and length > endpoint.max_body_bytes:
            return await self._reject(fields, 413, f"Body of {length} bytes is over the "
                                      f"{endpoint.max_body_bytes}-byte limit.", started,
                                      body_size=length)
        try:
            body = await self._read_body(request, endpoint.max_body_bytes)
        except BodyTooLarge:
            return await self._reject(fields, 413, "Chunked body exceeded the "
                                      f"{endpoint.max_body_bytes}-byte limit.", started)
        except TimeoutError:
            return await self._reject(fields, 408, "The body did not arrive within "
                                      f"{self.limits.body_timeout:g} s.", started)
        url = self._verification_url(endpoint, request)
        incoming = IncomingRequest(body, tuple(headers), url=url, method=request.method)
        verdict = self._verify(endpoint, incoming)
        nonce = None
        if endpoint.nonce_header and verdict is not None and verdict.valid:
            verdict, nonce = self._check_nonce(endpoint, incoming, verdict)
        status, out_headers, out_body = self._response(endpoint, verdict, incoming)
        fields.update(body=body, body_size=len(body), state="captured",
                      verification=verdict.to_dict() if verdict else None,
                      verify_valid=verdict.valid if verdict else None)
        fields.update(response_status=status, response_headers=[list(h) for h in out_headers],
                      response_body=out_body,
                      duration_ms=(time.perf_counter() - started) * 1000)
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
                status, out_headers, out_body = proxied
        if not out_body and status == endpoint.response_status and not endpoint.response_body:
            out_body = json.dumps({"received": True, "capture": capture_id}).encode()
            out_headers = [*out_headers, ("Content-Type", "application/json")]
        if endpoint.response_delay_ms:
            await asyncio.sleep(endpoint.response_delay_ms / 1000)
        self._announce(capture_id, fields, duplicate_of)
        response = web.Response(status=status, body=out_body)
        for name, value in out_headers:
            response.headers.add(name, value)
        return response

    async def _read_body(self, request: web.BaseRequest, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        async with asyncio.timeout(self.limits.body_timeout):
            while True:
                chunk = await request.content.readany()
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    raise BodyTooLarge
                chunks.append(chunk)
        return b"".join(chunks)

    def _verification_url(self, endpoint: EndpointConfig, request: web.BaseRequest) -> str:
        if endpoint.public_url:
            query = request.raw_path.partition("?")[2]
            return endpoint.public_url + (f"?{query}" if query and "?" not in
                                          endpoint.public_url else "")
        return f"{request.scheme}://{request.host}{request.raw_path}"

    def _verify(self, endpoint: EndpointConfig, incoming: IncomingRequest) -> Verdict | None:
        if endpoint.scheme is None:
            return None
        return endpoint.scheme.verify(incoming, list(endpoint.secrets), now=self.clock.now(),
                                      tolerance=endpoint.tolerance)

    def _check_nonce(self, endpoint: EndpointConfig, incoming: IncomingRequest,
                     verdict: Verdict) -> tuple[Verdict, str | None]:
        """A valid signature with a nonce already accepted becomes an invalid verdict."""
        header = endpoint.nonce_header or ""
        nonce = (incoming.header(header) or "").strip()
        now = self.clock.now()
        if not nonce:
            return Verdict(False, verdict.scheme, Reason.MISSING_HEADER,
                           f"The signature matched, but the {header} header is missing; this "
                           "provider sends a fresh nonce with every request and receivers "
                           "refuse requests without one.", verdict.matched_secret), None
        earlier = self.nonces.seen(endpoint.id, nonce, now, endpoint.nonce_window)
        if earlier is not None:
            first_at, capture_id = earlier
            where = f" (capture #{capture_id})" if capture_id else ""
            return Verdict(
                False, verdict.scheme, Reason.REPLAYED_NONCE,
                f"The signature matched, but nonce {nonce} in {header} was already accepted "
                f"{max(0.0, now - first_at):.0f} s ago{where}. Receivers refuse a nonce seen "
                f"within {endpoint.nonce_window:g} s: a replayed request, or a sender that "
                "reused a nonce instead of making a fresh one per attempt.",
                verdict.matched_secret,
                details={"nonce": nonce, "first_capture": capture_id,
                         "window_seconds": endpoint.nonce_window}), None
        # Taken now, before the commit, so a copy racing this one is refused.
        self.nonces.remember(endpoint.id, nonce, now)
        return verdict, nonce

    def _seed_nonces(self) -> None:
        """Nonces accepted before a restart (or before an endpoint took a profile with
        one-time nonces) stay refused for the rest of their window."""
        from webhook_studio.store.receiver_queries import accepted_headers_since

        guarded = [e for e in (*self.router.endpoints, self.router.default) if e.nonce_header]
        for endpoint in guarded:
            since = self.clock.now() - endpoint.nonce_window
            header = (endpoint.nonce_header or "").lower()
            for capture_id, at, headers in accepted_headers_since(
                    self.store, endpoint.id, since):
                for name, value in headers:
                    if name.lower() == header and value.strip():
                        self.nonces.remember(endpoint.id, value.strip(), at, capture_id)

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
        fields.update(state="rejected", error=reason, body=b"", body_size=body_size,
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
                  "state": "malformed", "error": f"Malformed HTTP: {message}",
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
        self.hub.emit(CaptureStored(
            capture_id=capture_id, endpoint_id=fields.get("endpoint_id"),
            method=fields["method"], path=fields["path"], state=fields.get("state", "captured"),
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
