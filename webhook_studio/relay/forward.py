"""Forward-to: every capture of an endpoint relayed to one or more targets, byte-exactly.

Method, the path below the endpoint's prefix, the query, the headers (minus hop-by-hop) and the
raw body go to each target unchanged, so the provider's signature still verifies there. Each
target's response is recorded on the capture (``forwards``). Two modes: ``async`` answers the
provider at once with the endpoint's response rule and forwards in the background; ``proxy``
forwards first and answers with the first target's response. Failed forwards are retried on a
retry policy (the sender's policies), and can be retried by hand with :meth:`retry`.

Targets' answers are streamed, never held whole: the record keeps the first
:data:`BODY_CAP` bytes and counts the rest (a 512 MiB answer once took the process to
1.1 GiB); in proxy mode the first target's answer is relayed to the caller chunk by chunk,
bytes as the target sent them (Content-Encoding kept).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import select

from webhook_studio.core.retry import Policy, parse_policy
from webhook_studio.core.vocabulary import CaptureState
from webhook_studio.relay.errors import ForwardTargetError, TargetUnreachable
from webhook_studio.relay.headers import forwardable
from webhook_studio.sender.errors import classify_transport_error
from webhook_studio.sender.transport import make_client
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture, Endpoint

BODY_CAP = 64 * 1024
#: Headers of a target's answer that are not relayed in proxy mode (the receiver re-frames it).
NOT_RELAYED = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})


class Kept:
    """The first ``cap`` bytes of a body, and how many bytes there were in all."""

    def __init__(self, cap: int = BODY_CAP) -> None:
        self.cap = cap
        self.head = bytearray()
        self.total = 0

    def add(self, chunk: bytes) -> None:
        self.total += len(chunk)
        room = self.cap - len(self.head)
        if room > 0:
            self.head += chunk[:room]

    def fields(self) -> dict[str, Any]:
        return {"body": self.head.decode("utf-8", "replace"), "body_size": self.total,
                "body_truncated": self.total > len(self.head)}


class RelayedBody:
    """A target's answer streamed to the caller (proxy mode); recorded when closed."""

    def __init__(self, response: httpx.Response,
                 on_done: Callable[[Kept, str | None], Awaitable[None]]) -> None:
        self.response = response
        self.kept = Kept()
        self.error: str | None = None
        self._on_done = on_done
        self._closed = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self.response.aiter_raw():
                self.kept.add(chunk)
                yield chunk
        except httpx.HTTPError as exc:
            self.error = (f"The target's answer broke off after {self.kept.total} bytes: "
                          f"{exc or type(exc).__name__}.")
            raise TargetUnreachable(self.error) from exc

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.response.aclose()
        await self._on_done(self.kept, self.error)


def target_url(target: str, endpoint_path: str, path: str, query: str) -> str:
    """The target plus the request's path below the endpoint prefix, plus the query."""
    prefix = endpoint_path.rstrip("/")
    suffix = path[len(prefix):] if prefix and path.startswith(prefix) else path
    if prefix == "" and suffix == "/":
        suffix = ""
    parts = urlsplit(target)
    full_path = parts.path.rstrip("/") + suffix if suffix not in ("", "/") else parts.path
    return urlunsplit((parts.scheme, parts.netloc, full_path or "/", query or parts.query, ""))


def forward_targets(records: list[dict[str, Any]], configured: Any = None) -> list[str]:
    """The targets a capture can be forwarded to again: its endpoint's (as configured now),
    then any it was forwarded to before (a target removed since, or ``listen --forward-to``
    whose endpoint is not stored); each once, in that order."""
    found = [str(t) for t in configured or ()]
    found += [str(r["target"]) for r in records if r.get("target")]
    return list(dict.fromkeys(found))


def capture_forwards(store: Store, capture_id: int) -> tuple[list[dict[str, Any]], list[str]]:
    """A capture's forward records and the targets a retry by hand accepts (two columns, never
    the body). Raises NotFound."""
    with store.session() as session:
        found = session.execute(select(Capture.forwards, Endpoint.forward_to).outerjoin(
            Endpoint, Endpoint.id == Capture.endpoint_id).where(Capture.id == capture_id)
        ).first()
    if found is None:
        from webhook_studio.store import NotFound

        raise NotFound(f"No capture with id {capture_id}.")
    records = list(found[0] or [])
    return records, forward_targets(records, found[1])


