from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from webhook_studio.context import AppContext


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
        envelope_for, header_hook = sender_hooks()  # profiles shape what is sent, as in app.py
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


@pytest.fixture
async def window(make_window: WindowFactory) -> Any:
    return await make_window()
