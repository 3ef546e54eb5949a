"""The replay dialog: where to send a capture, as it was or re-signed. Opened with ``open()``
(never ``exec()`` inside async code, qasync issue #59); the result goes through the runner.

Signals:
    replay(object): the user confirmed; carries (capture_id, url, Resign | None).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from webhook_studio.core.schemes import SCHEME_NAMES
from webhook_studio.core.validation import url_problem
from webhook_studio.relay.replay import Resign
from webhook_studio.ui import format as fmt


class ReplayDialog(QDialog):
    replay = Signal(object)

    def __init__(self, capture_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.capture_id = capture_id
        self.setWindowTitle(f"Replay capture #{capture_id}")
        self.url = QLineEdit(placeholderText="http://localhost:3000/webhook")
        self.resign = QCheckBox("Re-sign with a fresh id and timestamp")
        self.scheme = QComboBox()
        self.scheme.addItems([n for n in SCHEME_NAMES if n != "hmac"])
        self.secret = QLineEdit()
        self.error = QLabel("")
        self.error.setStyleSheet(f"color: {fmt.INVALID};")
        form = QFormLayout(self)
        form.addRow("Send to", self.url)
        form.addRow("", self.resign)
        form.addRow("Scheme", self.scheme)
        form.addRow("Secret", self.secret)
        form.addRow("", self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Replay")
        buttons.accepted.connect(self._confirm)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _confirm(self) -> None:
        if problem := url_problem(self.url.text()):
            self.error.setText(problem)
            return
        resign = None
        if self.resign.isChecked():
            if not self.secret.text().strip():
                self.error.setText("Re-signing needs the secret to sign with.")
                return
            resign = Resign(self.scheme.currentText(), self.secret.text().strip())
        self.replay.emit((self.capture_id, self.url.text().strip(), resign))
        self.accept()
