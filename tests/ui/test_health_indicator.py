"""The status bar shows the receiver, sender and store health as the engines report it
(issue 14: a sender that stopped said nothing until shutdown)."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from webhook_studio.context import AppContext
from webhook_studio.health import Health
from webhook_studio.store.db_errors import DbErrorKind
from webhook_studio.store.errors import StoreUnavailable
from webhook_studio.ui.main_window import MainWindow


def test_the_status_bar_follows_health_changes(qtbot: QtBot, ctx: AppContext) -> None:
    health = Health()
    health.set("receiver", "ok", "receiving on http://127.0.0.1:8000")
    health.set("sender", "ok", "running")
    window = MainWindow(ctx, health=health)
    qtbot.addWidget(window)
    window.show()
    light = window.health_indicator
    assert light.isVisible() and light in window.statusBar().findChildren(type(light))
    assert light.text() == "● Running"

    with qtbot.waitSignal(light.health_changed):
        health.store_failed(StoreUnavailable("The database is locked by another program "
                                             "(database is locked); close it and try again.",
                                             DbErrorKind.BUSY))
    assert light.text() == "▲ Receiver and Store degraded"
    assert "Store: degraded since" in light.toolTip() and "locked" in light.toolTip()
    assert "answered 503" in light.toolTip()

    with qtbot.waitSignal(light.health_changed):
        health.set("sender", "down", "stopped")
    assert light.text() == "■ Sender down"

    health.set("sender", "ok", "running")
    health.set("store", "ok", "writable")
    qtbot.waitUntil(lambda: light.text() == "● Running", timeout=5000)
    with qtbot.waitSignal(window.closed):
        window.close()


def test_a_window_without_engines_shows_no_light(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    assert not window.health_indicator.isVisible()
    window.close()
