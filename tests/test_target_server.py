"""The per-test target server (tests/conftest.py) cannot be held by a client that connected
and never spoke: such a client hung a clean-clone CI run's teardown for 120 s."""

from __future__ import annotations

import socket
import threading

import httpx
from pytest_httpserver import HTTPServer

from tests.conftest import TARGET_READ_TIMEOUT


def test_a_silent_connection_does_not_hold_the_target(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    silent = socket.create_connection((httpserver.host, httpserver.port))
    try:
        # The server's one thread takes the silent connection first; the real request is
        # answered once that connection's read times out, not never.
        response = httpx.post(httpserver.url_for("/hook"), content=b"{}",
                              timeout=TARGET_READ_TIMEOUT * 4)
        assert response.text == "ok"
        silent2 = socket.create_connection((httpserver.host, httpserver.port))
        stopper = threading.Thread(target=httpserver.stop, daemon=True)
        stopper.start()
        stopper.join(TARGET_READ_TIMEOUT * 4)
        assert not stopper.is_alive(), "stop() is still waiting on a silent connection"
        silent2.close()
    finally:
        silent.close()
