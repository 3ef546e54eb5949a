"""Bring your own ngrok: find the running agent's tunnel to our port through its local API.

The agent (``ngrok http 8000``) serves ``GET /api/tunnels`` on 127.0.0.1:4040 without auth. We
only read it: the agent's owner starts and stops ngrok. The tunnel is "up" while the agent
lists a tunnel to our port, "reconnecting" while it does not (agent restarting, or not yet
started), and the URL changes only when the agent reports another one.
"""

from __future__ import annotations

import asyncio

import httpx

from webhook_studio.core.tunnels import TunnelSpec, url_from_ngrok_api
from webhook_studio.tunnel.base import Tunnel, TunnelError

DEFAULT_API = "http://127.0.0.1:4040"
POLL_SECONDS = 3.0


class NgrokAgentTunnel(Tunnel):
    def __init__(self, local_port: int, *, api_url: str = DEFAULT_API,
                 poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__(TunnelSpec("ngrok"), local_port)
        self.api_url = api_url.rstrip("/")
        self.poll_seconds = poll_seconds

    async def find_url(self) -> str | None:
        try:
            async with httpx.AsyncClient(timeout=3.0) as client:
                response = await client.get(f"{self.api_url}/api/tunnels")
                document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TunnelError(f"no ngrok agent answers at {self.api_url} (start one with "
                              f"`ngrok http {self.local_port}`)") from exc
        return url_from_ngrok_api(document, self.local_port)

    async def _run_once(self) -> None:
        while True:
            url = await self.find_url()
            if url is None:
                raise TunnelError(f"the ngrok agent has no tunnel to port {self.local_port} "
                                  f"(run `ngrok http {self.local_port}`)")
            if url != self.state.public_url or self.state.status != "up":
                self._up(url)
            await asyncio.sleep(self.poll_seconds)
