"""The replay dialog: where to send a capture, as it was or re-signed. Opened with ``open()``
(never ``exec()`` inside async code, qasync issue #59); the result goes through the runner.

The target is a combo of the last targets (kept in the settings); re-signing defaults to the
capture's endpoint profile and secret (see ``widgets/signing.py``), and a profile renews every
per-delivery header it names (``X-GitHub-Delivery``…), so a replay is not a duplicate.

Signals:
    replay(ReplayRequest): the user confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from webhook_studio.core.profiles import Profile
from webhook_studio.core.validation import url_problem
from webhook_studio.ui.theme import set_tone
from webhook_studio.ui.widgets.signing import Signing, SigningPicker
from webhook_studio.ui.widgets.targets import remember_target, target_combo


@dataclass(frozen=True)
class ReplayRequest:
    capture_id: int
    url: str
    #: How to re-sign (``relay.replay.Resign``), or None to send it as it was.
    resign: Any = None


class ReplayDialog(QDialog):
    replay = Signal(object)

    def __init__(self, capture_id: int, signing: Signing, settings: QSettings,
                 profiles: Mapping[str, Profile], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.capture_id = capture_id
        self.settings = settings
        self.setWindowTitle(f"Replay capture #{capture_id}")
        self.url = target_combo(settings, self)
        self.resign = QCheckBox("Re-sign with a fresh id, timestamp and delivery headers")
        self.signing = SigningPicker(profiles)
        self.signing.set_signing(signing)
        self.signing.setEnabled(False)
        self.resign.toggled.connect(self.signing.setEnabled)
        self.error = QLabel("")
        set_tone(self.error, "invalid")
        self.error.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Send to", self.url)
        form.addRow("", self.resign)
        form.addRow("Sign as", self.signing)
        form.addRow("", self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Replay")
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.resize(640, self.sizeHint().height())

    def _confirm(self) -> None:
        url = self.url.currentText().strip()
        if problem := url_problem(url):
            self.error.setText(problem)
            return
        resign = None
        if self.resign.isChecked():
            resign, problem = self.signing.resign()
            if problem:
                self.error.setText(problem)
                return
        remember_target(self.settings, url)
        self.replay.emit(ReplayRequest(self.capture_id, url, resign))
        self.accept()
