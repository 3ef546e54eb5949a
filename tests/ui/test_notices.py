"""Notices: errors stay listed after the status bar forgets them; captures and dead letters
that arrive while the person looks elsewhere make a badge; desktop notifications only when
turned on."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import post, pump
from webhook_studio.context import AppContext
from webhook_studio.core.retry import parse_policy
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui.menu_bar import menu_actions
from webhook_studio.ui.notices import badge_icon

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def menu(window: Any, path: str) -> Any:
    return dict(menu_actions(window.menuBar()))[path]


async def test_an_error_stays_in_the_notices_panel_after_the_status_bar_clears(
        window: Any, qtbot: QtBot) -> None:
    wc = window.commands
    assert not wc.notices_button.isVisible()
    window.show_error("The management API could not start: port 8001 is taken.")
    window.statusBar().clearMessage()  # the message fades…
    assert wc.notices_button.isVisible()  # …the status bar still says there is something
    assert wc.notices_button.text() == "⚠ 1 notice"
    qtbot.mouseClick(wc.notices_button, Qt.MouseButton.LeftButton)
    assert wc.notices_dock.isVisible()
    panel = wc.notices_panel
    assert panel.list.count() == 1
    assert "port 8001 is taken" in panel.list.item(0).text()
    assert not wc.notices_button.isVisible()  # read
    window.show_error("Second problem.")
    assert panel.list.item(0).text().endswith("Second problem.")  # newest first
    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    assert panel.list.count() == 0 and panel.empty.isVisible()
    menu(window, "View ▸ Notices").trigger()
    assert not wc.notices_dock.isVisible()


def test_the_badge_draws_the_count_over_the_icon(qapp: object) -> None:
    plain = QPixmap(64, 64)
    plain.fill(QColor("#3b82f6"))
    base = QIcon(plain)
    none = badge_icon(base, 0).pixmap(64, 64).toImage()
    three = badge_icon(base, 3).pixmap(64, 64).toImage()
    assert none.pixelColor(56, 8) == QColor("#3b82f6")
    assert three.pixelColor(56, 8).red() > 180  # the red badge, top right
    assert three.pixelColor(8, 56) == QColor("#3b82f6")  # the icon stays visible


async def test_captures_arriving_elsewhere_count_until_the_inbox_is_seen(
        window: Any, qtbot: QtBot) -> None:
    attention = window.commands.attention
    attention.looking_at = lambda: window.current_section()  # offscreen: never "active"
    window.show_section("deliveries")
    for i in range(2):
        await post(f"{window.base_url}/n/{i}", b"{}")
    await pump(lambda: attention.unseen_captures == 2)
    assert attention.badge() == 2
    assert attention.summary() == "Webhook Studio: 2 new captures"
    window.show_section("inbox")
    assert attention.badge() == 0
    await post(f"{window.base_url}/n/3", b"{}")  # seen as it arrives
    await pump(lambda: window.inbox.model.rowCount() == 3)
    assert attention.unseen_captures == 0


async def test_invalid_signature_notification_is_off_by_default_and_turned_on_in_view(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    create_endpoint(ctx.store, name="GitHub", path="/gh", scheme="github", secrets=["s3cret"])
    window._endpoints_changed()
    attention = window.commands.attention
    shown: list[tuple[str, str]] = []
    attention.notified.connect(lambda title, text: shown.append((title, text)))
    bad = {"X-Hub-Signature-256": "sha256=" + "0" * 64}
    await post(f"{window.base_url}/gh", b'{"a":1}', bad)
    await pump(lambda: window.inbox.model.rowCount() == 1)
    assert shown == []  # off by default
    action = menu(window, "View ▸ Desktop notifications ▸ Invalid signature received")
    assert not action.isChecked()
    action.trigger()
    assert action.isChecked()
    await post(f"{window.base_url}/gh", b'{"a":2}', bad)
    await pump(lambda: len(shown) == 1)
    title, text = shown[0]
    assert title == "Invalid signature received"
    assert "POST /gh" in text
    assert str(window.settings.value("notify/invalid_signature")) == "true"


async def test_a_dead_lettered_delivery_counts_and_notifies_when_asked(
        window: Any, ctx: AppContext, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/down").respond_with_data("no", status=503)
    sub_id = create_subscription(ctx.store, secret=SECRET, url=httpserver.url_for("/down"),
                                 events=["*"], retry_policy=parse_policy("0").to_dict())
    attention = window.commands.attention
    attention.looking_at = lambda: window.current_section()
    shown: list[str] = []
    attention.notified.connect(lambda title, _text: shown.append(title))
    menu(window, "View ▸ Desktop notifications ▸ Delivery dead-lettered").trigger()
    window.show_section("inbox")
    window.dispatcher.emit("user.created", {"id": 1}, subscription_id=sub_id)
    await pump(lambda: attention.failed_deliveries == 1, within=30)
    assert shown == ["Delivery dead-lettered"]
    assert "1 dead-lettered delivery" in attention.summary()
    window.show_section("deliveries")
    assert attention.failed_deliveries == 0
