"""The inbox: every capture, newest first, filterable, with the inspector beside it.

The list is a lazy paged model (a million rows cost one count and a page or two); new captures
arrive through the bridge in batches and refresh the model at most every 100 ms. The view:
reads are in ``ui/controllers/inbox.py``.

Signals:
    replay_requested(int), edit_requested(int): from a row's context menu.
    delete_requested(list[int]): the ids of the selected captures (Delete key, menu).
    clear_requested(): "Clear all captures…".
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.store.receiver_queries import CaptureFilter
from webhook_studio.ui import format as fmt
from webhook_studio.ui.controllers.inbox import InboxController
from webhook_studio.ui.models.paged import Column, PagedTableModel
from webhook_studio.ui.models.sources import CaptureRow
from webhook_studio.ui.sections.inspector import Inspector
from webhook_studio.ui.widgets.columns import ResponsiveColumns

COLUMNS = [
    Column("#", lambda r: str(r.id), align_right=True),
    Column("Time", lambda r: fmt.local_time(r.received_at)),
    Column("Method", lambda r: r.method),
    Column("Path", lambda r: r.path + (f"?{r.query}" if r.query else ""),
           tooltip=lambda r: r.path + (f"?{r.query}" if r.query else "")),
    Column("Verdict", lambda r: fmt.verdict_text(r.verify_valid, r.state, r.reason),
           foreground=lambda r: fmt.verdict_colour(r.verify_valid, r.state)),
    Column("Status", lambda r: str(r.response_status or ""), align_right=True),
    Column("Size", lambda r: fmt.size(r.body_size), align_right=True),
    Column("Dup", lambda r: f"of #{r.duplicate_of}" if r.duplicate_of else ""),
]


class InboxSection(QWidget):
    replay_requested = Signal(int)
    edit_requested = Signal(int)
    delete_requested = Signal(object)
    clear_requested = Signal()

    def __init__(self, controller: InboxController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.endpoint = QComboBox()
        self.method = QComboBox()
        self.method.addItems(["Any method", "POST", "PUT", "PATCH", "GET", "DELETE"])
        self.verdict = QComboBox()
        self.verdict.addItems(["Any verdict", "Valid", "Invalid", "Not verified", "Rejected"])
        self.duplicates = QCheckBox("Duplicates only")
        self.search = QLineEdit(placeholderText="Search paths and bodies…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(200)
        self.endpoint.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.endpoint.setMinimumContentsLength(12)  # a long endpoint name must not widen it
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        filters = QHBoxLayout()
        for widget in (self.endpoint, self.method, self.verdict, self.duplicates):
            filters.addWidget(widget)
        filters.addStretch(1)
        self.more = QToolButton()
        self.more.setText("Actions")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more)
        self.export_action = menu.addAction("Export shown captures as HAR…")
        self.import_action = menu.addAction("Import HAR…")
        self.bulk_action = menu.addAction("Replay shown captures in order…")
        self.chaos_action = menu.addAction("Chaos replay shown captures…")
        menu.addSeparator()
        self.compare_action = menu.addAction("Compare the two selected captures")
        self.export_tests_action = menu.addAction("Export selected as tests…")
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Compare the two selected captures side by side")
        self.compare_button.clicked.connect(lambda: self.compare_action.trigger())
        self._enable_selection_actions(0)
        menu.addSeparator()
        self.delete_action = QAction("Delete selected captures", self)
        self.delete_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.triggered.connect(self._ask_delete)
        menu.addAction(self.delete_action)
        self.clear_action = menu.addAction("Clear all captures…")
        self.clear_action.triggered.connect(self._ask_clear)
        self.menu = menu
        self.more.setMenu(menu)
        search_row.addWidget(self.compare_button)
        search_row.addWidget(self.more)
        self.source = controller.source()
        self.newest = 0
        self.model = PagedTableModel(self.source, COLUMNS, controller.queries)
        self.model.counted.connect(self._counted)
        self.newest = self.source.counted_upto  # counted already when no loop runs yet
        self._select_when_listed: int | None = None
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.view.addAction(self.delete_action)  # the Delete key works where the list has focus
        self.delete_action.setEnabled(False)  # until a row is selected
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.horizontalHeader().setMinimumSectionSize(36)
        for col, width in ((0, 44), (1, 92), (2, 58), (4, 150), (5, 50), (6, 64), (7, 50)):
            self.view.setColumnWidth(col, width)
        # The path keeps room; Dup, then Status, then Size go when the list is narrow.
        self.columns = ResponsiveColumns(self.view, stretch=3, minimum=150, optional=(7, 5, 6))
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.inspector = Inspector(controller.inspector)
        self.inspector.open_capture.connect(lambda capture_id: self.select_capture(capture_id))
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        left_layout.addLayout(search_row)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.view)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.inspector)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([700, 480])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        for combo in (self.endpoint, self.method, self.verdict):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.duplicates.toggled.connect(self.apply_filter)
        controller.endpoints.connect(self._show_endpoints)
        controller.arrived.connect(self._arrived)
        self.reload_endpoints()

    def reload_endpoints(self) -> None:
        self.controller.reload_endpoints()

    def _show_endpoints(self, endpoints: list[Any]) -> None:
        current = self.endpoint.currentData()
        self.endpoint.blockSignals(True)
        self.endpoint.clear()
        self.endpoint.addItem("All endpoints", None)
        for e in endpoints:
            self.endpoint.addItem(f"{e.name} ({e.path})", e.id)
        index = self.endpoint.findData(current)
        self.endpoint.setCurrentIndex(max(index, 0))
        self.endpoint.blockSignals(False)

    def current_filter(self) -> CaptureFilter:
        verdict = self.verdict.currentIndex()
        return CaptureFilter(
            endpoint_id=self.endpoint.currentData(),
            method=None if self.method.currentIndex() == 0 else self.method.currentText(),
            valid={1: True, 2: False}.get(verdict), unverified=verdict == 3,
            state="rejected" if verdict == 4 else None,
            duplicates_only=self.duplicates.isChecked(),
            text=self.search.text().strip() or None)

    def apply_filter(self) -> None:
        self.source = self.controller.source(self.current_filter())
        self.model.set_source(self.source)
        self.delete_action.setEnabled(False)  # the reset cleared the selection
        self._enable_selection_actions(0)

    def _counted(self) -> None:
        """The list was counted anew: new captures are those after the newest it counted
        (a count of arrivals still running was for the old count: it is dropped)."""
        self.controller.queries.forget("arrived")
        self.newest = self.source.counted_upto

    def captures_arrived(self, _count: int = 0) -> None:
        """Batched (every 100 ms at most): count only what is newer than the newest row shown,
        insert it at the top, and keep the selection on the same captures. The count and the
        new newest id come from one read (on a worker thread), so a group committed meanwhile
        is counted once."""
        self.controller.count_new(self.source, self.newest)

    def _arrived(self, added: int, newest: int) -> None:
        self.newest = max(self.newest, newest)
        if not added:
            return
        wanted, self._select_when_listed = self._select_when_listed, None
        selected_rows = self.view.selectionModel().selectedRows()
        current = self.view.selectionModel().currentIndex()
        self.model.insert_top(added)
        if selected_rows:
            self.view.selectionModel().blockSignals(True)
            self.view.clearSelection()
            for index in selected_rows:
                self.view.selectionModel().select(
                    self.model.index(index.row() + added, 0),
                    self.view.selectionModel().SelectionFlag.Select
                    | self.view.selectionModel().SelectionFlag.Rows)
            if current.isValid():
                self.view.selectionModel().setCurrentIndex(
                    self.model.index(current.row() + added, current.column()),
                    self.view.selectionModel().SelectionFlag.NoUpdate)
            self.view.selectionModel().blockSignals(False)
        if wanted is not None:
            self.select_capture(wanted)

    def selected_ids(self) -> list[int]:
        ids = []
        for index in self.view.selectionModel().selectedRows():
            row = self.model.row_object(index.row())
            if isinstance(row, CaptureRow):
                ids.append(row.id)
        return sorted(ids)

    def _ask_delete(self) -> None:
        ids = self.selected_ids()
        if ids:
            self.delete_requested.emit(ids)

    def _ask_clear(self) -> None:
        self.clear_requested.emit()

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        row = self.model.row_object(index.row()) if index.isValid() else None
        if not isinstance(row, CaptureRow):
            return
        if row.id not in self.selected_ids():
            self.view.selectRow(index.row())
        menu = self.row_menu(row.id)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def _enable_selection_actions(self, selected: int) -> None:
        self.compare_action.setEnabled(selected == 2)
        self.compare_button.setEnabled(selected == 2)
        self.export_tests_action.setEnabled(selected > 0)

    def row_menu(self, capture_id: int) -> QMenu:
        """The context menu of one row (built per click; kept on ``last_row_menu``)."""
        menu = QMenu(self)
        replay = menu.addAction("Replay…")
        replay.triggered.connect(lambda: self.replay_requested.emit(capture_id))
        edit = menu.addAction("Edit and resend…")
        edit.triggered.connect(lambda: self.edit_requested.emit(capture_id))
        menu.addAction(self.compare_action)
        menu.addAction(self.export_tests_action)
        menu.addSeparator()
        menu.addAction(self.delete_action)
        self.last_row_menu = menu
        return menu

    def select_capture(self, capture_id: int, scroll: bool = True) -> None:
        """Select and show a capture; one not listed yet (just stored, its count still being
        read) is selected when it arrives."""
        self._select_when_listed = capture_id
        for row in range(min(self.model.rowCount(), 2000)):
            obj = self.model.row_object(row)
            if isinstance(obj, CaptureRow) and obj.id == capture_id:
                self.view.blockSignals(True)
                self.view.selectRow(row)
                self.view.blockSignals(False)
                if scroll:
                    self.view.scrollTo(self.model.index(row, 0))
                self._select_when_listed = None
                break
        self.inspector.show_capture(capture_id)

    def _selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        current = self.view.selectionModel().currentIndex()
        rows = self.view.selectionModel().selectedRows()
        self.delete_action.setEnabled(bool(rows))
        self._enable_selection_actions(len(rows))
        if not rows:
            return
        picked = current if current.isValid() and self.view.selectionModel().isRowSelected(
            current.row(), current.parent()) else rows[0]
        row = self.model.row_object(picked.row())
        if isinstance(row, CaptureRow):
            self.inspector.show_capture(row.id)
