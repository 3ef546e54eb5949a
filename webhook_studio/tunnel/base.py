"""What every tunnel has: a state people can read, listeners, start and stop, and a
supervisor that reconnects with backoff.

States: ``connecting`` → ``up`` (with the public URL) → ``reconnecting`` (after sleep or a lost
network; the URL stays shown until the relay gives another) → ``up`` …; ``failed`` with a
sentence when it gives up or cannot start at all; ``stopped`` after :meth:`Tunnel.stop`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from webhook_studio.core.tunnels import CLIENT_IP_HEADERS, TunnelSpec
from webhook_studio.tunnel.errors import TunnelError, TunnelGaveUp

__all__ = ["Tunnel", "TunnelError", "TunnelGaveUp", "TunnelState"]

log = logging.getLogger(__name__)

BACKOFF_START = 1.0
BACKOFF_CAP = 30.0


@dataclass(frozen=True)
class TunnelState:
    status: str = "stopped"  # connecting | up | reconnecting | failed | stopped
    public_url: str | None = None
    reason: str = ""
    since: float = 0.0
    client_ip_header: str | None = None

    def sentence(self) -> str:
        if self.status == "up":
            return f"Public URL {self.public_url}"
        if self.status == "failed":
            return f"Tunnel failed: {self.reason}"
        if self.status == "reconnecting":
            return f"Tunnel reconnecting ({self.reason})" if self.reason else \
                "Tunnel reconnecting"
        return {"connecting": "Tunnel connecting…", "stopped": "No tunnel"}[self.status]


Listener = Callable[[TunnelState], None]


class Tunnel:
    """Base class: subclasses implement :meth:`_run_once`, which opens the tunnel, calls
    :meth:`_up` with the public URL and returns (or raises) when the tunnel is lost."""

    def __init__(self, spec: TunnelSpec, local_port: int) -> None:
        self.spec = spec
        self.local_port = local_port
        self.state = TunnelState(client_ip_header=CLIENT_IP_HEADERS.get(spec.kind))
        self.listeners: list[Listener] = []
        self._task: asyncio.Task[None] | None = None
        self.backoff_start = BACKOFF_START

    # -- for owners ---------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None or self._task.done():
            self._set(status="connecting", reason="")
            self._task = asyncio.get_running_loop().create_task(self._supervise())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._close()
        self._set(status="stopped", public_url=None, reason="")

    # -- for subclasses -----------------------------------------------------------------------
    async def _run_once(self) -> None:
        raise NotImplementedError

    async def _close(self) -> None:
        """Release what one connection holds (called between tries and at stop)."""

    def _up(self, public_url: str) -> None:
        self._set(status="up", public_url=public_url, reason="")

    def _set(self, **changes: object) -> None:
        changed = replace(self.state, **changes)  # type: ignore[arg-type]
        if changed.status != self.state.status:
            changed = replace(changed, since=time.time())
        self.state = changed
        for listener in list(self.listeners):
            try:
                listener(changed)
            except Exception:  # a listener's bug must not take the tunnel down
                log.exception("tunnel listener failed")

    async def _supervise(self) -> None:
        delay = self.backoff_start
        while True:
            try:
                await self._run_once()
                reason = "the connection closed"
            except TunnelGaveUp as exc:
                await self._close()
                self._set(status="failed", reason=str(exc))
                return
            except (TunnelError, OSError) as exc:
                reason = str(exc) or type(exc).__name__
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # an unexpected library error: retry, say what it was
                log.warning("tunnel error: %r", exc)
                reason = f"{type(exc).__name__}: {exc}"
            await self._close()
            if self.state.status == "up":
                delay = self.backoff_start  # it was working: retry quickly
            self._set(status="reconnecting", reason=f"{reason}; retrying in {delay:.0f} s")
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_CAP)
