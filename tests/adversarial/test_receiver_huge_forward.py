"""Defect guarded (issue 14, item 5): ``listen --forward-to`` a target answering 512 MiB took
the receiver to 1.1 GiB, because the target's whole answer was read into memory."""

from __future__ import annotations

import contextlib
import subprocess
import time
from pathlib import Path

from tests.adversarial._receiver_tools import HugeTarget, RssWatch, listen, post, rss_kib
from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import create_endpoint

HUGE = 512 * 1024 * 1024
#: The receiver may grow this much while relaying (it grew by ~1 GiB before).
ALLOWED_GROWTH_KIB = 150 * 1024


def forwards_of(db: Path, path: str) -> list[dict[str, object]]:
    store = open_store(db)
    try:
        with store.session() as session:
            capture = session.query(Capture).filter(Capture.path == path).first()
            return list(capture.forwards or []) if capture is not None else []
    finally:
        store.dispose()


def test_a_512_mib_answer_is_counted_not_held(tmp_path: Path) -> None:
    """Forwarding to a target that answers 512 MiB: the receiver's RSS grows by less than
    150 MiB, and the forward record keeps the first 64 KiB and the full size."""
    with HugeTarget(HUGE) as target, listen(tmp_path, "--forward-to", target.url) as receiver:
        assert post(receiver.port, "/warm")[0] == 200
        time.sleep(0.5)
        baseline = rss_kib(receiver.proc.pid)
        with RssWatch(receiver.proc.pid) as watch:
            assert post(receiver.port, "/huge")[0] == 200
            deadline = time.monotonic() + 40
            while not forwards_of(receiver.db, "/huge") and time.monotonic() < deadline:
                time.sleep(0.2)
        (record,) = forwards_of(receiver.db, "/huge")
    assert record["status"] == 200 and record["body_size"] == HUGE
    assert record["body_truncated"] is True and len(str(record["body"])) == 64 * 1024
    growth = watch.peak - baseline
    assert growth < ALLOWED_GROWTH_KIB, f"RSS grew by {growth // 1024} MiB"


def test_proxy_mode_streams_a_512_mib_answer_through(tmp_path: Path) -> None:
    """Proxy mode answers with the target's response: the caller gets all 512 MiB, streamed,
    while the receiver's RSS grows by less than 150 MiB."""
    import socket

    with HugeTarget(HUGE) as target:
        db = tmp_path / "studio.sqlite3"
        store = open_store(db)
        create_endpoint(store, path="/proxy", forward_to=[target.url], forward_mode="proxy")
        store.dispose()
        with listen(tmp_path) as receiver:
            assert post(receiver.port, "/warm")[0] == 200
            time.sleep(0.5)
            baseline = rss_kib(receiver.proc.pid)
            received = 0
            with RssWatch(receiver.proc.pid) as watch, socket.create_connection(
                    ("127.0.0.1", receiver.port), timeout=30) as sock:
                sock.sendall(b"POST /proxy HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                             b"Content-Length: 2\r\n\r\n{}")
                head = b""
                while b"\r\n\r\n" not in head:
                    head += sock.recv(65536)
                head, _, rest = head.partition(b"\r\n\r\n")
                received = len(rest)
                while data := sock.recv(1024 * 1024):
                    received += len(data)
            deadline = time.monotonic() + 20
            while not forwards_of(receiver.db, "/proxy") and time.monotonic() < deadline:
                time.sleep(0.2)
            (record,) = forwards_of(receiver.db, "/proxy")
    assert head.startswith(b"HTTP/1.1 200")
    # Chunked framing adds a few bytes per chunk; the payload is at least the 512 MiB.
    assert received >= HUGE
    assert record["body_size"] == HUGE
    growth = watch.peak - baseline
    assert growth < ALLOWED_GROWTH_KIB, f"RSS grew by {growth // 1024} MiB"


def test_proxy_mode_hangs_up_on_the_caller_when_the_target_breaks_off(tmp_path: Path) -> None:
    """A target that announces 8 MiB and hangs up after 1 MiB: the caller's connection is
    cut too (a cut answer must not look complete), and the record says it broke off."""
    import socket

    with HugeTarget(8 * 1024 * 1024, cut_at=1024 * 1024) as target:
        db = tmp_path / "studio.sqlite3"
        store = open_store(db)
        create_endpoint(store, path="/proxy", forward_to=[target.url], forward_mode="proxy")
        store.dispose()
        with listen(tmp_path, stderr=subprocess.PIPE) as receiver, socket.create_connection(
                ("127.0.0.1", receiver.port), timeout=30) as sock:
            sock.sendall(b"POST /proxy HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
            reply = b""
            with contextlib.suppress(ConnectionResetError):
                while data := sock.recv(1024 * 1024):
                    reply += data
            deadline = time.monotonic() + 20
            while not forwards_of(receiver.db, "/proxy") and time.monotonic() < deadline:
                time.sleep(0.2)
            (record,) = forwards_of(receiver.db, "/proxy")
            assert receiver.stop() == 0
            assert receiver.proc.stderr is not None
            stderr = receiver.proc.stderr.read()
    assert b"Traceback" not in stderr, stderr[-2000:]
    assert reply.startswith(b"HTTP/1.1 200")
    assert not reply.endswith(b"0\r\n\r\n")  # no final chunk: the caller sees it was cut
    assert record["outcome"] == "broken" and "broke off" in str(record["error"])
    assert record["body_size"] == 1024 * 1024 and record["ok"] is False
