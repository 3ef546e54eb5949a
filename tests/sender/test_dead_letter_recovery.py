"""Retrying every dead letter of a subscription at once (Svix's "recover"): each goes again,
with its own id, to where the subscription points now; nothing else is touched."""

from __future__ import annotations

from pytest_httpserver import HTTPServer
from sqlalchemy import update

from tests.sender.conftest import subscribe
from tests.sender.test_dispatch import state_of, verify_all
from webhook_studio.core.clock import FixedClock
from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.sender import Dispatcher
from webhook_studio.sender.control import retry_dead_letters
from webhook_studio.store import Store
from webhook_studio.store.sender_models import Delivery
from webhook_studio.store.sender_queries import count_dead_letters, update_subscription

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def test_a_subscription_s_dead_letters_go_again_to_its_new_url(
        store: Store, dispatcher: Dispatcher, clock: FixedClock,
        httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("no", status=500)
    httpserver.expect_request("/other").respond_with_data("no", status=500)
    httpserver.expect_request("/up").respond_with_data("ok")
    sub = subscribe(store, httpserver.url_for("/down"), retry="0", events=["order.*"])
    subscribe(store, httpserver.url_for("/other"), retry="0", events=["user.*"])
    dead = []
    for n in range(3):
        dead += dispatcher.emit("order.paid", {"n": n})
        clock.advance(1)
    (elsewhere,) = dispatcher.emit("user.created", {})
    await dispatcher.run_due()
    assert {state_of(store, d)["state"] for d in [*dead, elsewhere]} == {"failed"}

    update_subscription(store, sub, url=httpserver.url_for("/up"))  # the target is fixed
    clock.advance(60)
    assert dispatcher.bulk_retry_dead_letters(sub) == dead  # oldest first
    for delivery_id in dead:
        row = state_of(store, delivery_id)
        assert (row["state"], row["target_url"]) == ("pending", httpserver.url_for("/up"))
    await dispatcher.run_due()
    assert {state_of(store, d)["state"] for d in dead} == {"delivered"}
    up = [r for r, _ in httpserver.log if r.path == "/up"]
    assert sorted(r.headers["webhook-id"] for r in up) == sorted(dead)  # the same ids
    assert set(verify_all(httpserver, [SECRET], clock.now())) >= set(dead)
    assert state_of(store, elsewhere)["state"] == "failed"  # another subscription's: kept
    assert dispatcher.bulk_retry_dead_letters(sub) == []  # none left


async def test_since_and_every_subscription(store: Store, dispatcher: Dispatcher,
                                            clock: FixedClock) -> None:
    """``since``: only dead letters created that recently; ``None``: every subscription's.
    Pending, delivered and cancelled deliveries are never touched."""
    a = subscribe(store, "http://127.0.0.1:9/a", events=["a.*"])
    b = subscribe(store, "http://127.0.0.1:9/b", events=["b.*"])
    old = dispatcher.emit("a.x", {})[0]
    clock.advance(7200)
    new_a = dispatcher.emit("a.x", {})[0]
    new_b = dispatcher.emit("b.x", {})[0]
    others = {state: dispatcher.emit("a.x", {})[0] for state in
              (DeliveryState.PENDING, DeliveryState.DELIVERED, DeliveryState.CANCELLED)}
    with store.session() as session:  # made dead letters directly: no attempts needed here
        session.execute(update(Delivery).where(Delivery.id.in_([old, new_a, new_b])).values(
            state=DeliveryState.FAILED, next_attempt_at=None, final_reason="gave up"))
        for state, delivery_id in others.items():
            session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
                state=state, next_attempt_at=clock.now() + 3600))
    now = clock.now()
    with store.session() as session:
        assert count_dead_letters(session, a, since=now - 3600) == 1
        assert retry_dead_letters(session, a, now, since=now - 3600) == [new_a]
    assert state_of(store, old)["state"] == "failed"
    with store.session() as session:
        assert retry_dead_letters(session, None, now) == [old, new_b]
    for delivery_id in (old, new_b):
        assert state_of(store, delivery_id)["state"] == "pending"
    for state, delivery_id in others.items():
        assert state_of(store, delivery_id)["state"] == state
    assert dispatcher.bulk_retry_dead_letters(b) == []


async def test_thousands_of_dead_letters_in_one_go(store: Store, dispatcher: Dispatcher,
                                                   clock: FixedClock) -> None:
    """More than one statement's worth (500 ids each): every one comes back, in order, and
    the count the window asks with agrees."""
    sub = subscribe(store, "http://127.0.0.1:9/a")
    ids = dispatcher.emit_many([("a.x", {"n": n}) for n in range(1201)])
    with store.session() as session:
        session.execute(update(Delivery).values(state=DeliveryState.FAILED,
                                                next_attempt_at=None))
        assert count_dead_letters(session, sub) == 1201
    clock.advance(10)
    retried = dispatcher.bulk_retry_dead_letters(sub)
    assert sorted(retried) == sorted(ids) and len(retried) == 1201
    with store.session() as session:
        assert count_dead_letters(session, sub) == 0
        assert {d.next_attempt_at for d in session.query(Delivery)} == {clock.now()}
