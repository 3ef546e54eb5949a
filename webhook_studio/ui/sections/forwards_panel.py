"""The inspector's Forwards tab: each forward target with its latest outcome, "Retry forward"
for the selected one (a failed target is selected first), and every forward in order.

While the tab is shown it reads the forwards again every few seconds (two columns, on a
worker thread), so the relay's automatic retries appear as they happen. A retry by hand runs
as a task on the window's loop (its store work in worker threads); the panel
says the target's answer in a sentence and asks the inspector to show the capture again, so
the table and the history have the new forward in them.

Signals:
    retried(int): a forward of that capture was retried by hand (shown or failed).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.ui import format as fmt
from webhook_studio.ui.controllers.inspector import InspectorController
from webhook_studio.ui.models.forward_rows import ForwardRows
from webhook_studio.ui.theme import set_tone

#: How often the shown tab reads the forwards again, for the relay's automatic retries.
REREAD_MS = 2000


class ForwardsPanel(QWidget):
    retried = Signal(int)

    def __init__(self, controller: InspectorController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.capture_id: int | None = None
        self.rows: ForwardRows | None = None
        self._retrying = False
        self.targets = QTableWidget(0, 3)
        self.targets.setHorizontalHeaderLabels(["Target", "Latest", "Tries"])
        self.targets.verticalHeader().setVisible(False)
        self.targets.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.targets.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.targets.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.targets.setAccessibleName("Forward targets")
        header = self.targets.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.targets.setMaximumHeight(120)
        self.targets.itemSelectionChanged.connect(self._update_button)
        self.retry = QPushButton("Retry forward")
        self.retry.setToolTip("Forward this capture to the selected target again, now")
        self.retry.setEnabled(False)
        self.retry.clicked.connect(self._retry)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history = QPlainTextEdit(readOnly=True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.retry)
        row.addWidget(self.note, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 0)
        column.addWidget(self.targets)
        column.addLayout(row)
        column.addWidget(self.history, 1)
        self._reread = QTimer(self)
        self._reread.setInterval(REREAD_MS)
        self._reread.timeout.connect(self._tick)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._reread.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._reread.stop()

    def _tick(self) -> None:
        if not self._retrying and not self.controller.queries.busy():
            self.read()

    def clear(self) -> None:
        self.capture_id = None
        self._forget_rows()
        self.history.clear()

    def showing(self, capture_id: int, summary: str) -> None:
        """The inspector shows ``capture_id``: its one-line summary until :meth:`read`."""
        if capture_id != self.capture_id:
            self._forget_rows()
        self.capture_id = capture_id
        self.history.setPlainText(summary)

    def read(self) -> None:
        """Read the targets and every forward (the tab is being looked at)."""
        if self.capture_id is not None:
            self.controller.forwards(self.capture_id, self._show)

    def _forget_rows(self) -> None:
        self.rows = None
        self._fill([])
        self._say("", None)
        self._update_button()

    def _fill(self, rows: list[list[str]]) -> None:
        self.targets.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.targets.setItem(r, c, QTableWidgetItem(value))

    def _show(self, rows: ForwardRows) -> None:
        if rows.capture_id != self.capture_id:
            return  # another capture was selected meanwhile
        chosen = self.selected()
        self.rows = rows
        self.targets.blockSignals(True)
        self._fill([[t.target, t.latest, str(t.tries)] for t in rows.targets])
        for r, t in enumerate(rows.targets):
            item = self.targets.item(r, 1)
            if item is not None and t.ok is not None:
                item.setForeground(fmt.verdict_colour(t.ok))
        targets = [t.target for t in rows.targets]
        failed = [t.target for t in rows.targets if t.ok is False]
        pick = chosen if chosen in targets else next(iter(failed or targets), None)
        if pick is not None:
            self.targets.selectRow(targets.index(pick))
        self.targets.blockSignals(False)
        self.history.setPlainText(rows.history)
        if not targets:
            self._say("Not forwarded: this capture's endpoint has no Forward to target. "
                      "Replay… sends it anywhere.", None)
        self._update_button()

    def selected(self) -> str | None:
        """The target of the selected row, if any."""
        picked = self.targets.selectionModel().selectedRows()
        if not picked or self.rows is None:
            return None
        index = picked[0].row()
        return self.rows.targets[index].target if index < len(self.rows.targets) else None

    def _update_button(self) -> None:
        self.retry.setEnabled(not self._retrying and self.selected() is not None)

    def _retry(self) -> None:
        target, capture_id = self.selected(), self.capture_id
        if target is None or capture_id is None or self._retrying:
            return
        self._retrying = True
        self._update_button()
        self._say(f"Forwarding to {target}…", None)

        def done(said: str, ok: bool) -> None:
            self._retrying = False
            self._update_button()
            if self.capture_id == capture_id:  # else the person moved on; it is recorded
                self._say(said, ok)
                self.retried.emit(capture_id)

        self.controller.retry_forward(capture_id, target, done)

    def _say(self, text: str, ok: bool | None) -> None:
        self.note.setText(text)
        set_tone(self.note, None if ok is None else ("valid" if ok else "invalid"))
