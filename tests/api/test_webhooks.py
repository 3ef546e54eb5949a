"""``/webhooks``, ``/events`` and ``/deliveries`` over real HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

from pytest_httpserver import HTTPServer

from tests.api.conftest import Api

NEW = {"url": "https://example.com/hook", "events": ["user.created", "payment.*"],
       "description": "mine", "headers": {"X-Team": "qa"}}


async def create(api: Api, **over: Any) -> dict[str, Any]:
    status, body = await api.call("POST", "/webhooks", {**NEW, **over})
    assert status == 201, body
    return dict(body)


async def test_create_returns_seed_000_shape_with_secret_once(api: Api) -> None:
    body = await create(api)
    assert body["secret"].startswith("whsec_")
    assert body["url"] == NEW["url"] and body["events"] == NEW["events"]
    assert body["is_active"] is True and body["last_called_at"] is None
    assert body["created_at"].endswith("Z") and body["scheme"] == "standard-webhooks"
    assert body["retry_policy"] == "standard-webhooks" and body["headers"] == {"X-Team": "qa"}
    status, one = await api.call("GET", f"/webhooks/{body['id']}")
    assert status == 200 and "secret" not in one
    status, listing = await api.call("GET", "/webhooks")
    assert status == 200 and listing["total"] == 1 and "secret" not in listing["items"][0]


async def test_create_with_own_secret_scheme_policy(api: Api) -> None:
    body = await create(api, secret="s3cret", scheme="github", retry_policy="0,1m,5m",
                        timeout=5, active=False)
    assert body["secret"] == "s3cret" and body["scheme"] == "github"
    assert body["retry_policy"] == "0,1m,5m" and body["timeout"] == 5.0
    assert body["is_active"] is False  # seed 004's "active" alias


async def test_create_422_names_each_field(api: Api) -> None:
    status, body = await api.call("POST", "/webhooks", {
        "url": "ftp://x", "events": ["user..bad"], "retry_policy": "soon",
        "timeout": 0, "rate_per_minute": True, "headers": {"Bad Name": "x"}, "bogus": 1})
    assert status == 422 and body["error"] == "invalid input"
    fields = body["fields"]
    assert fields["url"] == "Enter a full http:// or https:// URL."
    assert "not an event pattern" in fields["events"]
    assert "is neither a preset" in fields["retry_policy"]
    assert set(fields) == {"url", "events", "retry_policy", "timeout", "rate_per_minute",
                           "headers", "bogus"}
    status, body = await api.call("POST", "/webhooks", {})
    assert body["fields"] == {"url": "is required", "events": "is required"}
    status, body = await api.call("POST", "/webhooks", [1, 2])
    assert status == 422 and body["fields"] == {"body": "must be a JSON object"}


async def test_create_rejects_secret_the_scheme_cannot_use(api: Api) -> None:
    status, body = await api.call("POST", "/webhooks", {**NEW, "secret": "whsec_!!"})
    assert status == 422 and "secret" in body["fields"]


async def test_list_filters(api: Api) -> None:
    a = await create(api)
    b = await create(api, events=["device.*"], is_active=False)
    _, all_ = await api.call("GET", "/webhooks")
    assert [s["id"] for s in all_["items"]] == [a["id"], b["id"]]
    _, active = await api.call("GET", "/webhooks?active=true")
    assert [s["id"] for s in active["items"]] == [a["id"]]
    _, by_event = await api.call("GET", "/webhooks?event=device.online")
    assert [s["id"] for s in by_event["items"]] == [b["id"]]
    status, bad = await api.call("GET", "/webhooks?active=maybe&event=x.*")
    assert status == 422 and set(bad["fields"]) == {"active", "event"}


async def test_patch_active_rate_limits_and_policy(api: Api) -> None:
    sub = await create(api)
    status, body = await api.call("PATCH", f"/webhooks/{sub['id']}", {
        "is_active": False, "rate_per_minute": 10, "rate_per_hour": 100,
        "retry_policy": "svix", "events": ["*"]})
    assert status == 200, body
    assert body["is_active"] is False and body["rate_per_minute"] == 10
    assert body["rate_per_hour"] == 100 and body["retry_policy"] == "standard-webhooks"
    assert body["events"] == ["*"] and "secret" not in body
    status, body = await api.call("PATCH", f"/webhooks/{sub['id']}", {"rate_per_minute": None})
    assert status == 200 and body["rate_per_minute"] is None
    status, body = await api.call("PATCH", f"/webhooks/{sub['id']}",
                                  {"secret": "x", "url": "nope", "rate_per_hour": 0})
    assert status == 422
    assert body["fields"] == {"secret": "cannot be changed here",
                              "url": "Enter a full http:// or https:// URL.",
                              "rate_per_hour": "must be a whole number from 1 to 6,000,000"}
    status, body = await api.call("PATCH", "/webhooks/wh_missing", {"is_active": True})
    assert status == 404


async def test_delete(api: Api) -> None:
    sub = await create(api)
    assert (await api.call("DELETE", f"/webhooks/{sub['id']}"))[0] == 204
    assert (await api.call("GET", f"/webhooks/{sub['id']}"))[0] == 404
    assert (await api.call("DELETE", f"/webhooks/{sub['id']}"))[0] == 404


async def test_rotate_secret(api: Api) -> None:
    sub = await create(api)
    status, body = await api.call("POST", f"/webhooks/{sub['id']}/security/rotate-secret")
    assert status == 200
    assert body["new_secret"].startswith("whsec_") and body["new_secret"] != sub["secret"]
    assert body["old_secret_expiry"].endswith("Z")
    status, body = await api.call("POST", f"/webhooks/{sub['id']}/security/rotate-secret",
                                  {"overlap_seconds": -1})
    assert status == 422 and "overlap_seconds" in body["fields"]
    status, _ = await api.call("POST", "/webhooks/nope/security/rotate-secret")
    assert status == 404


async def test_events_available(api: Api) -> None:
    status, body = await api.call("GET", "/webhooks/events/available")
    assert status == 200
    names = {c["name"]: c["events"] for c in body["categories"]}
    assert len(names["user"]) == 8 and "device.alert" in names["device"]
    assert body["events"][-1] == "*" and body["total"] == 30


async def test_test_event_and_deliveries(api: Api, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    sub = await create(api, url=httpserver.url_for("/hook"))
    status, body = await api.call("POST", f"/webhooks/{sub['id']}/test")
    assert status == 202
    assert await api.dispatcher.wait_final(body["delivery_id"]) == "delivered"
    status, history = await api.call("GET", f"/webhooks/{sub['id']}/deliveries")
    assert status == 200 and history["items"][0]["event_type"] == "webhook.test"
    assert history["items"][0]["attempts"][0]["status"] == 200
    _, none = await api.call("GET", f"/webhooks/{sub['id']}/deliveries?state=failed")
    assert none["items"] == []
    assert (await api.call("GET", "/webhooks/nope/deliveries"))[0] == 404
    assert (await api.call("POST", "/webhooks/nope/test"))[0] == 404
    status, bad = await api.call("GET", f"/webhooks/{sub['id']}/deliveries?limit=0")
    assert status == 422 and "limit" in bad["fields"]


async def test_emit_get_retry_cancel_delivery(api: Api, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_data("no", status=500)
    sub = await create(api, url=httpserver.url_for("/hook"), retry_policy="0,1h")
    status, body = await api.call("POST", "/events", {"type": "user.created", "data": {"a": 1}})
    assert status == 202 and len(body["delivery_ids"]) == 1
    (delivery_id,) = body["delivery_ids"]
    for _ in range(100):
        status, delivery = await api.call("GET", f"/deliveries/{delivery_id}")
        if delivery["attempts"]:
            break
    assert delivery["subscription_id"] == sub["id"] and delivery["state"] == "pending"
    assert delivery["attempts"][0]["status"] == 500
    status, body = await api.call("POST", f"/deliveries/{delivery_id}/cancel")
    assert status == 200 and body["state"] == "cancelled"
    status, body = await api.call("POST", f"/deliveries/{delivery_id}/cancel")
    assert status == 409
    status, body = await api.call("POST", f"/deliveries/{delivery_id}/retry")
    assert status == 202 and body["state"] == "pending"
    assert (await api.call("GET", "/deliveries/msg_nope"))[0] == 404
    assert (await api.call("POST", "/deliveries/msg_nope/retry"))[0] == 404


async def test_emit_validation_and_unknown_subscription(api: Api) -> None:
    status, body = await api.call("POST", "/events", {"type": "user.*"})
    assert status == 422
    assert body["fields"] == {"type": "must be an exact event type, not a pattern",
                              "data": "is required"}
    status, body = await api.call("POST", "/events", {"type": "a.b", "data": None,
                                                      "subscription_id": "wh_x"})
    assert status == 404
    status, body = await api.call("POST", "/events", {"type": "nobody.listens", "data": []})
    assert status == 202 and body["delivery_ids"] == []


async def test_create_as_a_provider_profile(api: Api) -> None:
    """The profile signs (its scheme and options), retries and times out as its provider."""
    body = await create(api, profile="envoyou", secret="env-secret")
    assert (body["profile"], body["scheme"]) == ("envoyou", "hmac")
    assert body["retry_policy"] == "envoyou" and body["timeout"] == 30.0
    status, rotated = await api.call(
        "POST", f"/webhooks/{body['id']}/security/rotate-secret", {})
    assert status == 200, rotated
    status, bad = await api.call("POST", "/webhooks", {**NEW, "profile": "nope"})
    assert status == 422 and bad["fields"]["profile"].startswith("no profile named 'nope'")


async def test_retry_a_subscription_s_dead_letters(api: Api, httpserver: HTTPServer) -> None:
    """``POST /webhooks/{id}/dead-letters/retry``: the target was down, it is fixed, the
    subscription's dead letters are sent again at once, each with its own id."""
    httpserver.expect_request("/down").respond_with_data("no", status=500)
    httpserver.expect_request("/up").respond_with_data("ok")
    sub = await create(api, url=httpserver.url_for("/down"), events=["*"], retry_policy="0")
    ids = []
    for n in range(2):
        status, body = await api.call("POST", "/events", {"type": "a.b", "data": {"n": n}})
        ids += body["delivery_ids"]
    for delivery_id in ids:
        for _ in range(200):
            if (await api.call("GET", f"/deliveries/{delivery_id}"))[1]["state"] == "failed":
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("it never became a dead letter")
    assert (await api.call("PATCH", f"/webhooks/{sub['id']}",
                           {"url": httpserver.url_for("/up")}))[0] == 200
    status, body = await api.call("POST", f"/webhooks/{sub['id']}/dead-letters/retry",
                                  {"since": "1h"})
    assert status == 202, body
    assert body["retried"] == 2 and sorted(body["delivery_ids"]) == sorted(ids)
    for delivery_id in ids:
        for _ in range(200):
            status, delivery = await api.call("GET", f"/deliveries/{delivery_id}")
            if delivery["state"] == "delivered":
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError(f"not delivered again: {delivery}")
        assert delivery["target_url"] == httpserver.url_for("/up")
    status, body = await api.call("POST", f"/webhooks/{sub['id']}/dead-letters/retry")
    assert status == 202 and body["retried"] == 0 and body["delivery_ids"] == []
    status, body = await api.call("POST", f"/webhooks/{sub['id']}/dead-letters/retry",
                                  {"since": "soon"})
    assert status == 422 and "is not a delay" in body["fields"]["since"]
    status, body = await api.call("POST", "/webhooks/wh_nope/dead-letters/retry")
    assert status == 404
