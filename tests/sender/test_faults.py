"""The sender under store faults and beside another sender: it backs off and reports instead of
stopping, keeps a finished attempt until it can be recorded, and respects live leases
(issue 14, items 1 and 2)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.sender.conftest import subscribe
from tests.team.faults import store_locked
from webhook_studio.core.clock import FixedClock
from webhook_studio.health import Health
from webhook_studio.sender import Dispatcher
from webhook_studio.sender.lease import make_owner_id
from webhook_studio.store import Store
from webhook_studio.store.sender_models import Delivery
from webhook_studio.store.sender_queries import attempts_of


async def until(predicate: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def lease_of(store: Store, delivery_id: str) -> tuple[float | None, str | None]:
    with store.session() as session:
        row = session.get(Delivery, delivery_id)
        assert row is not None
        return row.in_flight_until, row.lease_owner


async def test_the_loop_survives_a_locked_store_and_says_so_once(
        httpserver: HTTPServer, store: Store, db_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    """Guards: one StoreUnavailable from claim_due ended the sender task for good, silently."""
    caplog.set_level(logging.INFO, logger="webhook_studio.health")
    httpserver.expect_request("/ok").respond_with_data("ok")
    subscribe(store, httpserver.url_for("/ok"), now=time.time())
    health = Health()
    live = Dispatcher(store, health=health)
    (delivery_id,) = live.emit("a.b", {})
    try:
        with store_locked(db_url):
            await live.start()
            await until(lambda: health.get("sender").state == "degraded", "sender degraded")
            assert health.get("store").state == "degraded"
            assert "locked" in health.get("store").sentence
            assert health.get("receiver").state == "down"  # none was started here
            retries_seen = health.get("sender").sentence
            await until(lambda: health.get("sender").sentence != retries_seen,
                        "a second retry with a longer delay")
        assert await asyncio.wait_for(live.wait_final(delivery_id), 30) == "delivered"
        await until(lambda: health.status != "degraded" and
                    health.get("sender").state == "ok", "sender ok again")
    finally:
        await asyncio.wait_for(live.stop(), 30)
    messages = [r.getMessage() for r in caplog.records if r.name == "webhook_studio.health"]
    changes = [m.partition(":")[0] for m in messages]
    assert changes == ["sender ok", "store degraded", "sender degraded", "store ok",
                       "sender ok", "sender down"], messages  # once each, not per retry
    warned = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().partition(":")[0] for r in warned] == ["store degraded",
                                                                  "sender degraded"]
    assert len(httpserver.log) == 1


async def test_a_finished_attempt_is_recorded_once_the_store_is_free_again(
        httpserver: HTTPServer, store: Store, db_url: str) -> None:
    """Guards: a failed write left the in-flight mark set (never claimed again) and
    ``send --wait`` returned while the delivery was still pending."""
    held: list[contextlib.ExitStack] = []

    def lock_then_answer(_request: Request) -> Response:
        stack = contextlib.ExitStack()
        stack.enter_context(store_locked(db_url))
        held.append(stack)
        return Response("ok")

    httpserver.expect_request("/hook").respond_with_handler(lock_then_answer)
    subscribe(store, httpserver.url_for("/hook"), now=time.time())
    health = Health()
    sender = Dispatcher(store, health=health)
    (delivery_id,) = sender.emit("a.b", {})
    waiting = asyncio.get_running_loop().create_task(sender.run_until_final([delivery_id]))
    try:
        await until(lambda: health.get("sender").state == "degraded", "the record to fail")
        await asyncio.sleep(1.0)
        assert not waiting.done(), "the wait goes on while the attempt is not recorded"
        held.pop().close()
        await asyncio.wait_for(waiting, 30)
    finally:
        for stack in held:
            stack.close()
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        await sender.stop()
    with store.session() as session:
        row = session.get(Delivery, delivery_id)
        assert row is not None and row.state == "delivered"
        assert [a.response_status for a in attempts_of(session, delivery_id)] == [200]
    assert lease_of(store, delivery_id) == (None, None)
    assert len(httpserver.log) == 1


async def test_a_second_sender_leaves_a_leased_delivery_alone_while_it_runs(
        httpserver: HTTPServer, store: Store) -> None:
    """Guards: starting a second sender cleared every in-flight mark, so each delivery in
    flight was sent twice. The lease is shorter than the attempt: renewals keep it."""
    release = threading.Event()

    def slow(_request: Request) -> Response:
        release.wait(20)
        return Response("ok")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    subscribe(store, httpserver.url_for("/slow"), now=time.time(), timeout=30.0)
    first = Dispatcher(store, lease_s=2.0, renew_s=0.25)
    second = Dispatcher(store)
    (delivery_id,) = first.emit("a.b", {})
    running = asyncio.get_running_loop().create_task(first.run_due())
    try:
        await until(lambda: len(httpserver.log) == 0 and lease_of(store, delivery_id)[1]
                    == first.owner, "the first sender's claim")
        deadline = time.monotonic() + 5.0  # well past the 2 s lease: renewals must hold it
        while time.monotonic() < deadline:
            assert second.recover() == 0
            assert await second.run_due() == 0
            await asyncio.sleep(0.1)
        release.set()
        assert await asyncio.wait_for(running, 30) == 1
    finally:
        release.set()
        await asyncio.gather(running, return_exceptions=True)
        await first.stop()
        await second.stop()
    assert lease_of(store, delivery_id) == (None, None)
    assert await second.run_due() == 0


async def test_an_expired_lease_is_claimed_again(
        store: Store, dispatcher: Dispatcher, clock: FixedClock) -> None:
    subscribe(store, "http://127.0.0.1:9/x", retry="0,1m")
    (delivery_id,) = dispatcher.emit("a.b", {})
    with store.session() as session:
        row = session.get(Delivery, delivery_id)
        assert row is not None
        row.lease_owner, row.in_flight_until = make_owner_id(), clock.now() + 30
    assert await dispatcher.run_due() == 0
    clock.advance(29)
    assert await dispatcher.run_due() == 0
    clock.advance(2)
    assert await dispatcher.run_due() == 1


async def test_stop_with_the_store_locked_does_not_raise(
        store: Store, db_url: str) -> None:
    """Guards: stop() re-raised the loop's store error and skipped the receiver's flush."""
    health = Health()
    live = Dispatcher(store, health=health)
    await live.start()
    with store_locked(db_url):
        await asyncio.wait_for(live.stop(), 30)
    assert health.get("sender").state == "down"


async def test_stop_gives_up_on_an_unrecordable_attempt_after_a_few_seconds(
        httpserver: HTTPServer, store: Store, db_url: str,
        caplog: pytest.LogCaptureFixture) -> None:
    """A store still locked at stop: stop() ends (the other engines still have to stop), says
    what was lost, and the delivery's lease runs out so it is made again: at-least-once."""
    held: list[contextlib.ExitStack] = []

    def lock_then_answer(_request: Request) -> Response:
        if not held:
            stack = contextlib.ExitStack()
            stack.enter_context(store_locked(db_url))
            held.append(stack)
        return Response("ok")

    httpserver.expect_request("/hook").respond_with_handler(lock_then_answer)
    subscribe(store, httpserver.url_for("/hook"), now=time.time())
    health = Health()
    sender = Dispatcher(store, health=health, lease_s=1.0, renew_s=0.3)
    (delivery_id,) = sender.emit("a.b", {})
    await sender.start()
    try:
        await until(lambda: health.get("sender").state == "degraded", "the record to fail")
        started = time.monotonic()
        await asyncio.wait_for(sender.stop(), 40)
        assert time.monotonic() - started < 40
    finally:
        for stack in held:
            stack.close()
    assert any("could not be recorded" in r.getMessage() for r in caplog.records)
    await asyncio.sleep(1.2)  # the lease (1 s, no longer renewed) runs out
    again = Dispatcher(store)
    try:
        assert await again.run_due() == 1
    finally:
        await again.stop()
    with store.session() as session:
        assert [a.number for a in attempts_of(session, delivery_id)] == [1]
        row = session.get(Delivery, delivery_id)
        assert row is not None and row.state == "delivered"
    assert len(httpserver.log) == 2, "the unrecorded attempt was made again, same id"
    assert {r.headers["webhook-id"] for r, _ in httpserver.log} == {delivery_id}
