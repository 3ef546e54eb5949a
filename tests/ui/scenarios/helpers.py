"""What a person does in the window, as small steps every scenario shares: wait for the window
(:func:`pump`), find a dialog, click a row, a button by its text, a sidebar entry or a combo
item, answer a question. The fixtures are in ``tests/ui/conftest.py``."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import aiohttp
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from webhook_studio.ui.main_window import MainWindow

W = TypeVar("W")
LEFT = Qt.MouseButton.LeftButton
#: A combo's popup asks the platform to raise it and grab the keyboard; the offscreen plugin
#: says it cannot. Modules that open popups set ``pytestmark = OFFSCREEN_POPUPS``.
OFFSCREEN_POPUPS = pytest.mark.qt_log_ignore(
    "This plugin does not support (raise|grabbing the keyboard)")


async def pump(condition: Callable[[], Any], within: float = 20.0,
               what: str = "the window did not get there in time") -> None:
    """Let Qt (timers, repaints) and asyncio (engines) both run until ``condition``."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, what
        QApplication.processEvents()
        await asyncio.sleep(0.02)


class Heartbeat:
    """A 20 ms timer on the GUI thread counting its ticks: while a slow read is under way,
    :meth:`beats` proves the window's thread still runs its timers (a blocked one stops)."""

    def __init__(self) -> None:
        self.count = 0
        self._timer = QTimer()
        self._timer.setInterval(20)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        self.count += 1

    async def beats(self, n: int, within: float, what: str) -> None:
        seen = self.count
        await pump(lambda: self.count >= seen + n, within, what)

    def stop(self) -> None:
        self._timer.stop()


def visible(parent: Any, cls: type[W]) -> W:
    """The one visible dialog (or widget) of ``cls`` under ``parent``."""
    shown: list[W] = [w for w in parent.findChildren(cls) if w.isVisible()]
    assert len(shown) == 1, f"expected one visible {cls.__name__}, found {len(shown)}"
    return shown[0]


async def wait_visible(parent: Any, cls: type[W], within: float = 10.0) -> W:
    await pump(lambda: any(w.isVisible() for w in parent.findChildren(cls)), within,
               f"no {cls.__name__} was opened")
    return visible(parent, cls)


async def settle(rounds: int = 5) -> None:
    for _ in range(rounds):
        QApplication.processEvents()
        await asyncio.sleep(0.01)


async def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A real HTTP POST to the receiver; its JSON answer (``capture`` is the new id)."""
    import io

    data: Any = io.BytesIO(body) if len(body) > 1024 * 1024 else body
    async with aiohttp.ClientSession() as session, session.post(
            url, data=data, headers=headers or {}) as resp:
        assert resp.status == 200, await resp.text()
        return dict(await resp.json())


def click_row(qtbot: QtBot, view: QTableView, row: int,
              modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    view.scrollTo(view.model().index(row, 0))
    rect = view.visualRect(view.model().index(row, 1))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def click(qtbot: QtBot, button: Any) -> None:
    """A left click where a person aims: a check box's box, a button's middle."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QCheckBox

    assert button.isEnabled(), f"{button.text()!r} is disabled"
    if isinstance(button, QCheckBox):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))
    else:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


async def select_capture(qtbot: QtBot, window: Any, row: int) -> int:
    """Click a row of the Inbox and wait until the inspector shows it."""
    from webhook_studio.ui.models.sources import CaptureRow

    window.show_section("inbox")
    await pump(lambda: isinstance(window.inbox.model.row_object(row), CaptureRow),
               what=f"row {row} was not read")
    obj = window.inbox.model.row_object(row)
    assert isinstance(obj, CaptureRow)
    click_row(qtbot, window.inbox.view, row)
    await pump(lambda: window.inbox.inspector.capture_id == obj.id)
    return obj.id


def button(parent: QWidget, text: str) -> QAbstractButton:
    """The one visible button under ``parent`` that says ``text``."""
    found = [b for b in parent.findChildren(QAbstractButton)
             if b.text() == text and b.isVisible()]
    assert len(found) == 1, f"expected one visible {text!r} button, found {len(found)}"
    return found[0]


