"""Both HTTP client backends fail the same way: timeouts, refusals and TLS errors are told apart."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from webhook_studio.sender.errors import classify_transport_error
from webhook_studio.sender.transport import USER_AGENT, make_client

#: Both are dependencies (pyproject.toml); the sender uses httpx-aiohttp by default.
BACKENDS = ["httpx", "httpx-aiohttp"]


async def outcome_of(backend: str, url: str, limit: float = 0.3) -> tuple[str, str]:
    async with make_client(backend=backend) as client:
        try:
            await client.post(url, content=b"{}", timeout=limit)
        except httpx.HTTPError as exc:
            return classify_transport_error(exc, limit)
    raise AssertionError("the request should have failed")


@pytest.mark.parametrize("backend", BACKENDS)
async def test_timeout_refused_and_tls_are_distinct(httpserver: HTTPServer, backend: str) -> None:
    done = threading.Semaphore(0)

    def slow(_request: Request) -> Response:
        time.sleep(0.4)
        done.release()
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    outcome, sentence = await outcome_of(backend, httpserver.url_for("/slow"))
    assert outcome == "timeout" and "No response within 0.3 s" in sentence
    outcome, sentence = await outcome_of(backend, "http://127.0.0.1:9/closed")
    assert outcome == "connection_error" and sentence.startswith("Could not connect")
    # https:// to a plain-HTTP port: the TLS handshake fails.
    tls_url = httpserver.url_for("/tls").replace("http://", "https://")
    outcome, sentence = await outcome_of(backend, tls_url, limit=2)
    assert outcome == "tls_error" and sentence.startswith("TLS failed")
    assert done.acquire(timeout=5)
    time.sleep(0.05)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_redirects_are_not_followed_and_user_agent_is_set(
        httpserver: HTTPServer, backend: str) -> None:
    httpserver.expect_request("/moved").respond_with_data(
        "", status=302, headers={"Location": "/elsewhere"})
    async with make_client(backend=backend) as client:
        response = await client.post(httpserver.url_for("/moved"), content=b"{}")
    assert response.status_code == 302
    assert httpserver.log[0][0].headers["User-Agent"] == USER_AGENT
    assert len(httpserver.log) == 1


def test_unknown_backend_is_a_sentence() -> None:
    with pytest.raises(ValueError, match="use httpx or httpx-aiohttp"):
        make_client(backend="curl")
