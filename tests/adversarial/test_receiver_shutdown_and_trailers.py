"""Defects guarded (issue 14, item 12): a request still uploading its body when ``listen``
got SIGTERM was never answered; a chunked request's trailer fields were dropped."""

from __future__ import annotations

import itertools
import signal
import socket
import time
from pathlib import Path

from tests.adversarial._receiver_tools import listen
from webhook_studio.store import open_store
from webhook_studio.store.receiver_models import Capture


def captures(db: Path) -> list[Capture]:
    store = open_store(db)
    try:
        with store.session() as session:
            rows = session.query(Capture).order_by(Capture.id).all()
            for row in rows:
                _ = row.body  # deferred column: load it before the session ends
                session.expunge(row)
            return rows
    finally:
        store.dispose()


def test_sigterm_answers_an_upload_in_progress_with_503(tmp_path: Path) -> None:
    """SIGTERM while a body is half sent: the client gets 503 with Connection: close, the
    receiver exits 0, and the request is listed as rejected with the reason."""
    with listen(tmp_path) as receiver, socket.create_connection(
            ("127.0.0.1", receiver.port), timeout=20) as sock:
        sock.sendall(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
                     + b"a" * 1000)
        time.sleep(0.5)  # the handler is now waiting for the rest of the body
        receiver.proc.send_signal(signal.SIGTERM)
        reply = b""
        while data := sock.recv(65536):
            reply += data
        assert receiver.proc.wait(20) == 0
        db = receiver.db
    head = reply.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 503")
    assert b"connection: close" in head
    (capture,) = [c for c in captures(db) if c.path == "/upload"]
    assert capture.state == "rejected" and capture.response_status == 503
    assert capture.error is not None and "stopping" in capture.error
    assert "1000 bytes received of 100000" in capture.error


def test_chunked_trailers_are_kept_with_the_capture(tmp_path: Path) -> None:
    """Two chunked requests with trailers, pipelined on one keep-alive connection and split
    at awkward places: each capture keeps its own trailers, marked, after its headers."""
    first = (b"POST /one HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
             b"Trailer: X-Checksum\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n"
             b"X-Checksum: abc123\r\nX-Other: 1\r\n\r\n")
    second = (b"POST /two HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
              b"Connection: close\r\n\r\n3\r\nbye\r\n0\r\nX-Checksum: def456\r\n\r\n")
    stream = first + second
    with listen(tmp_path) as receiver, socket.create_connection(
            ("127.0.0.1", receiver.port), timeout=20) as sock:
        cuts = [0, 30, 95, 104, len(first) - 3, len(first) + 70, len(stream)]
        for start, stop in itertools.pairwise(cuts):
            sock.sendall(stream[start:stop])
            time.sleep(0.05)
        reply = b""
        while data := sock.recv(65536):
            reply += data
        assert reply.count(b"HTTP/1.1 200") == 2
        db = receiver.db
    one, two = captures(db)
    assert one.body == b"hello world" and two.body == b"bye"
    assert one.headers[-2:] == [["[trailer] X-Checksum", "abc123"], ["[trailer] X-Other", "1"]]
    assert two.headers[-1] == ["[trailer] X-Checksum", "def456"]
    assert ["Trailer", "X-Checksum"] in one.headers
