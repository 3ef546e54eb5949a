"""``POST /events/batch`` over real HTTP: many events in one request and one transaction,
delivered to a real target, refused whole when any item is wrong."""

from __future__ import annotations

import asyncio
import base64
import io
import json
from typing import Any

from pytest_httpserver import HTTPServer
from sqlalchemy import func, select, text

from tests.api.conftest import Api
from webhook_studio.core import limits
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.schemes import get_scheme
from webhook_studio.store import Store
from webhook_studio.store.sender_models import Delivery, Event

SECRET_A = "whsec_" + base64.b64encode(b"a" * 32).decode()
SECRET_B = "whsec_" + base64.b64encode(b"b" * 32).decode()
TYPES = ["user.created", "user.deleted", "payment.failed", "device.online"]


async def subscribe(api: Api, url: str, events: list[str], secret: str) -> str:
    status, body = await api.call("POST", "/webhooks", {"url": url, "events": events,
                                                        "secret": secret})
    assert status == 201, body
    return str(body["id"])


def counts(store: Store) -> tuple[int, int]:
    with store.session() as session:
        return (session.scalar(select(func.count()).select_from(Event)) or 0,
                session.scalar(select(func.count()).select_from(Delivery)) or 0)


def stored(store: Store, ids: list[str]) -> dict[str, tuple[str, str]]:
    """delivery id -> (subscription id, event type) as the store holds them."""
    with store.session() as session:
        rows = session.execute(select(Delivery.id, Delivery.subscription_id,
                                      Delivery.event_type).where(Delivery.id.in_(ids)))
        return {r.id: (r.subscription_id, r.event_type) for r in rows}


