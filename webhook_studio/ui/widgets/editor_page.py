"""The page shape shared by the editors: a list on the left, a titled form on the right."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QListWidget,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.ui.theme import set_tone


def editor_page(page: QWidget, left: QWidget, title: str, form: QLayout,
                bottom: QLayout) -> QSplitter:
    """Lay ``page`` out as list | heading + form + bottom row; returns the splitter.

    The form scrolls: at 1024×640 a form showing an error under several fields is taller
    than the window, and without a scroll area the window grew (or squeezed the sentences
    until they were unreadable). The heading and the Save row stay in view.
    """
    right = QWidget()
    right_layout = QVBoxLayout(right)
    heading = QLabel(title)
    heading.setProperty("role", "heading")
    right_layout.addWidget(heading)
    body = QWidget()
    body_layout = QVBoxLayout(body)
    body_layout.setContentsMargins(0, 0, 4, 0)
    body_layout.addLayout(form)
    body_layout.addStretch(1)
    scroll = QScrollArea()
    scroll.setObjectName("editor_form")
    scroll.setWidget(body)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    body.setAutoFillBackground(False)
    scroll.viewport().setAutoFillBackground(False)
    # Scroll up and down only: the form keeps the width its fields need.
    scroll.setMinimumWidth(body.minimumSizeHint().width()
                           + scroll.verticalScrollBar().sizeHint().width())
    right_layout.addWidget(scroll, 1)
    right_layout.addLayout(bottom)
    left.setMinimumWidth(180)
    splitter = QSplitter()
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setChildrenCollapsible(False)
    splitter.setStretchFactor(1, 3)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(splitter)
    return splitter


def narrow(field: QWidget, width: int) -> QHBoxLayout:
    """``field`` no wider than ``width`` (a number reads badly across the whole window),
    while the error sentence under it keeps the row's full width."""
    field.setMaximumWidth(width)
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(field)
    row.addStretch(1)
    return row


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

        error = QLabel("")
        set_tone(error, "invalid")
        error.setWordWrap(True)
        error.hide()
        errors[key] = error
        box.addWidget(error)
    form.addRow(label, box)


def show_errors(errors: dict[str, QLabel], found: dict[str, str]) -> None:
    for key, label in errors.items():
        label.setText(found.get(key, ""))
        label.setVisible(key in found)
