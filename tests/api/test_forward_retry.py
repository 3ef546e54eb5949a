"""``POST /captures/{id}/forwards/retry``: a failed forward sent again by hand, over real HTTP,
with the relay wired as ``serve`` wires it (and without one, as an API beside no receiver)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import jsonschema
import pytest
from pytest_httpserver import HTTPServer

from tests.api.conftest import Api
from webhook_studio.api import ApiServer, ApiServices, load_or_create_token
from webhook_studio.context import AppContext
from webhook_studio.core.retry import parse_policy
from webhook_studio.receiver import EndpointConfig, Receiver
from webhook_studio.sender import Dispatcher
from webhook_studio.wiring import attach_receiver_extras


@pytest.fixture
async def served(ctx: AppContext) -> AsyncIterator[tuple[Api, Any]]:
    """Receiver with its relay, sender and API, as ``serve`` runs them; automatic forward
    retries 10 minutes apart, so every retry a test sees is the one it asked for."""
    receiver = Receiver(ctx.store, ctx.clock, host="127.0.0.1", port=0,
                        default_endpoint=EndpointConfig(path="/", name="serve"))
    extras = attach_receiver_extras(receiver, ctx)
    extras.forwarder.retry_policy = parse_policy("0,10m")
    dispatcher = Dispatcher(ctx.store, ctx.clock)
    token = load_or_create_token(ctx.data_dir)
    server = ApiServer(ApiServices(ctx.store, ctx.clock, dispatcher, receiver,
                                   profiles=ctx.profiles), token)
    receiver_url = await receiver.start()
    base = await server.start("127.0.0.1", 0)
    async with aiohttp.ClientSession() as http:
        yield Api(base, token, receiver_url, http, ctx, dispatcher), extras.forwarder
    await server.stop()
    await receiver.stop()
    await extras.close()
    await dispatcher.stop()


async def _until(api: Api, capture_id: int, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 20
    while True:
        status, capture = await api.call("GET", f"/captures/{capture_id}")
        assert status == 200
        if len(capture["forwards"]) >= count:
            return list(capture["forwards"])
        assert time.monotonic() < deadline, f"forwards so far: {capture['forwards']}"
        await asyncio.sleep(0.05)


async def _receive(api: Api, path: str, body: bytes) -> int:
    async with api.http.post(api.receiver_url + path, data=body) as resp:
        assert resp.status == 200, await resp.text()
        return int((await resp.json())["capture"])


async def test_a_failed_forward_is_sent_again_once_the_target_is_up(
        served: tuple[Api, Any], httpserver: HTTPServer) -> None:
    api, forwarder = served
    target = httpserver.url_for("/handler")
    httpserver.stop()  # the handler is not running yet: the forward fails
    status, _ = await api.call("POST", "/endpoints", {"path": "/shop", "forward_to": [target]})
    assert status == 201
    capture_id = await _receive(api, "/shop/orders?x=1", b'{"order": 7}')
    [failed] = await _until(api, capture_id, 1)
    assert failed["ok"] is False and failed["outcome"] == "connection_error"
    httpserver.start()
    httpserver.expect_oneshot_request("/handler/orders", query_string="x=1",
                                      data=b'{"order": 7}').respond_with_data("thanks", 202)

    status, out = await api.call("POST", f"/captures/{capture_id}/forwards/retry", {})
    assert status == 200, out
    assert (out["status"], out["ok"], out["manual"], out["attempt"]) == (202, True, True, 2)
    assert out["body"] == "thanks" and out["url"] == target + "/orders?x=1"
    httpserver.check_assertions()  # exactly the captured request, below the prefix
    forwards = await _until(api, capture_id, 2)
    assert [f["ok"] for f in forwards] == [False, True]
    # the automatic retry still pending for that target is called off: the handler got it once
    assert forwarder._pending == {}
    status, doc = await api.call("GET", "/openapi.json")
    schema = {"$ref": "#/components/schemas/ForwardOut", "components": doc["components"]}
    jsonschema.Draft202012Validator(schema).validate(out)


async def test_the_target_must_be_one_the_capture_forwards_to(
        served: tuple[Api, Any], httpserver: HTTPServer) -> None:
    api, _ = served
    first, second = httpserver.url_for("/a"), httpserver.url_for("/b")
    httpserver.expect_request("/a").respond_with_data("a")
    httpserver.expect_request("/b").respond_with_data("b")
    await api.call("POST", "/endpoints", {"path": "/two", "forward_to": [first, second]})
    capture_id = await _receive(api, "/two", b"x")
    await _until(api, capture_id, 2)

    status, out = await api.call("POST", f"/captures/{capture_id}/forwards/retry",
                                 {"target": "http://127.0.0.1:1/elsewhere"})
    assert status == 422
    sentence = out["fields"]["target"]
    assert "http://127.0.0.1:1/elsewhere" in sentence and first in sentence \
        and second in sentence
    status, out = await api.call("POST", f"/captures/{capture_id}/forwards/retry")
    assert status == 422 and "2 targets" in out["fields"]["target"]
    status, out = await api.call("POST", f"/captures/{capture_id}/forwards/retry",
                                 {"target": "not a url"})
    assert status == 422 and "target" in out["fields"]
    status, out = await api.call("POST", f"/captures/{capture_id}/forwards/retry",
                                 {"target": second})
    assert status == 200 and out["target"] == second and out["body"] == "b"
    assert len(await _until(api, capture_id, 3)) == 3  # nothing stored by the refusals


async def test_unknown_capture_is_404(served: tuple[Api, Any]) -> None:
    api, _ = served
    status, out = await api.call("POST", "/captures/424242/forwards/retry", {})
    assert status == 404 and "424242" in out["detail"]


async def test_an_api_without_a_relay_still_retries_to_the_endpoints_target(
        api: Api, httpserver: HTTPServer) -> None:
    """The ``api`` fixture's receiver has no relay: the capture was never forwarded, yet its
    endpoint names a target, so a retry by hand sends it there and records it."""
    httpserver.expect_request("/in").respond_with_data("late but fine")
    await api.call("POST", "/endpoints", {"path": "/late",
                                          "forward_to": [httpserver.url_for("/in")]})
    capture_id = await _receive(api, "/late", b"payload")
    status, out = await api.call("POST", f"/captures/{capture_id}/forwards/retry")
    assert status == 200 and out["status"] == 200 and out["body"] == "late but fine"
    assert [f["manual"] for f in await _until(api, capture_id, 1)] == [True]
