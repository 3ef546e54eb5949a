"""Compare two captures side by side: "why did this one fail and that one pass".

The two requests are shown aligned line by line (request line, headers sorted by name, body as
sorted JSON so key order never shows as a difference), changed lines tinted; a list beside
names every difference by path. "Raw bytes" shows the bodies as they arrived instead (text,
or a hex dump when binary). The comparison itself is :mod:`webhook_studio.core.capture_diff`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontDatabase, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.capture_diff import (
    CaptureDiff,
    Change,
    Tag,
    capture_lines,
    diff_captures,
    side_by_side,
)
from webhook_studio.store import NotFound, Store
from webhook_studio.store.receiver_queries import get_capture
from webhook_studio.ui.tasks import TaskRunner

#: Line backgrounds per theme (None: the line is missing on this side). The text on them
#: is the palette's, at least 4.5:1 on each (``tests/ui/test_theme.py``); the light tints
#: under the dark theme's light text measured about 1.1:1.
TINTS: dict[str, dict[Tag | None, str]] = {
    "light": {Tag.CHANGED: "#ffecb3", Tag.REMOVED: "#ffcdd2", Tag.ADDED: "#c8e6c9",
              None: "#eeeeee"},
    "dark": {Tag.CHANGED: "#4d3d12", Tag.REMOVED: "#5a1f24", Tag.ADDED: "#1d4428",
             None: "#33363b"},
}


def tint(tag: Tag | None) -> QColor:
    from webhook_studio.ui.theme import shows_dark

    return QColor(TINTS["dark" if shows_dark() else "light"][tag])


def load_fields(store: Store, capture_id: int) -> dict[str, Any]:
    with store.session() as session:
        c = get_capture(session, capture_id)
        return {"method": c.method, "path": c.path, "query": c.query or "",
                "headers": [tuple(h) for h in c.headers or []], "body": c.body or b"",
                "response_status": c.response_status, "verify_valid": c.verify_valid,
                "verdict": (c.verification or {}).get("message") or ""}


def _show(value: Any) -> str:
    import json

    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return "" if value is None else (text if len(text) <= 200 else text[:197] + "…")


class DiffDialog(QDialog):
    """The two captures' fields are read before (:func:`open_diff` reads them on a worker
    thread); opened with ``open()``."""

    def __init__(self, left_id: int, left: dict[str, Any], right_id: int,
                 right: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.left_id, self.right_id = left_id, right_id
        self.left_fields, self.right_fields = left, right
        self.diff: CaptureDiff = diff_captures(self.left_fields, self.right_fields)
        self.setWindowTitle(f"Compare capture #{left_id} with #{right_id}")
        self.summary = QLabel(self._summary())
        self.summary.setWordWrap(True)
        self.raw = QCheckBox("Raw bytes")
        self.raw.setToolTip("Show the bodies exactly as they arrived (hex when binary)")
        self.raw.toggled.connect(lambda _on: self.show_comparison())
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.raw)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.left = QPlainTextEdit(readOnly=True)
        self.right = QPlainTextEdit(readOnly=True)
        for pane in (self.left, self.right):
            pane.setFont(mono)
            pane.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.left_title = QLabel(f"#{left_id}")
        self.right_title = QLabel(f"#{right_id}")
        panes = QSplitter(Qt.Orientation.Horizontal)
        for title, pane in ((self.left_title, self.left), (self.right_title, self.right)):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(title)
            box_layout.addWidget(pane)
            panes.addWidget(box)
        # One scroll position for both sides.
        for a, b in ((self.left, self.right), (self.right, self.left)):
            a.verticalScrollBar().valueChanged.connect(b.verticalScrollBar().setValue)
            a.horizontalScrollBar().valueChanged.connect(b.horizontalScrollBar().setValue)
        self.list = QTreeWidget()
        self.list.setHeaderLabels(["Where", "What", f"#{left_id}", f"#{right_id}"])
        self.list.setRootIsDecorated(False)
        self.list.setColumnWidth(0, 220)
        self.list.setColumnWidth(1, 70)
        self.list.setColumnWidth(2, 160)
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(panes)
        body.addWidget(self.list)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(body, 1)
        layout.addWidget(buttons)
        self.resize(1000, 640)
        self.show_comparison()

    def _summary(self) -> str:
        d = self.diff
        if d.same and not d.raw:
            return "The two requests are the same."
        parts = []
        if d.request_line:
            parts.append("; ".join(f"{x.path}: {x.left} → {x.right}" for x in d.request_line))
        if d.headers:
            parts.append(f"{len(d.headers)} header difference(s)")
        if d.body:
            parts.append(f"{len(d.body)} body path(s) differ")
        elif d.body is None:
            parts.append("the bodies differ (not both JSON: see Raw bytes)")
        elif d.raw:
            parts.append("the bodies hold the same JSON, written differently (see Raw bytes)")
        return "; ".join(parts) + "."

    def show_comparison(self) -> None:
        raw = self.raw.isChecked()
        rows = side_by_side(capture_lines(self.left_fields, raw),
                            capture_lines(self.right_fields, raw))
        self.rows = rows
        for pane, side in ((self.left, "left"), (self.right, "right")):
            texts = [getattr(r, side) for r in rows]
            pane.setPlainText("\n".join("" if t is None else t for t in texts))
            marks = []
            for number, row in enumerate(rows):
                if row.tag == Tag.SAME:
                    continue
                selection = QTextEdit.ExtraSelection()
                fmt = QTextCharFormat()
                fmt.setBackground(tint(row.tag if getattr(row, side) is not None else None))
                fmt.setProperty(QTextFormat.Property.FullWidthSelection, True)
                selection.format = fmt
                cursor = QTextCursor(pane.document().findBlockByNumber(number))
                selection.cursor = cursor
                marks.append(selection)
            pane.setExtraSelections(marks)
        self.list.clear()
        items = [("", d) for d in self.diff.request_line] + \
            [("header ", d) for d in self.diff.headers]
        if self.diff.body and not raw:
            items += [("body ", d) for d in self.diff.body]
        for prefix, d in items:
            self.list.addTopLevelItem(QTreeWidgetItem(
                [prefix + d.path, str(d.change), _show(d.left), _show(d.right)]))
        if raw and self.diff.raw:
            changed = sum(1 for r in rows if r.tag != Tag.SAME)
            self.list.addTopLevelItem(QTreeWidgetItem(
                ["body bytes", str(Change.CHANGED),
                 f"{len(self.left_fields['body'])} bytes",
                 f"{len(self.right_fields['body'])} bytes ({changed} line(s) differ)"]))

    def differing_rows(self) -> list[int]:
        return [n for n, r in enumerate(self.rows) if r.tag != Tag.SAME]


def open_diff(parent: QWidget, store: Store, runner: TaskRunner, ids: list[int],
              on_error: Callable[[str], None]) -> asyncio.Task[Any] | None:
    """Read both captures on a worker thread, then open the dialog; a sentence to
    ``on_error`` instead when there are not exactly two or one was deleted meanwhile."""
    if len(ids) != 2:
        on_error(f"Select exactly two captures to compare (now {len(ids)} selected).")
        return None
    left_id, right_id = ids

    async def read() -> tuple[dict[str, Any], dict[str, Any]] | str:
        try:
            return (await asyncio.to_thread(load_fields, store, left_id),
                    await asyncio.to_thread(load_fields, store, right_id))
        except NotFound as exc:
            return f"{exc} It was deleted meanwhile."

    def show(found: tuple[dict[str, Any], dict[str, Any]] | str) -> None:
        if isinstance(found, str):
            on_error(found)
            return
        dialog = DiffDialog(left_id, found[0], right_id, found[1], parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    return runner.run(read(), on_success=show)
