"""The banner shown while the receiver cannot listen on its configured port.

It stays until the person acts: the configured port is never changed silently (URLs already
registered at a provider point at it).

Signals:
    retry(): try the configured port again.
    use_port(): ask for another port and save it.
    use_free_port(): listen on any free port for this run only (nothing saved).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from webhook_studio.ui.theme import set_tone


class PortBanner(QFrame):
    retry = Signal()
    use_port = Signal()
    use_free_port = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("port_banner")
        self.setStyleSheet("QFrame#port_banner { background: rgba(201, 138, 27, 0.15); }")
        set_tone(self, "warn", "edge")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.retry_button = QPushButton("Retry")
        self.port_button = QPushButton("Use port …")
        self.free_button = QPushButton("Use a free port this time")
        self.retry_button.setToolTip("Try the configured port again (after closing the other "
                                     "program)")
        self.port_button.setToolTip("Pick another port and save it in Settings")
        self.free_button.setToolTip("Listen on any free port until the app closes; the "
                                    "configured port stays as it is")
        self.retry_button.clicked.connect(self.retry)
        self.port_button.clicked.connect(self.use_port)
        self.free_button.clicked.connect(self.use_free_port)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 8, 6)
        row.addWidget(self.message, 1)
        for button in (self.retry_button, self.port_button, self.free_button):
            row.addWidget(button)
        self.hide()

    def show_problem(self, text: str) -> None:
        self.message.setText(text)
        for button in (self.retry_button, self.port_button, self.free_button):
            button.setEnabled(True)
        self.show()

    def set_busy(self, busy: bool) -> None:
        for button in (self.retry_button, self.port_button, self.free_button):
            button.setEnabled(not busy)
