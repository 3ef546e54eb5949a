"""The Inbox's filter language, Copy as, first run and traffic strip, used as a person does."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from tests.ui.scenarios.helpers import post, pump, reads_done, select_capture
from webhook_studio.context import AppContext
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.store.sender_models import Delivery
from webhook_studio.ui.widgets.copy_menu import find_action

#: The offscreen platform cannot raise or grab for popups (completion, menus); not our bug.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def right_click(widget: Any, pos: Any) -> None:
    """What a right mouse click sends: a context menu event at that point."""
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, widget.mapToGlobal(pos))
    QApplication.sendEvent(widget, event)


def clipboard_text() -> str:
    clipboard = QGuiApplication.clipboard()
    assert clipboard is not None
    return clipboard.text()


async def _two_captures(window: Any) -> None:
    await post(f"{window.base_url}/hooks/a", b'{"ref":"refs/heads/main"}',
               {"X-GitHub-Event": "push"})
    await post(f"{window.base_url}/other/b", b"plain", {"X-GitHub-Event": "issues"})
    await pump(lambda: window.inbox.model.rowCount() == 2)


async def test_typing_a_filter_narrows_the_list_and_a_mistake_says_where(
        window: Any, qtbot: QtBot) -> None:
    await _two_captures(window)
    inbox = window.inbox
    inbox.search.setFocus()
    qtbot.keyClicks(inbox.search, "header:x-github-event=push")
    await pump(lambda: inbox.model.rowCount() == 1)
    await reads_done(inbox)  # the row itself is read after the count
    await pump(lambda: getattr(inbox.model.row_object(0), "path", None) == "/hooks/a")
    qtbot.keyClicks(inbox.search, " status:abc")
    await pump(lambda: inbox.filter_field.problem.isVisible())
    assert inbox.filter_field.problem.text().startswith("At position 35:")
    assert inbox.model.rowCount() == 1  # the last good filter stays
    inbox.search.clear()
    qtbot.keyClicks(inbox.search, '-path:/hooks/* "plain"')
    await pump(lambda: inbox.model.rowCount() == 1
               and getattr(inbox.model.row_object(0), "path", None) == "/other/b")


async def test_right_click_copy_as_curl_puts_the_command_on_the_clipboard(
        window: Any, qtbot: QtBot) -> None:
    await _two_captures(window)
    inbox = window.inbox
    rect = inbox.view.visualRect(inbox.model.index(1, 0))
    right_click(inbox.view.viewport(), rect.center())
    menu = inbox.last_row_menu
    await pump(lambda: isinstance(find_action(menu, "copy-as-curl"), QAction))
    action = find_action(menu, "copy-as-curl")
    assert isinstance(action, QAction)
    action.trigger()
    text = clipboard_text()
    assert text.startswith(f"curl -X POST {window.base_url}/hooks/a")
    assert "-H 'X-GitHub-Event: push'" in text and "refs/heads/main" in text
    await select_capture(qtbot, window, 0)
    body_view = inbox.inspector.body
    right_click(body_view.viewport(), body_view.viewport().rect().center())
    pane_menu = inbox.last_pane_menu
    assert any(a.text().startswith("&Copy") or "Copy" in a.text() for a in pane_menu.actions())
    await pump(lambda: isinstance(find_action(pane_menu, "copy-body"), QAction))
    body = find_action(pane_menu, "copy-body")
    assert isinstance(body, QAction)
    body.trigger()
    assert clipboard_text() == "plain"


async def test_first_run_shows_a_curl_line_that_makes_a_valid_capture(
        window: Any, ctx: AppContext, qtbot: QtBot, tmp_path: Path) -> None:
    create_endpoint(ctx.store, name="GitHub", path="/hooks/github", profile="github",
                    scheme="github", secrets=["It's a Secret to Everybody"])
    window._endpoints_changed()
    inbox = window.inbox
    assert inbox.list_stack.currentWidget() is inbox.empty
    await pump(lambda: "/hooks/github" in inbox.empty.curl.toPlainText())
    assert inbox.empty.url.text() == f"{window.base_url}/hooks/github"
    qtbot.mouseClick(inbox.empty.copy_curl, Qt.MouseButton.LeftButton)
    command = clipboard_text()
    assert command == inbox.empty.curl.toPlainText()
    process = await asyncio.create_subprocess_exec(
        shutil.which("bash") or "/bin/bash", "-c", command + " --silent", cwd=tmp_path)
    assert await asyncio.wait_for(process.wait(), 60) == 0
    await pump(lambda: inbox.model.rowCount() == 1)
    assert inbox.list_stack.currentWidget() is inbox.view
    with ctx.store.session() as session:
        (capture,) = session.scalars(select(Capture)).all()
        assert capture.verify_valid is True, capture.verification


async def test_send_a_test_webhook_button(window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    create_endpoint(ctx.store, name="Std", path="/hooks/std", scheme="standard-webhooks",
                    secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
    window._endpoints_changed()
    inbox = window.inbox
    await pump(lambda: inbox.empty.endpoint.currentData() is not None)
    qtbot.mouseClick(inbox.empty.send_test, Qt.MouseButton.LeftButton)
    await pump(lambda: inbox.model.rowCount() == 1)
    await reads_done(inbox)
    assert inbox.model.row_object(0).verify_valid is True
    assert "answered 200" in inbox.empty.status.text()


async def test_load_examples_fills_the_inbox_and_deliveries(window: Any, ctx: AppContext,
                                                            qtbot: QtBot) -> None:
    inbox = window.inbox
    qtbot.mouseClick(inbox.empty.load_examples, Qt.MouseButton.LeftButton)
    await pump(lambda: inbox.model.rowCount() == 11, within=40)
    await pump(lambda: inbox.empty.status.text().startswith("Loaded examples"))
    with ctx.store.session() as session:
        assert len(session.scalars(select(Delivery)).all()) == 5
    await pump(lambda: sum(b.total for b in inbox.traffic.buckets) == 11)
    assert "1 invalid" in inbox.traffic.accessibleDescription()


async def test_delete_and_clear_all_of_older_captures_show_on_the_strip_at_once(
        make_window: Any, ctx: AppContext, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The strip re-reads only the last minutes while captures arrive; deleting captures
    of older minutes (Delete, Clear all) shows at once, not at its next full read."""
    import time

    from tests.ui.scenarios.helpers import click_row, select_capture
    from webhook_studio.store.stats import capture_traffic
    from webhook_studio.ui import dialogs

    now = time.time()
    with ctx.store.session() as session:
        for received_at, valid in ((now - 1200, True), (now - 1190, True), (now - 600, False),
                                   (now - 590, False)):
            session.add(Capture(received_at=received_at, method="POST", path="/old",
                                headers=[], body=b"{}", body_size=2, verify_valid=valid))
    window = await make_window()
    inbox = window.inbox

    def total() -> int:
        return sum(b.total for b in inbox.traffic.buckets)

    def shown() -> list[Any]:
        return [b for b in inbox.traffic.buckets if b.total]

    await pump(lambda: total() == 4)
    await post(f"{window.base_url}/live", b"{}")
    await pump(lambda: total() == 5 and inbox.tools.traffic_since is not None)
    assert "2 invalid" in inbox.traffic.accessibleDescription()
    monkeypatch.setattr(dialogs, "confirm", lambda *args: args[-1]())  # "Delete"
    await pump(lambda: inbox.model.rowCount() == 5)
    await select_capture(qtbot, window, 1)  # newest first: the two invalid ones, 10 min old
    click_row(qtbot, inbox.view, 2, Qt.KeyboardModifier.ControlModifier)
    inbox.view.setFocus()
    qtbot.keyClick(inbox.view, Qt.Key.Key_Delete)
    await pump(lambda: total() == 3)
    assert " 0 invalid" in inbox.traffic.accessibleDescription()
    assert shown() == [b for b in capture_traffic(ctx.store, until=time.time()) if b.total]
    window.inbox.clear_action.trigger()  # the count is read first, then the question asked
    await pump(lambda: total() == 0)
