"""What the editor scenarios share: the real window wired as the app wires it, and a person's
hands (click a button by its text, pick a sidebar entry or a combo item, answer a question).

Import the fixture into a test module: ``from tests.ui.scenarios.editors_window import
editors_window``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from webhook_studio.context import AppContext
from webhook_studio.ui.main_window import MainWindow

LEFT = Qt.MouseButton.LeftButton
#: A combo's popup asks the platform to raise it and grab the keyboard; the offscreen plugin
#: says it cannot. Modules that open popups set ``pytestmark = OFFSCREEN_POPUPS``.
OFFSCREEN_POPUPS = pytest.mark.qt_log_ignore(
    "This plugin does not support (raise|grabbing the keyboard)")


async def pump(condition: Callable[[], Any], within: float = 20.0,
               what: str = "the window did not get there in time") -> None:
    """Let Qt (timers, repaints) and asyncio (engines) both run until ``condition``."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, what
        QApplication.processEvents()
        await asyncio.sleep(0.02)


async def settle(rounds: int = 5) -> None:
    for _ in range(rounds):
        QApplication.processEvents()
        await asyncio.sleep(0.01)


@pytest.fixture
async def editors_window(qtbot: QtBot, ctx: AppContext) -> AsyncIterator[MainWindow]:
    """The real window with a live receiver and dispatcher, built as ``app.py`` builds them
    (provider profiles shape what the dispatcher sends), on this test's event loop."""
    from webhook_studio.receiver import EndpointConfig, Receiver
    from webhook_studio.sender import Dispatcher
    from webhook_studio.ui.bridge import EngineBridge
    from webhook_studio.wiring import attach_receiver_extras, sender_hooks

    receiver = Receiver(ctx.store, port=0, default_endpoint=EndpointConfig())
    extras = attach_receiver_extras(receiver, ctx)
    envelope_for, header_hook = sender_hooks(ctx)
    dispatcher = Dispatcher(ctx.store, envelope_for=envelope_for, header_hook=header_hook)
    bridge = EngineBridge()
    receiver.hub.subscribe(bridge.on_receiver_event)
    dispatcher.listeners.append(bridge.on_sender_event)
    window = MainWindow(ctx, receiver=receiver, dispatcher=dispatcher, bridge=bridge)
    qtbot.addWidget(window)
    window.resize(1440, 900)
    window.show()
    await window.start_engines()
    yield window
    await window.runner.shutdown()
    await window.stop_engines()
    await dispatcher.stop()
    await receiver.stop()
    await extras.close()
    bridge.deleteLater()


def button(parent: QWidget, text: str) -> QAbstractButton:
    """The one visible button under ``parent`` that says ``text``."""
    found = [b for b in parent.findChildren(QAbstractButton)
             if b.text() == text and b.isVisible()]
    assert len(found) == 1, f"expected one visible {text!r} button, found {len(found)}"
    return found[0]


def click(qtbot: QtBot, parent: QWidget, text: str) -> None:
    target = button(parent, text)
    assert target.isEnabled(), f"{text!r} is disabled"
    qtbot.mouseClick(target, LEFT)


def go_to(qtbot: QtBot, window: MainWindow, title: str) -> None:
    """Click the section's entry in the sidebar."""
    sidebar = window.sidebar
    (item,) = [sidebar.item(i) for i in range(sidebar.count()) if sidebar.item(i).text() == title]
    qtbot.mouseClick(sidebar.viewport(), LEFT, pos=sidebar.visualItemRect(item).center())
    assert window.pages.currentWidget().isVisible()
    assert sidebar.currentItem() is item


def pick_list_row(qtbot: QtBot, widget: QListWidget, row: int) -> None:
    item = widget.item(row)
    qtbot.mouseClick(widget.viewport(), LEFT, pos=widget.visualItemRect(item).center())


def choose(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Open the combo's list and click the entry that says ``text`` (or starts with it)."""
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
    combo.showPopup()
    view = combo.view()
    view.scrollTo(combo.model().index(index, 0))
    rect = view.visualRect(combo.model().index(index, 0))
    qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
    assert combo.currentIndex() == index, f"could not pick {text!r}"


def retype(qtbot: QtBot, field: QLineEdit | QPlainTextEdit, text: str) -> None:
    """Select everything in the field and type ``text`` over it."""
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(field, Qt.Key.Key_Delete)
    qtbot.keyClicks(field, text)


async def answer(qtbot: QtBot, parent: QWidget, choice: str) -> str:
    """Wait for the window's question, click ``choice`` on it; returns the question."""
    def shown() -> list[QMessageBox]:
        return [b for b in parent.window().findChildren(QMessageBox) if b.isVisible()]

    await pump(lambda: len(shown()) == 1, 10.0, "no question was asked")
    box = shown()[0]
    question = box.text()
    (chosen,) = [b for b in box.buttons() if b.text().replace("&", "") == choice]
    qtbot.mouseClick(chosen, LEFT)
    await pump(lambda: not shown(), 10.0, "the question stayed open")
    return question


def centre(widget: QWidget) -> QPoint:
    return widget.rect().center()