async def test_a_batch_is_delivered_signed_to_every_matching_subscription(
        api: Api, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a", method="POST").respond_with_data("ok")
    httpserver.expect_request("/b", method="POST").respond_with_data("ok")
    sub_a = await subscribe(api, httpserver.url_for("/a"), ["user.*"], SECRET_A)
    sub_b = await subscribe(api, httpserver.url_for("/b"), ["user.created", "payment.*"],
                            SECRET_B)
    events: list[dict[str, Any]] = [{"type": TYPES[n % 4], "data": {"n": n}}
                                    for n in range(50)]
    status, body = await api.call("POST", "/events/batch", {"events": events})
    assert status == 202, body
    answered = body["delivery_ids"]
    assert len(answered) == 50
    wanted = {"user.created": {sub_a, sub_b}, "user.deleted": {sub_a},
              "payment.failed": {sub_b}, "device.online": set()}
    rows = stored(api.ctx.store, [i for ids in answered for i in ids])
    for event, ids in zip(events, answered, strict=True):
        assert {rows[i][0] for i in ids} == wanted[event["type"]]
        assert len(ids) == len(wanted[event["type"]])
        assert {rows[i][1] for i in ids} <= {event["type"]}
    every = [i for ids in answered for i in ids]
    assert len(rows) == len(every) == 13 * 2 + 13 + 12  # the ids are the stored deliveries
    finals = await asyncio.wait_for(
        asyncio.gather(*(api.dispatcher.wait_final(i) for i in every)), 60)
    assert set(finals) == {"delivered"}
    by_path: dict[str, list[int]] = {"/a": [], "/b": []}
    for request, _ in httpserver.log:
        secret = SECRET_A if request.path == "/a" else SECRET_B
        incoming = IncomingRequest(request.get_data(), tuple(request.headers.items()))
        verdict = get_scheme("standard-webhooks").verify(incoming, [secret],
                                                         now=api.ctx.clock.now(), tolerance=-1)
        assert verdict.valid, verdict.message
        payload = json.loads(request.get_data())
        by_path[request.path].append(payload["data"]["n"])
    assert sorted(by_path["/a"]) == [n for n in range(50) if TYPES[n % 4].startswith("user.")]
    assert sorted(by_path["/b"]) == [n for n in range(50) if n % 4 in (0, 2)]


async def test_per_item_subscription_id_goes_there_whatever_its_filter(api: Api) -> None:
    only = await subscribe(api, "http://127.0.0.1:9/x", ["device.*"], SECRET_A)
    await subscribe(api, "http://127.0.0.1:9/y", ["user.*"], SECRET_B)
    status, body = await api.call("POST", "/events/batch", {"events": [
        {"type": "user.created", "data": 1, "subscription_id": only},
        {"type": "user.created", "data": 2},
        {"type": "nobody.listens", "data": None}]})
    assert status == 202, body
    first, second, third = body["delivery_ids"]
    rows = stored(api.ctx.store, first + second)
    assert [rows[i][0] for i in first] == [only]
    assert len(second) == 1 and rows[second[0]][0] != only
    assert third == []


def _fault(store: Store, on: bool) -> None:
    """A store failing part-way through writing the deliveries: a trigger that refuses one
    event type's rows (the earlier events and deliveries of the batch are already written)."""
    postgres = store.engine.dialect.name == "postgresql"
    with store.engine.begin() as conn:
        if not on:
            conn.execute(text("DROP TRIGGER boom ON deliveries" if postgres
                              else "DROP TRIGGER boom"))
        elif postgres:
            conn.execute(text(
                "CREATE OR REPLACE FUNCTION boom() RETURNS trigger AS $$ BEGIN "
                "IF NEW.event_type = 'boom.fail' THEN RAISE EXCEPTION 'disk on fire'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"))
            conn.execute(text("CREATE TRIGGER boom BEFORE INSERT ON deliveries FOR EACH ROW "
                              "EXECUTE FUNCTION boom()"))
        else:
            conn.execute(text(
                "CREATE TRIGGER boom BEFORE INSERT ON deliveries "
                "WHEN NEW.event_type = 'boom.fail' BEGIN SELECT RAISE(ABORT, 'disk on fire'); "
                "END"))


async def test_one_transaction_a_store_failure_mid_way_stores_nothing(api: Api) -> None:
    await subscribe(api, "http://127.0.0.1:9/x", ["*"], SECRET_A)
    events: list[dict[str, Any]] = [{"type": "user.created", "data": {"n": n}}
                                    for n in range(50)]
    events[25] = {"type": "boom.fail", "data": {}}
    _fault(api.ctx.store, True)
    status, body = await api.call("POST", "/events/batch", {"events": events})
    # 503 "store unavailable" with Retry-After: the client may send the same batch again
    assert status == 503 and "disk on fire" in body["detail"], body
    assert counts(api.ctx.store) == (0, 0)
    _fault(api.ctx.store, False)  # the same batch, whole, once the store takes it
    status, body = await api.call("POST", "/events/batch", {"events": events})
    assert status == 202 and len(body["delivery_ids"]) == 50
    assert counts(api.ctx.store) == (50, 50)


async def test_a_bad_item_at_the_end_stores_nothing(api: Api) -> None:
    await subscribe(api, "http://127.0.0.1:9/x", ["*"], SECRET_A)
    events: list[Any] = [{"type": "user.created", "data": n} for n in range(20)]
    status, body = await api.call("POST", "/events/batch",
                                  {"events": [*events, {"type": "user.*", "data": 1}]})
    assert status == 422
    assert body["fields"] == {"events[20].type": "must be an exact event type, not a pattern"}
    assert counts(api.ctx.store) == (0, 0)


async def test_422_names_every_bad_item_by_index_and_field(api: Api) -> None:
    await subscribe(api, "http://127.0.0.1:9/x", ["*"], SECRET_A)
    status, body = await api.call("POST", "/events/batch", {"events": [
        {"type": "ok.one", "data": 1},
        {"type": "user.*"},
        {"type": "ok.two", "data": 2},
        "user.created",
        {"type": "ok.three", "data": 3, "bogus": True, "subscription_id": ""},
        {"type": 7, "data": None}]})
    assert status == 422 and body["error"] == "invalid input"
    fields = body["fields"]
    assert set(fields) == {"events[1].type", "events[1].data", "events[3]", "events[4].bogus",
                           "events[4].subscription_id", "events[5].type"}
    assert fields["events[1].type"] == "must be an exact event type, not a pattern"
    assert fields["events[1].data"] == "is required"
    assert fields["events[3]"] == "must be a JSON object"
    assert fields["events[4].bogus"] == "is not a known field"
    assert counts(api.ctx.store) == (0, 0)
    status, body = await api.call("POST", "/events/batch", {"events": [], "extra": 1})
    assert status == 422 and body["fields"] == {
        "events": "must hold at least one event", "extra": "is not a known field"}
    status, body = await api.call("POST", "/events/batch", {})
    assert status == 422 and body["fields"] == {"events": "is required"}
    status, body = await api.call("POST", "/events/batch", {"events": {"type": "a.b"}})
    assert status == 422 and body["fields"]["events"].startswith("must be an array of events")
    status, body = await api.call("POST", "/events/batch",
                                  [{"type": "a.b", "data": 1}])
    assert status == 422 and body["fields"] == {"body": "must be a JSON object"}
    assert counts(api.ctx.store) == (0, 0)


async def test_the_count_limit_and_the_body_limit(api: Api) -> None:
    await subscribe(api, "http://127.0.0.1:9/x", ["*"], SECRET_A)
    over = [{"type": "user.created", "data": {"n": n}}
            for n in range(limits.MAX_BATCH_EVENTS + 1)]
    status, body = await api.call("POST", "/events/batch", {"events": over})
    assert status == 422
    assert body["fields"] == {"events": "holds 1,001 events; at most 1,000 fit in one "
                                        "request, so split the batch into smaller ones"}
    assert counts(api.ctx.store) == (0, 0)
    # A batch at the count limit, each with ~900 bytes of data, fits the API's body limit.
    at_limit = [{"type": "user.created", "data": {"n": n, "pad": "x" * 900}}
                for n in range(limits.MAX_BATCH_EVENTS)]
    assert len(json.dumps({"events": at_limit})) < limits.API_REQUEST_BYTES
    status, body = await api.call("POST", "/events/batch", {"events": at_limit})
    assert status == 202, body
    assert [len(ids) for ids in body["delivery_ids"]] == [1] * limits.MAX_BATCH_EVENTS
    assert counts(api.ctx.store) == (1000, 1000)
    # Past the body limit it is the API's usual 413, whatever the count.
    big = json.dumps({"events": [{"type": "user.created", "data": "x" * 16_000}] * 1000})
    assert len(big) > limits.API_REQUEST_BYTES
    status, body = await api.call("POST", "/events/batch", None, data=io.BytesIO(big.encode()),
                                  headers={"Content-Type": "application/json"})
    assert status == 413 and body["error"] == "request body too large"
    assert counts(api.ctx.store) == (1000, 1000)


async def test_an_unknown_subscription_is_404_naming_it_and_stores_nothing(api: Api) -> None:
    known = await subscribe(api, "http://127.0.0.1:9/x", ["*"], SECRET_A)
    status, body = await api.call("POST", "/events/batch", {"events": [
        {"type": "a.b", "data": 1, "subscription_id": "wh_gone"},
        {"type": "a.b", "data": 2, "subscription_id": known},
        {"type": "a.b", "data": 3},
        {"type": "a.b", "data": 4, "subscription_id": "wh_gone"}]})
    assert status == 404 and body["error"] == "not found"
    assert body["detail"] == ("No subscription with id wh_gone (events[0], events[3]). "
                              "Nothing was stored.")
    assert counts(api.ctx.store) == (0, 0)
    status, body = await api.call("POST", "/events/batch", {"events": [
        {"type": "a.b", "data": n, "subscription_id": "wh_lost" if n % 2 else known}
        for n in range(15)] + [{"type": "a.b", "data": 0, "subscription_id": "wh_gone"}]})
    assert status == 404
    assert body["detail"] == ("No subscription with id wh_lost (events[1], events[3], "
                              "events[5], events[7], events[9] and 2 more); no subscription "
                              "with id wh_gone (events[15]). Nothing was stored.")
    assert counts(api.ctx.store) == (0, 0)


async def test_it_needs_the_token(api: Api) -> None:
    batch = {"events": [{"type": "a.b", "data": 1}]}
    for token in (None, "wrong"):
        status, body = await api.call("POST", "/events/batch", batch, token=token)
        assert status == 401 and "delivery_ids" not in body
    assert counts(api.ctx.store) == (0, 0)
