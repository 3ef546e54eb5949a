"""The page shape shared by the editors: a list on the left, a titled form on the right."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLayout,
    QListWidget,
    QSplitter,
    QVBoxLayout,
    QWidget,
)


def editor_page(page: QWidget, left: QWidget, title: str, form: QLayout,
                bottom: QLayout) -> QSplitter:
    """Lay ``page`` out as list | heading + form + bottom row; returns the splitter."""
    right = QWidget()
    right_layout = QVBoxLayout(right)
    heading = QLabel(title)
    heading.setProperty("role", "heading")
    right_layout.addWidget(heading)
    right_layout.addLayout(form)
    right_layout.addStretch(1)
    right_layout.addLayout(bottom)
    splitter = QSplitter()
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setStretchFactor(1, 3)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(splitter)
    return splitter


def delete_action(view: QListWidget, on_delete: Callable[[], None], what: str) -> QAction:
    """"Delete…" on the list: the Delete key while the list has focus, and its right-click
    menu. ``triggered`` passes a ``checked`` bool, so the handler is called without it."""
    action = QAction(f"Delete {what}…", view)
    action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    action.triggered.connect(lambda _checked=False: on_delete())
    view.addAction(action)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    return action


def form_row(form: QFormLayout, label: str, field: QWidget | QLayout,
             errors: dict[str, QLabel] | None = None, key: str | None = None) -> None:
    """A form row whose error sentence (under ``errors[key]``) shows right below the field."""
    box = QVBoxLayout()
    box.setSpacing(2)
    if isinstance(field, QLayout):
        box.addLayout(field)
    else:
        box.addWidget(field)
    if errors is not None and key:
        from webhook_studio.ui import format as fmt

        error = QLabel("")
        error.setStyleSheet(f"color: {fmt.INVALID};")
        error.setWordWrap(True)
        error.hide()
        errors[key] = error
        box.addWidget(error)
    form.addRow(label, box)


def show_errors(errors: dict[str, QLabel], found: dict[str, str]) -> None:
    for key, label in errors.items():
        label.setText(found.get(key, ""))
        label.setVisible(key in found)
