"""Helpers for the sender's adversarial tests: a real ``webhook-studio serve`` subprocess
(its own store, ports picked by the OS, stderr to a file nobody can forget to read) and the
calls those tests make to it. Named for the sender tests so other suites' helpers in this
folder do not collide with it."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp

START_S = 45.0


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "webhook_studio", *args]


class ServeProcess:
    """``webhook-studio serve --port 0 --api-port 0 --db DB``; use ``async with``."""

    def __init__(self, db: Path, name: str = "serve") -> None:
        self.db = db
        self.stderr_path = db.parent / f"{name}.stderr"
        self.proc: subprocess.Popen[bytes] | None = None
        self.receiver = ""
        self.api = ""
        self.token = ""
        self.http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ServeProcess:
        with self.stderr_path.open("wb") as err:
            self.proc = subprocess.Popen(
                cli("serve", "--port", "0", "--api-port", "0", "--db", str(self.db)),
                stdout=subprocess.PIPE, stderr=err)
        assert self.proc.stdout is not None
        first = await asyncio.wait_for(asyncio.to_thread(self.proc.stdout.readline), START_S)
        second = await asyncio.wait_for(asyncio.to_thread(self.proc.stdout.readline), START_S)
        assert first.startswith(b"listening on "), (first, self.stderr())
        assert second.startswith(b"api on "), (second, self.stderr())
        self.receiver, self.api = first.decode().split()[-1], second.decode().split()[-1]
        self.token = (self.db.parent / "api-token").read_text().strip()
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.http is not None:
            await self.http.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    async def stop(self) -> int:
        """SIGTERM and the exit code (serve flushes and exits 0)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.proc.wait, 40)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() \
            else ""

    def rss_bytes(self) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    async def call(self, method: str, path: str, json: Any = None) -> tuple[int, Any]:
        assert self.http is not None
        async with self.http.request(method, f"{self.api}/api/v1{path}", json=json,
                                     headers={"Authorization": f"Bearer {self.token}"}) as r:
            return r.status, await r.json()

    async def liveness(self) -> tuple[int, dict[str, str]]:
        assert self.http is not None
        async with self.http.get(f"{self.api}/health") as resp:
            return resp.status, await resp.json()

    async def subscribe(self, url: str, **fields: Any) -> str:
        status, body = await self.call("POST", "/webhooks",
                                       {"url": url, "events": ["*"], **fields})
        assert status == 201, body
        return str(body["id"])

    async def emit(self, event_type: str = "order.paid", data: Any = None) -> list[str]:
        status, body = await self.call("POST", "/events",
                                       {"type": event_type, "data": data or {}})
        assert status == 202, body
        return [str(i) for i in body["delivery_ids"]]

    async def delivery(self, delivery_id: str) -> dict[str, Any]:
        status, body = await self.call("GET", f"/deliveries/{delivery_id}")
        assert status == 200, body
        return dict(body)


async def eventually(check: Callable[[], Awaitable[bool]], what: str,
                     limit: float = 45.0, every: float = 0.2) -> None:
    deadline = time.monotonic() + limit
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(every)
