"""Every question the window asks with a modal dialog, in one place.

Window code calls these functions instead of ``QFileDialog``/``QMessageBox``/``QInputDialog``
directly, so the scenario tests answer them through this seam (``monkeypatch.setattr``) while
every button and menu action above them is the real one. Each returns None (or False) when
the person cancels.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget


def save_file(parent: QWidget | None, title: str, suggested: str, filters: str) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path or None


def open_file(parent: QWidget | None, title: str, filters: str) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", filters)
    return path or None


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value if ok else None


def ask_port(parent: QWidget | None, title: str, label: str, current: int) -> int | None:
    value, ok = QInputDialog.getInt(parent, title, label, current, 1, 65535)
    return int(value) if ok else None


def confirm(parent: QWidget | None, title: str, text: str, action: str) -> bool:
    """A yes/no question whose yes button names the action ("Delete 3 captures")."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Cancel,
                      parent)
    yes = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is yes
