"""The inspector: one capture in full — request line, verdict with its sentence, body as pretty
JSON / raw / hex, headers, form fields, the response we sent, forwards — and its actions.

Signals:
    replay_requested(int): the user asked to replay this capture.
    open_capture(int): the user followed the duplicate link.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import get_capture
from webhook_studio.ui import format as fmt
from webhook_studio.ui.widgets.elided_label import ElidedLabel
from webhook_studio.ui.widgets.json_highlighter import JsonHighlighter


def mono() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def table(headers: list[str]) -> QTableWidget:
    widget = QTableWidget(0, len(headers))
    widget.setHorizontalHeaderLabels(headers)
    widget.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    widget.horizontalHeader().setStretchLastSection(True)
    widget.verticalHeader().setVisible(False)
    widget.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    widget.setAlternatingRowColors(True)
    return widget


def fill(widget: QTableWidget, rows: list[list[str]]) -> None:
    widget.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            widget.setItem(r, c, QTableWidgetItem(value))


class Inspector(QWidget):
    replay_requested = Signal(int)
    open_capture = Signal(int)

    def __init__(self, store: Store, base_url: str = "http://127.0.0.1:8000",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.base_url = base_url
        self.capture_id: int | None = None
        self._curl = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.request_line = ElidedLabel("Select a capture")  # a long path must not widen it
        self.request_line.setProperty("role", "heading")
        self.meta = QLabel("")
        self.meta.setWordWrap(True)  # a long "from … · answered …" line must not widen it
        self.meta.setProperty("role", "muted")
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict.setObjectName("verdict")
        self.duplicate = QLabel("")
        self.duplicate.linkActivated.connect(lambda link: self.open_capture.emit(int(link)))
        actions = QHBoxLayout()
        self.copy_curl = QPushButton("Copy as cURL")
        self.copy_curl.setToolTip("Exact bytes, safely quoted (Ctrl+Shift+C)")
        self.copy_curl.setShortcut("Ctrl+Shift+C")
        self.copy_curl.clicked.connect(self._copy_curl)
        self.replay = QPushButton("Replay…")
        self.replay.setShortcut("Ctrl+R")
        self.replay.setToolTip("Send this capture again, as it was or re-signed (Ctrl+R)")
        self.replay.clicked.connect(lambda: self.capture_id and self.replay_requested.emit(
            self.capture_id))
        self.export = QPushButton("Export…")
        self.export.setToolTip("Save this capture as HAR, JSON Lines, a cURL script or the raw "
                               "body (by the file's extension)")
        self.export.clicked.connect(self._ask_export)
        self.export_note = QLabel("")
        actions.addWidget(self.copy_curl)
        actions.addWidget(self.replay)
        actions.addWidget(self.export)
        actions.addWidget(self.export_note)
        actions.addStretch(1)
        self.tabs = QTabWidget()
        self.body = QPlainTextEdit(readOnly=True)
        self.body.setFont(mono())
        self.highlighter = JsonHighlighter(self.body.document())
        self.raw = QPlainTextEdit(readOnly=True)
        self.raw.setFont(mono())
        self.hex = QPlainTextEdit(readOnly=True)
        self.hex.setFont(mono())
        self.headers = table(["Header", "Value"])
        self.form = table(["Field", "Value"])
        self.response = QPlainTextEdit(readOnly=True)
        self.response.setFont(mono())
        self.forwards = QPlainTextEdit(readOnly=True)
        for widget, title in ((self.body, "Body"), (self.raw, "Raw"), (self.hex, "Hex"),
                              (self.headers, "Headers"), (self.form, "Form"),
                              (self.response, "Response"), (self.forwards, "Forwards")):
            self.tabs.addTab(widget, title)
        for label in (self.request_line, self.meta, self.verdict, self.duplicate):
            layout.addWidget(label)
        layout.addLayout(actions)
        layout.addWidget(self.tabs, 1)
        self.set_enabled(False)

    def set_enabled(self, enabled: bool) -> None:
        self.copy_curl.setEnabled(enabled)
        self.replay.setEnabled(enabled)
        self.export.setEnabled(enabled)

    def show_capture(self, capture_id: int) -> None:
        with self.store.session() as session:
            capture = get_capture(session, capture_id)
            self._render(capture)

    def _render(self, c: Capture) -> None:
        from webhook_studio.relay.export import to_curl

        self.capture_id = c.id
        self.set_enabled(True)
        self.export_note.clear()
        query = f"?{c.query}" if c.query else ""
        self.request_line.setText(f"{c.method} {c.path}{query}")
        self.meta.setText(f"#{c.id} · {fmt.local_datetime(c.received_at)} · from "
                          f"{c.remote_addr or '?'} · {fmt.size(c.body_size)} · answered "
                          f"{c.response_status} in {(c.duration_ms or 0):.1f} ms")
        v = c.verification or {}
        if c.state != "captured":
            text, colour = f"{c.state.capitalize()}: {c.error}", fmt.WARN
        elif not v:
            text, colour = "Not verified: no scheme is set for this endpoint.", fmt.NEUTRAL
        else:
            mark = "✔" if v.get("valid") else "✘"
            text = f"{mark} {v.get('scheme')}: {v.get('message')}"
            colour = fmt.VALID if v.get("valid") else fmt.INVALID
        self.verdict.setText(text)
        self.verdict.setStyleSheet(f"QLabel#verdict {{ border-left: 4px solid {colour}; "
                                   "padding: 6px 10px; }")
        self.duplicate.setText(
            f'Duplicate of <a href="{c.duplicate_of}">capture #{c.duplicate_of}</a> '
            "(same delivery id)" if c.duplicate_of else "")
        body = c.body or b""
        pretty, _ = fmt.pretty_body(body)
        self.body.setPlainText(pretty)
        self.raw.setPlainText(body.decode("utf-8", "replace"))
        self.hex.setPlainText(fmt.hex_dump(body))
        fill(self.headers, [list(h) for h in c.headers or []])
        form_rows: list[list[str]] = []
        if (c.content_type or "").startswith("application/x-www-form-urlencoded"):
            form_rows = [[k, v] for k, v in parse_qsl(body.decode("utf-8", "replace"),
                                                       keep_blank_values=True)]
        fill(self.form, form_rows)
        self.tabs.setTabEnabled(4, bool(form_rows))
        response_lines = [f"HTTP {c.response_status}"] + [
            f"{k}: {val}" for k, val in c.response_headers or []]
        self.response.setPlainText("\n".join(response_lines) + "\n\n" +
                                   (c.response_body or b"").decode("utf-8", "replace"))
        self.forwards.setPlainText("\n".join(
            f"{f.get('url')}: {f.get('status') or f.get('error')} "
            f"({f.get('duration_ms')} ms)" for f in c.forwards or []) or "Not forwarded.")
        self._curl = to_curl(c, self.base_url)

    def _ask_export(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        if self.capture_id is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export capture", f"capture-{self.capture_id}.har",
            "HAR (*.har);;JSON Lines (*.jsonl);;cURL script (*.sh);;Raw body (*.bin)")
        if path:
            self.export_capture(path)

    def export_capture(self, path: str) -> bool:
        """Write the shown capture to ``path`` in the format its extension names (.har,
        .jsonl, .sh/.curl, anything else: the raw body bytes). Says what happened next to the
        button; a failure is a sentence there, never a traceback."""
        import json
        from pathlib import Path

        from webhook_studio.relay.export import to_curl, to_har, to_jsonl

        if self.capture_id is None:
            return False
        target = Path(path)
        with self.store.session() as session:
            capture = get_capture(session, self.capture_id)
            suffix = target.suffix.lower()
            if suffix == ".har":
                data = json.dumps(to_har([capture], self.base_url), indent=2).encode("utf-8")
            elif suffix == ".jsonl":
                data = to_jsonl([capture]).encode("utf-8")
            elif suffix in (".sh", ".curl"):
                data = ("#!/bin/sh\n" + to_curl(capture, self.base_url) + "\n").encode("utf-8")
            else:
                data = capture.body or b""
        try:
            target.write_bytes(data)
        except OSError as exc:
            self.export_note.setText(f"Could not write {target.name}: {exc.strerror or exc}. "
                                     "Pick another folder.")
            return False
        self.export_note.setText(f"Saved {target.name} ({fmt.size(len(data))})")
        return True

    def _copy_curl(self) -> None:
        QGuiApplication.clipboard().setText(self._curl)
