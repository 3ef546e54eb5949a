"""Defect guarded (issue 14, item 5): ``listen --forward-to`` a target answering 512 MiB took
the receiver to 1.1 GiB, because the target's whole answer was read into memory."""

from __future__ import annotations

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
