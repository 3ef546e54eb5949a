"""Event bodies kept between emit and claim (sender/payload_cache.py): a claim reads from the
store only the bodies this sender did not write or read before, sends exactly the stored
bytes, and the memory stays under its bound."""

from __future__ import annotations

import json

from pytest_httpserver import HTTPServer

from tests.sender.conftest import subscribe
from tests.sender.test_subscription_cache import in_other_process, statements
from webhook_studio.core.clock import FixedClock
from webhook_studio.sender import Dispatcher
from webhook_studio.sender.payload_cache import PayloadCache
from webhook_studio.store import Store


def reads_bodies(seen: list[str]) -> bool:
    return any(s.startswith("SELECT") and "events.payload" in s for s in seen)


async def test_bodies_this_sender_wrote_are_not_read_back(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe(store, httpserver.url_for("/hook"))
    dispatcher.emit_many([("order.paid", {"n": n, "name": "Zoë"}) for n in range(5)])
    with statements(store) as seen:
        assert await dispatcher.run_due() == 5
    assert not reads_bodies(seen), seen
    sent = sorted(json.loads(r.get_data())["data"]["n"] for r, _ in httpserver.log)
    assert sent == [0, 1, 2, 3, 4]


async def test_a_body_written_by_another_process_is_read_once_then_kept(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, db_url: str,
        clock: FixedClock) -> None:
    """Emitted by a second process (a CLI ``send`` or another worker): the first attempt reads
    the body, the retry sends the same bytes without reading it again."""
    httpserver.expect_ordered_request("/hook").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/hook").respond_with_data("ok")
    subscribe(store, httpserver.url_for("/hook"), retry="0,0")
    in_other_process(db_url, "import random\n"
                     "from webhook_studio.core.clock import FixedClock\n"
                     "from webhook_studio.core.envelope import default_envelope\n"
                     "from webhook_studio.sender.emitting import store_events\n"
                     "store_events(store, FixedClock(values['now']), random.Random(1),"
                     " lambda _p: default_envelope, [('order.paid', {'n': 7}, None)])",
                     now=clock.now())
    with statements(store) as first:
        assert await dispatcher.run_due() == 1
    assert reads_bodies(first)
    with statements(store) as retry:
        assert await dispatcher.run_due() == 1
    assert not reads_bodies(retry), retry
    (one, _), (two, _) = httpserver.log
    assert one.get_data() == two.get_data()
    assert json.loads(two.get_data())["data"] == {"n": 7}


def test_the_cache_stays_under_its_bound_dropping_the_oldest() -> None:
    cache = PayloadCache(max_bytes=100)
    cache.add([("a", b"x" * 40), ("b", b"y" * 40)])
    cache.add([("c", b"z" * 40)])
    assert cache.size <= 100
    assert cache.get({"a", "b", "c"}) == {"b": b"y" * 40, "c": b"z" * 40}
    cache.add([("huge", b"h" * 101)])
    assert cache.get({"huge"}) == {} and cache.size == 80
    cache.add([("b", b"other")])  # an id is never reused; the first body stays
    assert cache.get({"b"}) == {"b": b"y" * 40}
