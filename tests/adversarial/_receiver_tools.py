"""Helpers for the receiver's adversarial tests: a real ``webhook-studio listen`` process,
raw-socket clients and flooders, and readings from /proc (Linux)."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Listener:
    proc: subprocess.Popen[bytes]
    url: str
    db: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self, timeout: float = 20) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise


@contextlib.contextmanager
def listen(tmp_path: Path, *args: str, stderr: int | None = subprocess.DEVNULL,
           ready_timeout: float = 30) -> Iterator[Listener]:
    """``webhook-studio listen --port 0`` on a database in ``tmp_path``; stopped with SIGTERM
    at the end. ``stderr`` may be a pipe nobody reads (``subprocess.PIPE``)."""
    db = tmp_path / "studio.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "webhook_studio", "listen", "--port", "0", "--db", str(db),
         *args], stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL)
    assert proc.stdout is not None
    line = b""
    deadline = time.monotonic() + ready_timeout
    while b"listening on" not in line:
        assert time.monotonic() < deadline, "the receiver did not start"
        line = proc.stdout.readline()
        assert line or proc.poll() is None, "the receiver exited before listening"
    listener = Listener(proc, line.decode().split("listening on", 1)[1].strip(), db)
    try:
        yield listener
    finally:
        with contextlib.suppress(subprocess.TimeoutExpired):
            listener.stop()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def post(port: int, path: str = "/fast", body: bytes = b"{}", headers: dict[str, str] | None
         = None, timeout: float = 30, tls: ssl.SSLContext | None = None) -> tuple[int, float]:
    """One ``POST`` on a fresh connection; ``(status, seconds)``; status 0 when it failed."""
    started = time.monotonic()
    head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{head}"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    try:
        with contextlib.ExitStack() as stack:
            sock = stack.enter_context(
                socket.create_connection(("127.0.0.1", port), timeout=timeout))
            if tls is not None:
                sock = stack.enter_context(tls.wrap_socket(sock, server_hostname="127.0.0.1"))
            sock.sendall(request)
            reply = b""
            while b"\r\n" not in reply:
                data = sock.recv(4096)
                if not data:
                    break
                reply += data
    except OSError:
        return 0, time.monotonic() - started
    parts = reply.split(b" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return status, time.monotonic() - started


@dataclass
class Flood:
    """``count`` idle sockets to ``port``, each reopened as soon as the server closes it, on
    a thread, until stopped. They never send a byte."""

    port: int
    count: int
    opened: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Flood:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(10)

    def _open(self, selector: selectors.BaseSelector) -> None:
        sock = socket.socket()
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            sock.connect(("127.0.0.1", self.port))
        selector.register(sock, selectors.EVENT_READ)
        self.opened += 1

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        for _ in range(self.count):
            self._open(selector)
        while not self._stop.is_set():
            for key, _ in selector.select(0.05):
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                try:
                    data = sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    selector.unregister(sock)
                    sock.close()
                    self._open(selector)
        for key in list(selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
        selector.close()


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


class HugeTarget:
    """A forward target on a thread that answers every request with ``size`` bytes, sent
    from one reused buffer (so the test process itself stays small)."""

    def __init__(self, size: int, cut_at: int | None = None) -> None:
        self.size = size
        self.cut_at = size if cut_at is None else cut_at  # bytes sent before hanging up
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.served = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def __enter__(self) -> HugeTarget:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.close()
        self._thread.join(10)

    def _run(self) -> None:
        chunk = b"x" * (1024 * 1024)
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(60)
                try:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        more = conn.recv(65536)
                        if not more:
                            break
                        data += more
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                 b"Content-Length: %d\r\nConnection: close\r\n\r\n" % self.size)
                    left = self.cut_at
                    while left > 0:
                        piece = chunk[:min(left, len(chunk))]
                        conn.sendall(piece)
                        left -= len(piece)
                    self.served += 1
                except OSError:
                    continue


class RssWatch:
    """Samples a process's resident memory on a thread; ``peak`` in KiB."""

    def __init__(self, pid: int, every: float = 0.02) -> None:
        self.pid = pid
        self.every = every
        self.peak = rss_kib(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            with contextlib.suppress(OSError, AssertionError):
                self.peak = max(self.peak, rss_kib(self.pid))
