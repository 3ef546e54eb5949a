"""Defect guarded (issue 14, item 3): under ``listen --tls`` connections that never start the
TLS handshake were not counted against the connection cap and had no deadline; a few thousand
of them ran the receiver out of file descriptors."""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
from pathlib import Path

from tests.adversarial._receiver_tools import listen, open_fds, post

SILENT_SOCKETS = 700  # well past the cap of 256


def test_silent_tls_sockets_are_capped_and_fast_tls_clients_served(tmp_path: Path) -> None:
    """700 raw TCP sockets that never send a ClientHello: the receiver's open file
    descriptors stay near its cap of 256 (they grew with every socket before), and TLS clients
    that do handshake are answered, each within 5 s."""
    client = ssl.create_default_context()
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    with listen(tmp_path, "--tls") as receiver, contextlib.ExitStack() as stack:
        assert receiver.url.startswith("https://")
        baseline = open_fds(receiver.proc.pid)
        silent = []
        for _ in range(SILENT_SOCKETS):
            sock = stack.enter_context(socket.socket())
            sock.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                sock.connect(("127.0.0.1", receiver.port))
            silent.append(sock)
        results = []
        most_fds = 0
        end = time.monotonic() + 6.0
        while time.monotonic() < end:
            results.append(post(receiver.port, tls=client, timeout=30))
            most_fds = max(most_fds, open_fds(receiver.proc.pid))
            time.sleep(0.2)
    statuses = [status for status, _ in results]
    assert statuses == [200] * len(statuses), statuses
    assert max(seconds for _, seconds in results) < 5.0
    assert most_fds - baseline < 256 + 40, f"{most_fds - baseline} descriptors for sockets"
