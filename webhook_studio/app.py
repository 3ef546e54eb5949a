"""Composition root of the desktop app: context, qasync loop, main window.

Only this module and ``ui/`` import PySide6 or qasync.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from webhook_studio.context import AppContext


async def run_window(ctx: AppContext, *, close_after_ms: int | None = None) -> None:
    """Show the main window and return once it is closed and its tasks are done."""
    from PySide6.QtCore import QTimer

    from webhook_studio.ui.main_window import MainWindow
    from webhook_studio.ui.tasks import TaskRunner

    runner = TaskRunner()
    window = MainWindow(ctx, runner)
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    window.show()
    if close_after_ms is not None:
        QTimer.singleShot(close_after_ms, window.close)
    try:
        await closed.wait()
    finally:
        await runner.shutdown()
        window.deleteLater()


def run_app(db: str | Path | None = None, *, close_after_ms: int | None = None) -> int:
    """Open the desktop app; returns the process exit code once the window is closed."""
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("Webhook Studio")
    app.setOrganizationName("Webhook Studio")
    from webhook_studio.ui.theme import apply_theme

    apply_theme(app)  # type: ignore[arg-type]
    ctx = AppContext.open(db)
    try:
        qasync.run(run_window(ctx, close_after_ms=close_after_ms))
    finally:
        ctx.close()
    return 0
