"""The inspector: one capture in full — request line, verdict with its sentence, body as pretty
JSON / raw / hex, headers, form fields, the response we sent, forwards — and its actions.

The view: the capture is read on a worker thread by ``ui/controllers/inspector.py``; bodies
over 256 KiB are shown cut with a "Show all" button, and the cURL text is built only when it
is copied.

Signals:
    replay_requested(int): the user asked to replay this capture.
    edit_requested(int): the user asked to edit and resend this capture.
    open_capture(int): the user followed a link (duplicate of, edited from, edited copy).
    shown(int): a capture was rendered (after the worker read it).
"""

from __future__ import annotations

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

from webhook_studio.core.vocabulary import CaptureState
from webhook_studio.ui import format as fmt
from webhook_studio.ui.controllers.inspector import InspectorController
from webhook_studio.ui.models.capture_view import BIG, CaptureView
from webhook_studio.ui.sections.forwards_panel import ForwardsPanel
from webhook_studio.ui.theme import set_tone
from webhook_studio.ui.widgets.elided_label import ElidedLabel
from webhook_studio.ui.widgets.flow_layout import FlowLayout
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
    edit_requested = Signal(int)
    open_capture = Signal(int)
    shown = Signal(int)

    def __init__(self, controller: InspectorController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        controller.shown.connect(self._rendered)
        self.capture_id: int | None = None
        self.view: CaptureView | None = None
        self._wanted: int | None = None  # the latest capture asked for (older reads are dropped)
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
        self.verdict.setStyleSheet("QLabel#verdict { padding: 6px 10px; }")
        self.duplicate = QLabel("")
        self.duplicate.linkActivated.connect(self._follow)
        self.lineage = QLabel("")
        self.lineage.setObjectName("lineage")
        self.lineage.linkActivated.connect(self._follow)
        actions = FlowLayout()
        self.copy_curl = QPushButton("Copy as cURL")
        self.copy_curl.setToolTip("Exact bytes, safely quoted (Ctrl+Shift+C)")
        self.copy_curl.setShortcut("Ctrl+Shift+C")
        self.copy_curl.clicked.connect(self._copy_curl)
        self.replay = QPushButton("Replay…")
        self.replay.setShortcut("Ctrl+R")
        self.replay.setToolTip("Send this capture again, as it was or re-signed (Ctrl+R)")
        self.replay.clicked.connect(self._ask_replay)
        self.edit = QPushButton("Edit and resend…")
        self.edit.setShortcut("Ctrl+E")
        self.edit.setToolTip("Change the method, URL, headers or body and send it; the "
                             "original is kept (Ctrl+E)")
        self.edit.clicked.connect(self._ask_edit)
        self.export = QPushButton("Export…")
        self.export.setToolTip("Save this capture as HAR, JSON Lines, a cURL script or the raw "
                               "body (by the file's extension)")
        self.export.clicked.connect(self._ask_export)
        self.export_note = QLabel("")
        for item in (self.copy_curl, self.replay, self.edit, self.export):
            actions.addWidget(item)
        self.export_note.setWordWrap(True)
        self.export_note.hide()
        self.cut_note = QLabel("")
        self.cut_note.setProperty("role", "muted")
        self.show_all = QPushButton("Show all")
        self.show_all.setToolTip("Load the whole body into the views (may take a moment)")
        self.show_all.clicked.connect(self._show_all)
        cut_row = QHBoxLayout()
        cut_row.addWidget(self.cut_note, 1)
        cut_row.addWidget(self.show_all)
        self.cut_bar = QWidget()
        self.cut_bar.setLayout(cut_row)
        cut_row.setContentsMargins(0, 0, 0, 0)
        self.cut_bar.hide()
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
        self.forwards_page = ForwardsPanel(controller)
        self.forwards_page.retried.connect(self._refresh)
        self.forwards = self.forwards_page.history
        for widget, title in ((self.body, "Body"), (self.raw, "Raw"), (self.hex, "Hex"),
                              (self.headers, "Headers"), (self.form, "Form"),
                              (self.response, "Response"), (self.forwards_page, "Forwards")):
            self.tabs.addTab(widget, title)
        self._filled: set[int] = set()
        self.tabs.currentChanged.connect(self._fill_tab)
        for label in (self.request_line, self.meta, self.verdict, self.duplicate, self.lineage):
            layout.addWidget(label)
        layout.addLayout(actions)
        layout.addWidget(self.export_note)
        layout.addWidget(self.cut_bar)
        layout.addWidget(self.tabs, 1)
        self.set_enabled(False)
        for label in (self.meta, self.verdict, self.duplicate, self.lineage):
            label.hide()  # nothing selected: no empty rows above the buttons

    def set_enabled(self, enabled: bool) -> None:
        for button in (self.copy_curl, self.replay, self.edit, self.export):
            button.setEnabled(enabled)

    def clear(self) -> None:
        """Nothing shown (the capture was deleted)."""
        self.capture_id = self._wanted = None
        self.controller.forget()
        self.view = None
        self.set_enabled(False)
        self.request_line.setText("Select a capture")
        for label in (self.meta, self.verdict, self.duplicate, self.lineage, self.export_note):
            label.clear()
            label.hide()
        set_tone(self.verdict, None, "edge")
        texts: tuple[QPlainTextEdit, ...] = (self.body, self.raw, self.hex, self.response,
                                             self.forwards)
        for text in texts:
            text.clear()
        fill(self.headers, [])
        fill(self.form, [])
        self.forwards_page.clear()
        self.cut_bar.hide()

    def show_capture(self, capture_id: int, full: bool = False) -> None:
        """Read the capture on a worker thread when the loop runs (inline otherwise) and render
        it when done, unless another capture was asked for meanwhile."""
        self._wanted = capture_id
        self.controller.show(capture_id, full)

    def _rendered(self, view: CaptureView) -> None:
        if view.id == self._wanted:
            self._render(view)

    def _render(self, c: CaptureView) -> None:
        self.capture_id = c.id
        self.view = c
        self.set_enabled(True)
        self._note("")
        query = f"?{c.query}" if c.query else ""
        self.request_line.setText(f"{c.method} {c.path}{query}")
        origin = {"edited": " · edited copy", "imported": " · imported",
                  "delivery": " · a delivery's request"}.get(c.source, "")
        parts = [f"#{c.id}", fmt.local_datetime(c.received_at)]
        if c.remote_addr:
            parts.append(f"from {c.remote_addr}")
        parts.append(fmt.size(c.body_size))
        if c.response_status is not None:
            parts.append(f"answered {c.response_status} in {(c.duration_ms or 0):.1f} ms")
        self.meta.setText(" · ".join(parts) + origin)
        v = c.verification
        if c.state != CaptureState.CAPTURED:
            text, tone = f"{c.state.capitalize()}: {c.error}", "warn"
        elif c.source in ("edited", "delivery") and not v:
            text, tone = "Not verified: made in the app, not received.", "neutral"
        elif not v:
            text, tone = "Not verified: no scheme is set for this endpoint.", "neutral"
        else:
            mark = "✔" if v.get("valid") else "✘"
            text = f"{mark} {v.get('scheme')}: {v.get('message')}"
            tone = "valid" if v.get("valid") else "invalid"
        self.verdict.setText(text)
        self.meta.show()
        self.verdict.show()
        set_tone(self.verdict, tone, "edge")
        self.duplicate.setText(
            f'Duplicate of <a href="{c.duplicate_of}">capture #{c.duplicate_of}</a> '
            "(same delivery id)" if c.duplicate_of else "")
        self.duplicate.setVisible(bool(c.duplicate_of))
        parts = []
        if c.edited_from:
            parts.append(f'Edited from <a href="{c.edited_from}">#{c.edited_from}</a>')
        if c.edited_copies:
            links = ", ".join(f'<a href="{i}">#{i}</a>' for i in c.edited_copies)
            parts.append(f"Edited copies: {links}")
        self.lineage.setText(" · ".join(parts))
        self.lineage.setVisible(bool(parts))
        self.highlighter.setDocument(self.body.document() if len(c.pretty) <= 2 * BIG
                                     else None)  # colouring 10 MiB would take seconds
        self.body.setPlainText(c.pretty)
        self.forwards_page.showing(c.id, c.forwards)
        self._filled = set()  # Raw, Hex and Forwards are filled when their tab is shown
        self.raw.clear()
        self.hex.clear()
        self._fill_tab(self.tabs.currentIndex())
        self.cut_bar.setVisible(c.body_size > BIG)
        self.show_all.setVisible(c.truncated)
        if c.truncated:
            self.cut_note.setText(f"Showing the first {fmt.size(BIG)} of "
                                  f"{fmt.size(c.body_size)}.")
        elif c.body_size > BIG:
            self.cut_note.setText(f"Body: all {fmt.size(c.body_size)}. Raw and Hex show the "
                                  f"first {fmt.size(BIG)}; Export… saves every byte.")
        fill(self.headers, c.headers)
        fill(self.form, c.form)
        self.tabs.setTabEnabled(4, bool(c.form))
        self.response.setPlainText(c.response)
        self.shown.emit(c.id)

    def _fill_tab(self, index: int) -> None:
        """Raw and Hex text only when looked at: a 256 KiB single line costs a layout."""
        if self.view is None or index in self._filled:
            return
        widget = self.tabs.widget(index)
        if widget is self.raw:
            self.raw.setPlainText(self.view.raw)
        elif widget is self.hex:
            self.hex.setPlainText(self.view.hex)
        elif widget is self.forwards_page:
            self.forwards_page.read()
        self._filled.add(index)

    def _follow(self, link: str) -> None:
        self.open_capture.emit(int(link))

    def _refresh(self, capture_id: int) -> None:
        if capture_id == self.capture_id:
            self.show_capture(capture_id)

    def _show_all(self) -> None:
        if self.capture_id is not None:
            self.show_capture(self.capture_id, full=True)

    def _ask_replay(self) -> None:
        if self.capture_id is not None:
            self.replay_requested.emit(self.capture_id)

    def _ask_edit(self) -> None:
        if self.capture_id is not None:
            self.edit_requested.emit(self.capture_id)

    def _ask_export(self) -> None:
        from webhook_studio.ui import dialogs

        if self.capture_id is None:
            return
        dialogs.save_file(
            self, "Export capture", f"capture-{self.capture_id}.har",
            "HAR (*.har);;JSON Lines (*.jsonl);;cURL script (*.sh);;Raw body (*.bin)",
            self.export_capture)

    def export_capture(self, path: str) -> None:
        """Write the shown capture to ``path`` in the format its extension names; says what
        happened next to the button (a failure is a sentence there, never a traceback)."""
        if self.capture_id is not None:
            self.controller.export(self.capture_id, path, lambda said, _ok: self._note(said))

    def _note(self, text: str) -> None:
        self.export_note.setText(text)
        self.export_note.setVisible(bool(text))

    def _copy_curl(self) -> None:
        """The cURL command for the shown capture, built now (never on selection)."""
        if self.capture_id is None:
            return

        def copy(text: str) -> None:
            QGuiApplication.clipboard().setText(text)
            self._note("Copied the cURL command")

        self.controller.curl(self.capture_id, copy)

    @property
    def base_url(self) -> str:
        return self.controller.base_url

    @base_url.setter
    def base_url(self, url: str) -> None:
        self.controller.base_url = url
