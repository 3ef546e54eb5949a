"""Deliveries against real HTTP targets, time driven by an injected clock."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.sender.conftest import SECRET, subscribe
from webhook_studio.core.clock import FixedClock
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.schemes import get_scheme
from webhook_studio.sender import DeliveryStateError, Dispatcher
from webhook_studio.store import Store
from webhook_studio.store.sender_models import Subscription
from webhook_studio.store.sender_queries import (
    delivery_to_dict,
    event_type_stats,
    get_delivery,
    rotate_secret,
)


def state_of(store: Store, delivery_id: str) -> dict[str, Any]:
    with store.session() as session:
        return delivery_to_dict(session, get_delivery(session, delivery_id))


def verify_all(server: HTTPServer, secrets: list[str], now: float) -> list[str]:
    """Every request the target got verifies under Standard Webhooks; returns the ids."""
    ids = []
    for request, _ in server.log:
        incoming = IncomingRequest(request.get_data(), tuple(request.headers.items()))
        verdict = get_scheme("standard-webhooks").verify(incoming, secrets, now=now,
                                                         tolerance=-1)
        assert verdict.valid, verdict.message
        ids.append(request.headers["webhook-id"])
    return ids


def counting(statuses: list[int], headers: dict[str, str] | None = None
             ) -> Callable[[Request], Response]:
    calls = iter(statuses)

    def handler(_request: Request) -> Response:
        return Response("reply", status=next(calls), headers=headers or {})

    return handler


async def test_success_first_time(httpserver: HTTPServer, store: Store,
                                  dispatcher: Dispatcher, clock: FixedClock) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    subscribe(store, httpserver.url_for("/hook"))
    (delivery_id,) = dispatcher.emit("user.created", {"id": "u_1", "name": "Zoë"})
    assert await dispatcher.run_due() == 1
    result = state_of(store, delivery_id)
    assert result["state"] == "delivered"
    assert [a["status"] for a in result["attempts"]] == [200]
    assert verify_all(httpserver, [SECRET], clock.now()) == [delivery_id]
    request = httpserver.log[0][0]
    assert request.get_json()["data"] == {"id": "u_1", "name": "Zoë"}
    assert request.headers["User-Agent"].startswith("WebhookStudio/")


async def test_fail_twice_then_succeed_on_schedule_with_one_id(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, clock: FixedClock) -> None:
    httpserver.expect_request("/flaky").respond_with_handler(counting([500, 503, 200]))
    subscribe(store, httpserver.url_for("/flaky"), retry="0,1m,5m,10m")
    (delivery_id,) = dispatcher.emit("order.paid", {"n": 1})
    await dispatcher.run_due()
    assert state_of(store, delivery_id)["next_attempt_at"] is not None
    clock.advance(59)
    assert await dispatcher.run_due() == 0, "not due before one minute"
    clock.advance(1)
    assert await dispatcher.run_due() == 1
    clock.advance(299)
    assert await dispatcher.run_due() == 0
    clock.advance(1)
    assert await dispatcher.run_due() == 1
    result = state_of(store, delivery_id)
    assert result["state"] == "delivered"
    attempts = result["attempts"]
    assert [a["status"] for a in attempts] == [500, 503, 200]
    ids = verify_all(httpserver, [SECRET], clock.now())
    assert ids == [delivery_id] * 3
    stamps = [r.headers["webhook-timestamp"] for r, _ in httpserver.log]
    assert len(set(stamps)) == 3, "each attempt is signed with a fresh timestamp"


async def test_timeout_and_connection_refused_retry(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, clock: FixedClock) -> None:
    finished = threading.Semaphore(0)

    def slow(_request: Request) -> Response:
        time.sleep(0.4)  # a little past the 0.3 s timeout
        finished.release()
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    subscribe(store, httpserver.url_for("/slow"), timeout=0.3, retry="0,1s")
    subscribe(store, "http://127.0.0.1:9/refused", retry="0,1s")
    ids = dispatcher.emit("x.y", {})
    await dispatcher.run_due()
    outcomes = {state_of(store, i)["target_url"]: state_of(store, i)["attempts"][0]
                for i in ids}
    slow_attempt = outcomes[httpserver.url_for("/slow")]
    refused = outcomes["http://127.0.0.1:9/refused"]
    assert slow_attempt["outcome"] == "timeout" and "No response within 0.3 s" in \
        slow_attempt["error"]
    assert refused["outcome"] == "connection_error" and refused["status"] is None
    assert all(state_of(store, i)["state"] == "pending" for i in ids)
    clock.advance(1)
    await dispatcher.run_due()
    assert all(state_of(store, i)["state"] == "failed" for i in ids)
    assert "Gave up after 2 attempt(s)" in str(state_of(store, ids[1])["reason"])
    for _ in range(2):  # let the slow handler finish so nothing leaks into the next test
        assert finished.acquire(timeout=5)
    time.sleep(0.05)
    await asyncio.sleep(0.8)  # let the slow handler finish so its log stays in this test


async def test_redirect_is_not_followed_and_counts_as_failure(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher) -> None:
    httpserver.expect_request("/moved").respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/new")})
    httpserver.expect_request("/new").respond_with_data("should never be reached")
    subscribe(store, httpserver.url_for("/moved"))
    (delivery_id,) = dispatcher.emit("a.b", {})
    await dispatcher.run_due()
    attempt = state_of(store, delivery_id)["attempts"][0]
    assert attempt["status"] == 301 and attempt["outcome"] == "redirect"
    assert [r.path for r, _ in httpserver.log] == ["/moved"]
    assert state_of(store, delivery_id)["state"] == "pending"


async def test_400_is_final(httpserver: HTTPServer, store: Store,
                            dispatcher: Dispatcher) -> None:
    httpserver.expect_request("/bad").respond_with_data("nope", status=400)
    subscribe(store, httpserver.url_for("/bad"))
    (delivery_id,) = dispatcher.emit("a.b", {})
    await dispatcher.run_due()
    result = state_of(store, delivery_id)
    assert result["state"] == "failed" and "client error is final" in str(result["reason"])
    assert len(result["attempts"]) == 1


@pytest.mark.parametrize(("retry_after", "expected_wait"), [
    ("120", 120.0),      # longer than the schedule's 60 s: honoured
    ("999999", 3600.0),  # absurd: clamped to an hour
    ("soon", 60.0),      # garbage: ignored, the schedule decides
])
async def test_429_honours_a_sane_retry_after(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, clock: FixedClock,
        retry_after: str, expected_wait: float) -> None:
    httpserver.expect_request("/busy").respond_with_data(
        "", status=429, headers={"Retry-After": retry_after})
    subscribe(store, httpserver.url_for("/busy"), retry="0,1m,5m")
    (delivery_id,) = dispatcher.emit("a.b", {})
    await dispatcher.run_due()
    with store.session() as session:
        next_at = get_delivery(session, delivery_id).next_attempt_at
    assert next_at == pytest.approx(clock.now() + expected_wait)


async def test_410_disables_the_subscription(httpserver: HTTPServer, store: Store,
                                             dispatcher: Dispatcher) -> None:
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    sub_id = subscribe(store, httpserver.url_for("/gone"))
    (delivery_id,) = dispatcher.emit("a.b", {})
    await dispatcher.run_due()
    assert state_of(store, delivery_id)["state"] == "disabled"
    with store.session() as session:
        sub = session.get(Subscription, sub_id)
        assert sub is not None and sub.active is False
        assert "410 Gone" in str(sub.disabled_reason)
    assert dispatcher.emit("a.b", {}) == [], "a disabled subscription gets nothing new"


async def test_rotation_signs_with_both_secrets_during_overlap_then_only_the_new(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, clock: FixedClock) -> None:
    httpserver.expect_request("/rot").respond_with_data("ok")
    sub_id = subscribe(store, httpserver.url_for("/rot"), now=clock.now())
    new = "whsec_" + "Tm90QVJlYWxTZWNyZXRCdXRMb25nRW5vdWdoMTIzNA=="
    rotate_secret(store, sub_id, new, now=clock.now(), overlap=3600)
    dispatcher.emit("a.b", {})
    await dispatcher.run_due()
    signatures = httpserver.log[-1][0].headers["webhook-signature"].split()
    assert len(signatures) == 2
    verify_all(httpserver, [new], clock.now())
    verify_all(httpserver, [SECRET], clock.now())
    clock.advance(3601)
    dispatcher.emit("a.b", {})
    await dispatcher.run_due()
    assert len(httpserver.log[-1][0].headers["webhook-signature"].split()) == 1
    incoming = IncomingRequest(httpserver.log[-1][0].get_data(),
                               tuple(httpserver.log[-1][0].headers.items()))
    scheme = get_scheme("standard-webhooks")
    assert scheme.verify(incoming, [new], now=clock.now()).valid
    assert not scheme.verify(incoming, [SECRET], now=clock.now()).valid


async def test_event_matching_with_wildcards(httpserver: HTTPServer, store: Store,
                                             dispatcher: Dispatcher) -> None:
    httpserver.expect_request("/m").respond_with_data("ok")
    users = subscribe(store, httpserver.url_for("/m"), events=["user.*"])
    exact = subscribe(store, httpserver.url_for("/m"), events=["payment.received"])
    everything = subscribe(store, httpserver.url_for("/m"), events=["*"])
    subscribe(store, httpserver.url_for("/m"), events=["*"], active=False)

    def targets(event_type: str) -> set[str]:
        with store.session() as session:
            return {str(get_delivery(session, d).subscription_id)
                    for d in dispatcher.emit(event_type, {})}

    assert targets("user.created") == {users, everything}
    assert targets("user.profile.updated") == {users, everything}
    assert targets("payment.received") == {exact, everything}
    assert targets("username.changed") == {everything}


async def test_dead_letter_then_manual_retry_and_bulk_retry(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher) -> None:
    httpserver.expect_request("/dl").respond_with_handler(counting([500, 500, 500, 200, 200, 200]))
    sub_id = subscribe(store, httpserver.url_for("/dl"), retry="0")
    first, = dispatcher.emit("a.b", {})
    second, = dispatcher.emit("a.b", {})
    third, = dispatcher.emit("a.b", {})
    await dispatcher.run_due()
    assert {state_of(store, d)["state"] for d in (first, second, third)} == {"failed"}
    dispatcher.retry_dead_letter(first)
    await dispatcher.run_due()
    assert state_of(store, first)["state"] == "delivered"
    assert sorted(dispatcher.bulk_retry_dead_letters(sub_id)) == sorted([second, third])
    await dispatcher.run_due()
    assert {state_of(store, d)["state"] for d in (second, third)} == {"delivered"}
    with pytest.raises(DeliveryStateError, match="already delivered"):
        dispatcher.retry_now(first)


async def test_cancel_and_send_test(httpserver: HTTPServer, store: Store,
                                    dispatcher: Dispatcher, clock: FixedClock) -> None:
    httpserver.expect_request("/c").respond_with_data("", status=500)
    sub_id = subscribe(store, httpserver.url_for("/c"), events=["never.*"], retry="0,1h")
    delivery_id = dispatcher.send_test(sub_id)
    await dispatcher.run_due()
    assert httpserver.log[0][0].get_json()["type"] == "webhook.test"
    dispatcher.cancel(delivery_id)
    clock.advance(7200)
    assert await dispatcher.run_due() == 0
    assert state_of(store, delivery_id)["state"] == "cancelled"
    with pytest.raises(DeliveryStateError, match="only pending"):
        dispatcher.cancel(delivery_id)


async def test_rate_limit_delays_instead_of_dropping(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, clock: FixedClock) -> None:
    httpserver.expect_request("/rl").respond_with_data("ok")
    subscribe(store, httpserver.url_for("/rl"), rate_per_minute=2)
    ids = [dispatcher.emit("a.b", {"i": i})[0] for i in range(3)]
    await dispatcher.run_due()
    await dispatcher.run_due()
    states = [state_of(store, i)["state"] for i in ids]
    assert states.count("delivered") == 2 and states.count("pending") == 1
    clock.advance(61)
    await dispatcher.run_due()
    assert [state_of(store, i)["state"] for i in ids] == ["delivered"] * 3
    assert len(httpserver.log) == 3


async def test_stats_per_event_type(httpserver: HTTPServer, store: Store,
                                    dispatcher: Dispatcher) -> None:
    httpserver.expect_request("/s").respond_with_handler(counting([200, 500, 200]))
    subscribe(store, httpserver.url_for("/s"), retry="0")
    dispatcher.emit("user.created", {})
    dispatcher.emit("user.created", {})
    dispatcher.emit("user.deleted", {})
    for _ in range(3):
        await dispatcher.run_due()
    with store.session() as session:
        stats = {s["event_type"]: s for s in event_type_stats(session)}
    assert stats["user.created"]["total"] == 2
    assert stats["user.created"]["succeeded"] + stats["user.deleted"]["succeeded"] == 2
    assert stats["user.created"]["latency_ms"]["p50"] is not None


async def test_recover_takes_back_a_dead_senders_lease_not_a_live_one(
        store: Store, dispatcher: Dispatcher, clock: FixedClock) -> None:
    """A crash leaves a lease: a live owner's lease is left alone until it expires, a dead
    process's lease is taken back by recover() at once."""
    import subprocess
    import sys

    from webhook_studio.sender.lease import make_owner_id
    from webhook_studio.store.sender_models import Delivery

    subscribe(store, "http://127.0.0.1:9/x", retry="0,1m")
    (delivery_id,) = dispatcher.emit("a.b", {})
    dead = subprocess.run([sys.executable, "-c", "from webhook_studio.sender.lease import "
                           "make_owner_id; print(make_owner_id())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    for owner in (make_owner_id(), dead):
        with store.session() as session:
            row = session.get(Delivery, delivery_id)
            assert row is not None
            row.lease_owner, row.in_flight_until = owner, clock.now() + 30
        assert await dispatcher.run_due() == 0, "a leased delivery is not claimed"
        assert dispatcher.recover() == (1 if owner == dead else 0)
    assert await dispatcher.run_due() == 1
    result = state_of(store, delivery_id)
    assert result["id"] == delivery_id and result["state"] == "pending"
    assert [a["number"] for a in result["attempts"]] == [1]


async def test_running_loop_delivers_and_stops_promptly(
        httpserver: HTTPServer, store: Store) -> None:
    """The real loop (wall clock): emit wakes it, stop() ends it even right after a wake."""
    import asyncio

    httpserver.expect_request("/live").respond_with_data("ok")
    subscribe(store, httpserver.url_for("/live"), now=time.time())
    seen: list[str] = []
    live = Dispatcher(store, on_event=lambda e: seen.append(e.state))
    await live.start()
    try:
        (delivery_id,) = live.emit("a.b", {})
        assert await asyncio.wait_for(live.wait_final(delivery_id), 5) == "delivered"
        assert seen == ["delivered"]
        live.wake()
    finally:
        await asyncio.wait_for(live.stop(), 5)
