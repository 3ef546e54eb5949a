from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from pytestqt.qtbot import QtBot

from webhook_studio.context import AppContext

W = TypeVar("W")


@pytest.fixture(autouse=True)
def collect_qt_objects_on_the_gui_thread(qapp: object) -> Iterator[None]:
    """Widgets left as garbage by a test are collected here, on the GUI thread.

    Otherwise Python's cyclic GC may run later inside a worker thread (the receiver's writer,
    an executor) and destroy Qt objects there, which Qt rejects ("Timers cannot be stopped
    from another thread").
    """
    yield
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    gc.collect()
    QApplication.processEvents()


@pytest.fixture(autouse=True)
def restore_theme(qapp: object) -> Iterator[None]:
    """A test that switches View ▸ Theme or the body text size leaves the next one as it was."""
    from PySide6.QtWidgets import QApplication

    from webhook_studio.ui import theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    saved = theme.snapshot(app)
    yield
    theme.restore(app, saved)


async def pump(condition: Callable[[], Any], within: float = 20.0,
               what: str = "the window did not get there in time") -> None:
    """Let Qt (timers, repaints) and asyncio (engines) both run until ``condition``."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, what
        QApplication.processEvents()
        await asyncio.sleep(0.02)


def visible(parent: Any, cls: type[W]) -> W:
    """The one visible dialog (or widget) of ``cls`` under ``parent``."""
    shown = [w for w in parent.findChildren(cls) if w.isVisible()]
    assert len(shown) == 1, f"expected one visible {cls.__name__}, found {len(shown)}"
    return shown[0]


async def wait_visible(parent: Any, cls: type[W], within: float = 10.0) -> W:
    await pump(lambda: any(w.isVisible() for w in parent.findChildren(cls)), within,
               f"no {cls.__name__} was opened")
    return visible(parent, cls)


WindowFactory = Callable[..., Awaitable[Any]]


@pytest.fixture
async def make_window(qtbot: QtBot, ctx: AppContext) -> AsyncIterator[WindowFactory]:
    """Open the real window with live engines (receiver on ``port``, default any free port)."""
    from webhook_studio.receiver import EndpointConfig, Receiver
    from webhook_studio.sender import Dispatcher
    from webhook_studio.ui.bridge import EngineBridge
    from webhook_studio.ui.main_window import MainWindow
    from webhook_studio.wiring import attach_receiver_extras

    opened: list[tuple[Any, Any, Any, Any, Any]] = []

    async def make(port: int = 0, start: bool = True) -> MainWindow:
        receiver = Receiver(ctx.store, port=port, default_endpoint=EndpointConfig())
        extras = attach_receiver_extras(receiver, ctx)
        dispatcher = Dispatcher(ctx.store)
        bridge = EngineBridge()
        receiver.hub.subscribe(bridge.on_receiver_event)
        dispatcher.listeners.append(bridge.on_sender_event)
        win = MainWindow(ctx, receiver=receiver, dispatcher=dispatcher, bridge=bridge)
        qtbot.addWidget(win)
        win.resize(1440, 900)
        win.show()
        opened.append((win, receiver, dispatcher, bridge, extras))
        if start:
            await win.start_engines()
        return win

    yield make
    for win, receiver, dispatcher, bridge, extras in opened:
        await win.runner.shutdown()
        await win.stop_engines()
        await dispatcher.stop()
        await receiver.stop()
        await extras.close()
        bridge.deleteLater()


@pytest.fixture
async def window(make_window: WindowFactory) -> Any:
    return await make_window()
