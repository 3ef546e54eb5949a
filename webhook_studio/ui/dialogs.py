"""Every question the window asks with a modal dialog, in one place.

Window code calls these functions instead of ``QFileDialog``/``QMessageBox``/``QInputDialog``
directly, so the scenario tests answer them through this seam (``monkeypatch.setattr``) while
every button and menu action above them is the real one. Each dialog is window-modal and
opened with ``open()``, never ``exec()`` (a nested event loop inside the qasync loop, qasync
issue #59); ``then`` is called with the answer, and not at all when the person cancels.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget


def _keep_until_closed(dialog: QWidget) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)


def save_file(parent: QWidget | None, title: str, suggested: str, filters: str,
              then: Callable[[str], object]) -> QFileDialog:
    dialog = QFileDialog(parent, title, suggested, filters)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.selectFile(suggested)
    dialog.fileSelected.connect(lambda path: path and then(path))
    _keep_until_closed(dialog)
    dialog.open()
    return dialog


def open_file(parent: QWidget | None, title: str, filters: str,
              then: Callable[[str], object]) -> QFileDialog:
    dialog = QFileDialog(parent, title, "", filters)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.fileSelected.connect(lambda path: path and then(path))
    _keep_until_closed(dialog)
    dialog.open()
    return dialog


def ask_text(parent: QWidget | None, title: str, label: str, text: str,
             then: Callable[[str], object]) -> QInputDialog:
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.resize(520, dialog.sizeHint().height())
    dialog.textValueSelected.connect(then)
    _keep_until_closed(dialog)
    dialog.open()
    return dialog


def ask_port(parent: QWidget | None, title: str, label: str, current: int,
             then: Callable[[int], object]) -> QInputDialog:
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setInputMode(QInputDialog.InputMode.IntInput)
    dialog.setIntRange(1, 65535)
    dialog.setIntValue(current)
    dialog.intValueSelected.connect(then)
    _keep_until_closed(dialog)
    dialog.open()
    return dialog


def confirm(parent: QWidget | None, title: str, text: str, action: str,
            then: Callable[[], object]) -> QMessageBox:
    """A yes/no question whose yes button names the action ("Delete 3 captures"); Cancel is
    the default and the Escape button, so Enter and Esc are both safe."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    box.setObjectName("confirm")
    yes = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    no = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.buttonClicked.connect(lambda button: button is yes and then())
    _keep_until_closed(box)
    box.open()
    return box
