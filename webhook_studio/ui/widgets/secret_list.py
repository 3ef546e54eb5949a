"""Several secrets, one per line (newest first), hidden until asked for.

A stored endpoint opens with its secrets masked, as a subscription's secret is: a screen share
or a screenshot must not leak them. "Reveal" shows them for editing; "Copy" puts the newest
one on the clipboard without revealing it. A new endpoint starts revealed: there is nothing to
hide yet and the person is about to paste one.

Signals:
    changed(): the secrets' text changed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

MASK = "●" * 12


class SecretList(QWidget):
    changed = Signal()

    def __init__(self, placeholder: str = "one secret per line, newest first",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QPlainTextEdit(placeholderText=placeholder)
        self.masked = QPlainTextEdit(readOnly=True)
        self.masked.setToolTip("Hidden: click Reveal to see or edit the secrets")
        self.masked.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.edit)
        self.stack.addWidget(self.masked)
        self.stack.setFixedHeight(56)
        self.stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.show_button = QPushButton("Reveal")
        self.show_button.setCheckable(True)
        self.show_button.setToolTip("Show or hide the secrets")
        self.show_button.toggled.connect(lambda on: self._toggled(on, focus=True))
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the newest secret (the first line)")
        self.copy_button.clicked.connect(self.copy_newest)
        buttons = QVBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.setSpacing(2)
        buttons.addWidget(self.show_button)
        buttons.addWidget(self.copy_button)
        buttons.addStretch(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.stack, 1)
        row.addLayout(buttons)
        self.edit.textChanged.connect(self._text_changed)
        self.set_revealed(True)

    def secrets(self) -> list[str]:
        return [s.strip() for s in self.edit.toPlainText().splitlines() if s.strip()]

    def set_secrets(self, secrets: list[str], *, hidden: bool) -> None:
        self.edit.setPlainText("\n".join(secrets))
        self.set_revealed(not hidden)

    def is_revealed(self) -> bool:
        return self.stack.currentWidget() is self.edit

    def set_revealed(self, revealed: bool) -> None:
        self.show_button.blockSignals(True)
        self.show_button.setChecked(revealed)
        self.show_button.blockSignals(False)
        self._toggled(revealed)

    def copy_newest(self) -> None:
        secrets = self.secrets()
        if secrets:
            QGuiApplication.clipboard().setText(secrets[0])

    def _toggled(self, revealed: bool, focus: bool = False) -> None:
        self.show_button.setText("Hide" if revealed else "Reveal")
        self.stack.setCurrentWidget(self.edit if revealed else self.masked)
        if revealed and focus:
            self.edit.setFocus()

    def _text_changed(self) -> None:
        count = len(self.secrets())
        self.masked.setPlainText("\n".join([MASK] * count) if count else "")
        self.masked.setPlaceholderText("no secret: click Reveal to add one")
        self.copy_button.setEnabled(count > 0)
        self.changed.emit()
