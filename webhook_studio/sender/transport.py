"""The one seam where the HTTP client is chosen (DESIGN.md section 3).

httpx with its default transport: redirects are never followed (a 3xx is a failed attempt),
TLS is verified, connections are reused. bench/sender.py measures it against a bare aiohttp
client loop; swapping the transport (e.g. httpx-aiohttp) only touches this function.
"""

from __future__ import annotations

import httpx

from webhook_studio import __version__

USER_AGENT = f"WebhookStudio/{__version__}"


def make_client(*, verify: bool = True) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        follow_redirects=False,
        verify=verify,
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
        headers={"User-Agent": USER_AGENT},
    )
