"""Where the person was comes back after a restart: the selected capture and delivery, the
Inbox and Deliveries filters, the Composer's inputs and the last replay target (same
settings file, a new window)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from tests.ui.conftest import WindowFactory
from tests.ui.scenarios.helpers import post, pump, select_capture, selected_ids, wait_visible
from webhook_studio.context import AppContext
from webhook_studio.core.retry import parse_policy
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui import remember
from webhook_studio.ui.replay_dialog import ReplayDialog

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


async def test_selection_filters_composer_inputs_and_replay_target_survive_a_restart(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot,
        httpserver: HTTPServer) -> None:
    httpserver.expect_request("/replays").respond_with_data("ok")
    target = httpserver.url_for("/replays")
    sub_id = create_subscription(ctx.store, secret=SECRET, url=httpserver.url_for("/hook"),
                                 events=["*"], retry_policy=parse_policy("0").to_dict())
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint_id = create_endpoint(ctx.store, name="Orders", path="/orders")
    window: Any = await make_window()
    assert remember.unresolved(window) == []  # every remembered field still exists
    for path in ("/orders/1", "/orders/2", "/users/1"):
        await post(f"{window.base_url}{path}", b'{"n": 1}')
    await pump(lambda: window.inbox.model.rowCount() == 3)
    first = window.dispatcher.emit("user.created", {"id": 1}, subscription_id=sub_id)
    await pump(lambda: len(httpserver.log) >= 1)

    # Inbox: a filter typed and chosen, a capture selected
    window.show_section("inbox")
    inbox = window.inbox
    inbox.search.setFocus()
    qtbot.keyClicks(inbox.search, "orders")
    inbox.method.setCurrentIndex(inbox.method.findText("POST"))
    await pump(lambda: inbox.endpoint.findData(endpoint_id) >= 0)
    inbox.endpoint.setCurrentIndex(inbox.endpoint.findData(endpoint_id))
    await pump(lambda: inbox.model.rowCount() == 2)
    chosen = await select_capture(qtbot, window, 1)
    # the last replay target: a real replay through the dialog (Ctrl+R)
    qtbot.keySequence(window.windowHandle(), QKeySequence("Ctrl+R"))
    dialog = await wait_visible(window, ReplayDialog)
    dialog.url.setEditText(target)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    await pump(lambda: any(r.path == "/replays" for r, _ in httpserver.log))
    # Deliveries: a state filter and a delivery selected
    window.show_section("deliveries")
    deliveries = window.deliveries
    await pump(lambda: deliveries.model.rowCount() >= 1)
    deliveries.state.setCurrentIndex(deliveries.state.findText("delivered"))
    await pump(lambda: deliveries.row_of(first[0]) is not None)
    deliveries.view.selectRow(deliveries.row_of(first[0]))
    await pump(lambda: deliveries.delivery_id == first[0])
    # Composer: the inputs
    composer = window.composer
    composer.event_type.setText("order.shipped")
    composer.url.setText("http://localhost:3000/orders")
    composer.data.setPlainText('{"order": 93}')
    window.show_section("inbox")
    window.close()

    again: Any = await make_window()
    assert again.inbox.search.text() == "orders"
    assert again.inbox.method.currentText() == "POST"
    await pump(lambda: again.inbox.endpoint.currentData() == endpoint_id,
               what="the endpoint filter did not come back")
    await pump(lambda: again.inbox.inspector.capture_id == chosen, what="capture not restored")
    await pump(lambda: selected_ids(again.inbox) == [chosen],  # once its row is read
               what="the restored capture's row was not selected")
    assert again.deliveries.state.currentText().lower() == "delivered"
    assert again.deliveries.delivery_id == first[0]
    assert again.composer.event_type.text() == "order.shipped"
    assert again.composer.url.text() == "http://localhost:3000/orders"
    assert again.composer.data.toPlainText() == '{"order": 93}'
    again.show_section("inbox")
    qtbot.keySequence(again.windowHandle(), QKeySequence("Ctrl+R"))
    replay = await wait_visible(again, ReplayDialog)
    assert replay.url.currentText() == target
    replay.reject()


async def test_a_remembered_capture_deleted_since_is_not_an_error(
        make_window: WindowFactory, ctx: AppContext, qtbot: QtBot) -> None:
    from webhook_studio.store.receiver_queries import delete_captures

    window: Any = await make_window()
    await post(f"{window.base_url}/gone", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 1)
    chosen = await select_capture(qtbot, window, 0)
    window.close()
    delete_captures(ctx.store, [chosen])
    again: Any = await make_window()
    assert again.inbox.inspector.capture_id is None
    assert again.commands.notices.items == []
