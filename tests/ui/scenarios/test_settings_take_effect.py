"""Settings: an invalid value is refused at its field and nothing is saved; the defaults
prefill new subscriptions and ad-hoc sends; Serve HTTPS restarts the receiver live."""

from __future__ import annotations

import ssl
from typing import Any

import aiohttp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import click, port_taken_and_saved, pump
from webhook_studio.context import AppContext
from webhook_studio.core.limits import TIMEOUT_SECONDS
from webhook_studio.core.retry import SchedulePolicy, policy_from_dict
from webhook_studio.store.sender_models import Subscription


def retype(qtbot: QtBot, widget: Any, text: str) -> None:
    line = widget.lineEdit() if hasattr(widget, "lineEdit") and widget.lineEdit() else widget
    line.setFocus()
    qtbot.keyClick(line, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(line, text)


async def test_an_invalid_policy_is_refused_at_its_field(window: Any, qtbot: QtBot) -> None:
    page = window.settings_page
    window.show_section("settings")
    retype(qtbot, page.retry, "this-is-not-a-policy")
    retype(qtbot, page.host, "not a host")
    click(qtbot, page.save_button)
    assert "is neither a preset" in page.errors["retry"].text()
    assert page.errors["retry"].isVisibleTo(page)
    assert "is not an IP address or host name" in page.errors["host"].text()
    assert page.note.text() == "Not saved: 2 field(s) need attention."
    assert window.settings.value("defaults/retry") is None  # nothing stored
    assert window.settings.value("receiver/host") is None


async def test_defaults_prefill_new_subscriptions_and_ad_hoc_sends(
        window: Any, ctx: AppContext, qtbot: QtBot, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/adhoc").respond_with_data("ok")
    page = window.settings_page
    window.show_section("settings")
    retype(qtbot, page.retry, "0,2s,10s")
    page.timeout.setFocus()
    qtbot.keyClick(page.timeout, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.timeout, "42")
    click(qtbot, page.save_button)
    assert page.note.text() == "Saved. New subscriptions and ad-hoc sends use the new defaults."
    assert str(window.settings.value("defaults/retry")) == "0,2s,10s"
    window.show_section("subscriptions")
    new = next(b for b in window.subscriptions.findChildren(QPushButton)
               if b.text() == "New subscription")
    click(qtbot, new)
    assert window.subscriptions.retry.currentText() == "0,2s,10s"
    assert window.subscriptions.timeout.text() == "42"
    window.show_section("composer")
    composer = window.composer
    composer.target.setCurrentIndex(composer.target.findText("Ad-hoc URL below"))
    retype(qtbot, composer.url, httpserver.url_for("/adhoc"))
    click(qtbot, composer.send_button)
    await pump(lambda: len(httpserver.log) == 1)
    with ctx.store.session() as session:
        sub = session.query(Subscription).filter(Subscription.adhoc.is_(True)).one()
        policy = policy_from_dict(sub.retry_policy)
        assert isinstance(policy, SchedulePolicy) and list(policy.delays) == [0.0, 2.0, 10.0]
        assert sub.timeout_seconds == 42


async def test_serve_https_restarts_the_receiver_live(window: Any, qtbot: QtBot) -> None:
    page = window.settings_page
    window.show_section("settings")
    assert window.base_url.startswith("http://")
    click(qtbot, page.tls)
    click(qtbot, page.save_button)
    await pump(lambda: window.base_url.startswith("https://"), within=40,
               what=f"{page.note.text()} / {window.statusBar().currentMessage()}")
    assert window.health_label.text() == f"Receiver: listening on {window.base_url}"
    assert page.note.text() == f"Saved. The receiver restarted on {window.base_url}."
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    async with aiohttp.ClientSession() as session, session.post(
            f"{window.base_url}/over-tls", data=b"{}", ssl=context) as resp:
        assert resp.status == 200
    await pump(lambda: window.inbox.model.rowCount() == 1)
    click(qtbot, page.tls)  # and back
    click(qtbot, page.save_button)
    await pump(lambda: window.base_url.startswith("http://"), within=40)


async def test_a_port_that_cannot_be_applied_says_so_with_a_restart_button(
        window: Any, qtbot: QtBot) -> None:
    page = window.settings_page
    window.show_section("settings")
    running = window.base_url
    async with port_taken_and_saved(qtbot, page) as taken:
        assert "applies after a restart" in page.note.text()
        assert window.port_banner.isVisible()  # and the window says why nothing is received
        assert int(str(window.settings.value("receiver/port"))) == taken  # saved, not swapped
    click(qtbot, page.restart_button)  # the other program is gone now
    await pump(lambda: window.base_url == f"http://127.0.0.1:{taken}", within=30)
    assert not window.port_banner.isVisible() and running != window.base_url
    assert page.note.text() == f"Saved. The receiver restarted on {window.base_url}."


async def test_the_api_starts_and_stops_when_saved(window: Any, qtbot: QtBot) -> None:
    import socket

    from webhook_studio.api import load_or_create_token

    page = window.settings_page
    window.show_section("settings")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    page.api_port.setFocus()
    qtbot.keyClick(page.api_port, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.api_port, str(port))
    click(qtbot, page.api_enabled)
    click(qtbot, page.save_button)
    await pump(lambda: "management API is on" in page.note.text(), within=30)
    token = load_or_create_token(window.ctx.data_dir)
    async with aiohttp.ClientSession() as session, session.get(
            f"http://127.0.0.1:{port}/api/v1/webhooks",
            headers={"Authorization": f"Bearer {token}"}) as resp:
        assert resp.status == 200
    click(qtbot, page.api_enabled)
    click(qtbot, page.save_button)
    await pump(lambda: page.note.text() == "Saved. The management API is stopped.", within=30)
    assert window.api is None


@pytest.mark.parametrize("edge", [TIMEOUT_SECONDS.low, TIMEOUT_SECONDS.high])
async def test_a_default_timeout_at_either_edge_prefills_a_subscription_that_saves(
        window: Any, ctx: AppContext, qtbot: QtBot, edge: float) -> None:
    """The field takes the subscription's own range: a default it accepts is one the
    subscription editor accepts too (it once allowed whole seconds only, from 1)."""
    page = window.settings_page
    window.show_section("settings")
    assert (page.timeout.minimum(), page.timeout.maximum()) == (
        TIMEOUT_SECONDS.low, TIMEOUT_SECONDS.high)
    page.timeout.setFocus()
    qtbot.keyClick(page.timeout, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(page.timeout, f"{edge:g}")
    click(qtbot, page.save_button)
    assert page.note.text() == "Saved. New subscriptions and ad-hoc sends use the new defaults."
    assert float(str(window.settings.value("defaults/timeout"))) == edge
    window.show_section("subscriptions")
    editor = window.subscriptions
    click(qtbot, next(b for b in editor.findChildren(QPushButton)
                      if b.text() == "New subscription"))
    assert editor.timeout.text() == f"{edge:g}"
    editor.url.setFocus()
    qtbot.keyClicks(editor.url, "http://127.0.0.1:9/hooks")
    click(qtbot, editor.save_button)
    assert editor.status.text() == "Saved.", editor.status.text()
    with ctx.store.session() as session:
        (sub,) = session.query(Subscription).filter(Subscription.adhoc.is_(False)).all()
        assert sub.timeout_seconds == edge
