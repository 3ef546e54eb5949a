"""Receive a request and read its verdict; delete and clear captures (Inbox)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import (
    GH_BODY,
    click_row,
    github_endpoint,
    post,
    pump,
    select_capture,
)
from webhook_studio.context import AppContext
from webhook_studio.store.receiver_models import Capture
from webhook_studio.ui import dialogs


async def test_a_received_webhook_shows_its_verdict_in_the_inspector(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    good, bad = github_endpoint(window, ctx)
    body = GH_BODY
    await post(f"{window.base_url}/hooks/github", body, {**good, "X-GitHub-Event": "ping"})
    await post(f"{window.base_url}/hooks/github", body, {**bad, "X-GitHub-Event": "ping"})
    await pump(lambda: window.inbox.model.rowCount() == 2)
    await select_capture(qtbot, window, 1)  # the older one: signed over what was sent
    inspector = window.inbox.inspector
    assert inspector.request_line.text() == "POST /hooks/github"
    assert inspector.verdict.text() == "✔ github: Signature is valid."
    await select_capture(qtbot, window, 0)
    assert "trailing newline" in inspector.verdict.text()
    verdict = window.inbox.model.index(0, 5)
    assert window.inbox.model.data(verdict) == "✘ trailing newline added"
    assert window.health_label.text() == f"Receiver: listening on {window.base_url}"


async def test_delete_key_deletes_the_selected_captures_after_asking(
        window: Any, ctx: AppContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(4):
        await post(f"{window.base_url}/d/{i}", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 4)
    assert not window.inbox.delete_action.isEnabled()  # nothing selected yet
    await select_capture(qtbot, window, 0)
    click_row(qtbot, window.inbox.view, 1, Qt.KeyboardModifier.ControlModifier)
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "confirm", lambda *args: asked.append(args[3]))  # cancel
    window.inbox.view.setFocus()
    qtbot.keyClick(window.inbox.view, Qt.Key.Key_Delete)
    assert asked == ["Delete 2 captures"]
    assert window.inbox.model.rowCount() == 4  # cancelled: nothing gone
    monkeypatch.setattr(dialogs, "confirm", lambda *args: args[-1]())  # confirm
    qtbot.keyClick(window.inbox.view, Qt.Key.Key_Delete)
    await pump(lambda: window.inbox.model.rowCount() == 2)
    with ctx.store.session() as session:
        assert sorted(p for (p,) in session.query(Capture.path)) == ["/d/0", "/d/1"]
    assert window.inbox.inspector.capture_id is None  # the shown capture went too
    assert "Deleted 2 capture(s)." in window.statusBar().currentMessage()


async def test_clear_all_names_the_count_and_empties_the_inbox(
        window: Any, ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(3):
        await post(f"{window.base_url}/c/{i}", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 3)
    questions: list[str] = []

    def answer(*args: Any) -> None:
        questions.append(args[2])
        args[-1]()

    monkeypatch.setattr(dialogs, "confirm", answer)
    window.inbox.clear_action.trigger()  # the count is read first, then the question asked
    await pump(lambda: questions == ["Delete all 3 captures? This cannot be undone."])
    await pump(lambda: window.inbox.model.rowCount() == 0)
    with ctx.store.session() as session:
        assert session.query(Capture).count() == 0
    await post(f"{window.base_url}/after", b"{}")  # the inbox keeps counting new ones
    await pump(lambda: window.inbox.model.rowCount() == 1)
