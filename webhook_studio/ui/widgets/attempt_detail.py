"""One delivery attempt under the attempts table: the handler's answer (status, headers, body,
pretty JSON when it is JSON) and the request as it was sent, on two tabs.

What the person debugging a handler wants next to the event is its answer, so Response is the
first tab. The texts are prepared off the GUI thread (:func:`exchange_view`); this widget only
sets them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSplitter, QTabWidget, QVBoxLayout, QWidget

from webhook_studio.store.attempt_exchange import AttemptExchange
from webhook_studio.ui import format as fmt
from webhook_studio.ui.sections.inspector import fill, mono, table
from webhook_studio.ui.widgets.json_highlighter import JsonHighlighter

#: Bytes of a binary body shown as hex (a request body may be megabytes).
HEX_LIMIT = 4096
#: Longer texts are not coloured: colouring megabytes of JSON would take seconds.
COLOUR_LIMIT = 512 * 1024


def body_text(body: bytes) -> str:
    """Indented JSON when it parses, the text when it is UTF-8, else a hex dump."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return (f"({fmt.size(len(body))} of binary data, as hex)\n"
                + fmt.hex_dump(body, HEX_LIMIT))
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


@dataclass(frozen=True)
class ExchangeView:
    """What the tabs show of one attempt, made on a worker thread."""

    delivery_id: str
    number: int
    status_line: str
    response_headers: list[list[str]]
    response_body: str
    request_line: str
    request_headers: list[list[str]]
    request_body: str


def exchange_view(ex: AttemptExchange) -> ExchangeView:
    duration = f" · {ex.duration_ms:.0f} ms" if ex.duration_ms is not None else ""
    if ex.status is None:
        error = ": ".join(p for p in (ex.error_class, ex.error_message) if p) or ex.outcome
        status = f"Attempt {ex.number}: no answer{duration} · {error}"
    else:
        status = f"Attempt {ex.number}: HTTP {ex.status}{duration}"
        if ex.error_message and ex.error_message != f"HTTP {ex.status}":
            status += f" · {ex.error_message}"
    body = body_text(ex.response_body) if ex.response_body else ""
    if ex.truncated:
        body = (f"(The handler sent {fmt.size(ex.response_size or 0)}; the first "
                f"{fmt.size(len(ex.response_body))} are kept.)\n{body}")
    elif ex.status is not None and not ex.response_body:
        body = "(empty body)"
    return ExchangeView(
        ex.delivery_id, ex.number, status, [[n, v] for n, v in ex.response_headers], body,
        f"{ex.method} {ex.url} · {fmt.size(len(ex.request_body))}",
        [[n, v] for n, v in ex.request_headers], body_text(ex.request_body))


class AttemptDetail(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown: ExchangeView | None = None
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Attempt's response and request")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.response_headers = table(["Header", "Value"])
        self.response_headers.setAccessibleName("Response headers")
        self.response_body = QPlainTextEdit(readOnly=True)
        self.response_body.setAccessibleName("Response body")
        self.request_line = QLabel("")
        self.request_line.setWordWrap(True)
        self.request_line.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        self.request_headers = table(["Header", "Value"])
        self.request_headers.setAccessibleName("Request headers")
        self.request_body = QPlainTextEdit(readOnly=True)
        self.request_body.setAccessibleName("Request body")
        self._highlighters: dict[QPlainTextEdit, JsonHighlighter] = {}
        for label, headers, body, title in (
                (self.status, self.response_headers, self.response_body, "Response"),
                (self.request_line, self.request_headers, self.request_body, "Request")):
            body.setFont(mono())
            self._highlighters[body] = JsonHighlighter(body.document())
            split = QSplitter(Qt.Orientation.Vertical)
            split.addWidget(headers)
            split.addWidget(body)
            split.setChildrenCollapsible(False)
            split.setSizes([90, 160])
            page = QWidget()
            page_layout = QVBoxLayout(page)
            page_layout.setContentsMargins(4, 4, 4, 4)
            page_layout.addWidget(label)
            page_layout.addWidget(split, 1)
            self.tabs.addTab(page, title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.clear()

    def clear(self) -> None:
        self.shown = None
        self.status.setText("Select an attempt to see the handler's answer.")
        self.request_line.setText("Select an attempt to see its request as sent.")
        for headers in (self.response_headers, self.request_headers):
            fill(headers, [])
        self.response_body.clear()
        self.request_body.clear()

    def set_view(self, view: ExchangeView) -> None:
        self.shown = view
        self.status.setText(view.status_line)
        fill(self.response_headers, view.response_headers)
        self.request_line.setText(view.request_line)
        fill(self.request_headers, view.request_headers)
        for body, text in ((self.response_body, view.response_body),
                           (self.request_body, view.request_body)):
            self._highlighters[body].setDocument(body.document() if len(text) <= COLOUR_LIMIT
                                                 else None)
            body.setPlainText(text)
