"""Every menu action and every button a person can click in the window is connected, and
clicking it neither raises nor logs an error (questions answered "cancel" at the seam,
dialogs it opens closed again)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from PySide6.QtCore import SIGNAL
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QPushButton
from pytest_httpserver import HTTPServer

from tests.ui.scenarios.helpers import click_row, post, pump
from webhook_studio.context import AppContext
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui import dialogs
from webhook_studio.ui.main_window import SECTIONS


def connected(widget: Any, *signals: str) -> bool:
    return any(widget.receivers(SIGNAL(signal)) > 0 for signal in signals)


def close_dialogs(window: Any) -> None:
    for dialog in window.findChildren(QDialog):
        if dialog.isVisible():
            dialog.reject()
    QApplication.processEvents()


async def settle(window: Any) -> None:
    for _ in range(5):
        QApplication.processEvents()
        await pump(lambda: True)
    close_dialogs(window)


@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing")  # offscreen
async def test_every_action_and_button_is_connected_and_safe_to_click(
        window: Any, ctx: AppContext, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, qtbot: Any) -> None:
    for name in ("save_file", "open_file", "ask_text", "ask_port", "confirm"):
        monkeypatch.setattr(dialogs, name, lambda *args: None)  # the person cancels
    # Receiver ▸ Public URL ▸ localhost.run… would open a tunnel to the internet
    monkeypatch.setattr(window.public_url, "open", lambda spec: None)
    httpserver.expect_request("/hook").respond_with_data("ok")
    create_endpoint(ctx.store, name="GitHub", path="/gh", profile="github", scheme="github",
                    secrets=["s3cret"])
    sub_id = create_subscription(ctx.store, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                 url=httpserver.url_for("/hook"), events=["*"])
    window._endpoints_changed()
    window.subscriptions.reload()
    window.composer.reload_targets()
    await post(f"{window.base_url}/gh", b'{"zen":"x"}')
    await pump(lambda: window.inbox.model.rowCount() == 1)
    window.dispatcher.emit("user.created", {"id": 1}, subscription_id=sub_id)
    await pump(lambda: len(httpserver.log) == 1)
    caplog.set_level(logging.WARNING)

    actions = [a for a in window.findChildren(QAction) if a.text()]
    names = {a.text() for a in actions}
    assert {"Export shown captures as HAR…", "Import HAR…", "Replay shown captures in order…",
            "Delete selected captures", "Clear all captures…"} <= names
    for action in actions:
        if action.menu() is not None or action.menuRole() == QAction.MenuRole.QuitRole:
            continue  # Quit closes the window (tests/ui/test_menus.py walks it last)
        assert connected(action, "triggered(bool)", "triggered()", "toggled(bool)"), \
            f"menu action {action.text()!r} does nothing"
        action.trigger()
        await settle(window)

    clicked: list[str] = []
    for key, _title, _blurb in SECTIONS:
        window.show_section(key)
        if key == "inbox":
            # a menu action above may have left the list being read again (count first, rows
            # after): a click on an empty list selects nothing, and the inspector never shows
            await pump(lambda: window.inbox.model.rowCount() >= 1)
            click_row(qtbot, window.inbox.view, 0)
            await pump(lambda: window.inbox.inspector.capture_id is not None)
        if key == "deliveries":
            await pump(lambda: window.deliveries.model.rowCount() >= 1)
            click_row(qtbot, window.deliveries.view, 0)
            await pump(lambda: window.deliveries.delivery_id is not None)
        if key == "subscriptions" and window.subscriptions.list.count():
            window.subscriptions.list.setCurrentRow(0)
        QApplication.processEvents()
        page = window.sections[key]
        buttons = [b for b in page.findChildren(QPushButton) if b.isVisible() and b.isEnabled()]
        assert buttons, f"no button to click in {key}"
        for button in buttons:
            assert connected(button, "clicked(bool)", "clicked()", "toggled(bool)",
                             "pressed()"), f"{key}: button {button.text()!r} does nothing"
            if not button.isVisible() or not button.isEnabled():
                continue  # an earlier click changed the page (e.g. a form was reset)
            clicked.append(f"{key}: {button.text()}")
            button.click()
            await settle(window)
    for button in window.statusBar().findChildren(QPushButton):
        assert connected(button, "clicked(bool)", "clicked()"), button.text()
        button.click()
    await settle(window)
    assert {"inbox: Replay…", "inbox: Edit and resend…", "inbox: Copy as cURL",
            "deliveries: Edit and resend…", "settings: Save"} <= set(clicked)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
