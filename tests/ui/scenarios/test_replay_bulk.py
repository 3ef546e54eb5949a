"""Replay every shown capture, oldest first, through Inbox ▸ Actions."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.ui.scenarios.helpers import post, pump
from webhook_studio.ui import dialogs
from webhook_studio.ui.widgets.targets import recent_targets


async def test_bulk_replay_sends_the_shown_captures_in_order(
        window: Any, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    httpserver.expect_request("/bulk").respond_with_data("ok")
    for i in range(4):
        await post(f"{window.base_url}/b/{i}", f"#{i}".encode())
    await pump(lambda: window.inbox.model.rowCount() == 4)
    monkeypatch.setattr(dialogs, "ask_text", lambda *args: args[-1]("localhost:3000/x"))
    window.inbox.bulk_action.trigger()  # a bad URL is a sentence, nothing is sent
    assert window.statusBar().currentMessage() == "Enter a full http:// or https:// URL."
    prefilled: list[str] = []

    def answer(*args: Any) -> None:
        prefilled.append(args[3])
        args[-1](httpserver.url_for("/bulk"))

    monkeypatch.setattr(dialogs, "ask_text", answer)
    window.inbox.bulk_action.trigger()
    await pump(lambda: "4 succeeded" in window.statusBar().currentMessage())
    assert [r.get_data() for r, _ in httpserver.log] == [b"#0", b"#1", b"#2", b"#3"]
    assert recent_targets(window.settings)[0] == httpserver.url_for("/bulk")
    window.inbox.bulk_action.trigger()  # the last target is offered next time
    assert prefilled == ["", httpserver.url_for("/bulk")]
    await pump(lambda: len(httpserver.log) == 8)
