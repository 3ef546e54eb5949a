"""Run a long coroutine with a progress dialog that can cancel it (opened, never exec'd)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtWidgets import QProgressDialog, QWidget

from webhook_studio.ui.tasks import TaskRunner


def run_with_progress(parent: QWidget, runner: TaskRunner, title: str,
                      make: Callable[[Callable[[int, int], None]], Coroutine[Any, Any, Any]],
                      on_done: Callable[[Any], None]) -> tuple[QProgressDialog, asyncio.Task[Any]]:
    dialog = QProgressDialog(title, "Cancel", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setMinimumDuration(300)

    def progress(done: int, total: int) -> None:
        dialog.setMaximum(max(total, 1))
        dialog.setValue(done)
        dialog.setLabelText(f"{title}: {done} of {total}")

    def finished(result: Any) -> None:
        dialog.reset()
        on_done(result)

    task = runner.run(make(progress), on_success=finished)
    dialog.canceled.connect(task.cancel)
    task.add_done_callback(lambda _t: dialog.reset())
    dialog.open()
    return dialog, task
