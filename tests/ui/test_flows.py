"""The main flows, in the real window with real engines on real ports (offscreen)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot
from werkzeug import Response

from tests.ui.scenarios.helpers import pump
from webhook_studio.context import AppContext
from webhook_studio.core.message import SignInput
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.timeline import Outcome
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.store.sender_models import Subscription
from webhook_studio.ui import dialogs
from webhook_studio.ui.main_window import MainWindow

GH = "It's a Secret to Everybody"


async def test_a_signed_webhook_shows_a_valid_verdict_in_the_inspector(
        window: MainWindow, ctx: AppContext) -> None:
    create_endpoint(ctx.store, name="GitHub", path="/hooks/github", scheme="github",
                    secrets=[GH])
    window._endpoints_changed()
    assert window.health_label.text().startswith("Receiver: listening on http://127.0.0.1:")
    body = b'{"zen":"Keep it logically awesome."}'
    async with aiohttp.ClientSession() as session:
        for signed_body in (body, body + b"\n"):
            headers = get_scheme("github").sign(GH, SignInput(signed_body))
            async with session.post(f"{window.base_url}/hooks/github", data=body,
                                    headers=headers) as resp:
                assert resp.status == 200
    await pump(lambda: window.inbox.model.rowCount() == 2)
    window.inbox.view.selectRow(1)  # the older one: signed over exactly what was sent
    await pump(lambda: window.inbox.inspector.capture_id is not None)
    assert window.inbox.inspector.request_line.text() == "POST /hooks/github"
    assert window.inbox.inspector.verdict.text() == "✔ github: Signature is valid."
    window.inbox.view.selectRow(0)
    await pump(lambda: "trailing newline" in window.inbox.inspector.verdict.text())
    assert window.inbox.model.data(window.inbox.model.index(0, 5)) == \
        "✘ trailing newline added"


async def test_subscription_from_the_editor_shows_attempts_on_the_timeline(
        window: MainWindow, ctx: AppContext, httpserver: HTTPServer) -> None:
    replies = iter([500, 502, 200])
    httpserver.expect_request("/orders").respond_with_handler(
        lambda _r: Response("", status=next(replies)))
    editor = window.subscriptions
    window.show_section("subscriptions")
    editor.url.setText(httpserver.url_for("/orders"))
    editor.events.setText("order.*")
    editor.retry.setCurrentText("0,200ms,200ms")
    assert "3 attempts if every one fails" in editor.preview_text.text()
    assert len(editor.preview.current_layout().markers) == 3
    sub_id = editor.save()
    assert sub_id is not None and editor.status.text() == "Saved."
    (delivery_id,) = window.dispatcher.emit("order.created", {"id": "ord_1"})
    window.show_section("deliveries")

    def delivered() -> bool:
        with ctx.store.session() as session:
            from webhook_studio.store.sender_queries import get_delivery

            return get_delivery(session, delivery_id).state == "delivered"

    await pump(delivered)
    await pump(lambda: window.deliveries.model.rowCount() == 1)
    window.deliveries.view.selectRow(0)
    await pump(lambda: window.deliveries.delivery_id == delivery_id)
    markers = window.deliveries.timeline.current_layout().markers
    assert [m.outcome for m in markers] == [Outcome.SERVER_ERROR, Outcome.SERVER_ERROR,
                                            Outcome.SUCCESS]
    assert not any(m.hollow for m in markers)
    assert window.deliveries.attempts.rowCount() == 3


async def test_invalid_input_is_refused_at_the_field(window: MainWindow,
                                                     ctx: AppContext) -> None:
    editor = window.subscriptions
    editor.url.setText("localhost:3000/hook")
    editor.events.setText("user.")
    editor.retry.setCurrentText("5 minutes")
    editor.timeout.setText("nope")
    assert editor.save() is None
    assert editor.errors["url"].text() == "Enter a full http:// or https:// URL."
    assert "not an event pattern" in editor.errors["events"].text()
    assert "not a delay" in editor.errors["retry"].text()
    assert editor.errors["timeout"].isVisibleTo(editor)
    assert editor.status.text() == "Not saved: 4 fields need attention."
    with ctx.store.session() as session:
        assert session.query(Subscription).count() == 0


async def test_replay_from_the_inspector_records_a_delivery(
        window: MainWindow, ctx: AppContext, httpserver: HTTPServer, qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt

    from tests.ui.scenarios.helpers import wait_visible
    from webhook_studio.ui.replay_dialog import ReplayDialog

    httpserver.expect_request("/again").respond_with_data("ok")
    async with aiohttp.ClientSession() as session, session.post(
            f"{window.base_url}/x", data=b"{}") as resp:
        capture_id = (await resp.json())["capture"]
    window.inbox.select_capture(capture_id)
    await pump(lambda: window.inbox.inspector.replay.isEnabled())
    qtbot.mouseClick(window.inbox.inspector.replay, Qt.MouseButton.LeftButton)
    dialog = await wait_visible(window, ReplayDialog)
    qtbot.keyClicks(dialog.url.lineEdit(), httpserver.url_for("/again"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    await pump(lambda: len(httpserver.log) == 1)
    await pump(lambda: window.deliveries.model.rowCount() == 1)
    assert "Replayed #" in window.statusBar().currentMessage()


def test_settings_show_the_api_token_hidden_until_revealed(qtbot: QtBot,
                                                           ctx: AppContext) -> None:
    from webhook_studio.api.auth import load_or_create_token

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    token_field = win.settings_page.token
    assert token_field.text() == load_or_create_token(ctx.data_dir)
    assert token_field.echoMode() == token_field.EchoMode.Password


async def bulk_replay_to(qtbot: QtBot, window: MainWindow, url: str) -> None:
    """Inbox ▸ Actions ▸ Replay shown captures in order…: the target typed, "Replay all"."""
    from tests.ui.scenarios.test_replay_bulk import fill_and_replay

    await fill_and_replay(qtbot, window, url)


async def test_export_import_and_bulk_replay_show_progress_and_finish(
        window: MainWindow, ctx: AppContext, httpserver: HTTPServer, tmp_path: Any,
        monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> None:
    import json as _json

    httpserver.expect_request("/bulk").respond_with_data("ok")
    async with aiohttp.ClientSession() as session:
        for i in range(3):
            async with session.post(f"{window.base_url}/p/{i}", data=f"#{i}".encode()):
                pass
    await pump(lambda: window.inbox.model.rowCount() == 3)
    target = tmp_path / "out.har"
    monkeypatch.setattr(dialogs, "save_file", lambda *args: args[-1](str(target)))
    monkeypatch.setattr(dialogs, "open_file", lambda *args: args[-1](str(target)))
    window.inbox.export_action.trigger()
    await pump(lambda: "Exported 3" in window.statusBar().currentMessage())
    entries = _json.loads(target.read_text())["log"]["entries"]
    assert [e["request"]["postData"]["text"] for e in entries] == ["#0", "#1", "#2"]
    window.inbox.import_action.trigger()
    await pump(lambda: window.inbox.model.rowCount() == 6)
    await bulk_replay_to(qtbot, window, httpserver.url_for("/bulk"))
    await pump(lambda: "6 succeeded" in window.statusBar().currentMessage())
    # in received order: the imported copies keep their original times, so they interleave
    assert [r.get_data() for r, _ in httpserver.log] == [b"#0", b"#0", b"#1", b"#1", b"#2",
                                                          b"#2"]


async def test_a_long_bulk_replay_can_be_cancelled(
        window: MainWindow, ctx: AppContext, httpserver: HTTPServer, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QProgressDialog, QPushButton

    from tests.ui.scenarios.helpers import wait_visible

    def slow(_request: Any) -> Response:
        time.sleep(0.4)
        return Response("ok")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    async with aiohttp.ClientSession() as session:
        for i in range(8):
            async with session.post(f"{window.base_url}/c/{i}", data=b"x"):
                pass
    await pump(lambda: window.inbox.model.rowCount() == 8)
    await bulk_replay_to(qtbot, window, httpserver.url_for("/slow"))
    progress = await wait_visible(window, QProgressDialog)
    await pump(lambda: len(httpserver.log) >= 1)
    cancel = next(b for b in progress.findChildren(QPushButton) if b.text() == "Cancel")
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    task = window.captures.bulk_task
    await pump(task.done)
    await asyncio.sleep(0.6)
    assert task.cancelled()
    assert len(httpserver.log) < 8
    assert "succeeded" not in window.statusBar().currentMessage()


def test_composer_starts_from_a_profile_sample_and_previews_the_signed_request(
        qtbot: QtBot, ctx: AppContext) -> None:
    import json as _json

    win = MainWindow(ctx)
    qtbot.addWidget(win)
    composer = win.composer
    composer.profile.setCurrentIndex(composer.profile.findData("envoyou"))
    assert composer.event_type.text() == "user.created"
    assert _json.loads(composer.data.toPlainText())["email"] == "john.doe@example.com"
    composer.url.setText("http://localhost:3000/hooks")
    preview = composer.preview.toPlainText()
    assert "X-EnvoyOU-Event-Type: user.created" in preview
    assert "X-EnvoyOU-Signature: v1," in preview
    assert '"object": {' in preview  # EnvoyOU's data.object envelope
    composer.data.setPlainText("{ not json")
    assert composer.json_state.text().startswith("Not valid JSON")
    assert not composer.send_button.isEnabled()


async def test_the_gui_can_expose_the_management_api(window: MainWindow,
                                                     ctx: AppContext) -> None:
    from webhook_studio.api import load_or_create_token

    url = await window.start_api(0)
    try:
        token = load_or_create_token(ctx.data_dir)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{url}/api/v1/webhooks") as resp:
                assert resp.status == 401
            async with session.get(f"{url}/api/v1/webhooks",
                                   headers={"Authorization": f"Bearer {token}"}) as resp:
                assert resp.status == 200
    finally:
        await window.stop_engines()


async def test_the_status_bar_counts_captures_without_blocking_the_window(
        window: MainWindow) -> None:
    """The counts are read on a worker thread; the labels catch up shortly after."""
    async with aiohttp.ClientSession() as session:
        for _ in range(3):
            async with session.post(f"{window.base_url}/anything", data=b"{}") as resp:
                assert resp.status == 200
    window.update_counts()
    await pump(lambda: window.today_label.text() == "3 captured today")
    assert window.queue_label.text() == "0 queued · 0 dead letters"


async def test_the_inspector_exports_one_capture(window: MainWindow, tmp_path: Any,
                                                 qtbot: QtBot,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from PySide6.QtCore import Qt

    body = b'{"caf\xc3\xa9": 1}\n'
    async with aiohttp.ClientSession() as session, session.post(
            f"{window.base_url}/hooks/x", data=body,
            headers={"Content-Type": "application/json"}) as resp:
        assert resp.status == 200
    await pump(lambda: window.inbox.model.rowCount() == 1)
    window.inbox.view.selectRow(0)
    inspector = window.inbox.inspector
    await pump(lambda: inspector.capture_id is not None)
    suggested: list[str] = []

    async def export_to(name: str) -> None:
        def answer(*args: Any) -> None:
            suggested.append(args[2])
            args[-1](str(tmp_path / name))

        monkeypatch.setattr(dialogs, "save_file", answer)
        qtbot.mouseClick(inspector.export, Qt.MouseButton.LeftButton)
        # written off the GUI thread; the note next to the button names the file when done
        await pump(lambda: Path(name).name in inspector.export_note.text())

    await export_to("one.har")
    assert suggested == [f"capture-{inspector.capture_id}.har"]
    har = json.loads((tmp_path / "one.har").read_text())
    (entry,) = har["log"]["entries"]
    assert entry["request"]["url"].endswith("/hooks/x")
    assert "Saved one.har" in inspector.export_note.text()
    await export_to("body.bin")
    assert (tmp_path / "body.bin").read_bytes() == body
    await export_to("again.sh")
    assert "curl" in (tmp_path / "again.sh").read_text()
    await export_to("missing-folder/x.har")
    assert "Could not write x.har" in inspector.export_note.text()


async def test_one_capture_exported_from_the_window_is_what_the_cli_exports(
        window: MainWindow, db_path: Path, tmp_path: Path, qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Inspector ▸ Export… and ``captures export --ids N`` write through one function
    (``relay.export.write_captures``): the same capture gives the same bytes."""
    import subprocess
    import sys

    from PySide6.QtCore import Qt

    async with aiohttp.ClientSession() as session, session.post(
            f"{window.base_url}/hooks/same?x=1", data=b'{"n": 1}',
            headers={"Content-Type": "application/json", "X-Tag": "t"}) as resp:
        capture_id = (await resp.json())["capture"]
    await pump(lambda: window.inbox.model.rowCount() == 1)
    window.inbox.view.selectRow(0)
    inspector = window.inbox.inspector
    await pump(lambda: inspector.capture_id == capture_id)
    for name, fmt in (("window.jsonl", "jsonl"), ("window.sh", "curl")):
        def save_to(*args: Any, n: str = name) -> None:
            args[-1](str(tmp_path / n))

        monkeypatch.setattr(dialogs, "save_file", save_to)
        qtbot.mouseClick(inspector.export, Qt.MouseButton.LeftButton)
        note = f"Saved {name}"
        await pump(lambda: note in inspector.export_note.text())  # noqa: B023 (awaited here)
        out = tmp_path / f"cli.{fmt}"
        done = subprocess.run(
            [sys.executable, "-m", "webhook_studio", "captures", "export", "--db", str(db_path),
             "--format", fmt, "--ids", str(capture_id), "--base-url", window.base_url,
             "--out", str(out)], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        written = (tmp_path / name).read_bytes()
        if fmt == "curl":  # the window's file is a script: the same command under a #! line
            assert written.startswith(b"#!/bin/sh\n")
            written = written.removeprefix(b"#!/bin/sh\n")
        assert written == out.read_bytes()
