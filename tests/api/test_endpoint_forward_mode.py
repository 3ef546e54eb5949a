"""``forward_mode`` through the API: set on create and on PATCH, read back, refused with a
sentence when it is neither mode, and obeyed by the receiver on its next request (proxy: the
provider gets the first target's answer; async: the endpoint's response rule)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from pytest_httpserver import HTTPServer

from webhook_studio.api import ApiServer, ApiServices, load_or_create_token
from webhook_studio.context import AppContext
from webhook_studio.receiver import EndpointConfig, Receiver
from webhook_studio.store.receiver_models import Endpoint
from webhook_studio.wiring import attach_receiver_extras


class Running:
    def __init__(self, base: str, receiver_url: str, token: str,
                 http: aiohttp.ClientSession) -> None:
        self.base, self.receiver_url, self.token, self.http = base, receiver_url, token, http

    async def call(self, method: str, path: str, json: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, f"{self.base}/api/v1{path}", json=json,
                                     headers={"Authorization": f"Bearer {self.token}"}) as resp:
            return resp.status, await resp.json()

    async def post_hook(self, path: str) -> tuple[int, str]:
        async with self.http.post(self.receiver_url + path, data=b'{"id": 1}') as resp:
            return resp.status, await resp.text()


@pytest.fixture
async def running(ctx: AppContext) -> AsyncIterator[Running]:
    """The API and a receiver that forwards, as ``serve`` and the window wire them."""
    receiver = Receiver(ctx.store, ctx.clock, host="127.0.0.1", port=0,
                        default_endpoint=EndpointConfig(path="/", name="test"))
    extras = attach_receiver_extras(receiver, ctx)
    token = load_or_create_token(ctx.data_dir)
    server = ApiServer(ApiServices(ctx.store, ctx.clock, None, receiver,
                                   profiles=ctx.profiles), token)
    receiver_url = await receiver.start()
    base = await server.start("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as http:
            yield Running(base, receiver_url, token, http)
    finally:
        await server.stop()
        await receiver.stop()
        await extras.close()


async def test_forward_mode_is_set_read_and_obeyed(running: Running, ctx: AppContext,
                                                   httpserver: HTTPServer) -> None:
    httpserver.expect_request("/handler").respond_with_data("from the handler", status=201)
    status, ep = await running.call("POST", "/endpoints", {
        "path": "/relay", "forward_to": [httpserver.url_for("/handler")],
        "forward_mode": "proxy", "response_status": 202, "response_body": "rule"})
    assert status == 201, ep
    assert ep["forward_mode"] == "proxy"
    assert (await running.call("GET", f"/endpoints/{ep['id']}"))[1]["forward_mode"] == "proxy"
    assert await running.post_hook("/relay") == (201, "from the handler")

    status, ep = await running.call("PATCH", f"/endpoints/{ep['id']}", {"forward_mode": "async"})
    assert status == 200 and ep["forward_mode"] == "async"
    assert await running.post_hook("/relay") == (202, "rule")
    listed = (await running.call("GET", "/endpoints"))[1]["items"]
    assert [e["forward_mode"] for e in listed] == ["async"]


async def test_an_unknown_forward_mode_is_a_422_and_changes_nothing(
        running: Running, ctx: AppContext) -> None:
    status, body = await running.call("POST", "/endpoints", {"path": "/a",
                                                             "forward_mode": "sync"})
    assert status == 422
    assert body["fields"] == {"forward_mode": "must be one of: async, proxy"}
    status, ep = await running.call("POST", "/endpoints", {"path": "/b"})
    assert status == 201 and ep["forward_mode"] == "async", "async unless asked"
    for wrong in ("PROXY", None, 1):
        status, body = await running.call("PATCH", f"/endpoints/{ep['id']}",
                                          {"forward_mode": wrong, "name": "renamed"})
        assert status == 422 and set(body["fields"]) == {"forward_mode"}, body
    with ctx.store.session() as session:
        rows = session.query(Endpoint).all()
        assert [(r.path, r.name, r.forward_mode) for r in rows] == [("/b", "/b", "async")]


async def test_the_openapi_document_names_both_modes(running: Running) -> None:
    status, doc = await running.call("GET", "/openapi.json")
    assert status == 200
    schemas = doc["components"]["schemas"]
    assert schemas["Endpoint"]["properties"]["forward_mode"]["enum"] == ["async", "proxy"]
    assert "forward_mode" in schemas["EndpointOut"]["required"]
