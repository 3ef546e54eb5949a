"""Subscriptions kept between claims (sender/subscription_cache.py): a change committed by
another process (the window, the API, another ``serve`` worker, or plain SQL from any program)
reaches this sender's next claim. Every test runs on SQLite and on PostgreSQL; the change is
made by a real second Python process on the same file or database."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pytest_httpserver import HTTPServer
from sqlalchemy import event, select

from tests.sender.conftest import SECRET, subscribe
from webhook_studio.core.clock import FixedClock
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.schemes import get_scheme
from webhook_studio.sender import Dispatcher
from webhook_studio.store import Store
from webhook_studio.store.sender_models import Delivery
from webhook_studio.store.sender_queries import update_subscription

NEW_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"


def in_other_process(db_url: str, code: str, **values: Any) -> None:
    """Run ``code`` in a fresh interpreter on the same store (``store`` and ``values`` are
    defined for it); the change is committed when this returns."""
    script = textwrap.dedent("""
        import json, sys
        from sqlalchemy import text
        from webhook_studio.store import open_store
        from webhook_studio.store.sender_queries import *
        values = json.loads(sys.argv[2])
        store = open_store(sys.argv[1])
        try:
        """) + textwrap.indent(textwrap.dedent(code), "    ") + "\nfinally:\n    store.dispose()\n"
    done = subprocess.run([sys.executable, "-c", script, db_url, json.dumps(values)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def signed_with(request: Any, secrets: list[str], now: float) -> bool:
    incoming = IncomingRequest(request.get_data(), tuple(request.headers.items()))
    return get_scheme("standard-webhooks").verify(incoming, secrets, now=now,
                                                  tolerance=-1).valid


@contextmanager
def statements(store: Store) -> Iterator[list[str]]:
    """Every SQL statement the store sends while inside."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def reads_subscriptions(seen: list[str]) -> bool:
    return any(s.startswith("SELECT") and ("FROM subscriptions" in s
                                           or "FROM subscription_secrets" in s) for s in seen)


def state_of(store: Store, delivery_id: str) -> str:
    with store.session() as session:
        return str(session.scalar(select(Delivery.state).where(Delivery.id == delivery_id)))


async def warm(dispatcher: Dispatcher, httpserver: HTTPServer) -> None:
    """One delivery made, so this sender holds the subscription from here on."""
    dispatcher.emit("warm.up", {"n": 0})
    assert await dispatcher.run_due() == 1
    httpserver.clear_log()


