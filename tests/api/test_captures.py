"""``/endpoints`` and ``/captures`` over real HTTP, and the QA flow through the API alone."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from pytest_httpserver import HTTPServer

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
    assert status == 422 and body["fields"] == {
        "secrets": "Secrets need a signature scheme to verify with: choose one."}


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


async def test_qa_flow_through_the_api_alone(api: Api, httpserver: HTTPServer) -> None:
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


async def _captured(api: Api, path: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """Post to the real receiver and return the capture it stored."""
    async with api.http.post(api.receiver_url + path, data=body, headers=headers) as resp:
        assert resp.status == 200
    listing = await poll(api, "/captures", lambda b: b["total"] >= 1)
    return dict(listing["items"][0])


async def test_resend_edits_and_links_the_copy_to_the_original(
        api: Api, httpserver: HTTPServer) -> None:
    capture = await _captured(api, "/orig", b'{"v":1}', {"X-A": "1", "X-B": "keep"})
    httpserver.expect_request("/edited", method="PUT").respond_with_data("ok", status=202)
    status, out = await api.call("POST", f"/captures/{capture['id']}/resend", {
        "url": httpserver.url_for("/edited"), "method": "put",
        "headers": [{"name": "X-A", "value": "2"}, {"name": "X-A", "value": "3"}],
        "body_base64": base64.b64encode(b"\x00\xffbinary").decode()})
    assert status == 201, out
    assert out["edited_from"] == capture["id"] and out["capture_id"] != capture["id"]
    assert out["status"] == 202 and out["delivery_id"].startswith("msg_")
    request, _ = httpserver.log[0]
    assert request.method == "PUT" and request.get_data() == b"\x00\xffbinary"
    assert [h for h in out["request_headers"] if h[0] == "X-A"] == [["X-A", "2"], ["X-A", "3"]]
    assert "X-B" not in request.headers
    _, copy = await api.call("GET", f"/captures/{out['capture_id']}")
    assert copy["edited_from"] == capture["id"] and copy["source"] == "edited"
    _, original = await api.call("GET", f"/captures/{capture['id']}")
    assert base64.b64decode(original["body_base64"]) == b'{"v":1}'
    assert original["edited_from"] is None
    _, delivery = await api.call("GET", f"/deliveries/{out['delivery_id']}")
    assert delivery["kind"] == "replay" and delivery["source_capture_id"] == out["capture_id"]
    # a text body, other fields as captured
    status, out = await api.call("POST", f"/captures/{capture['id']}/resend", {
        "url": httpserver.url_for("/edited"), "body": '{"v":2}'})
    assert status == 201 and httpserver.log[1][0].get_data() == b'{"v":2}'
    assert httpserver.log[1][0].headers["X-B"] == "keep"


async def test_resend_404_and_422_name_each_field(api: Api) -> None:
    status, body = await api.call("POST", "/captures/99/resend", {"url": "http://x.test/"})
    assert status == 404
    capture = await _captured(api, "/r", b"{}", {})
    status, body = await api.call("POST", f"/captures/{capture['id']}/resend", {
        "url": "localhost:8000", "method": "NO WAY", "headers": [{"name": "Bad Name"}],
        "body_base64": "***", "resign": {"secret": "s"}, "timeout": 0})
    assert status == 422
    assert set(body["fields"]) == {"url", "method", "headers", "body_base64", "timeout"}
    status, body = await api.call("POST", f"/captures/{capture['id']}/resend", {
        "url": "http://127.0.0.1:9/", "body": "a", "body_base64": "YQ=="})
    assert status == 422 and body["fields"] == {"body": "give body or body_base64, not both"}
    status, body = await api.call("POST", f"/captures/{capture['id']}/resend", {
        "url": "http://127.0.0.1:9/", "resign": {"secret": "s"}})
    assert status == 422 and "scheme or profile" in body["fields"]["resign"]
    status, body = await api.call("POST", f"/captures/{capture['id']}/resend", {
        "url": "http://127.0.0.1:9/", "resign": {"scheme": "standard-webhooks",
                                                 "secret": "hello"}})
    assert status == 422 and "whsec_ followed by base64" in body["fields"]["resign"]
    status, body = await api.call("POST", f"/captures/{capture['id']}/resend", {
        "url": "http://127.0.0.1:9/", "resign": {"profile": "nope", "secret": "s"}})
    assert status == 422 and "no profile named 'nope'" in body["fields"]["resign"]
    _, deliveries = await api.call("GET", "/deliveries")
    assert deliveries["items"] == []  # nothing was sent or recorded


async def test_resend_is_in_the_openapi_document(api: Api) -> None:
    status, doc = await api.call("GET", "/openapi.json")
    assert status == 200
    op = doc["paths"]["/api/v1/captures/{id}/resend"]["post"]
    assert set(op["responses"]) >= {"201", "404", "422"}
    schema = doc["components"]["schemas"]["Resend"]
    assert set(schema["properties"]) == {"url", "method", "headers", "body", "body_base64",
                                         "resign", "timeout"}
    assert "edited_from" in doc["components"]["schemas"]["ResendOut"]["properties"]
    assert "/api/v1/deliveries" in doc["paths"]


async def test_a_failed_replay_is_no_dead_letter_and_retry_replays_it(api: Api,
                                                                    httpserver: HTTPServer) -> None:
    capture = await _captured(api, "/dl", b'{"x":1}', {})
    status, out = await api.call("POST", f"/captures/{capture['id']}/replay",
                                 {"url": "http://127.0.0.1:9/down"})
    assert status == 200 and out["outcome"] != "success"
    _, dead = await api.call("GET", "/deliveries?state=dead_letter")
    assert dead["items"] == []
    _, replays = await api.call("GET", "/deliveries?kind=replay&state=failed")
    assert [d["id"] for d in replays["items"]] == [out["delivery_id"]]
    from webhook_studio.store.sender_queries import count_by_state, count_dead_letters

    with api.ctx.store.session() as session:
        assert count_dead_letters(session) == 0 and "failed" not in count_by_state(session)
    # retrying it replays the capture again, as a new record; nothing is disabled
    status, again = await api.call("POST", f"/deliveries/{out['delivery_id']}/retry")
    assert status == 201, again
    assert again["id"] != out["delivery_id"] and again["kind"] == "replay"
    assert again["source_capture_id"] == capture["id"] and again["state"] == "failed"
    _, first = await api.call("GET", f"/deliveries/{out['delivery_id']}")
    assert first["state"] == "failed"
    _, all_replays = await api.call("GET", "/deliveries?kind=replay")
    assert len(all_replays["items"]) == 2
    assert all(d["state"] != "disabled" for d in all_replays["items"])


async def test_replay_to_a_url_without_a_scheme_is_422_and_stores_nothing(api: Api) -> None:
    capture = await _captured(api, "/u", b"{}", {})
    status, body = await api.call("POST", f"/captures/{capture['id']}/replay",
                                  {"url": "localhost:8000"})
    assert status == 422 and set(body["fields"]) == {"url"}
    _, deliveries = await api.call("GET", "/deliveries")
    assert deliveries["items"] == []


async def test_github_profile_resign_renews_the_delivery_id(api: Api) -> None:
    """A re-signed replay as the github profile is valid and not a duplicate; as-is it is."""
    import hashlib
    import hmac

    status, ep = await api.call("POST", "/endpoints", {
        "path": "/gh", "profile": "github", "secrets": ["gh-secret"]})
    assert status == 201, ep
    body = b'{"action":"opened"}'
    signature = "sha256=" + hmac.new(b"gh-secret", body, hashlib.sha256).hexdigest()
    first = await _captured(api, "/gh", body, {
        "X-Hub-Signature-256": signature, "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958"})
    assert first["verification"]["valid"] is True and first["duplicate_of"] is None
    target = api.receiver_url + "/gh"
    status, _ = await api.call("POST", f"/captures/{first['id']}/replay", {"url": target})
    assert status == 200
    as_is = (await poll(api, "/captures", lambda b: b["total"] == 2))["items"][0]
    assert as_is["verification"]["valid"] is True and as_is["duplicate_of"] == first["id"]
    status, out = await api.call("POST", f"/captures/{first['id']}/replay", {
        "url": target, "resign": {"profile": "github", "secret": "gh-secret"}})
    assert status == 200, out
    resigned = (await poll(api, "/captures", lambda b: b["total"] == 3))["items"][0]
    assert resigned["verification"]["valid"] is True and resigned["duplicate_of"] is None
    sent = {k.lower(): v for k, v in resigned["headers"]}
    assert sent["x-github-delivery"] != "72d3162e-cc78-11e3-81ab-4c9367dc0958"
    assert sent["x-github-event"] == "pull_request"
    # re-signed by scheme alone: the github profile's delivery id is renewed all the same
    status, out = await api.call("POST", f"/captures/{first['id']}/replay", {
        "url": target, "resign": {"scheme": "github", "secret": "gh-secret"}})
    assert status == 200, out
    by_scheme = (await poll(api, "/captures", lambda b: b["total"] == 4))["items"][0]
    assert by_scheme["verification"]["valid"] is True and by_scheme["duplicate_of"] is None
