"""Properties of ``POST /events/batch`` over real HTTP: any list of valid events is taken, with
one list of delivery ids per event in request order; any list with a bad item is refused whole,
each bad item named, nothing stored.

The API runs in a thread with its own loop (as in test_fuzz.py) so hypothesis drives it
synchronously; its dispatcher is not started, so the deliveries stay pending and countable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.api.test_fuzz import Server
from webhook_studio.api import load_or_create_token
from webhook_studio.context import AppContext
from webhook_studio.store.sender_models import Delivery, Event


class Batches:
    def __init__(self, http: httpx.Client, ctx: AppContext, subs: dict[str, str]) -> None:
        self.http, self.ctx, self.subs = http, ctx, subs

    def counts(self) -> tuple[int, int]:
        with self.ctx.store.session() as session:
            return (session.scalar(select(func.count()).select_from(Event)) or 0,
                    session.scalar(select(func.count()).select_from(Delivery)) or 0)

    def stored(self, ids: list[str]) -> dict[str, tuple[str, str]]:
        with self.ctx.store.session() as session:
            rows = session.execute(select(Delivery.id, Delivery.subscription_id,
                                          Delivery.event_type).where(Delivery.id.in_(ids)))
            return {r.id: (r.subscription_id, r.event_type) for r in rows}


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batches]:
    folder = tmp_path_factory.mktemp("batch")
    ctx = AppContext.open(folder / "batch.sqlite3", data_dir=folder)
    server = Server(ctx)
    base = server.start()
    token = load_or_create_token(folder)
    with httpx.Client(base_url=base + "/api/v1", timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        subs = {}
        for name, events in (("all", ["*"]), ("users", ["user.*"])):
            answer = http.post("/webhooks", json={"url": "https://example.com/" + name,
                                                  "events": events})
            assert answer.status_code == 201, answer.text
            subs[name] = answer.json()["id"]
        yield Batches(http, ctx, subs)
    server.stop()
    ctx.close()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=10)
event_types = st.from_regex(r"(user|invoice|a)\.[a-z0-9_-]{1,10}(\.[a-z]{1,5})?", fullmatch=True)
#: (type, data, aimed at the "users" subscription)
valid_events = st.tuples(event_types, json_values, st.booleans())
bad_items: st.SearchStrategy[Any] = st.sampled_from([
    {"data": 1}, {"type": "user.*", "data": 1}, {"type": "user.created"}, "user.created",
    None, [], 7, {"type": "", "data": 1}, {"type": 5, "data": 1},
    {"type": "a.b", "data": 1, "extra": 1}, {"type": "a..b", "data": 1},
    {"type": "a.b", "data": 1, "subscription_id": ""},
    {"type": "a.b", "data": 1, "subscription_id": 3},
])


def _item(batches: Batches, event: tuple[str, Any, bool]) -> dict[str, Any]:
    event_type, data, aimed = event
    item = {"type": event_type, "data": data}
    return {**item, "subscription_id": batches.subs["users"]} if aimed else item


@settings(max_examples=40, deadline=None)
@given(st.lists(valid_events, min_size=1, max_size=30))
def test_any_valid_list_is_taken_one_id_list_per_event_in_order(
        batches: Batches, events: list[tuple[str, Any, bool]]) -> None:
    before = batches.counts()
    answer = batches.http.post("/events/batch",
                               json={"events": [_item(batches, e) for e in events]})
    assert answer.status_code == 202, answer.text
    grouped = answer.json()["delivery_ids"]
    assert len(grouped) == len(events)
    rows = batches.stored([i for ids in grouped for i in ids])
    for (event_type, _data, aimed), ids in zip(events, grouped, strict=True):
        expected = ({batches.subs["users"]} if aimed else
                    {batches.subs["all"], *([batches.subs["users"]]
                                            if event_type.startswith("user.") else [])})
        assert len(ids) == len(expected)
        assert {rows[i] for i in ids} == {(sub, event_type) for sub in expected}
    total = sum(len(ids) for ids in grouped)
    assert batches.counts()[1] == before[1] + total


@settings(max_examples=40, deadline=None)
@given(st.lists(valid_events, max_size=20),
       st.lists(st.tuples(st.integers(0, 20), bad_items), min_size=1, max_size=5))
def test_any_list_with_a_bad_item_is_refused_whole(
        batches: Batches, events: list[tuple[str, Any, bool]],
        bad: list[tuple[int, Any]]) -> None:
    items: list[Any] = [_item(batches, e) for e in events]
    for position, item in bad:
        items.insert(min(position, len(items)), item)
    bad_positions = {i for i, item in enumerate(items)
                     if any(item is b for _, b in bad)}
    before = batches.counts()
    answer = batches.http.post("/events/batch", json={"events": items})
    assert answer.status_code == 422, answer.text
    fields = answer.json()["fields"]
    named = {int(m[1]) for key in fields if (m := re.fullmatch(r"events\[(\d+)\].*", key))}
    assert named == bad_positions and all(key.startswith("events[") for key in fields)
    assert batches.counts() == before
