"""The composer: an event from a sample payload, validated as you type, signed and sent to a
subscription or an ad-hoc URL — and the exact signed request shown before it goes out.

The view: the preview's assembly and the send are in ``ui/controllers/composer.py``."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.schemes import get_scheme
from webhook_studio.ui import format as fmt
from webhook_studio.ui.controllers.composer import ComposerController, Draft
from webhook_studio.ui.sections.inspector import mono
from webhook_studio.ui.theme import set_tone
from webhook_studio.ui.widgets.json_highlighter import JsonHighlighter
from webhook_studio.ui.widgets.scheme_field import SchemeField

SAMPLE = {"id": "usr_8f2a", "email": "ada@example.com", "name": "Ada Lovelace",
          "plan": "pro", "created_at": "2026-11-24T10:00:00Z"}


class ComposerSection(QWidget):
    def __init__(self, controller: ComposerController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.library = controller.library
        self.profile = QComboBox()
        self.profile.addItem("No profile (default envelope)", None)
        for name in self.library.names():
            self.profile.addItem(self.library.get(name).title, name)
        self.profile.currentIndexChanged.connect(self._profile_chosen)
        self.catalog = QComboBox()
        self.catalog.activated.connect(self._event_chosen)
        self.event_type = QLineEdit("user.created")
        self.target = QComboBox()
        self.url = QLineEdit(placeholderText="http://localhost:3000/webhook (ad-hoc)")
        self.signature = SchemeField()
        self.scheme, self.scheme_note = self.signature.combo, self.signature.note
        self.secret = QLineEdit(get_scheme("standard-webhooks").generate_secret())
        self.data = QPlainTextEdit(json.dumps(SAMPLE, indent=2))
        self.data.setFont(mono())
        self.highlight = JsonHighlighter(self.data.document())
        self.json_state = QLabel("")
        self.preview = QPlainTextEdit(readOnly=True)
        self.preview.setFont(mono())
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.send_button = QPushButton("Send")
        self.send_button.setShortcut("Ctrl+Return")
        self.send_button.setToolTip("Sign and send the event (Ctrl+Return)")
        self.send_button.clicked.connect(self.send)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        for combo in (self.profile, self.catalog, self.target):
            # Long titles and URLs scroll in the popup instead of widening the window.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Provider profile", self.profile)
        form.addRow("Catalog", self.catalog)
        form.addRow("Event type", self.event_type)
        form.addRow("Send to", self.target)
        form.addRow("Ad-hoc URL", self.url)
        form.addRow("Signature", self.signature)
        form.addRow("Secret", self.secret)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        heading = QLabel("Compose an event")
        heading.setProperty("role", "heading")
        left_layout.addWidget(heading)
        left_layout.addLayout(form)
        left_layout.addWidget(QLabel("Data (JSON)"))
        left_layout.addWidget(self.data, 1)
        left_layout.addWidget(self.json_state)
        bottom = QHBoxLayout()
        bottom.addWidget(self.result, 1)
        bottom.addWidget(self.send_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(QLabel("The signed request that will go out"))
        right_layout.addWidget(self.preview, 1)
        right_layout.addLayout(bottom)
        self.splitter = QSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter)
        for signal in (self.event_type.textChanged, self.url.textChanged,
                       self.secret.textChanged, self.data.textChanged):
            signal.connect(self.update_preview)
        self.scheme.currentIndexChanged.connect(self.update_preview)
        self.target.currentIndexChanged.connect(self.update_preview)
        controller.targets.connect(self._show_targets)
        self.reload_targets()

    def showEvent(self, event: QShowEvent) -> None:
        """Subscriptions may have been added or deleted (the editor, the API, the CLI)."""
        super().showEvent(event)
        self.reload_targets()

    def current_profile(self) -> Any:
        name = self.profile.currentData()
        return self.library.get(name) if name else None

    def _profile_chosen(self) -> None:
        profile = self.current_profile()
        self.catalog.clear()
        if profile is None:
            self.update_preview()
            return
        for category, events in profile.categories().items():
            for event in events:
                self.catalog.addItem(f"{category} › {event}", event)
        self.secret.setText(profile.make_scheme().generate_secret())
        self._event_chosen(0)
        self.update_preview()

    def _event_chosen(self, index: int) -> None:
        profile = self.current_profile()
        event = self.catalog.itemData(index)
        if profile is None or not event:
            return
        self.event_type.setText(event)
        self.data.setPlainText(json.dumps(profile.sample_data(event), indent=2,
                                          ensure_ascii=False))

    def reload_targets(self) -> None:
        self.controller.reload()

    def _show_targets(self, subscriptions: list[Any]) -> None:
        current = self.target.currentData()
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItem("Ad-hoc URL below", None)
        self.target.addItem("Every matching subscription", "*")
        for sub in subscriptions:
            self.target.addItem(f"Subscription {sub.url}", sub.id)
        self.target.setCurrentIndex(max(0, self.target.findData(current)))
        self.target.blockSignals(False)
        self.update_preview()

    def parsed_data(self) -> tuple[Any, str | None]:
        try:
            return json.loads(self.data.toPlainText() or "{}"), None
        except ValueError as exc:
            return None, f"Not valid JSON: {exc}"

    def update_preview(self) -> None:
        data, problem = self.parsed_data()
        target = self.target.currentData()
        adhoc = target is None
        profile = self.current_profile()
        sub = self.controller.subscription(target)
        self.url.setEnabled(adhoc)
        self.secret.setEnabled(adhoc)
        if not adhoc:
            self.signature.fix(
                fmt.scheme_label(sub.scheme, sub.scheme_options) if sub else "each its own",
                "set by the subscription" if sub else
                "each subscription signs with its own scheme and secret")
        elif profile is not None:
            self.signature.fix(fmt.scheme_label(profile.scheme, profile.scheme_options),
                               f"set by the {profile.title} profile")
        else:
            self.signature.release()
        if problem:
            self.json_state.setText(problem)
            set_tone(self.json_state, "invalid")
            self.send_button.setEnabled(False)
            return
        self.json_state.setText("✔ Valid JSON")
        set_tone(self.json_state, "valid")
        self.send_button.setEnabled(self.controller.dispatcher is not None)
        self.preview.setPlainText(preview_text(self.controller.preview(self.draft(data))))

    def draft(self, data: Any) -> Draft:
        return Draft(self.event_type.text().strip(), data, self.target.currentData(),
                     self.url.text(), self.current_profile(), self.scheme.currentText(),
                     self.secret.text())

    def set_defaults(self, retry: str, timeout: float) -> None:
        self.controller.default_retry, self.controller.default_timeout = retry, timeout

    def send(self) -> None:
        data, problem = self.parsed_data()
        event_type = self.event_type.text().strip()
        if problem or not event_type:
            self.result.setText(problem or "Give an event type.")
            return
        self.result.setText("Sending…")
        self.controller.send(self.draft(data), lambda _ids, said: self.result.setText(said))


def preview_text(preview: Any) -> str:
    """The request as a person reads it: the request line, headers, then the body (JSON
    pretty-printed; a form-encoded body as it is)."""
    lines = [f"POST {preview.destination}"]
    lines += [f"{k}: {v}" for k, v in preview.headers] + preview.notes
    try:
        shown = json.dumps(json.loads(preview.body), indent=2, ensure_ascii=False)
    except ValueError:  # a form-encoded profile (Twilio)
        shown = preview.body.decode("utf-8", "replace")
    return "\n".join(lines) + "\n\n" + shown
