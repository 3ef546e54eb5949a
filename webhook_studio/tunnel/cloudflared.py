"""Bring your own cloudflared: start a quick tunnel and read its URL from the log.

``cloudflared tunnel --url http://127.0.0.1:PORT`` needs no account; it prints the random
``https://….trycloudflare.com`` URL in a box on stderr. We start it when ``cloudflared`` is
on PATH, stop it when the app stops, and start it again (a new URL) if it exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil

from webhook_studio.core.tunnels import TunnelSpec, url_from_cloudflared
from webhook_studio.tunnel.base import Tunnel, TunnelError, TunnelGaveUp

URL_TIMEOUT = 60.0


class CloudflaredTunnel(Tunnel):
    def __init__(self, local_port: int, *, local_host: str = "127.0.0.1",
                 executable: str = "cloudflared") -> None:
        super().__init__(TunnelSpec("cloudflared"), local_port)
        self.local_host = local_host
        self.executable = executable
        self._process: asyncio.subprocess.Process | None = None

    async def _run_once(self) -> None:
        program = shutil.which(self.executable)
        if program is None:
            raise TunnelGaveUp("cloudflared is not installed (or not on PATH); install it "
                               "from your package manager or Cloudflare's downloads.")
        self._process = process = await asyncio.create_subprocess_exec(
            program, "tunnel", "--no-autoupdate", "--url",
            f"http://{self.local_host}:{self.local_port}",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        assert process.stderr is not None
        tail: list[str] = []
        async with asyncio.timeout(URL_TIMEOUT):
            url = None
            while url is None:
                line = (await process.stderr.readline()).decode("utf-8", "replace")
                if not line:
                    raise TunnelError("cloudflared exited before giving a URL"
                                      + (f": {tail[-1].strip()}" if tail else ""))
                tail = [*tail[-4:], line]
                url = url_from_cloudflared(line)
        self._up(url)
        while await process.stderr.readline():  # keep draining its log while it runs
            pass
        code = await process.wait()
        raise TunnelError(f"cloudflared exited ({code})")

    async def _close(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
