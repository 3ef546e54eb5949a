"""The one seam where the HTTP client is chosen.

Why httpx on aiohttp's transport: docs/architecture.md#dependencies-pinned-for-a-reason.

Both backends keep the httpx API the dispatcher is written against: redirects are never
followed (a 3xx is a failed attempt), TLS is verified, connections are reused, and the
timeout is given per request.

* ``httpx-aiohttp``: httpx on aiohttp's transport, when the ``httpx-aiohttp`` package is
  installed; much faster under concurrency (bench/sender.py, docs/benchmarks.md).
* ``httpx``: httpx's default transport (httpcore), the fallback.

No cookie jar anywhere: a webhook sender must never send back a cookie a target set (one
target's session cookie would ride along on the next delivery). httpx's jar is replaced by one
that keeps nothing, and aiohttp's session under the transport gets ``DummyCookieJar``.

:meth:`SenderClient.post_direct` hands a request built once per attempt straight to the
transport the client would pick (proxies from the environment included): what
``client.stream()`` adds on top (merging the client's headers, cookies and params into a new
``Request``, auth and redirect flows, the cookie extraction) was ~15 % of the sender's samples
(py-spy, docs/benchmarks.md) and does nothing for a POST that is never redirected.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from http.cookiejar import CookieJar
from typing import Any

import httpx

from webhook_studio import __version__

USER_AGENT = f"WebhookStudio/{__version__}"
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=50)


def default_backend() -> str:
    return "httpx-aiohttp" if importlib.util.find_spec("httpx_aiohttp") else "httpx"


class _NoCookies(CookieJar):
    """A jar that keeps nothing, so nothing a target sets is ever sent back."""

    def set_cookie(self, cookie: Any) -> None:
        del cookie

    def extract_cookies(self, response: Any, request: Any) -> None:
        del response, request


class SenderClient(httpx.AsyncClient):
    """The httpx client with the sender's defaults and a direct path to its transport."""

    async def post_direct(self, url: httpx.URL, body: bytes, headers: Mapping[str, str],
                          limits: httpx.Timeout) -> httpx.Response:
        """POST ``body`` as is and return the streamed response (close it with
        ``aclose()``); ``limits``: httpx's per-operation timeouts. ``headers`` go after the
        client's defaults (User-Agent, Accept-Encoding) and win on a clash; nothing else is
        added."""
        given = {name.lower() for name in headers}
        merged = [(k, v) for k, v in self.headers.multi_items() if k.lower() not in given]
        merged.extend(headers.items())
        request = httpx.Request("POST", url, content=body, headers=merged,
                                extensions={"timeout": limits.as_dict()})
        return await self._transport_for_url(url).handle_async_request(request)


def make_client(*, verify: bool = True, backend: str | None = None) -> SenderClient:
    """A shared client for all deliveries; close it with ``await client.aclose()``."""
    backend = backend or default_backend()
    transport: httpx.AsyncBaseTransport | None = None
    if backend == "httpx-aiohttp":
        transport = _aiohttp_transport(verify)
    elif backend != "httpx":
        raise ValueError(f"Unknown HTTP client backend {backend!r}; use httpx or httpx-aiohttp.")
    return SenderClient(
        follow_redirects=False,
        verify=verify,
        limits=LIMITS,
        transport=transport,
        cookies=_NoCookies(),
        # identity: the answer is read as sent, so the 64 KiB kept and the size counted are
        # bytes on the wire, never a small gzip inflating into gigabytes on our side.
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity"},
    )


def _aiohttp_transport(verify: bool) -> httpx.AsyncBaseTransport:
    """httpx-aiohttp's transport on a session made like its own, but without a cookie jar
    (the session is made on first use, inside the running loop)."""
    import aiohttp
    from httpx_aiohttp import AiohttpTransport

    ssl_context = httpx.create_ssl_context(verify=verify)

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(keepalive_timeout=LIMITS.keepalive_expiry,
                                         ssl=ssl_context, limit=LIMITS.max_connections or 0)
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    # ``client`` (a session or a factory) is the transport's documented constructor argument
    return AiohttpTransport(verify=verify, limits=LIMITS, client=session)
