"""Composition root of the desktop app: context, qasync loop, main window.

Only this module and ``ui/`` import PySide6 or qasync.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from pathlib import Path
from typing import Any

from webhook_studio.context import AppContext


async def run_window(ctx: AppContext, *, close_after_ms: int | None = None,
                     host: str | None = None, port: int | None = None,
                     notice: str | None = None) -> None:
    """Show the main window with live engines; return once it is closed and all is flushed."""
    from PySide6.QtCore import QSettings, QTimer

    from webhook_studio.health import Health, follow_receiver, watching
    from webhook_studio.receiver import EndpointConfig, Receiver
    from webhook_studio.sender import Dispatcher
    from webhook_studio.ui.bridge import EngineBridge
    from webhook_studio.ui.controllers.settings import setting
    from webhook_studio.ui.main_window import MainWindow
    from webhook_studio.ui.tasks import TaskRunner
    from webhook_studio.wiring import attach_receiver_extras, sender_hooks

    settings = QSettings(str(ctx.data_dir / "window.ini"), QSettings.Format.IniFormat)
    tls_problem = None
    ssl_context = None
    if setting(settings, "receiver/tls") == "true":
        try:
            ssl_context = tls_context(ctx)
        except Exception as exc:  # the window still opens, on HTTP, and says why
            from webhook_studio.errors import describe_error

            tls_problem = (f"HTTPS could not be set up ({describe_error(exc)[0]}); receiving "
                           "over plain HTTP.")
    receiver = Receiver(
        ctx.store, ctx.clock,
        host=host or setting(settings, "receiver/host"),
        port=int(setting(settings, "receiver/port")) if port is None else port,
        ssl_context=ssl_context,
        default_endpoint=EndpointConfig())
    extras = attach_receiver_extras(receiver, ctx)
    envelope_for, header_hook = sender_hooks()
    health = Health(ctx.clock.now)
    dispatcher = Dispatcher(ctx.store, ctx.clock, envelope_for=envelope_for,
                            header_hook=header_hook, health=health)
    bridge = EngineBridge()
    receiver.hub.subscribe(bridge.on_receiver_event)
    dispatcher.listeners.append(bridge.on_sender_event)
    runner = TaskRunner()
    window = MainWindow(ctx, runner, receiver=receiver, dispatcher=dispatcher, bridge=bridge,
                        health=health)
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    window.show()
    if tls_problem:
        window.show_error(tls_problem)
    if notice:  # e.g. the result of ``open FILE.har``: a person who double-clicked sees it
        from webhook_studio.ui.about_dialog import show_notice

        show_notice(window, notice)
    if close_after_ms is not None:
        QTimer.singleShot(close_after_ms, window.close)
    async with contextlib.AsyncExitStack() as stack:  # one failing stop() skips no other
        stack.callback(bridge.deleteLater)
        stack.callback(window.deleteLater)
        stack.push_async_callback(extras.close)
        stack.push_async_callback(follow_receiver(health, receiver))  # flushes captures
        stack.push_async_callback(dispatcher.stop)
        stack.push_async_callback(window.stop_engines)
        stack.push_async_callback(runner.shutdown)
        await window.start_engines()  # also tells ``health`` the receiver is listening
        stack.push_async_callback(watching(health, ctx.store, receiver))  # the light knows
        await closed.wait()


def tls_context(ctx: AppContext) -> Any:
    """Settings ▸ Serve HTTPS: the kept self-signed certificate (made on first use)."""
    from webhook_studio.receiver.tls import ensure_certificate, server_context

    return server_context(ensure_certificate(ctx.data_dir / "tls"))


def run_app(db: str | Path | None = None, *, close_after_ms: int | None = None,
            port: int | None = None, notice: str | None = None) -> int:
    """Open the desktop app; returns the process exit code once the window is closed."""
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Webhook Studio")
    app.setOrganizationName("Webhook Studio")
    # The coroutine decides when to stop (after flushing the engines), not the last window.
    app.setQuitOnLastWindowClosed(False)  # type: ignore[attr-defined]
    from PySide6.QtGui import QIcon

    from webhook_studio.resources import resource_path
    from webhook_studio.ui.theme import apply_theme

    apply_theme(app)  # type: ignore[arg-type]
    app.setWindowIcon(QIcon(str(resource_path("icons", "webhook-studio.png"))))  # type: ignore[attr-defined]
    ctx = AppContext.open(db)
    try:
        qasync.run(run_window(ctx, close_after_ms=close_after_ms, port=port,
                              notice=notice))
    finally:
        ctx.close()
    return 0