async def test_claims_do_not_reread_unchanged_subscriptions(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe(store, httpserver.url_for("/hook"))
    with statements(store) as first:
        await warm(dispatcher, httpserver)
    assert reads_subscriptions(first)
    dispatcher.emit("order.paid", {"n": 1})
    with statements(store) as second:
        assert await dispatcher.run_due() == 1
    assert not reads_subscriptions(second), second
    assert any("change_counters" in s for s in second), "the counter is read at each claim"


async def test_a_url_changed_by_plain_sql_in_another_process_gets_the_next_delivery(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, db_url: str) -> None:
    """Plain SQL, not our update function: any program (or an older build) that changes the
    row moves the counter, because the database's triggers do it."""
    httpserver.expect_request("/old").respond_with_data("ok")
    httpserver.expect_request("/new").respond_with_data("ok")
    sub_id = subscribe(store, httpserver.url_for("/old"))
    await warm(dispatcher, httpserver)
    (pending,) = dispatcher.emit("order.paid", {"n": 1})  # created for /old
    in_other_process(db_url, "with store.session() as s:\n"
                     "    s.execute(text('UPDATE subscriptions SET url = :u WHERE id = :i'),"
                     " {'u': values['url'], 'i': values['id']})",
                     url=httpserver.url_for("/new"), id=sub_id)
    assert await dispatcher.run_due() == 1
    assert [r.path for r, _ in httpserver.log] == ["/new"]
    assert state_of(store, pending) == "delivered"


async def test_a_url_edited_in_another_process_moves_the_pending_deliveries(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, db_url: str) -> None:
    httpserver.expect_request("/old").respond_with_data("ok")
    httpserver.expect_request("/new").respond_with_data("ok")
    sub_id = subscribe(store, httpserver.url_for("/old"))
    await warm(dispatcher, httpserver)
    (pending,) = dispatcher.emit("order.paid", {"n": 1})
    in_other_process(db_url, "update_subscription(store, values['id'], url=values['url'])",
                     url=httpserver.url_for("/new"), id=sub_id)
    with store.session() as session:
        delivery = session.get(Delivery, pending)
        assert delivery is not None and delivery.target_url == httpserver.url_for("/new")
    assert await dispatcher.run_due() == 1
    assert [r.path for r, _ in httpserver.log] == ["/new"]


async def test_a_secret_rotated_in_another_process_signs_the_next_delivery_alone(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, db_url: str,
        clock: FixedClock) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    sub_id = subscribe(store, httpserver.url_for("/hook"))
    await warm(dispatcher, httpserver)
    dispatcher.emit("order.paid", {"n": 1})
    in_other_process(db_url, "rotate_secret(store, values['id'], values['secret'], "
                     "now=values['now'], overlap=0)",
                     id=sub_id, secret=NEW_SECRET, now=clock.now())
    assert await dispatcher.run_due() == 1
    (request, _), = httpserver.log
    assert signed_with(request, [NEW_SECRET], clock.now())
    assert not signed_with(request, [SECRET], clock.now()), "the old secret was removed"
    assert len(request.headers["webhook-signature"].split()) == 1


async def test_a_secret_deleted_in_another_process_never_signs_again(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, db_url: str,
        clock: FixedClock) -> None:
    """Rotated with the default overlap (both secrets sign), then the old row deleted by hand:
    the next delivery carries one signature, the new secret's."""
    httpserver.expect_request("/hook").respond_with_data("ok")
    sub_id = subscribe(store, httpserver.url_for("/hook"))
    in_other_process(db_url, "rotate_secret(store, values['id'], values['secret'], "
                     "now=values['now'])", id=sub_id, secret=NEW_SECRET, now=clock.now())
    await warm(dispatcher, httpserver)
    dispatcher.emit("order.paid", {"n": 1})
    in_other_process(db_url, "with store.session() as s:\n"
                     "    s.execute(text('DELETE FROM subscription_secrets WHERE secret = :s'),"
                     " {'s': values['old']})", old=SECRET)
    assert await dispatcher.run_due() == 1
    (request, _), = httpserver.log
    assert len(request.headers["webhook-signature"].split()) == 1
    assert signed_with(request, [NEW_SECRET], clock.now())
    assert not signed_with(request, [SECRET], clock.now())


async def test_a_subscription_paused_in_another_process_is_not_sent(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, db_url: str) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    sub_id = subscribe(store, httpserver.url_for("/hook"))
    await warm(dispatcher, httpserver)
    (pending,) = dispatcher.emit("order.paid", {"n": 1})
    in_other_process(db_url, "update_subscription(store, values['id'], active=False)",
                     id=sub_id)
    assert await dispatcher.run_due() == 0
    assert httpserver.log == []
    assert state_of(store, pending) == "disabled"


async def test_a_subscription_deleted_in_another_process_is_not_sent(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, db_url: str) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    sub_id = subscribe(store, httpserver.url_for("/hook"))
    await warm(dispatcher, httpserver)
    dispatcher.emit("order.paid", {"n": 1})
    in_other_process(db_url, "delete_subscription(store, values['id'])", id=sub_id)
    assert await dispatcher.run_due() == 0
    assert httpserver.log == []


async def test_headers_edited_in_another_process_go_with_the_next_delivery(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher, db_url: str) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    sub_id = subscribe(store, httpserver.url_for("/hook"), headers={"X-Team": "old"})
    await warm(dispatcher, httpserver)
    dispatcher.emit("order.paid", {"n": 1})
    in_other_process(db_url, "update_subscription(store, values['id'], "
                     "headers={'X-Team': 'new'})", id=sub_id)
    assert await dispatcher.run_due() == 1
    (request, _), = httpserver.log
    assert request.headers["X-Team"] == "new"


async def test_a_secret_expiring_between_claims_stops_signing_without_any_change(
        httpserver: HTTPServer, store: Store, dispatcher: Dispatcher,
        clock: FixedClock) -> None:
    """The overlap of a rotation ends by time alone (no row changes, the counter stays): the
    kept secrets are filtered by each claim's own time."""
    from webhook_studio.store.sender_queries import rotate_secret

    httpserver.expect_request("/hook").respond_with_data("ok")
    sub_id = subscribe(store, httpserver.url_for("/hook"))
    rotate_secret(store, sub_id, NEW_SECRET, now=clock.now(), overlap=60)
    await warm(dispatcher, httpserver)
    clock.advance(61)
    dispatcher.emit("order.paid", {"n": 1})
    assert await dispatcher.run_due() == 1
    (request, _), = httpserver.log
    assert len(request.headers["webhook-signature"].split()) == 1
    assert signed_with(request, [NEW_SECRET], clock.now())


async def test_a_new_url_leaves_finished_deliveries_as_they_were(
        store: Store, dispatcher: Dispatcher) -> None:
    """Moving pending deliveries to a new URL never rewrites where a finished one went."""
    sub_id = subscribe(store, "http://127.0.0.1:9/old")
    pending, done = dispatcher.emit_many([("a.b", {"n": 1}), ("a.b", {"n": 2})])
    with store.session() as session:
        row = session.get(Delivery, done)
        assert row is not None
        row.state = "delivered"
    update_subscription(store, sub_id, url="http://127.0.0.1:9/new")
    with store.session() as session:
        urls = dict(session.execute(select(Delivery.id, Delivery.target_url)).all())
    assert urls == {pending: "http://127.0.0.1:9/new", done: "http://127.0.0.1:9/old"}
