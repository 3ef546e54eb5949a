"""Asking before something cannot be undone, without a nested event loop.

The question is a window-modal :class:`QMessageBox` opened with ``open()`` (never ``exec()``:
the window runs on a qasync loop, docs/architecture.md#threads-and-loops); the action runs
when the person clicks the confirming button. Tests answer it as a person does: they find the
box and click.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def ask(parent: QWidget, title: str, question: str, confirm: str,
        on_confirm: Callable[[], None]) -> QMessageBox:
    """Show ``question`` with ``confirm`` and Cancel; Cancel is the default (Enter is safe)."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, question,
                      QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("confirm")
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    yes = box.addButton(confirm, QMessageBox.ButtonRole.DestructiveRole)
    no = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(no)
    box.setEscapeButton(no)

    def answered(button: object) -> None:
        if button is yes:
            on_confirm()

    box.buttonClicked.connect(answered)
    box.open()
    return box
