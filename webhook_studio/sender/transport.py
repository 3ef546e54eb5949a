"""The one seam where the HTTP client is chosen.

Why httpx on aiohttp's transport: docs/architecture.md#dependencies-pinned-for-a-reason.

Both backends keep the httpx API the dispatcher is written against: redirects are never
followed (a 3xx is a failed attempt), TLS is verified, connections are reused, and the
timeout is given per request.

* ``httpx-aiohttp``: httpx on aiohttp's transport, when the ``httpx-aiohttp`` package is
  installed; much faster under concurrency (bench/sender.py, docs/benchmarks.md).
* ``httpx``: httpx's default transport (httpcore), the fallback.
"""

from __future__ import annotations

import importlib.util

import httpx

from webhook_studio import __version__

USER_AGENT = f"WebhookStudio/{__version__}"
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=50)


def default_backend() -> str:
    return "httpx-aiohttp" if importlib.util.find_spec("httpx_aiohttp") else "httpx"


def make_client(*, verify: bool = True, backend: str | None = None) -> httpx.AsyncClient:
    """A shared client for all deliveries; close it with ``await client.aclose()``."""
    backend = backend or default_backend()
    transport: httpx.AsyncBaseTransport | None = None
    if backend == "httpx-aiohttp":
        from httpx_aiohttp import AiohttpTransport

        transport = AiohttpTransport(verify=verify, limits=LIMITS)
    elif backend != "httpx":
        raise ValueError(f"Unknown HTTP client backend {backend!r}; use httpx or httpx-aiohttp.")
    return httpx.AsyncClient(
        follow_redirects=False,
        verify=verify,
        limits=LIMITS,
        transport=transport,
        # identity: the answer is read as sent, so the 64 KiB kept and the size counted are
        # bytes on the wire, never a small gzip inflating into gigabytes on our side.
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )
