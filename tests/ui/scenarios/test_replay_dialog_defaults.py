"""The replay and edit dialogs start from what the capture is, and refuse what cannot be
sent with a sentence instead of sending it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import click, post, pump, select_capture, wait_visible
from webhook_studio.ui.edit_resend_dialog import EditResendDialog
from webhook_studio.ui.replay_dialog import ReplayDialog


async def test_a_github_capture_without_an_endpoint_defaults_to_the_github_profile(
        window: Any, qtbot: QtBot) -> None:
    await post(f"{window.base_url}/anywhere", b"{}",
               {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "d-1"})
    await post(f"{window.base_url}/plain", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 2)
    await select_capture(qtbot, window, 1)
    click(qtbot, window.inbox.inspector.replay)
    dialog = await wait_visible(window, ReplayDialog)
    assert dialog.signing.how.currentText() == "Profile: GitHub"
    assert not dialog.signing.isEnabled()  # until "Re-sign" is ticked
    click(qtbot, dialog.resign)
    qtbot.keyClicks(dialog.url.lineEdit(), "http://localhost:9/x")
    click(qtbot, dialog.ok_button)  # no secret: refused at the dialog
    assert dialog.error.text() == "Re-signing needs the secret to sign with."
    assert dialog.isVisible()
    dialog.reject()
    await select_capture(qtbot, window, 0)
    click(qtbot, window.inbox.inspector.replay)
    dialog = await wait_visible(window, ReplayDialog)
    assert dialog.signing.how.currentText() == "Scheme: standard-webhooks"
    dialog.reject()


async def test_the_editor_refuses_a_bad_header_line_and_a_bad_url(
        window: Any, qtbot: QtBot) -> None:
    await post(f"{window.base_url}/e", b'{"a":1}', {"X-One": "1"})
    await pump(lambda: window.inbox.model.rowCount() == 1)
    await select_capture(qtbot, window, 0)
    click(qtbot, window.inbox.inspector.edit)
    dialog = await wait_visible(window, EditResendDialog)
    assert "Host:" not in dialog.headers.toPlainText()  # set when sending, not edited
    qtbot.keyClicks(dialog.url.lineEdit(), "localhost:3000")
    click(qtbot, dialog.send_button)
    assert dialog.error.text() == "Enter a full http:// or https:// URL."
    dialog.url.lineEdit().clear()
    qtbot.keyClicks(dialog.url.lineEdit(), "http://localhost:9/hook")
    dialog.headers.moveCursor(dialog.headers.textCursor().MoveOperation.Start)
    qtbot.keyClicks(dialog.headers, "not a header")
    qtbot.keyClick(dialog.headers, Qt.Key.Key_Return)
    click(qtbot, dialog.send_button)
    assert dialog.error.text() == "Header line 1 is not 'Name: value'."
    assert dialog.isVisible() and window.inbox.model.rowCount() == 1  # nothing sent or saved
    dialog.reject()
