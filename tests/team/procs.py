"""Real ``webhook-studio`` subprocesses on a team database, for the team tests."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


class Serve:
    """``webhook-studio serve`` on ``db`` with its own data folder (API token, TLS)."""

    def __init__(self, db: str, home: Path, *, lease_s: float | None = None) -> None:
        home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "XDG_DATA_HOME": str(home), "WEBHOOK_STUDIO_DATA_DIR": str(home)}
        if lease_s is not None:
            env["WEBHOOK_STUDIO_LEASE_S"] = str(lease_s)
        self.home = home
        self.log = open(home / "serve.err", "wb")  # noqa: SIM115  (closed in stop())
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "webhook_studio", "serve", "--port", "0", "--api-port", "0",
             "--db", db], stdout=subprocess.PIPE, stderr=self.log, env=env)
        self.receiver = ""
        self.api = ""

    async def ready(self, limit: float = 60) -> Serve:
        assert self.proc.stdout is not None
        first = await asyncio.wait_for(asyncio.to_thread(self.proc.stdout.readline), limit)
        second = await asyncio.wait_for(asyncio.to_thread(self.proc.stdout.readline), limit)
        assert first.startswith(b"listening on "), (first, self.errors())
        assert second.startswith(b"api on "), (second, self.errors())
        self.receiver, self.api = first.decode().split()[-1], second.decode().split()[-1]
        return self

    def token(self) -> str:
        for path in self.home.rglob("api-token"):
            return path.read_text().strip()
        raise AssertionError(f"no api-token under {self.home}")

    def errors(self) -> str:
        self.log.flush()
        return (self.home / "serve.err").read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.log.close()


async def until(predicate: Callable[[], bool], what: str, limit: float = 30.0,
                step: float = 0.05, why: Callable[[], object] | None = None) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, \
            f"timed out after {limit:g} s waiting for {what}" + (f": {why()}" if why else "")
        await asyncio.sleep(step)
