"""``/endpoints`` and ``/captures`` over real HTTP, and the QA flow through the API alone."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from tests.api.conftest import Api

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


async def poll(api: Api, path: str, done: Any, tries: int = 200) -> Any:
    for _ in range(tries):
        status, body = await api.call("GET", path)
        if status == 200 and done(body):
            return body
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} never got there: {body}")


async def test_endpoint_crud_reloads_receiver(api: Api) -> None:
    status, ep = await api.call("POST", "/endpoints", {
        "path": "/gh", "name": "GitHub", "scheme": "github", "secrets": ["s"],
        "response_status": 202, "response_body": "thanks", "ip_allowlist": ["10.0.0.0/8"]})
    assert status == 201, ep
    assert ep["secrets_count"] == 1 and "secrets" not in ep
    assert ep["ip_allowlist"] == ["10.0.0.0/8"] and ep["response_body"] == "thanks"
    # the allowlist is enforced at once: loopback is not in 10/8
    async with api.http.post(api.receiver_url + "/gh", data=b"{}") as resp:
        assert resp.status == 403
    status, ep = await api.call("PATCH", f"/endpoints/{ep['id']}",
                                {"ip_allowlist": ["127.0.0.0/8"]})
    assert status == 200 and ep["ip_allowlist"] == ["127.0.0.0/8"]
    async with api.http.post(api.receiver_url + "/gh", data=b"{}") as resp:
        assert resp.status == 202 and await resp.text() == "thanks"
    status, listing = await api.call("GET", "/endpoints")
    assert [e["path"] for e in listing["items"]] == ["/gh"]
    assert (await api.call("GET", f"/endpoints/{ep['id']}"))[0] == 200
    assert (await api.call("DELETE", f"/endpoints/{ep['id']}"))[0] == 204
    for method in ("GET", "PATCH", "DELETE"):
        assert (await api.call(method, f"/endpoints/{ep['id']}", {}))[0] == 404
    assert (await api.call("GET", "/endpoints/abc"))[0] == 404


async def test_endpoint_422(api: Api) -> None:
    status, body = await api.call("POST", "/endpoints", {
        "path": "no-slash", "scheme": "nope", "response_status": 99,
        "ip_allowlist": ["300.1.1.1"], "tolerance": "5"})
    assert status == 422
    assert set(body["fields"]) == {"path", "scheme", "response_status", "ip_allowlist",
                                   "tolerance"}
    assert (await api.call("POST", "/endpoints", {"path": "/a"}))[0] == 201
    status, body = await api.call("POST", "/endpoints", {"path": "/a"})
    assert status == 422 and body["fields"]["path"].startswith("is already used")
    status, body = await api.call("POST", "/endpoints", {"path": "/b", "secrets": ["x"]})
    assert status == 422 and body["fields"] == {"secrets": "need a scheme to verify with"}


async def test_captures_list_filters_and_404(api: Api) -> None:
    for i in range(3):
        async with api.http.post(api.receiver_url + f"/x{i}", data=b"hello") as resp:
            assert resp.status == 200
    async with api.http.put(api.receiver_url + "/y", data=b"") as resp:
        assert resp.status == 200
    body = await poll(api, "/captures", lambda b: b["total"] == 4)
    assert "body_base64" not in body["items"][0]
    _, page = await api.call("GET", "/captures?method=POST&limit=2&offset=1")
    assert page["total"] == 3 and len(page["items"]) == 2
    _, none = await api.call("GET", "/captures?valid=true")
    assert none["total"] == 0
    _, dups = await api.call("GET", "/captures?duplicates=true")
    assert dups["total"] == 0
    status, bad = await api.call("GET", "/captures?method=BREW&limit=x&valid=2")
    assert status == 422 and set(bad["fields"]) == {"method", "limit", "valid"}
    capture_id = page["items"][0]["id"]
    status, one = await api.call("GET", f"/captures/{capture_id}")
    assert status == 200 and base64.b64decode(one["body_base64"]) == b"hello"
    assert (await api.call("GET", "/captures/999999"))[0] == 404
    assert (await api.call("POST", "/captures/999999/replay", {"url": "http://x.test/"}))[0] \
        == 404
    status, bad = await api.call("POST", f"/captures/{capture_id}/replay",
                                 {"url": "x", "resign": {"scheme": "github"}})
    assert status == 422 and set(bad["fields"]) == {"url", "resign"}


async def test_qa_flow_through_the_api_alone(api: Api, httpserver) -> None:
    # 1. a receiver endpoint verifying Standard Webhooks with a secret
    status, ep = await api.call("POST", "/endpoints", {
        "path": "/qa", "scheme": "standard-webhooks", "secrets": [SECRET]})
    assert status == 201, ep
    # 2. a subscription to that endpoint, signing with the same secret
    status, sub = await api.call("POST", "/webhooks", {
        "url": api.receiver_url + "/qa", "events": ["user.*"], "secret": SECRET})
    assert status == 201, sub
    # 3. emit, then poll the delivery until delivered
    status, emitted = await api.call("POST", "/events",
                                     {"type": "user.created", "data": {"id": 7}})
    assert status == 202
    (delivery_id,) = emitted["delivery_ids"]
    delivery = await poll(api, f"/deliveries/{delivery_id}",
                          lambda d: d["state"] == "delivered")
    assert delivery["attempts"][0]["status"] == 200
    # 4. the receiver captured it with a valid verdict
    captures = await poll(api, f"/captures?endpoint_id={ep['id']}", lambda b: b["total"] == 1)
    capture = captures["items"][0]
    assert capture["verification"]["valid"] is True
    assert capture["verification"]["scheme"] == "standard-webhooks"
    _, full = await api.call("GET", f"/captures/{capture['id']}")
    payload = json.loads(base64.b64decode(full["body_base64"]))
    assert payload["type"] == "user.created"
    # 5. replay it byte-exactly to another target
    httpserver.expect_request("/replayed", method="POST").respond_with_data(
        "got it", status=201, headers={"X-Target": "yes"})
    status, replay = await api.call("POST", f"/captures/{capture['id']}/replay",
                                    {"url": httpserver.url_for("/replayed")})
    assert status == 200, replay
    assert replay["status"] == 201 and replay["outcome"] == "success"
    assert replay["duration_ms"] >= 0 and ["x-target", "yes"] in replay["response_headers"]
    request, _ = httpserver.log[0]
    assert request.get_data() == base64.b64decode(full["body_base64"])
    assert request.headers["webhook-signature"] == dict(
        (k.lower(), v) for k, v in full["headers"])["webhook-signature"]
    sent = {k.lower() for k, _ in replay["request_headers"]}
    assert "host" not in sent and "content-length" not in sent
    # 6. and re-signed with a fresh timestamp
    status, replay = await api.call("POST", f"/captures/{capture['id']}/replay", {
        "url": httpserver.url_for("/replayed"),
        "resign": {"scheme": "standard-webhooks", "secret": SECRET}})
    assert status == 200 and replay["status"] == 201
    request, _ = httpserver.log[1]
    assert request.headers["webhook-id"] != dict(
        (k.lower(), v) for k, v in full["headers"])["webhook-id"]


async def test_an_endpoint_can_name_a_provider_profile(api: Api) -> None:
    status, ep = await api.call("POST", "/endpoints", {
        "path": "/envoyou", "profile": "envoyou", "secrets": ["s"]})
    assert status == 201, ep
    assert (ep["profile"], ep["scheme"]) == ("envoyou", "hmac")
    status, body = await api.call("POST", "/endpoints", {"path": "/x", "profile": "nope"})
    assert status == 422 and body["fields"]["profile"].startswith("no profile named 'nope'")
    status, ep = await api.call("PATCH", f"/endpoints/{ep['id']}", {"profile": "github"})
    assert status == 200 and (ep["profile"], ep["scheme"]) == ("github", "github")
