"""``GET /deliveries/{id}`` carries the handler's answer to each attempt, and
``GET /deliveries/stats`` seed 004's per-event-type numbers, over real HTTP."""

from __future__ import annotations

import base64
import json
from typing import Any

from pytest_httpserver import HTTPServer

from tests.api.conftest import Api
from tests.api.test_webhooks import create

PNG = b"\x89PNG\r\n\x1a\n\x00\xff\xfe"


async def delivered(api: Api, event: str, data: Any = None) -> dict[str, Any]:
    status, body = await api.call("POST", "/events", {"type": event, "data": data or {}})
    assert status == 202, body
    (delivery_id,) = body["delivery_ids"]
    await api.dispatcher.wait_final(delivery_id)
    status, delivery = await api.call("GET", f"/deliveries/{delivery_id}")
    assert status == 200, delivery
    return dict(delivery)


async def test_an_attempt_carries_the_handler_s_status_headers_and_json_body(
        api: Api, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook").respond_with_json(
        {"error": "db down", "retry": True}, status=500, headers={"X-Handler": "orders-v2"})
    await create(api, url=httpserver.url_for("/hook"), events=["*"], retry_policy="0")
    delivery = await delivered(api, "order.paid")
    (attempt,) = delivery["attempts"]
    assert attempt["status"] == 500
    assert attempt["response_headers"]["x-handler"] == "orders-v2"  # as httpx read them
    assert attempt["response_headers"]["content-type"] == "application/json"
    assert json.loads(attempt["response_body"]) == {"error": "db down", "retry": True}
    assert "response_body_base64" not in attempt
    assert attempt["response_truncated"] is False
    assert attempt["error_class"] is None  # an answer, not an error
    # the contract kept: every field other tools read is still there
    for key in ("number", "started_at", "status", "duration_ms", "error", "outcome",
                "response_size", "request_headers", "next_attempt_at"):
        assert key in attempt


async def test_a_binary_answer_comes_as_base64_and_a_refused_one_names_its_error_class(
        api: Api, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/png").respond_with_data(PNG, content_type="image/png")
    await create(api, url=httpserver.url_for("/png"), events=["image.*"], retry_policy="0")
    await create(api, url="http://127.0.0.1:9/closed", events=["gone.*"], retry_policy="0")
    (attempt,) = (await delivered(api, "image.ready"))["attempts"]
    assert attempt["response_body"] is None
    assert base64.b64decode(attempt["response_body_base64"]) == PNG
    (refused,) = (await delivered(api, "gone.away"))["attempts"]
    assert refused["status"] is None and refused["error_class"]
    assert refused["response_headers"] == {} and refused["response_body"] == ""


async def test_a_body_over_64_kib_is_kept_cut_and_says_so(api: Api,
                                                          httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data("é" * 40_000, status=502)
    await create(api, url=httpserver.url_for("/big"), events=["*"], retry_policy="0")
    (attempt,) = (await delivered(api, "big.one"))["attempts"]
    assert attempt["response_truncated"] is True and attempt["response_size"] == 80_000
    # cut inside a two-byte character: still text, one character short of 64 KiB
    assert attempt["response_body"] == "é" * (64 * 1024 // 2)


async def test_stats_per_event_type_follow_seed_004(api: Api, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ok").respond_with_data("ok")
    httpserver.expect_request("/no").respond_with_data("no", status=400)
    await create(api, url=httpserver.url_for("/ok"), events=["user.*"], retry_policy="0")
    await create(api, url=httpserver.url_for("/no"), events=["order.*"], retry_policy="0")
    for event in ("user.created", "user.created", "order.paid"):
        await delivered(api, event)
    status, stats = await api.call("GET", "/deliveries/stats")
    assert status == 200, stats
    assert stats["since"] is not None  # the last 24 hours by default
    rows = {row["event"]: row for row in stats["items"]}
    assert set(rows) == {"user.created", "order.paid"}
    assert rows["user.created"]["total_deliveries"] == 2
    assert rows["user.created"]["successful"] == 2
    assert rows["order.paid"]["successful"] == 0
    assert rows["order.paid"]["avg_attempts"] == 1.0
    assert rows["user.created"]["latency_ms"]["p50"] is not None
    status, every = await api.call("GET", "/deliveries/stats?since=all")
    assert status == 200 and every["since"] is None and len(every["items"]) == 2
    status, bad = await api.call("GET", "/deliveries/stats?since=soon")
    assert status == 422 and "since" in bad["fields"]


async def test_a_profile_s_rate_limits_apply_unless_the_request_names_them(api: Api) -> None:
    """Seed 000's paissive profile allows 60 a minute and 1,000 an hour."""
    body = await create(api, profile="paissive")
    assert (body["rate_per_minute"], body["rate_per_hour"]) == (60, 1000)
    body = await create(api, profile="paissive", rate_per_minute=5)
    assert (body["rate_per_minute"], body["rate_per_hour"]) == (5, 1000)
    body = await create(api, profile="paissive", rate_per_hour=None)
    assert (body["rate_per_minute"], body["rate_per_hour"]) == (60, None)
    body = await create(api, profile="envoyou", secret="env-secret")  # it sets none
    assert (body["rate_per_minute"], body["rate_per_hour"]) == (None, None)
    status, _ = await api.call("GET", f"/webhooks/{body['id']}")
    assert status == 200