def choose_target(capture_id: int, targets: list[str], wanted: str | None) -> str:
    """``wanted``, or the only target; else a sentence naming the targets there are."""
    listed = ", ".join(targets)
    if wanted is None:
        if len(targets) == 1:
            return targets[0]
        if not targets:
            raise ForwardTargetError(
                f"Capture #{capture_id} has no forward target: its endpoint forwards "
                "nowhere and it was never forwarded. Add a target to the endpoint's "
                "Forward to, or send it anywhere with replay.")
        raise ForwardTargetError(f"Capture #{capture_id} forwards to {len(targets)} targets "
                                 f"({listed}); name the one to retry.")
    if wanted not in targets:
        where = f"it forwards to {listed}" if targets else "it is not forwarded anywhere"
        raise ForwardTargetError(f"Capture #{capture_id} is not forwarded to {wanted}; "
                                 f"{where}. To send it elsewhere, replay it.")
    return wanted


class Forwarder:
    def __init__(self, store: Store, *, client: httpx.AsyncClient | None = None,
                 retry: Policy | None = None, timeout: float = 15.0,
                 rng: random.Random | None = None) -> None:
        self.store = store
        self._owns_client = client is None
        self.client = client or make_client()
        self.retry_policy = retry or parse_policy("0,1s,5s,30s")
        self.timeout = timeout
        self.rng = rng or random.Random()
        self._tasks: set[asyncio.Task[Any]] = set()
        #: The automatic retries still running, by (capture id, target).
        self._pending: dict[tuple[int, str], asyncio.Task[Any]] = {}
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._owns_client:
            await self.client.aclose()

    async def after_capture(self, capture_id: int, endpoint: Any, fields: dict[str, Any],
                            body: bytes
                            ) -> tuple[int, list[tuple[str, str]], bytes | RelayedBody] | None:
        """The receiver's hook: forward, and in proxy mode return the first target's reply."""
        targets = list(endpoint.forward_to)
        if not targets or fields.get("state") != CaptureState.CAPTURED:
            return None
        request = (fields["method"], endpoint.path, fields["path"], fields["query"],
                   forwardable(fields["headers"]), body)
        if endpoint.forward_mode == "proxy":
            results = await asyncio.gather(self._send(targets[0], *request, stream=True),
                                           *(self._send(t, *request) for t in targets[1:]))
            first = results[0]
            response = first.pop("_response", None)
            await self._record(capture_id, results[1:])
            self._retry_failures(capture_id, targets, request, results)
            if response is None:
                await self._record(capture_id, [first])
                return 502, [("Content-Type", "text/plain")], (
                    f"Forward to {first['url']} failed: {first['error']}".encode())

            async def done(kept: Kept, error: str | None) -> None:
                first.update(kept.fields())
                if error is not None:
                    first.update(ok=False, outcome="broken", error=error)
                await self._record(capture_id, [first])

            headers = [(str(k), str(v)) for k, v in first["headers"]
                       if str(k).lower() not in NOT_RELAYED]
            return int(first["status"]), headers, RelayedBody(response, done)
        task = asyncio.get_running_loop().create_task(
            self._forward_all(capture_id, targets, request))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return None

    async def _forward_all(self, capture_id: int, targets: list[str], request: tuple[Any, ...]
                           ) -> None:
        results = await asyncio.gather(*(self._send(t, *request) for t in targets))
        await self._record(capture_id, results)
        self._retry_failures(capture_id, targets, request, results)

    def _retry_failures(self, capture_id: int, targets: list[str], request: tuple[Any, ...],
                        results: list[dict[str, Any]]) -> None:
        for target, result in zip(targets, results, strict=True):
            if not result["ok"]:
                task = asyncio.get_running_loop().create_task(
                    self._retry_loop(capture_id, target, request, 2))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                self._pending[(capture_id, target)] = task
                task.add_done_callback(partial(self._forget_pending, (capture_id, target)))

    def _forget_pending(self, key: tuple[int, str], task: asyncio.Task[Any]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]

    async def _retry_loop(self, capture_id: int, target: str, request: tuple[Any, ...],
                          attempt: int) -> None:
        while True:
            delay = self.retry_policy.delay_before(attempt, self.rng)
            if delay is None:
                return
            await asyncio.sleep(delay)
            result = await self._send(target, *request)
            result["attempt"] = attempt
            await self._record(capture_id, [result])
            if result["ok"]:
                return
            attempt += 1

    async def retry(self, capture_id: int, target: str | None = None) -> dict[str, Any]:
        """Forward one capture to one of its targets again, now, once (the inspector's
        "Retry forward" button, ``POST /captures/{id}/forwards/retry``).

        ``target`` may be left out when the capture has exactly one. The request goes to the
        URL the earlier forwards to that target used (the endpoint prefix already applied),
        so a capture of ``listen --path`` goes where its first forward went. A success stops
        the automatic retries still pending for that target: the handler gets it once.
        Raises NotFound (no such capture) or :class:`ForwardTargetError` (a sentence)."""
        plan = await asyncio.to_thread(self._plan, capture_id, target)
        chosen, url, request, earlier = plan
        result = await self._send(chosen, *request, url=url)
        result.update(manual=True, attempt=earlier + 1)
        await self._record(capture_id, [result])
        if result["ok"] and (pending := self._pending.pop((capture_id, chosen), None)):
            pending.cancel()
        return result

    def _plan(self, capture_id: int, wanted: str | None
              ) -> tuple[str, str | None, tuple[Any, ...], int]:
        """``(target, url of its last forward or None, request, forwards to it so far)``."""
        with self.store.session() as session:
            capture = session.get(Capture, capture_id)
            if capture is None:
                from webhook_studio.store import NotFound

                raise NotFound(f"No capture with id {capture_id}.")
            endpoint = (session.get(Endpoint, capture.endpoint_id)
                        if capture.endpoint_id is not None else None)
            records = list(capture.forwards or [])
            targets = forward_targets(records, endpoint.forward_to if endpoint else None)
            chosen = choose_target(capture_id, targets, wanted)
            request = (capture.method, endpoint.path if endpoint else "", capture.path,
                       capture.query, forwardable(capture.headers), capture.body)
        mine = [r for r in records if r.get("target") == chosen]
        url = next((str(r["url"]) for r in reversed(mine) if r.get("url")), None)
        return chosen, url, request, len(mine)

    async def _send(self, target: str, method: str, endpoint_path: str, path: str, query: str,
                    headers: list[tuple[str, str]], body: bytes, *, stream: bool = False,
                    url: str | None = None) -> dict[str, Any]:
        """Forward once (to ``url`` when given, else the target plus the request's path).
        The answer's body is read with a cap (first :data:`BODY_CAP` bytes kept, the rest
        counted), or with ``stream`` left open in ``result["_response"]``."""
        url = url or target_url(target, endpoint_path, path, query)
        started = time.perf_counter()
        at = time.time()

        def failed(exc: httpx.HTTPError) -> dict[str, Any]:
            outcome, sentence = classify_transport_error(exc, self.timeout)
            return {"target": target, "url": url, "at": at, "ok": False, "status": None,
                    "outcome": outcome, "error": sentence, "headers": [],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2)}

        try:
            response = await self.client.send(
                self.client.build_request(method, url, content=body, headers=headers,
                                          timeout=self.timeout), stream=True)
        except httpx.HTTPError as exc:
            return failed(exc)
        result = {"target": target, "url": url, "at": at,
                  "ok": 200 <= response.status_code < 300,
                  "status": response.status_code, "outcome": "response", "error": None,
                  "headers": [[k, v] for k, v in response.headers.multi_items()]}
        if stream:
            result["_response"] = response
        else:
            kept = Kept()
            try:
                async for chunk in response.aiter_raw():
                    kept.add(chunk)
            except httpx.HTTPError as exc:
                result.update(ok=False, outcome="broken", error=(
                    f"The answer broke off after {kept.total} bytes: "
                    f"{exc or type(exc).__name__}."))
            finally:
                await response.aclose()
            result.update(kept.fields())
        result["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
        return result

    async def _record(self, capture_id: int, results: list[dict[str, Any]]) -> None:
        if not results:
            return
        clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in results]
        async with self._lock:
            await asyncio.get_running_loop().run_in_executor(None, self._append, capture_id,
                                                             clean)

    def _append(self, capture_id: int, results: list[dict[str, Any]]) -> None:
        with self.store.session() as session:
            capture = session.scalars(select(Capture).where(Capture.id == capture_id)).first()
            if capture is not None:
                capture.forwards = [*(capture.forwards or []), *results]


async def retry_forward(store: Store, forwarder: Forwarder | None, capture_id: int,
                        target: str | None = None) -> dict[str, Any]:
    """:meth:`Forwarder.retry` on the process's forwarder, or on a one-off one where none is
    attached (a window or API without a receiver): a retry by hand works either way."""
    if forwarder is not None:
        return await forwarder.retry(capture_id, target)
    own = Forwarder(store)
    try:
        return await own.retry(capture_id, target)
    finally:
        await own.close()
