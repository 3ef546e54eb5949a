"""What an empty section shows instead of an empty list: what the section is for and the one
action that fills it. The empty Inbox goes further (first run): the URL to post to, a ready
``curl`` line that makes a valid signed capture for the chosen endpoint, "Send a test
webhook" and "Load examples".

Signals (EmptyState):
    action_requested(): the section's one action.
Signals (InboxEmptyState):
    send_test_requested(), load_examples_requested(), endpoint_chosen(int | None)
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.ui.widgets.copy_menu import copy_text


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "heading")
    label.setAlignment(Qt.AlignmentFlag.AlignLeft)
    return label


def _body(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class EmptyState(QWidget):
    action_requested = Signal()

    def __init__(self, title: str, text: str, action: str | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("empty-state")
        self.title = _heading(title)
        self.text = _body(text)
        self.button = QPushButton(action or "")
        self.button.setVisible(action is not None)
        self.button.clicked.connect(self.action_requested.emit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        layout.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        row.addWidget(self.button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(2)


SECTION_TEXTS = {
    "subscriptions": ("No subscriptions yet",
                      "A subscription is a URL that Webhook Studio sends signed events to, "
                      "with its secret, event patterns and retry policy: the sending side of a "
                      "webhook provider, aimed at your handler.",
                      "Add one"),
    "deliveries": ("No deliveries yet",
                   "Every event sent to a subscription, and every replay of a capture, is "
                   "listed here with each attempt on a retry timeline. Send an event from "
                   "the Composer to see the first one.", "Open the Composer"),
    "endpoints": ("No endpoints yet",
                  "An endpoint is a path on the local receiver with the scheme and secret to "
                  "verify what arrives there (or a provider profile that knows both). "
                  "Requests to other paths are still captured, unverified.",
                  "Add one"),
}


def section_empty_state(section: str, parent: QWidget | None = None) -> EmptyState:
    title, text, action = SECTION_TEXTS[section]
    return EmptyState(title, text, action, parent)


class InboxEmptyState(QWidget):
    send_test_requested = Signal()
    load_examples_requested = Signal()
    endpoint_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inbox-empty-state")
        self.title = _heading("Nothing captured yet")
        self.intro = _body("Point a webhook provider (or anything that speaks HTTP) at the "
                           "receiver. Each request is captured byte for byte and its "
                           "signature checked against the endpoint's secret.")
        self.endpoint = QComboBox()
        self.endpoint.setAccessibleName("Endpoint for the test request")
        # a long endpoint name must not widen the window
        self.endpoint.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.endpoint.setMinimumContentsLength(16)
        self.endpoint.currentIndexChanged.connect(
            lambda _i: self.endpoint_chosen.emit(self.endpoint.currentData()))
        # a read-only line, not a label: a long URL scrolls inside it, never widens the window
        self.url = QLineEdit()
        self.url.setReadOnly(True)
        self.url.setAccessibleName("URL to post to")
        self.copy_url = QPushButton("Copy URL")
        self.copy_url.clicked.connect(lambda: copy_text(self.url.text()))
        self.curl = QPlainTextEdit()
        self.curl.setReadOnly(True)
        self.curl.setAccessibleName("A curl command that sends a validly signed test webhook")
        self.curl.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.curl.setMaximumHeight(150)
        self.curl.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.copy_curl = QPushButton("Copy command")
        self.copy_curl.clicked.connect(lambda: copy_text(self.curl.toPlainText()))
        self.curl_note = QLabel("")
        self.curl_note.setProperty("role", "muted")
        self.curl_note.setWordWrap(True)
        self.send_test = QPushButton("Send a test webhook")
        self.send_test.setDefault(True)
        self.send_test.clicked.connect(self.send_test_requested.emit)
        self.load_examples = QPushButton("Load examples")
        self.load_examples.setToolTip("Adds example endpoints, captures from five providers "
                                      "(one with a broken signature), subscriptions and "
                                      "deliveries, to show every feature.")
        self.load_examples.clicked.connect(self.load_examples_requested.emit)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        url_row = QHBoxLayout()
        url_row.addWidget(QLabel("Post to"))
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.copy_url)
        endpoint_row = QHBoxLayout()
        endpoint_row.addWidget(QLabel("Endpoint"))
        endpoint_row.addWidget(self.endpoint, 1)
        curl_row = QHBoxLayout()
        curl_row.addWidget(_body("Or run this in a terminal:"), 1)
        curl_row.addWidget(self.copy_curl)
        buttons = QHBoxLayout()
        buttons.addWidget(self.send_test)
        buttons.addWidget(self.load_examples)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addLayout(endpoint_row)
        layout.addLayout(url_row)
        layout.addLayout(buttons)
        layout.addLayout(curl_row)
        layout.addWidget(self.curl)
        layout.addWidget(self.curl_note)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def set_endpoints(self, choices: list[tuple[str, int | None]], current: int | None) -> None:
        self.endpoint.blockSignals(True)
        self.endpoint.clear()
        for label, endpoint_id in choices:
            self.endpoint.addItem(label, endpoint_id)
        self.endpoint.setCurrentIndex(max(0, self.endpoint.findData(current)))
        self.endpoint.blockSignals(False)

    def show_request(self, url: str, curl: str, note: str) -> None:
        self.url.setText(url)
        self.curl.setPlainText(curl)
        self.curl_note.setText(note)
