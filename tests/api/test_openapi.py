"""The served OpenAPI document is valid OpenAPI 3.1, lists every route the app serves, and
real answers match the schemas it publishes for them."""

from __future__ import annotations

import base64
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate
from pytest_httpserver import HTTPServer

from tests.api.conftest import Api
from webhook_studio.api import ApiServices
from webhook_studio.api.app import build_app

WHSEC = "whsec_" + base64.b64encode(bytes(range(32))).decode()


async def _document(api: Api) -> dict[str, Any]:
    status, doc = await api.call("GET", "/openapi.json")
    assert status == 200
    return dict(doc)


async def test_the_served_document_is_valid_openapi_3_1(api: Api) -> None:
    doc = await _document(api)
    validate(doc)  # raises OpenAPIValidationError naming the first problem
    assert doc["openapi"] == "3.1.0"


async def test_it_lists_every_route_the_app_serves(api: Api) -> None:
    doc = await _document(api)
    app = build_app(ApiServices(api.ctx.store, api.ctx.clock, api.dispatcher), "t")
    served = {(route.method, route.resource.canonical) for route in app.router.routes()
              if route.method != "HEAD" and route.resource is not None}
    served.add(("GET", "/health"))  # answered ahead of the router (api/app.py)
    documented = {(method.upper(), path) for path, ops in doc["paths"].items()
                  for method in ops}
    assert documented == served
    assert len(served) > 25


def _check(doc: dict[str, Any], name: str, instance: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": doc["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


async def test_answers_match_the_published_schemas(api: Api, httpserver: HTTPServer) -> None:
    doc = await _document(api)
    status, sub = await api.call("POST", "/webhooks", {
        "url": "http://localhost:3000/hook", "events": ["user.*"], "secret": WHSEC,
        "rate_per_minute": 100_000, "max_concurrency": 64, "headers": {"X-Env": "test"}})
    assert status == 201, sub
    _check(doc, "SubscriptionOut", sub)
    _, listed = await api.call("GET", "/webhooks")
    for item in listed["items"]:
        _check(doc, "SubscriptionOut", item)
    status, sub = await api.call("POST", "/webhooks", {
        "url": "http://localhost:3000/hook", "events": ["*"], "profile": "envoyou"})
    assert status == 201 and sub["scheme"] == "hmac"  # a profile-only scheme still matches
    _check(doc, "SubscriptionOut", sub)
    status, ep = await api.call("POST", "/endpoints", {
        "path": "/gh", "scheme": "github", "secrets": ["s"], "tolerance": -1,
        "forward_to": ["http://127.0.0.1:9/"], "response_headers": {"X-A": "b"}})
    assert status == 201, ep
    _check(doc, "EndpointOut", ep)
    async with api.http.post(api.receiver_url + "/gh", data=b"{}") as resp:
        assert resp.status == 200
    _, captures = await api.call("GET", "/captures")
    httpserver.expect_request("/again").respond_with_data("ok")
    status, out = await api.call("POST", f"/captures/{captures['items'][0]['id']}/resend", {
        "url": httpserver.url_for("/again"), "body": "edited"})
    assert status == 201, out
    _check(doc, "ResendOut", out)
    # and what a request schema says matches what the handler accepts at its edges
    _check(doc, "Subscription", {"url": "http://x/", "events": ["*"], "timeout": 0.1,
                                 "rate_per_hour": 6_000_000, "max_concurrency": 1})
    with pytest.raises(jsonschema.ValidationError, match="300"):
        _check(doc, "Subscription", {"url": "http://x/", "events": ["*"], "timeout": 300.5})


async def test_the_event_batch_route_is_documented_with_its_schemas(api: Api) -> None:
    doc = await _document(api)
    op = doc["paths"]["/api/v1/events/batch"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/EventBatch")
    assert op["responses"]["202"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/EventBatchOut")
    assert {"401", "404", "413", "422"} <= set(op["responses"])
    status, sub = await api.call("POST", "/webhooks", {
        "url": "http://127.0.0.1:9/hook", "events": ["user.*"]})
    assert status == 201, sub
    batch = {"events": [{"type": "user.created", "data": {"id": 1}},
                        {"type": "other.thing", "data": None},
                        {"type": "other.thing", "data": [], "subscription_id": sub["id"]}]}
    _check(doc, "EventBatch", batch)
    status, out = await api.call("POST", "/events/batch", batch)
    assert status == 202, out
    _check(doc, "EventBatchOut", out)
    assert [len(ids) for ids in out["delivery_ids"]] == [1, 0, 1]
    # the request schema's edges are the handler's: 1 to 1,000 events, each an Event
    one = {"type": "a.b", "data": 1}
    _check(doc, "EventBatch", {"events": [one] * 1000})
    bads: list[dict[str, Any]] = [{"events": []}, {"events": [one] * 1001},
                                  {"events": [{"type": "a.b"}]}]
    for bad in bads:
        with pytest.raises(jsonschema.ValidationError):
            _check(doc, "EventBatch", bad)
        assert (await api.call("POST", "/events/batch", bad))[0] == 422
