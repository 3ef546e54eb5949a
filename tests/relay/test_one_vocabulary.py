"""Replays and deliveries are written in one vocabulary (core/vocabulary.py): the same target
answer gives the same stored outcome and state words whichever engine sent it."""

from __future__ import annotations

from pytest_httpserver import HTTPServer

from webhook_studio.core.clock import SystemClock
from webhook_studio.core.vocabulary import AttemptOutcome, DeliveryState
from webhook_studio.relay.replay import replay_capture
from webhook_studio.sender import Dispatcher
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.sender_models import Attempt, Delivery
from webhook_studio.store.sender_queries import create_subscription


async def test_a_replay_and_a_delivery_store_the_same_words_for_the_same_answers(
        store: Store, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/fail").respond_with_data("no", status=500)
    httpserver.expect_request("/ok").respond_with_data("ok", status=200)
    with store.session() as session:
        capture = Capture(received_at=1.0, method="POST", path="/x", query="", headers=[],
                          body=b"{}", body_size=2, state="captured")
        session.add(capture)
        session.flush()
        capture_id = capture.id
    replayed = [await replay_capture(store, capture_id, httpserver.url_for(path))
                for path in ("/fail", "/ok")]
    dispatcher = Dispatcher(store, SystemClock())
    try:
        for path in ("/fail", "/ok"):
            sub = create_subscription(store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                      url=httpserver.url_for(path), events=["*"],
                                      retry_policy={"kind": "schedule", "delays": [0]})
            dispatcher.emit("a.b", {}, subscription_id=sub)
        await dispatcher.run_due()
    finally:
        await dispatcher.stop()
    with store.session() as session:
        rows = session.query(Delivery.source_capture_id, Delivery.target_url, Delivery.state,
                             Attempt.outcome).join(Attempt).all()
    words = {(source is not None, url.rsplit("/", 1)[1]): (state, outcome)
             for source, url, state, outcome in rows}
    assert words[(True, "fail")] == words[(False, "fail")] == (
        DeliveryState.FAILED, AttemptOutcome.HTTP_ERROR)
    assert words[(True, "ok")] == words[(False, "ok")] == (
        DeliveryState.DELIVERED, AttemptOutcome.SUCCESS)
    assert [r.outcome for r in replayed] == [AttemptOutcome.HTTP_ERROR, AttemptOutcome.SUCCESS]
