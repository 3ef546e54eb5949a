"""``Dispatcher.store_events``: the one-transaction writer behind ``emit_many`` and
``POST /events/batch``, answering one list of delivery ids per event, each event going to its
own subscription or to every matching active one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.sender.conftest import subscribe
from webhook_studio.sender import Dispatcher
from webhook_studio.sender.errors import UnknownSubscriptions
from webhook_studio.store import Store
from webhook_studio.store.sender_models import Delivery, Event


def _rows(store: Store) -> dict[str, tuple[str, str, str]]:
    """delivery id -> (subscription, event type, the event row's type)."""
    with store.session() as session:
        rows = session.execute(select(Delivery.id, Delivery.subscription_id,
                                      Delivery.event_type, Event.type)
                               .join(Event, Event.id == Delivery.event_id))
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


async def test_one_list_per_event_in_order_each_to_its_own_target(
        store: Store, dispatcher: Dispatcher) -> None:
    users = subscribe(store, "http://127.0.0.1:9/u", events=["user.*"])
    every = subscribe(store, "http://127.0.0.1:9/e", events=["*"])
    paused = subscribe(store, "http://127.0.0.1:9/p", events=["*"], active=False)
    grouped = dispatcher.store_events([
        ("user.created", {"n": 0}, None),      # users and every
        ("invoice.paid", {"n": 1}, None),      # every
        ("invoice.paid", {"n": 2}, users),     # aimed: users, whatever its filter
        ("user.created", {"n": 3}, paused),    # aimed: even an inactive one
        ("user.created", {"n": 4}, "wh_gone"),  # aimed at nothing: no delivery
    ])
    rows = _rows(store)
    assert [sorted(rows[i][0] for i in ids) for ids in grouped] == [
        sorted([users, every]), [every], [users], [paused], []]
    for ids, kind in zip(grouped, ["user.created", "invoice.paid", "invoice.paid",
                                   "user.created", "user.created"], strict=True):
        assert all(rows[i][1:] == (kind, kind) for i in ids)
    assert len(rows) == 5


async def test_emit_many_answers_the_same_ids_flat(store: Store, dispatcher: Dispatcher) -> None:
    a = subscribe(store, "http://127.0.0.1:9/a", events=["a.*"])
    b = subscribe(store, "http://127.0.0.1:9/b", events=["*"])
    ids = dispatcher.emit_many([("a.x", 1), ("z.z", 2), ("a.y", 3)])
    rows = _rows(store)
    assert [rows[i][1] for i in ids] == ["a.x", "a.x", "z.z", "a.y", "a.y"]  # event order
    assert [{rows[i][0] for i in part} for part in (ids[:2], ids[2:3], ids[3:])] == [
        {a, b}, {b}, {a, b}]
    (only,) = dispatcher.emit_many([("a.x", 1)], subscription_id=b)
    assert _rows(store)[only][0] == b
    assert dispatcher.emit_many([("a.x", 1)], subscription_id="wh_gone") == []


async def test_refusing_unknown_targets_stores_nothing(store: Store,
                                                      dispatcher: Dispatcher) -> None:
    known = subscribe(store, "http://127.0.0.1:9/k", events=["*"])
    items = [("a.b", 0, None), ("a.b", 1, known), ("a.b", 2, "wh_gone"), ("a.b", 3, "wh_gone")]
    with pytest.raises(UnknownSubscriptions) as caught:
        dispatcher.store_events(items, refuse_unknown=True)
    assert caught.value.missing == {"wh_gone": [2, 3]}
    assert "No subscription with id wh_gone" in str(caught.value)
    assert _rows(store) == {}