async def click_text(qtbot: QtBot, parent: QWidget, text: str) -> None:
    """Click the one visible button under ``parent`` that says ``text``; wait for what it
    reads from the store."""
    target = button(parent, text)
    assert target.isEnabled(), f"{text!r} is disabled"
    qtbot.mouseClick(target, LEFT)
    await reads_done(parent)


async def go_to(qtbot: QtBot, window: MainWindow, title: str) -> None:
    """Click the section's entry in the sidebar; wait until it has read what it shows."""
    sidebar = window.sidebar
    (item,) = [sidebar.item(i) for i in range(sidebar.count()) if sidebar.item(i).text() == title]
    qtbot.mouseClick(sidebar.viewport(), LEFT, pos=sidebar.visualItemRect(item).center())
    page = window.pages.currentWidget()
    assert page is not None and page.isVisible()
    assert sidebar.currentItem() is item
    await reads_done(window)


async def pick_list_row(qtbot: QtBot, widget: QListWidget, row: int) -> None:
    """Click a row of an editor's list; wait until the editor shows it."""
    item = widget.item(row)
    qtbot.mouseClick(widget.viewport(), LEFT, pos=widget.visualItemRect(item).center())
    await reads_done(widget)


async def choose(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Open the combo's list and click the entry that says ``text`` (or starts with it)."""
    await reads_done(combo)
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
    combo.showPopup()
    view = combo.view()
    view.scrollTo(combo.model().index(index, 0))
    rect = view.visualRect(combo.model().index(index, 0))
    qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
    assert combo.currentIndex() == index, f"could not pick {text!r}"
    await reads_done(combo)  # what the choice reads (a list, its pages) is shown


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
    await reads_done(parent)
    return question


def centre(widget: QWidget) -> QPoint:
    return widget.rect().center()


def reading(widget: QWidget) -> bool:
    """Whether the window around ``widget`` still waits for a store read (a person sees a
    list fill a moment later)."""
    from PySide6.QtCore import QObject

    from webhook_studio.ui.query_op import Queries

    window = widget.window()
    holders = [window, *window.findChildren(QObject)]
    for holder in holders:
        for value in vars(holder).values() if hasattr(holder, "__dict__") else ():
            if isinstance(value, Queries) and value.busy():
                return True
    return False


def selected_ids(inbox: Any) -> list[int] | None:
    """The Inbox's selected capture ids when its rows are read (else None: being read)."""
    found: list[list[int]] = []
    inbox.selected_ids(found.append)
    return found[0] if found else None


async def reads_done(widget: QWidget, within: float = 20.0) -> None:
    await pump(lambda: not reading(widget), within, "the window kept reading the store")


#: GitHub's documented example secret and payload (their webhook validation guide).
GH = "It's a Secret to Everybody"
GH_BODY = b'{"zen":"Keep it logically awesome."}'


def github_endpoint(window: Any, ctx: Any) -> tuple[dict[str, str], dict[str, str]]:
    """A GitHub endpoint at ``/hooks/github`` that the window knows, and the headers of
    :data:`GH_BODY` signed right and signed over it with a trailing newline added (invalid)."""
    from webhook_studio.core.message import SignInput
    from webhook_studio.core.schemes import get_scheme
    from webhook_studio.store.receiver_queries import create_endpoint

    create_endpoint(ctx.store, name="GitHub", path="/hooks/github", profile="github",
                    scheme="github", secrets=[GH])
    window._endpoints_changed()
    scheme = get_scheme("github")
    return scheme.sign(GH, SignInput(GH_BODY)), scheme.sign(GH, SignInput(GH_BODY + b"\n"))


@contextlib.asynccontextmanager
async def port_taken_and_saved(qtbot: QtBot, page: Any) -> AsyncIterator[int]:
    """Another program listens on a port; the person types it into Settings ▸ Port and
    saves, and the page offers Restart receiver. Yields the port, still taken; it is free
    again after the block."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]
        page.port.setFocus()
        qtbot.keyClick(page.port, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(page.port, str(taken))
        click(qtbot, page.save_button)
        await pump(lambda: page.restart_button.isVisibleTo(page), within=30)
        yield taken
