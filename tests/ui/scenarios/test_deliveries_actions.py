"""Retry now, Cancel, Retry dead letter and Retry all dead letters, clicked on the Deliveries
detail: each does what it says in the store, tells the sender, and says so at the buttons;
with the store locked by another program the window keeps running while the click waits for
it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from tests.team.faults import store_locked
from tests.ui.scenarios.helpers import (
    OFFSCREEN_POPUPS,
    Heartbeat,
    click,
    go_to,
    pump,
    reads_done,
)
from tests.ui.scenarios.test_deliveries_list import click_row
from webhook_studio.context import AppContext
from webhook_studio.core.retry import parse_policy
from webhook_studio.store import window_reads as reads
from webhook_studio.store.sender_queries import create_subscription, update_subscription
from webhook_studio.ui import dialogs
from webhook_studio.ui.main_window import MainWindow
from webhook_studio.ui.sections.deliveries import DeliveriesSection

pytestmark = OFFSCREEN_POPUPS
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CLOSED = "http://127.0.0.1:9/closed"  # nothing listens: every attempt fails at once


def state(ctx: AppContext, delivery_id: str) -> str:
    return str(reads.delivery_detail(ctx.store, delivery_id).delivery.state)


async def shown(qtbot: QtBot, window: MainWindow, delivery_id: str) -> DeliveriesSection:
    await go_to(qtbot, window, "Deliveries")
    section = window.deliveries
    await pump(lambda: section.row_of(delivery_id) is not None, 20.0, "the delivery is listed")
    row = section.row_of(delivery_id)
    assert row is not None
    await click_row(qtbot, section, row)
    assert section.delivery_id == delivery_id
    return section


async def pending_after_one_attempt(qtbot: QtBot, window: MainWindow, ctx: AppContext
                                   ) -> tuple[str, DeliveriesSection]:
    """A delivery whose first attempt failed, due again in an hour, shown in Deliveries."""
    sub = create_subscription(ctx.store, secret=SECRET, url=CLOSED, events=["*"],
                              retry_policy=parse_policy("0,1h").to_dict())
    (delivery,) = window.dispatcher.emit("order.paid", {"n": 1}, subscription_id=sub)
    await pump(lambda: reads.delivery_detail(ctx.store, delivery).attempts, 20.0,
               "the first attempt was not made")
    return delivery, await shown(qtbot, window, delivery)


async def test_cancel_then_retry_now_through_the_buttons(window: MainWindow, ctx: AppContext,
                                                         qtbot: QtBot) -> None:
    delivery, section = await pending_after_one_attempt(qtbot, window, ctx)
    click(qtbot, section.cancel_button)
    await pump(lambda: section.message.text() == "Cancelled.", 20.0, "no sentence")
    assert state(ctx, delivery) == "cancelled"
    await reads_done(section)
    click(qtbot, section.retry_button)
    await pump(lambda: section.message.text() == "Retrying now…", 20.0, "no sentence")
    # due now: the window's own sender makes the second attempt (to the closed port)
    await pump(lambda: len(reads.delivery_detail(ctx.store, delivery).attempts) >= 2, 20.0,
               "the sender was not told to retry")


async def test_a_dead_letter_is_queued_again_through_its_button(
        window: MainWindow, ctx: AppContext, qtbot: QtBot) -> None:
    sub = create_subscription(ctx.store, secret=SECRET, url=CLOSED, events=["*"],
                              retry_policy=parse_policy("0").to_dict())
    (delivery,) = window.dispatcher.emit("order.paid", {"n": 1}, subscription_id=sub)
    await pump(lambda: state(ctx, delivery) == "failed", 20.0, "it never failed for good")
    section = await shown(qtbot, window, delivery)
    await pump(lambda: section.dead_button.isVisible(), 20.0, "no dead-letter button")
    click(qtbot, section.dead_button)
    await pump(lambda: section.message.text() == "Dead letter queued again…", 20.0,
               "no sentence")
    await pump(lambda: len(reads.delivery_detail(ctx.store, delivery).attempts) >= 2, 20.0,
               "the dead letter was not sent again")


async def test_a_click_on_a_locked_store_waits_without_freezing_the_window(
        window: MainWindow, ctx: AppContext, qtbot: QtBot, db_url: str) -> None:
    """Another program holds the store's write lock for a second: the click waits for it in a
    worker thread while the window's timers keep firing (the cancel used to write on the
    GUI thread and freeze the window for as long as the lock was held), then it is done."""
    delivery, section = await pending_after_one_attempt(qtbot, window, ctx)
    heartbeat = Heartbeat()
    try:
        with store_locked(db_url):
            click(qtbot, section.cancel_button)  # returns at once: the write waits elsewhere
            assert section.message.text() == "Working…"
            # the GUI thread runs its timers while the click waits for the lock
            await heartbeat.beats(10, 1.5, "the window froze while the store was locked")
            assert section.message.text() == "Working…"
            assert state(ctx, delivery) == "pending"
        await pump(lambda: section.message.text() == "Cancelled.", 20.0, "no sentence")
    finally:
        heartbeat.stop()
    assert state(ctx, delivery) == "cancelled"


async def test_every_dead_letter_of_the_subscription_through_one_button(
        window: MainWindow, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The target was down; the person points the subscription at a working one, opens one
    dead letter and clicks "Retry all dead letters…": asked with the count, every dead letter
    of that subscription (not another's) is sent again there."""
    httpserver.expect_request("/up").respond_with_data("ok")
    sub = create_subscription(ctx.store, secret=SECRET, url=CLOSED, events=["order.*"],
                              retry_policy=parse_policy("0").to_dict())
    other = create_subscription(ctx.store, secret=SECRET, url=CLOSED, events=["user.*"],
                                retry_policy=parse_policy("0").to_dict())
    dead = [*window.dispatcher.emit("order.paid", {"n": 1}, subscription_id=sub),
            *window.dispatcher.emit("order.paid", {"n": 2}, subscription_id=sub)]
    (elsewhere,) = window.dispatcher.emit("user.created", {}, subscription_id=other)
    await pump(lambda: all(state(ctx, d) == "failed" for d in (*dead, elsewhere)), 20.0,
               "never dead letters")
    update_subscription(ctx.store, sub, url=httpserver.url_for("/up"))
    asked: list[str] = []

    def confirm(_parent: Any, _title: str, text: str, action: str,
                then: Callable[[], object]) -> None:
        asked.append(text)
        assert action == "Retry dead letters"
        then()

    monkeypatch.setattr(dialogs, "confirm", confirm)
    section = await shown(qtbot, window, dead[0])
    await pump(lambda: section.dead_all_button.isEnabled(), 20.0, "the button stays off")
    click(qtbot, section.dead_all_button)
    await pump(lambda: asked, 20.0, "nothing was asked")
    assert asked[0].startswith("Retry all 2 of its dead letters? The subscription to "
                               f"{httpserver.url_for('/up')} gets each again now")
    await pump(lambda: section.message.text() == "2 dead letters queued again…", 20.0,
               f"said {section.message.text()!r}")
    await pump(lambda: all(state(ctx, d) == "delivered" for d in dead), 20.0,
               "a dead letter was not delivered again")
    assert state(ctx, elsewhere) == "failed"
    assert len(httpserver.log) == 2
