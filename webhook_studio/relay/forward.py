"""Forward-to: every capture of an endpoint relayed to one or more targets, byte-exactly.

Method, the path below the endpoint's prefix, the query, the headers (minus hop-by-hop) and the
raw body go to each target unchanged, so the provider's signature still verifies there. Each
target's response is recorded on the capture (``forwards``). Two modes: ``async`` answers the
provider at once with the endpoint's response rule and forwards in the background; ``proxy``
forwards first and answers with the first target's response. Failed forwards are retried on a
retry policy (the sender's policies), and can be retried by hand with :meth:`retry`.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from sqlalchemy import select

from webhook_studio.core.retry import Policy, parse_policy
from webhook_studio.relay.headers import forwardable
from webhook_studio.sender.errors import classify_transport_error
from webhook_studio.sender.transport import make_client
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture, Endpoint

BODY_CAP = 64 * 1024


def target_url(target: str, endpoint_path: str, path: str, query: str) -> str:
    """The target plus the request's path below the endpoint prefix, plus the query."""
    prefix = endpoint_path.rstrip("/")
    suffix = path[len(prefix):] if prefix and path.startswith(prefix) else path
    if prefix == "" and suffix == "/":
        suffix = ""
    parts = urlsplit(target)
    full_path = parts.path.rstrip("/") + suffix if suffix not in ("", "/") else parts.path
    return urlunsplit((parts.scheme, parts.netloc, full_path or "/", query or parts.query, ""))


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
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._owns_client:
            await self.client.aclose()

    async def after_capture(self, capture_id: int, endpoint: Any, fields: dict[str, Any],
                            body: bytes) -> tuple[int, list[tuple[str, str]], bytes] | None:
        """The receiver's hook: forward, and in proxy mode return the first target's reply."""
        targets = list(endpoint.forward_to)
        if not targets or fields.get("state") != "captured":
            return None
        request = (fields["method"], endpoint.path, fields["path"], fields["query"],
                   forwardable(fields["headers"]), body)
        if endpoint.forward_mode == "proxy":
            results = await asyncio.gather(*(self._send(t, *request) for t in targets))
            await self._record(capture_id, results)
            self._retry_failures(capture_id, targets, request, results)
            first = results[0]
            if first["status"] is None:
                return 502, [("Content-Type", "text/plain")], (
                    f"Forward to {first['url']} failed: {first['error']}".encode())
            return int(first["status"]), [tuple(h) for h in first["headers"]
                                          if h[0].lower() not in ("content-length",
                                                                  "transfer-encoding",
                                                                  "connection",
                                                                  "content-encoding")
                                          ], first.pop("_body", b"")
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

    async def retry(self, capture_id: int, target: str) -> dict[str, Any]:
        """Forward one capture to one target again, now (the inspector's retry button)."""
        with self.store.session() as session:
            capture = session.get(Capture, capture_id)
            if capture is None:
                from webhook_studio.store import NotFound

                raise NotFound(f"No capture with id {capture_id}.")
            endpoint = (session.get(Endpoint, capture.endpoint_id)
                        if capture.endpoint_id is not None else None)
            request = (capture.method, endpoint.path if endpoint else "", capture.path,
                       capture.query, forwardable(capture.headers), capture.body)
        result = await self._send(target, *request)
        result["manual"] = True
        await self._record(capture_id, [result])
        return result

    async def _send(self, target: str, method: str, endpoint_path: str, path: str, query: str,
                    headers: list[tuple[str, str]], body: bytes) -> dict[str, Any]:
        url = target_url(target, endpoint_path, path, query)
        started = time.perf_counter()
        at = time.time()
        try:
            response = await self.client.request(method, url, content=body, headers=headers,
                                                  timeout=self.timeout)
        except httpx.HTTPError as exc:
            outcome, sentence = classify_transport_error(exc, self.timeout)
            return {"target": target, "url": url, "at": at, "ok": False, "status": None,
                    "outcome": outcome, "error": sentence, "headers": [],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2)}
        content = response.content
        return {"target": target, "url": url, "at": at, "ok": 200 <= response.status_code < 300,
                "status": response.status_code, "outcome": "response", "error": None,
                "headers": [[k, v] for k, v in response.headers.multi_items()],
                "body": content[:BODY_CAP].decode("utf-8", "replace"), "_body": content,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2)}

    async def _record(self, capture_id: int, results: list[dict[str, Any]]) -> None:
        clean = [{k: v for k, v in r.items() if k != "_body"} for r in results]
        async with self._lock:
            await asyncio.get_running_loop().run_in_executor(None, self._append, capture_id,
                                                             clean)

    def _append(self, capture_id: int, results: list[dict[str, Any]]) -> None:
        with self.store.session() as session:
            capture = session.scalars(select(Capture).where(Capture.id == capture_id)).first()
            if capture is not None:
                capture.forwards = [*(capture.forwards or []), *results]
