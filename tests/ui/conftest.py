from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from webhook_studio.context import AppContext


@pytest.fixture(autouse=True)
def empty_clipboard(qapp: object) -> None:
    """Every test starts with an empty clipboard: a test waiting for "curl …" to be copied
    must not find what an earlier test copied (Copy command, Copy as)."""
    from PySide6.QtGui import QGuiApplication

    clipboard = QGuiApplication.clipboard()
    if clipboard is not None:
        clipboard.clear()


@pytest.fixture(autouse=True)
def collect_qt_objects_on_the_gui_thread(qapp: object) -> Iterator[None]:
    """Widgets left as garbage by a test are collected here, on the GUI thread.

    Otherwise Python's cyclic GC may run later inside a worker thread (the receiver's writer,
    an executor) and destroy Qt objects there, which Qt rejects ("Timers cannot be stopped
    from another thread").
    """
    yield
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    # The windows pytest-qt closed with deleteLater(): no Qt event loop runs under the
    # tests' asyncio loop to delete them, so they piled up (every later stylesheet change
    # repolished all of them; test_every_control took 10x longer after 16 window tests).
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
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


WindowFactory = Callable[..., Awaitable[Any]]


@pytest.fixture
async def make_window(qtbot: QtBot, ctx: AppContext) -> AsyncIterator[WindowFactory]:
    """Open the real window with live engines (receiver on ``port``, default any free port),
    wired as ``app.py`` wires them (provider profiles shape what the dispatcher sends)."""
    from webhook_studio.receiver import EndpointConfig, Receiver
    from webhook_studio.sender import Dispatcher
    from webhook_studio.ui.bridge import EngineBridge
    from webhook_studio.ui.main_window import MainWindow
    from webhook_studio.wiring import attach_receiver_extras, sender_hooks

    opened: list[tuple[Any, Any, Any, Any, Any]] = []

    async def make(port: int = 0, start: bool = True) -> MainWindow:
        receiver = Receiver(ctx.store, port=port, default_endpoint=EndpointConfig())
        extras = attach_receiver_extras(receiver, ctx)
        envelope_for, header_hook = sender_hooks(ctx)  # profiles shape what is sent, as in app.py
        dispatcher = Dispatcher(ctx.store, envelope_for=envelope_for, header_hook=header_hook)
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
    # the windows themselves are deleted by collect_qt_objects_on_the_gui_thread, above


@pytest.fixture
async def window(make_window: WindowFactory) -> Any:
    return await make_window()
