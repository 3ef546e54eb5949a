"""The status bar's Public URL control, clicked as a person does: open a tunnel from its menu
(a cloudflared stand-in on PATH), copy the URL and an endpoint's URL, stop it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from tests.tunnel.test_bring_your_own import alive, fake_cloudflared
from webhook_studio.context import AppContext
from webhook_studio.receiver import EndpointConfig, Receiver
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.ui.main_window import MainWindow


@pytest.fixture
async def window(qtbot: QtBot, ctx: AppContext) -> AsyncIterator[MainWindow]:
    receiver = Receiver(ctx.store, port=0, default_endpoint=EndpointConfig())
    win = MainWindow(ctx, receiver=receiver)
    qtbot.addWidget(win)
    win.show()
    await receiver.start()
    yield win
    await win.stop_engines()
    await receiver.stop()


def menu_action(menu: QMenu, text: str) -> object:
    menu.aboutToShow.emit()  # what opening the menu does: it is filled from the current state
    for action in menu.actions():
        if action.text().startswith(text):
            return action
    raise AssertionError(f"no {text!r} in {[a.text() for a in menu.actions()]}")


async def test_open_copy_and_stop_a_tunnel_from_the_status_bar(
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_cloudflared(tmp_path, "window-quick-tunnel")
    monkeypatch.setenv("PATH", f"{tmp_path}:{Path('/usr/bin')}:{Path('/bin')}")
    create_endpoint(window.ctx.store, name="GitHub", path="/hooks/github")
    button = window.public_url
    assert button.text() == "Public URL: off"
    menu = button.menu()
    menu_action(menu, "A cloudflared quick tunnel").trigger()  # type: ignore[attr-defined]
    async with asyncio.timeout(30):
        while "trycloudflare" not in button.text():
            await asyncio.sleep(0.05)
    url = "https://window-quick-tunnel.trycloudflare.com"
    assert button.text().endswith(url)
    assert "Cf-Connecting-Ip" in button.toolTip()
    assert window.receiver.public_url == url
    menu_action(menu, "Copy public URL").trigger()  # type: ignore[attr-defined]
    assert QGuiApplication.clipboard().text() == url
    endpoints = menu_action(menu, "Copy an endpoint's public URL").menu()  # type: ignore[attr-defined]
    (github,) = [a for a in endpoints.actions() if "/hooks/github" in a.text()]
    github.trigger()
    assert QGuiApplication.clipboard().text() == url + "/hooks/github"
    pid = int((tmp_path / "calls").read_text().split()[0])
    menu_action(menu, "Stop the tunnel").trigger()  # type: ignore[attr-defined]
    async with asyncio.timeout(15):
        while alive(pid):
            await asyncio.sleep(0.05)
    assert button.text() == "Public URL: off" and window.receiver.public_url is None


async def test_a_bad_ssh_target_is_shown_as_a_failed_state(
        window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    from webhook_studio.ui import dialogs

    monkeypatch.setattr(dialogs, "ask_text",
                        lambda _parent, _title, _label, _text, then: then("ssh://nouser"))
    button = window.public_url
    menu_action(button.menu(), "SSH to my server").trigger()  # type: ignore[attr-defined]
    assert button.text() == "Public URL: failed"
    assert "needs a user name" in button.toolTip()
