"""Deliveries' filter, Copy as on rows and attempts, the latency chart, and the empty states
of Deliveries, Subscriptions and Endpoints, used as a person does."""

from __future__ import annotations

import time
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import go_to, pump, reads_done
from webhook_studio.context import AppContext
from webhook_studio.relay.examples import write_example_deliveries
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui.widgets.copy_menu import find_action

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def right_click(widget: Any, pos: Any) -> None:
    """What a right mouse click sends: a context menu event at that point."""
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, widget.mapToGlobal(pos))
    QApplication.sendEvent(widget, event)


def clipboard_text() -> str:
    clipboard = QGuiApplication.clipboard()
    assert clipboard is not None
    return clipboard.text()


async def test_filter_copy_and_chart_in_deliveries(window: Any, ctx: AppContext,
                                                   qtbot: QtBot) -> None:
    write_example_deliveries(ctx.store, time.time())
    await go_to(qtbot, window, "Deliveries")
    deliveries = window.deliveries
    deliveries.refresh()
    await pump(lambda: deliveries.model.rowCount() == 5)
    assert deliveries.list_stack.currentWidget() is deliveries.view
    deliveries.search.setFocus()
    qtbot.keyClicks(deliveries.search, "state:dead status:5xx")
    await pump(lambda: deliveries.model.rowCount() == 1)
    await reads_done(deliveries)  # the row itself is read after the count
    assert deliveries.model.row_object(0).event_type == "customer.deleted"
    rect = deliveries.view.visualRect(deliveries.model.index(0, 1))
    right_click(deliveries.view.viewport(), rect.center())
    menu = deliveries.last_row_menu
    await pump(lambda: isinstance(find_action(menu, "copy-as-python"), QAction))
    action = find_action(menu, "copy-as-python")
    assert isinstance(action, QAction)
    action.trigger()
    text = clipboard_text()
    assert "https://billing.example.test/hooks" in text and "webhook-signature" in text
    await pump(lambda: deliveries.attempts.rowCount() == 4)
    first = deliveries.attempts.visualItemRect(deliveries.attempts.item(3, 0))
    right_click(deliveries.attempts.viewport(), first.center())
    attempt_menu = deliveries.last_attempt_menu
    await pump(lambda: isinstance(find_action(attempt_menu, "copy-headers"), QAction))
    headers = find_action(attempt_menu, "copy-headers")
    assert isinstance(headers, QAction)
    headers.trigger()
    assert clipboard_text().startswith("Content-Type: application/json\nwebhook-id: ")
    await pump(lambda: len(deliveries.latency.series) == 2)
    assert "failed" in deliveries.latency.accessibleDescription()


async def test_empty_deliveries_send_you_to_the_composer(window: Any, qtbot: QtBot) -> None:
    await go_to(qtbot, window, "Deliveries")
    deliveries = window.deliveries
    assert deliveries.list_stack.currentWidget() is deliveries.empty
    assert "retry timeline" in deliveries.empty.text.text()
    qtbot.mouseClick(deliveries.empty.button, Qt.MouseButton.LeftButton)
    assert window.current_section() == "composer"


async def test_empty_subscriptions_and_endpoints_say_what_they_are_for(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    await go_to(qtbot, window, "Subscriptions")
    subs = window.subscriptions
    assert subs.list_stack.currentWidget() is subs.empty
    subs.url.setText("http://leftover")
    qtbot.mouseClick(subs.empty.button, Qt.MouseButton.LeftButton)  # "Add your first…"
    assert subs.url.text() == ""
    create_subscription(ctx.store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                        url="http://127.0.0.1:9/x", events=["*"])
    subs.reload()
    await reads_done(subs)
    assert subs.list_stack.currentWidget() is subs.list
    await go_to(qtbot, window, "Endpoints")
    endpoints = window.endpoints
    assert endpoints.list_stack.currentWidget() is endpoints.empty
    assert "verify what arrives" in endpoints.empty.text.text()
    create_endpoint(ctx.store, path="/hooks/x", name="X")
    endpoints.reload()
    await reads_done(endpoints)
    assert endpoints.list_stack.currentWidget() is endpoints.list
