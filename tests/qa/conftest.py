"""A real ``webhook-studio listen`` in a subprocess, for tests that run exported modules."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


class Listener:
    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "webhook_studio", "listen", "--port", "0", "--quiet",
             "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        reader.start()
        reader.join(45)
        first = line[0] if line else b""
        if not first.startswith(b"listening on http://"):
            self.stop()
            raise AssertionError(f"listen did not start: {first!r} "
                                 f"{self.proc.stderr.read() if self.proc.stderr else b''!r}")
        self.url = first.decode().split()[-1]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def listen() -> Iterator[Callable[[Path], Listener]]:
    started: list[Listener] = []

    def start(db: Path) -> Listener:
        listener = Listener(db)
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()
