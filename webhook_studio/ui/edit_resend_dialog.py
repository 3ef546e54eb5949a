"""Edit and resend: a captured request (or a delivery attempt's) in an editor — method, URL,
headers, body — optionally re-signed under a profile or scheme, then sent. The engine saves the
edited request as a new capture linked to the original ("edited from #12"); the original is
never changed. Opened with ``open()``, never ``exec()`` (qasync issue #59).

Signals:
    send(object): the user confirmed; carries a :class:`ResendRequest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QWidget,
)

from webhook_studio.core.profiles import Profile
from webhook_studio.core.validation import header_problem, method_problem, url_problem
from webhook_studio.relay.headers import forwardable
from webhook_studio.relay.replay import Edit, Resign
from webhook_studio.relay.resend_attempt import RequestDraft
from webhook_studio.ui import format as fmt
from webhook_studio.ui.sections.inspector import mono
from webhook_studio.ui.theme import set_tone
from webhook_studio.ui.widgets.signing import Signing, SigningPicker
from webhook_studio.ui.widgets.targets import remember_target, target_combo

#: Bodies up to this size open in the editor; larger ones are sent as they were.
EDITABLE = 1024 * 1024


@dataclass(frozen=True)
class ResendRequest:
    draft: RequestDraft
    url: str
    edit: Edit
    resign: Resign | None


def parse_header_lines(text: str) -> tuple[list[tuple[str, str]], str | None]:
    """``Name: value`` lines, order and duplicates kept; the first bad line is named."""
    headers: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, found, value = line.partition(":")
        if not found:
            return [], f"Header line {number} is not 'Name: value'."
        if problem := header_problem(name.strip(), value.strip()):  # the API's rule
            return [], f"Header line {number}: {problem}"
        headers.append((name.strip(), value.strip()))
    return headers, None


class EditResendDialog(QDialog):
    send = Signal(object)

    def __init__(self, draft: RequestDraft, settings: QSettings,
                 profiles: Mapping[str, Profile], signing: Signing,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.draft = draft
        self.settings = settings
        self.setWindowTitle(f"Edit and resend {draft.origin}")
        self.method = QComboBox()
        self.method.setEditable(True)
        self.method.addItems(["POST", "PUT", "PATCH", "GET", "DELETE"])
        self.method.setCurrentText(draft.method)
        self.url = target_combo(settings, self)
        if draft.url:
            self.url.setCurrentText(draft.url)
        # Host, Content-Length and other hop-by-hop headers are set when sending: not shown.
        self.headers = QPlainTextEdit("\n".join(f"{k}: {v}"
                                                for k, v in forwardable(draft.headers)))
        self.headers.setFont(mono())
        self.headers.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.headers.setToolTip("One 'Name: value' per line; order and duplicates are kept. "
                                "Host and Content-Length are set when sending.")
        self.body = QPlainTextEdit()
        self.body.setFont(mono())
        self.binary = True  # binary or huge: kept as it was, not edited here
        if len(draft.body) > EDITABLE:
            self.body.setPlainText(f"(a body of {fmt.size(len(draft.body))}: too large to edit "
                                   "here, sent as it was)")
        else:
            try:
                self.body.setPlainText(draft.body.decode("utf-8"))
                self.binary = False
            except UnicodeDecodeError:
                self.body.setPlainText(f"(binary body, {fmt.size(len(draft.body))}: sent as "
                                       "it was)")
        self.body.setReadOnly(self.binary)
        self.resign = QCheckBox("Re-sign with a fresh id, timestamp and delivery headers")
        self.signing = SigningPicker(profiles)
        self.signing.set_signing(signing)
        self.signing.setEnabled(False)
        self.resign.toggled.connect(self.signing.setEnabled)
        self.error = QLabel("")
        self.error.setObjectName("edit_error")
        set_tone(self.error, "invalid")
        self.error.setWordWrap(True)
        note = QLabel("The edited request is saved as a new capture linked to "
                      f"{draft.origin}; the original is kept as it was.")
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Method", self.method)
        form.addRow("Send to", self.url)
        form.addRow("Headers", self.headers)
        form.addRow("Body", self.body)
        form.addRow("", self.resign)
        form.addRow("Sign as", self.signing)
        form.addRow("", note)
        form.addRow("", self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.send_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.send_button.setText("Send")
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.resize(760, 620)

    def request(self) -> tuple[ResendRequest | None, str | None]:
        """What the form says, or the first problem in it as a sentence."""
        method = self.method.currentText().strip().upper()
        if problem := method_problem(method):
            return None, problem
        url = self.url.currentText().strip()
        if problem := url_problem(url):
            return None, problem
        headers, problem = parse_header_lines(self.headers.toPlainText())
        if problem:
            return None, problem
        resign = None
        if self.resign.isChecked():
            resign, problem = self.signing.resign()
            if problem:
                return None, problem
        body = None if self.binary else self.body.toPlainText().encode("utf-8")
        return ResendRequest(self.draft, url, Edit(method, headers, body), resign), None

    def _confirm(self) -> None:
        request, problem = self.request()
        if request is None:
            self.error.setText(problem or "")
            return
        remember_target(self.settings, request.url)
        self.send.emit(request)
        self.accept()
