"""The configured port is taken: a banner that stays, and its three buttons."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.conftest import WindowFactory
from tests.ui.scenarios.helpers import click, post, pump
from webhook_studio.ui import dialogs


@pytest.fixture
def taken_port() -> Iterator[tuple[int, socket.socket]]:
    """A port another program is listening on."""
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen()
    yield other.getsockname()[1], other
    other.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_taken_port_shows_a_banner_and_is_never_changed_silently(
        make_window: WindowFactory, taken_port: tuple[int, socket.socket], qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    port, _other = taken_port
    window = await make_window(port=port)
    banner = window.port_banner
    assert banner.isVisible()
    assert banner.message.text().startswith(f"Port {port} is taken by another program")
    assert window.health_label.text() == f"Receiver: stopped (port {port} is taken)"
    assert window.receiver.url is None
    # the health light is told in the same place as the status bar
    light = window.health_indicator.health.get("receiver")
    assert (light.state, light.sentence) == ("down", f"port {port} is taken")

    click(qtbot, banner.retry_button)  # still taken: the banner stays
    await pump(lambda: banner.retry_button.isEnabled())
    assert banner.isVisible() and window.receiver.url is None

    click(qtbot, banner.free_button)  # a free port for this run only
    await pump(lambda: window.receiver.url is not None)
    assert not banner.isVisible()
    assert window.receiver.port == 0 and window.control.configured_port == port
    assert window.settings.value("receiver/port") is None  # nothing saved
    assert window.health_label.text() == \
        f"Receiver: listening on {window.base_url} (this run only)"
    assert f"Port {port} was taken" in window.health_label.toolTip()
    light = window.health_indicator.health.get("receiver")
    assert (light.state, light.sentence) == ("ok", f"receiving on {window.base_url}")
    await post(f"{window.base_url}/works", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 1)


async def test_retry_and_use_port_from_the_banner(
        make_window: WindowFactory, taken_port: tuple[int, socket.socket], qtbot: QtBot,
        monkeypatch: pytest.MonkeyPatch) -> None:
    port, _other = taken_port
    window = await make_window(port=port)
    banner = window.port_banner
    chosen = free_port()
    offered: list[int] = []

    def ask(*args: Any) -> None:
        offered.append(args[3])
        args[-1](chosen)

    monkeypatch.setattr(dialogs, "ask_port", ask)
    click(qtbot, banner.port_button)  # asks, saves, listens there
    await pump(lambda: window.receiver.url == f"http://127.0.0.1:{chosen}")
    assert offered == [port]
    assert int(str(window.settings.value("receiver/port"))) == chosen
    assert window.settings_page.port.value() == chosen
    assert not banner.isVisible()
    assert window.health_label.text() == f"Receiver: listening on http://127.0.0.1:{chosen}"


async def test_retry_succeeds_once_the_other_program_is_gone(
        make_window: WindowFactory, taken_port: tuple[int, socket.socket],
        qtbot: QtBot) -> None:
    port, other = taken_port
    window = await make_window(port=port)
    assert window.port_banner.isVisible()
    other.close()
    click(qtbot, window.port_banner.retry_button)
    await pump(lambda: window.receiver.url == f"http://127.0.0.1:{port}")
    assert not window.port_banner.isVisible()
