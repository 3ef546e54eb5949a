"""``run_due`` (``send --wait``, ``deliveries resume``) claims again while attempts still run:
more deliveries than one claim holds all go out, once each, and the count it returns is right."""

from __future__ import annotations

import random

from pytest_httpserver import HTTPServer

from tests.sender.conftest import subscribe
from webhook_studio.core.clock import FixedClock
from webhook_studio.sender import Dispatcher
from webhook_studio.store import Store
from webhook_studio.store.sender_queries import count_by_state


async def test_more_than_one_claim_is_delivered_once_each(
        httpserver: HTTPServer, store: Store, clock: FixedClock) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe(store, httpserver.url_for("/hook"), retry="0", max_concurrency=8)
    dispatcher = Dispatcher(store, clock, rng=random.Random(1), max_in_flight=8)
    try:
        ids = dispatcher.emit_many([("user.created", {"n": n}) for n in range(260)])
        assert len(ids) == 260 > dispatcher.max_claimed
        assert await dispatcher.run_due() == 260
        assert await dispatcher.run_due() == 0
    finally:
        await dispatcher.stop()
    with store.session() as session:
        assert count_by_state(session).get("delivered") == 260
    sent = [request.headers["webhook-id"] for request, _ in httpserver.log]
    assert sorted(sent) == sorted(ids)
