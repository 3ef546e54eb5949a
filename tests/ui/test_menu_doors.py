"""The sections' own buttons, in the menu bar too (Capture, Delivery, Receiver, File, Edit) and
so in the command palette: each menu action is greyed while its button could not be clicked,
and chosen from the menu it does what the button does, in the button's section."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import (
    click_row,
    port_taken_and_saved,
    pump,
    reads_done,
    select_capture,
)
from tests.ui.test_menus import by_id
from webhook_studio.context import AppContext
from webhook_studio.core.retry import parse_policy
from webhook_studio.store import window_reads as reads
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui import dialogs
from webhook_studio.ui.chaos_panel import ChaosDialog
from webhook_studio.ui.contract_export_dialog import ContractExportDialog
from webhook_studio.ui.diff_dialog import DiffDialog
from webhook_studio.ui.edit_resend_dialog import EditResendDialog
from webhook_studio.ui.palette import CommandPalette

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support (raise|grabbing the keyboard)")

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CLOSED = "http://127.0.0.1:9/closed"  # nothing listens: every attempt fails at once

#: Every command these tests trigger (tests/ui/test_menus.py checks the rest).
DOORS = {
    "capture.compare", "capture.export_tests", "capture.chaos", "capture.export",
    "capture.copy.curl", "capture.copy.httpie", "capture.copy.python", "capture.copy.fetch",
    "capture.copy.raw", "capture.copy.body", "capture.copy.headers", "capture.send_test",
    "capture.load_examples",
    "delivery.retry", "delivery.cancel", "delivery.dead_letter", "delivery.dead_letters",
    "delivery.edit_resend", "delivery.rotate",
    "receiver.restart", "receiver.public.ssh", "receiver.public.localhost_run",
    "receiver.public.ngrok", "receiver.public.cloudflared", "receiver.public.copy",
    "receiver.public.stop",
    "file.test_connection", "edit.save_filter",
}


def asked_questions(monkeypatch: pytest.MonkeyPatch, yes: bool = False) -> list[tuple[str, str]]:
    """Every question asked through ``ui/dialogs.py``: (which, title); each is cancelled,
    or confirmed with ``yes``."""
    asked: list[tuple[str, str]] = []

    def record(name: str, *args: Any) -> None:
        asked.append((name, str(args[1])))
        if yes and name == "confirm":
            args[-1]()

    for name in ("save_file", "open_file", "ask_text", "ask_port", "confirm"):
        monkeypatch.setattr(dialogs, name, lambda *args, n=name: record(n, *args))
    return asked


def shown_dialog(window: Any, cls: type[Any]) -> Any:
    found = [d for d in window.findChildren(cls) if d.isVisible()]
    return found[0] if found else None


def close_dialogs(window: Any) -> None:
    for dialog in window.findChildren(QDialog):
        if dialog.isVisible():
            dialog.reject()
    QApplication.processEvents()


def enabled(window: Any, action: QAction) -> bool:
    window.commands.registry.refresh()
    return action.isEnabled()


def clipboard() -> str:
    return QGuiApplication.clipboard().text()


def test_each_door_sits_in_a_menu_and_every_one_is_tested_here(window: Any) -> None:
    actions = by_id(window)
    registry = window.commands.registry
    new_menus = {c.id for c in registry if c.menu in ("Capture", "Delivery", "Receiver")}
    assert new_menus | {"file.test_connection", "edit.save_filter"} == DOORS
    assert set(actions) >= DOORS, "a door no menu reaches"
    assert registry["capture.copy.curl"].path() == "Capture ▸ Copy as ▸ cURL"
    assert actions["capture.copy.curl"].shortcut() == QKeySequence("Ctrl+Shift+C")
    assert window.inbox.inspector.copy_curl.shortcut().isEmpty()  # one owner per key


async def test_capture_menu_acts_on_the_selected_and_shown_captures(
        window: Any, ctx: AppContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ui.scenarios.helpers import post

    for n in range(2):
        await post(f"{window.base_url}/orders/{n}", b'{"n": %d}' % n,
                   {"Content-Type": "application/json", "X-Order": str(n)})
    await pump(lambda: window.inbox.model.rowCount() == 2)
    asked = asked_questions(monkeypatch)
    actions = by_id(window)
    window.show_section("settings")  # every door below goes to the Inbox by itself
    for id_ in ("capture.compare", "capture.export_tests", "capture.export",
                "capture.copy.curl", "capture.copy.httpie", "capture.copy.body"):
        assert not enabled(window, actions[id_]), f"{id_}: nothing is selected yet"
    assert enabled(window, actions["capture.chaos"])

    actions["capture.chaos"].trigger()
    await pump(lambda: shown_dialog(window, ChaosDialog) is not None, what="no chaos dialog")
    assert window.current_section() == "inbox"
    close_dialogs(window)

    capture_id = await select_capture(qtbot, window, 0)
    assert not enabled(window, actions["capture.compare"]), "one capture is not two"
    click_row(qtbot, window.inbox.view, 1, Qt.KeyboardModifier.ControlModifier)
    await pump(lambda: enabled(window, actions["capture.compare"]), what="two selected")
    window.show_section("deliveries")
    actions["capture.compare"].trigger()
    await pump(lambda: shown_dialog(window, DiffDialog) is not None, what="no comparison")
    assert window.current_section() == "inbox"
    close_dialogs(window)
    actions["capture.export_tests"].trigger()
    await pump(lambda: shown_dialog(window, ContractExportDialog) is not None,
               what="no export-as-tests dialog")
    close_dialogs(window)

    await select_capture(qtbot, window, 0)
    actions["capture.export"].trigger()
    await pump(lambda: asked and asked[-1][0] == "save_file", what="Export… asked nothing")

    window.show_section("settings")
    actions["capture.copy.curl"].trigger()
    await pump(lambda: clipboard().startswith("curl "), what="cURL was not copied")
    assert "/orders/1" in clipboard()
    for id_, looks_right in (
            ("capture.copy.httpie", lambda t: "| http POST " in t),
            ("capture.copy.python", lambda t: "httpx" in t),
            ("capture.copy.fetch", lambda t: "fetch(" in t),
            ("capture.copy.raw", lambda t: t.startswith("POST /orders/1 HTTP/1.1")),
            ("capture.copy.body", lambda t: t == '{"n": 1}'),
            ("capture.copy.headers", lambda t: "X-Order: 1" in t)):
        QGuiApplication.clipboard().clear()
        actions[id_].trigger()
        await pump(functools.partial(lambda f: f(clipboard()), looks_right), what=id_)
    assert f"of capture #{capture_id}" in window.statusBar().currentMessage()

    QGuiApplication.clipboard().clear()
    window.activateWindow()
    window.inbox.view.setFocus()
    qtbot.waitUntil(window.inbox.view.hasFocus)
    qtbot.keySequence(window.windowHandle(), QKeySequence("Ctrl+Shift+C"))
    await pump(lambda: clipboard().startswith("curl "), what="Ctrl+Shift+C copied nothing")

    window.show_section("inbox")
    assert not enabled(window, actions["edit.save_filter"]), "no filter typed yet"
    window.inbox.search.setFocus()
    qtbot.keyClicks(window.inbox.search, "method:POST")
    await pump(lambda: enabled(window, actions["edit.save_filter"]), what="filter typed")
    actions["edit.save_filter"].trigger()
    assert asked[-1] == ("ask_text", "Save filter")
    window.show_section("composer")  # no filter here
    assert not enabled(window, actions["edit.save_filter"])


async def test_the_empty_inboxs_first_run_buttons_from_the_capture_menu(
        window: Any, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    actions = by_id(window)
    window.show_section("subscriptions")
    await pump(lambda: enabled(window, actions["capture.send_test"]), what="empty inbox")
    actions["capture.send_test"].trigger()
    assert window.current_section() == "inbox"
    await pump(lambda: window.inbox.model.rowCount() == 1, 30, "no test webhook arrived")
    assert not enabled(window, actions["capture.send_test"]), "the list shows now"
    assert not enabled(window, actions["capture.load_examples"])

    asked_questions(monkeypatch, yes=True)
    window.show_section("inbox")
    window.inbox.clear_action.trigger()  # Clear all captures…, confirmed
    await pump(lambda: window.inbox.model.rowCount() == 0, 30, "not cleared")
    await pump(lambda: enabled(window, actions["capture.load_examples"]), what="empty again")
    window.show_section("settings")
    actions["capture.load_examples"].trigger()
    await pump(lambda: window.inbox.model.rowCount() > 1, 60, "no examples loaded")
    assert window.current_section() == "inbox"


async def shown_delivery(qtbot: QtBot, window: Any, delivery_id: str) -> None:
    window.show_section("deliveries")
    section = window.deliveries
    await pump(lambda: section.row_of(delivery_id) is not None, 20.0, "not listed")
    row = section.row_of(delivery_id)
    click_row(qtbot, section.view, row)
    await pump(lambda: section.delivery_id == delivery_id, 20.0, "not shown")
    await reads_done(section)


async def test_delivery_menu_acts_on_the_delivery_selected_in_deliveries(
        window: Any, ctx: AppContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = asked_questions(monkeypatch)
    actions = by_id(window)
    deliveries = window.deliveries
    for id_ in ("delivery.retry", "delivery.cancel", "delivery.dead_letter",
                "delivery.dead_letters", "delivery.edit_resend", "delivery.rotate"):
        assert not enabled(window, actions[id_]), f"{id_}: nothing selected yet"

    later = create_subscription(ctx.store, secret=SECRET, url=CLOSED, events=["*"],
                                retry_policy=parse_policy("0,1h").to_dict())
    (pending,) = window.dispatcher.emit("order.paid", {"n": 1}, subscription_id=later)
    await pump(lambda: reads.delivery_detail(ctx.store, pending).attempts, 20.0,
               "the first attempt was not made")
    await shown_delivery(qtbot, window, pending)
    assert not enabled(window, actions["delivery.dead_letter"]), "not a dead letter"
    window.show_section("inbox")  # the delivery stays selected in Deliveries
    assert enabled(window, actions["delivery.cancel"])
    actions["delivery.cancel"].trigger()
    assert window.current_section() == "deliveries"
    await pump(lambda: deliveries.message.text() == "Cancelled.", 20.0, "not cancelled")
    await reads_done(deliveries)
    actions["delivery.retry"].trigger()
    await pump(lambda: len(reads.delivery_detail(ctx.store, pending).attempts) >= 2, 20.0,
               "Retry now did not send again")
    await reads_done(deliveries)
    await pump(lambda: enabled(window, actions["delivery.edit_resend"]), what="resend")
    actions["delivery.edit_resend"].trigger()
    await pump(lambda: shown_dialog(window, EditResendDialog) is not None,
               what="no Edit and resend dialog")
    close_dialogs(window)

    once = create_subscription(ctx.store, secret=SECRET, url=CLOSED, events=["*"],
                               retry_policy=parse_policy("0").to_dict())
    (dead,) = window.dispatcher.emit("order.paid", {"n": 2}, subscription_id=once)
    await pump(lambda: str(reads.delivery_detail(ctx.store, dead).delivery.state)
               == "failed", 20.0, "it never failed for good")
    await shown_delivery(qtbot, window, dead)
    await pump(lambda: enabled(window, actions["delivery.dead_letter"]), what="dead letter")
    window.show_section("composer")
    actions["delivery.dead_letters"].trigger()
    await pump(lambda: asked and asked[-1] == ("confirm", "Retry dead letters"), 20.0,
               "Retry all dead letters… did not ask")
    actions["delivery.dead_letter"].trigger()
    await pump(lambda: len(reads.delivery_detail(ctx.store, dead).attempts) >= 2, 20.0,
               "the dead letter was not sent again")

    window.subscriptions.reload()
    window.show_section("subscriptions")
    await pump(lambda: window.subscriptions.list.count() == 2, what="not listed")
    await reads_done(window.subscriptions)
    window.subscriptions.list.setCurrentRow(0)
    await pump(lambda: window.subscriptions.current is not None
               and enabled(window, actions["delivery.rotate"]), what="no subscription")
    await reads_done(window.subscriptions)
    before = window.subscriptions.secret.text()
    window.show_section("inbox")
    actions["delivery.rotate"].trigger()
    assert window.current_section() == "subscriptions"
    await pump(lambda: window.subscriptions.status.text().startswith("Rotated"),
               what="not rotated")
    assert window.subscriptions.secret.text() != before


def pick(qtbot: QtBot, radio: Any) -> None:
    """A click on a radio button's circle (its middle may be empty space past the text)."""
    from PySide6.QtCore import QPoint

    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton, pos=QPoint(8, radio.height() // 2))
    assert radio.isChecked()


class StandInTunnel:
    """Opening a real tunnel needs the internet: its state is what the menu reads."""

    class state:
        public_url = "https://abc.example.test"

    async def stop(self) -> None:
        return None


async def test_receiver_menu_restarts_opens_copies_and_stops(
        window: Any, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = asked_questions(monkeypatch)
    actions = by_id(window)
    public = window.public_url
    opened: list[str] = []
    monkeypatch.setattr(public, "open", opened.append)  # no tunnel to the internet here
    assert not enabled(window, actions["receiver.public.copy"])
    assert not enabled(window, actions["receiver.public.stop"])
    actions["receiver.public.ssh"].trigger()
    assert asked[-1] == ("ask_text", "SSH tunnel")
    for key, spec in (("localhost_run", "localhost.run"), ("ngrok", "ngrok"),
                      ("cloudflared", "cloudflared")):
        actions[f"receiver.public.{key}"].trigger()
        assert opened[-1] == spec
    public.tunnel = StandInTunnel()
    assert enabled(window, actions["receiver.public.copy"])
    actions["receiver.public.copy"].trigger()
    assert clipboard() == "https://abc.example.test"
    actions["receiver.public.stop"].trigger()
    assert public.tunnel is None
    assert not enabled(window, actions["receiver.public.stop"])

    page = window.settings_page
    assert not enabled(window, actions["file.test_connection"]), "this computer is chosen"
    window.show_section("settings")
    pick(qtbot, page.workspace.team)
    page.workspace.url.setText("postgresql://nobody@127.0.0.1:1/none")
    window.show_section("inbox")
    assert enabled(window, actions["file.test_connection"])
    actions["file.test_connection"].trigger()
    assert window.current_section() == "settings"
    await pump(lambda: page.workspace.result.text() not in ("", "Connecting…"), 40,
               "the connection test never answered")
    pick(qtbot, page.workspace.local)

    assert not enabled(window, actions["receiver.restart"]), "nothing to restart for"
    async with port_taken_and_saved(qtbot, page) as taken:
        pass  # saved while another program held it; free again for the restart below
    window.show_section("inbox")
    assert enabled(window, actions["receiver.restart"])
    actions["receiver.restart"].trigger()
    await pump(lambda: window.base_url == f"http://127.0.0.1:{taken}", within=30)


async def test_the_palette_finds_each_door_by_its_name(window: Any, qtbot: QtBot) -> None:
    registry = window.commands.registry
    by_id(window)["view.palette"].trigger()
    palette = next(p for p in window.findChildren(CommandPalette) if p.isVisible())
    for id_ in sorted(DOORS):
        palette.field.clear()
        words = "".join(c if c.isalnum() else " " for c in registry[id_].title).split()
        qtbot.keyClicks(palette.field, " ".join(words))
        assert id_ in palette.matches()[:8], (id_, palette.matches()[:8])
    palette.field.clear()
    qtbot.keyClicks(palette.field, "retry dead")
    assert palette.matches()[0] in ("delivery.dead_letter", "delivery.dead_letters")
    palette.field.clear()
    qtbot.keyClicks(palette.field, "copy as python")
    assert palette.matches()[0] == "capture.copy.python"
    palette.hide()
