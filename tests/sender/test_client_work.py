"""What the sender's HTTP client adds to a request, and what it must never add.

A webhook sender is not a browser: a cookie one target sets must never ride along on the next
delivery (to it or to anyone). The sender posts straight to the transport
(``SenderClient.post_direct``), so the client's defaults are merged here, once, and a
subscription's own headers still win over them.
"""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.sender.conftest import subscribe
from tests.sender.test_transport import BACKENDS
from webhook_studio.core.clock import FixedClock
from webhook_studio.sender import Dispatcher
from webhook_studio.sender.transport import USER_AGENT, make_client
from webhook_studio.store import Store


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
async def test_a_cookie_a_target_sets_is_never_sent_back(
        httpserver: HTTPServer, store: Store, clock: FixedClock, backend: str,
        host: str) -> None:
    def set_cookie(_request: Request) -> Response:
        return Response("ok", headers=[("Set-Cookie", "session=s3cr3t; Path=/"),
                                       ("Set-Cookie", "other=1; Path=/; Max-Age=600")])

    httpserver.expect_request("/hook").respond_with_handler(set_cookie)
    url = httpserver.url_for("/hook").replace("localhost", host)
    subscribe(store, url)
    client = make_client(backend=backend)
    dispatcher = Dispatcher(store, clock, client=client)
    try:
        for n in range(3):
            dispatcher.emit("user.created", {"n": n})
            assert await dispatcher.run_due() == 1
    finally:
        await dispatcher.stop()
        await client.aclose()
    assert len(httpserver.log) == 3
    assert [r.headers.get("Cookie") for r, _ in httpserver.log] == [None, None, None]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_defaults_are_sent_once_and_a_subscription_header_wins(
        httpserver: HTTPServer, store: Store, clock: FixedClock, backend: str) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    plain = subscribe(store, httpserver.url_for("/hook"), events=["plain.*"])
    subscribe(store, httpserver.url_for("/hook"), events=["custom.*"],
              headers={"user-agent": "Acme-Hooks/2", "X-Team": "billing"})
    client = make_client(backend=backend)
    dispatcher = Dispatcher(store, clock, client=client)
    try:
        dispatcher.emit("plain.one", {})
        dispatcher.emit("custom.one", {})
        assert await dispatcher.run_due() == 2
    finally:
        await dispatcher.stop()
        await client.aclose()
    seen = {r.headers.get("X-Team"): r for r, _ in httpserver.log}
    assert plain and set(seen) == {None, "billing"}
    for request in seen.values():
        assert len(request.headers.getlist("User-Agent")) == 1
        assert request.headers["Accept-Encoding"] == "identity"
        assert request.headers["Content-Type"] == "application/json"
        assert int(request.headers["Content-Length"]) == len(request.get_data())
    assert seen[None].headers["User-Agent"] == USER_AGENT
    assert seen["billing"].headers["User-Agent"] == "Acme-Hooks/2"
