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


class ReplayForm(QDialog):
    """Where to send, and how to re-sign: the fields the one-capture and the bulk replay
    share (a target combo of the last targets; "Re-sign" with a profile or scheme and its
    secret). Subclasses add their rows with ``add_row`` and say what OK does in ``confirm``."""

    def __init__(self, title: str, signing: Signing, settings: QSettings,
                 profiles: Mapping[str, Profile], ok_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(title)
        self.url = target_combo(settings, self)
        self.resign = QCheckBox("Re-sign with a fresh id, timestamp and delivery headers")
        self.signing = SigningPicker(profiles)
        self.signing.set_signing(signing)
        self.signing.setEnabled(False)
        self.resign.toggled.connect(self.signing.setEnabled)
        self.error = QLabel("")
        set_tone(self.error, "invalid")
        self.error.setWordWrap(True)
        self.form = QFormLayout(self)
        self.form.addRow("Send to", self.url)
        self._extra_at = self.form.rowCount()  # rows a subclass adds go after the target
        self.form.addRow("", self.resign)
        self.form.addRow("Sign as", self.signing)
        self.form.addRow("", self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        self.form.addRow(self.buttons)

    def add_row(self, label: str, field: QWidget) -> None:
        self.form.insertRow(self._extra_at, label, field)
        self._extra_at += 1

    def target(self) -> tuple[str, Any] | None:
        """``(url, resign or None)``, or None with the problem shown under the fields."""
        url = self.url.currentText().strip()
        if problem := url_problem(url):
            self.error.setText(problem)
            return None
        resign = None
        if self.resign.isChecked():
            resign, problem = self.signing.resign()
            if problem:
                self.error.setText(problem)
                return None
        return url, resign

    def _confirm(self) -> None:
        if self.confirm():
            self.accept()

    def confirm(self) -> bool:
        raise NotImplementedError


class ReplayDialog(ReplayForm):
    replay = Signal(object)

    def __init__(self, capture_id: int, signing: Signing, settings: QSettings,
                 profiles: Mapping[str, Profile], parent: QWidget | None = None) -> None:
        super().__init__(f"Replay capture #{capture_id}", signing, settings, profiles,
                         "Replay", parent)
        self.capture_id = capture_id
        self.resize(640, self.sizeHint().height())

    def confirm(self) -> bool:
        chosen = self.target()
        if chosen is None:
            return False
        url, resign = chosen
        remember_target(self.settings, url)
        self.replay.emit(ReplayRequest(self.capture_id, url, resign))
        return True
