"""The inbox: every capture, newest first, filterable, with the inspector beside it.

The list is a lazy paged model (a million rows cost one count and a page or two); new captures
arrive through the bridge in batches and refresh the model at most every 250 ms. The view:
reads are in ``ui/controllers/inbox.py``.

Signals:
    replay_requested(int), edit_requested(int): from a row's context menu.
    delete_requested(list[int]): the ids of the selected captures (Delete key, menu).
    clear_requested(): "Clear all captures…".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelection, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.filter_syntax import FilterKind, FilterSyntaxError
from webhook_studio.core.vocabulary import CaptureState
from webhook_studio.store.filters import CaptureQuery, SyntaxFilter
from webhook_studio.store.receiver_queries import CaptureFilter
from webhook_studio.ui import format as fmt
from webhook_studio.ui.controllers.data_tools import DataTools, FirstRun
from webhook_studio.ui.controllers.inbox import InboxController
from webhook_studio.ui.models.paged import Column, PagedTableModel
from webhook_studio.ui.models.sources import CaptureRow
from webhook_studio.ui.sections.inspector import Inspector
from webhook_studio.ui.widgets.cell_delegate import CellDelegate
from webhook_studio.ui.widgets.columns import ResponsiveColumns
from webhook_studio.ui.widgets.copy_menu import add_lazy_copy_actions
from webhook_studio.ui.widgets.empty_state import InboxEmptyState
from webhook_studio.ui.widgets.filter_field import FilterField
from webhook_studio.ui.widgets.traffic_strip import TrafficStrip

#: How often the traffic strip re-reads its minutes while nothing arrives (the minute moves).
TRAFFIC_IDLE_MS = 30_000
#: At most one traffic read per this while captures arrive (or ten times the last read's
#: time, when that is longer).
TRAFFIC_BUSY_MS = 1_000

#: After a failed read of arrivals (or of the list's count) it is tried again this much later,
#: doubled at each failure in a row up to :data:`RETRY_MAX_MS`: its captures are still to show.
RETRY_MS = 1_000
RETRY_MAX_MS = 30_000

#: How far down a capture is looked for to select it (its row read first).
FIND_LIMIT = 2000
COLUMNS = [
    Column("#", lambda r: str(r.id), align_right=True),
    Column("Time", lambda r: fmt.local_time(r.received_at)),
    Column("Method", lambda r: r.method),
    Column("Path", lambda r: r.path + (f"?{r.query}" if r.query else ""),
           tooltip=lambda r: r.path + (f"?{r.query}" if r.query else "")),
    Column("Endpoint", lambda r: r.endpoint, tooltip=lambda r: r.endpoint),
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
        self.tools = DataTools(controller.store, controller.queries.runner, self)
        self.filter_field = FilterField(FilterKind.CAPTURES,
                                        lambda: self.tools.known[FilterKind.CAPTURES])
        self.search: QLineEdit = self.filter_field.line  # Ctrl+F focuses it
        self.search.setMinimumWidth(200)
        self.filter_field.line.keys_completer.popup()  # built now, not on the first key
        #: Set by the window: tell the receiver about new endpoints (Load examples).
        self.reload_receiver: Any = None
        self.endpoint.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.endpoint.setMinimumContentsLength(12)  # a long endpoint name must not widen it
        search_row = QHBoxLayout()
        search_row.addWidget(self.filter_field, 1)
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
        #: Captures arrived that no read has counted yet; the read of arrivals running (its
        #: end is ignored once a count of the list replaced it); the list's last count
        #: failed, so the next read is a count of the list.
        self._arrivals_waiting = False
        self._arrivals_reading: object | None = None
        self._list_uncounted = False
        self._retry = QTimer(self, singleShot=True)
        self._retry.timeout.connect(self._count_arrivals)
        self._retry_ms = RETRY_MS
        self.model = PagedTableModel(self.source, COLUMNS, controller.queries)
        self.model.counted.connect(self._counted)
        self.model.count_failed.connect(self._count_failed)
        self.model.loaded.connect(self._page_loaded)
        self.newest = self.source.counted_upto  # counted already when no loop runs yet
        self._select_when_listed: int | None = None
        self._scroll_when_listed = False
        self._select_pending = False  # its rows are being read: look again as they arrive
        #: A row picked before its page was read: shown in the inspector when it arrives.
        self._inspect_row: int | None = None
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(CellDelegate(self.view))  # cheap repaints while rows arrive
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
        for col, width in ((0, 44), (1, 92), (2, 58), (4, 110), (5, 150), (6, 50), (7, 64),
                           (8, 50)):
            self.view.setColumnWidth(col, width)
        # The path keeps room; Dup, then Status, then Size, then Endpoint go when the list
        # is narrow.
        self.columns = ResponsiveColumns(self.view, stretch=3, minimum=150,
                                         optional=(8, 6, 7, 4))
        self._number_digits = 0
        self._fit_number_column()
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.inspector = Inspector(controller.inspector)
        self.inspector.open_capture.connect(lambda capture_id: self.select_capture(capture_id))
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        self.traffic = TrafficStrip()
        self.empty = InboxEmptyState()
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.view)
        self.list_stack.addWidget(self.empty)
        left_layout.addLayout(search_row)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.traffic)
        left_layout.addWidget(self.list_stack, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.inspector)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([800, 400])  # the list: path, endpoint, verdict, status…
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.filter_field.filter_changed.connect(lambda _text: self.apply_filter())
        for combo in (self.endpoint, self.method, self.verdict):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.duplicates.toggled.connect(self.apply_filter)
        controller.endpoints.connect(self._show_endpoints)
        controller.arrived.connect(self._arrived)
        self._wire_tools()
        self.reload_endpoints()

    def reload_endpoints(self) -> None:
        self.controller.reload_endpoints()
        self.filter_field.line.refresh_known()  # completion offers the new endpoints too

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
        self.refresh_first_run()

    def current_filter(self) -> CaptureFilter:
        verdict = self.verdict.currentIndex()
        try:
            syntax = SyntaxFilter.parse(self.filter_field.text(), FilterKind.CAPTURES)
        except FilterSyntaxError:  # half-typed: the list keeps the last good filter
            syntax = SyntaxFilter.parse(self.filter_field.applied, FilterKind.CAPTURES)
        return CaptureQuery(
            endpoint_id=self.endpoint.currentData(),
            method=None if self.method.currentIndex() == 0 else self.method.currentText(),
            valid={1: True, 2: False}.get(verdict), unverified=verdict == 3,
            state=CaptureState.REJECTED if verdict == 4 else None,
            duplicates_only=self.duplicates.isChecked(), syntax=syntax)

    def apply_filter(self) -> None:
        self.source = self.controller.source(self.current_filter())
        self._arrivals_reading = None  # it counts for the old query: the new count covers it
        self.model.set_source(self.source)
        self.delete_action.setEnabled(False)  # the reset cleared the selection
        self.update_empty()
        self._enable_selection_actions(0)

    def _fit_number_column(self) -> None:
        """The # column as wide as the newest capture's number: at 44 px a store of a
        million captures showed every row as "109…"."""
        digits = len(str(max(self.newest, 1)))
        if digits == self._number_digits:
            return
        self._number_digits = digits
        needed = self.view.fontMetrics().horizontalAdvance("9" * digits) + 12
        if needed > self.view.columnWidth(0):
            self.view.setColumnWidth(0, needed)
            self.columns.fit()  # the path keeps its room; optional columns go first

    def _counted(self) -> None:
        """The list was counted anew: new captures are those after the newest it counted
        (a count of arrivals still running was for the old count: it is dropped). Arrivals
        held back while the count ran are counted now, from there."""
        self.controller.queries.forget("arrived")
        self._arrivals_reading = None
        self._list_uncounted = False
        self._retry_ms = RETRY_MS
        self.newest = self.source.counted_upto
        self._fit_number_column()
        self.update_empty()
        if self._arrivals_waiting:
            self._count_arrivals()

    def _count_failed(self) -> None:
        """The list's count failed (the status bar says why): until a count succeeds there
        is no newest row to count arrivals from, and a read of arrivals still running was
        for the old query. The list is counted again soon, arrivals or not: it shows the
        old count of the new query's rows. Before, a read of arrivals running across the
        failed count left the list waiting for it for good: no capture showed any more."""
        self.controller.queries.forget("arrived")
        self._arrivals_reading = None
        self._list_uncounted = self._arrivals_waiting = True
        self._retry_soon()

    def captures_arrived(self, _count: int = 0) -> None:
        """Batched (every 250 ms at most): count only what is newer than the newest row shown,
        insert it at the top, and keep the selection on the same captures. The count and the
        new newest id come from one read (on a worker thread), so a group committed meanwhile
        is counted once."""
        self._arrivals_waiting = True
        self._count_arrivals()
        if not self._traffic_soon.isActive():
            # the strip's read scans the last hour: at most a tenth of a core on it
            self._traffic_soon.start(max(TRAFFIC_BUSY_MS, int(self.tools.traffic_cost * 10_000)))

    def _count_arrivals(self) -> None:
        """One read of arrivals at a time, and none while the list is being counted: until
        that count is in, "newer than the newest shown" is "newer than 0", a scan of the
        whole table (0.8 s at 1M rows). Batches that come meanwhile are folded into the
        next read. Starting a read per batch instead (each dropping the last) kept ten
        worker threads scanning the million rows while ingesting, and the window lagged."""
        if self._arrivals_reading is not None or self.model.counting \
                or not self._arrivals_waiting:
            return
        self._arrivals_waiting = False
        if self._list_uncounted:  # the arrivals are in the count (``_counted`` follows)
            self.model.refresh()
            return
        self._arrivals_reading = reading = object()
        self.controller.count_new(self.source, self.newest,
                                  lambda shown: self._arrivals_read(reading, shown))

    def _arrivals_read(self, reading: object, shown: bool) -> None:
        """A read of arrivals ended: another follows for the batches that came meanwhile,
        or, when it failed (the status bar says why), for its own batches, a little later."""
        if reading is not self._arrivals_reading:  # a count of the list took over
            return
        self._arrivals_reading = None
        if not shown:
            self._arrivals_waiting = True
            self._retry_soon()
            return
        self._retry_ms = RETRY_MS
        self._count_arrivals()

    def _retry_soon(self) -> None:
        """Read again after a failure, waiting longer after each one in a row (a store
        locked by a long import must not get a sentence a second)."""
        if not self._retry.isActive():
            self._retry.start(self._retry_ms)
            self._retry_ms = min(self._retry_ms * 2, RETRY_MAX_MS)

    def _arrived(self, added: int, newest: int, rows: Any = ()) -> None:
        self.newest = max(self.newest, newest)
        if not added:
            return
        self._fit_number_column()
        wanted, self._select_when_listed = self._select_when_listed, None
        selected_rows = self.view.selectionModel().selectedRows()
        current = self.view.selectionModel().currentIndex()
        self.model.insert_top(added, rows)
        if self._inspect_row is not None:
            self._inspect_row += added
        self.update_empty()
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

    def selected_ids(self, then: Callable[[list[int]], object]) -> None:
        """The ids of the selected captures, to ``then``: at once when their rows are read,
        else from the store on a worker thread (Ctrl+A over rows never scrolled to)."""
        selection = self.view.selectionModel().selection()
        ranges = [(selection.at(i).top(), selection.at(i).bottom())
                  for i in range(selection.size())]

        def ids(rows: list[Any]) -> None:
            then(sorted({row.id for row in rows if isinstance(row, CaptureRow)}))

        self.model.rows_of(ranges, ids)

    def _ask_delete(self) -> None:
        def ask(ids: list[int]) -> None:
            if ids:
                self.delete_requested.emit(ids)

        self.selected_ids(ask)

    def _ask_clear(self) -> None:
        self.clear_requested.emit()

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        row = self.model.row_object(index.row()) if index.isValid() else None
        if not isinstance(row, CaptureRow):
            return
        if not self.view.selectionModel().isRowSelected(index.row(), QModelIndex()):
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
        menu.addSeparator()
        add_lazy_copy_actions(menu, lambda fill: self.tools.capture_request(
            capture_id, self.controller.inspector.base_url, fill))
        self.last_row_menu = menu
        return menu

    def select_capture(self, capture_id: int, scroll: bool = True) -> None:
        """Select and show a capture; one not listed yet (just stored, its count still being
        read) is selected when it arrives."""
        self._select_when_listed, self._scroll_when_listed = capture_id, scroll
        self._select_listed()
        self.inspector.show_capture(capture_id)

    def _select_listed(self) -> None:
        """Select the capture waited for when its row is among the top rows read so far
        (their pages are asked for; this runs again as each arrives)."""
        capture_id = self._select_when_listed
        if capture_id is None:
            return
        row, complete = self.model.find_row(
            lambda obj: isinstance(obj, CaptureRow) and obj.id == capture_id, FIND_LIMIT)
        self._select_pending = row is None and not complete
        if row is None:
            return
        self.view.blockSignals(True)
        self.view.selectRow(row)
        self.view.blockSignals(False)
        if self._scroll_when_listed:
            self.view.scrollTo(self.model.index(row, 0))
        self._select_when_listed = None

    def _page_loaded(self) -> None:
        """Rows just read: select a capture waited for, or show the selected one whose row
        was not read when it was picked (End, Ctrl+End: a page far down)."""
        if self._select_pending:
            self._select_listed()
        if self._inspect_row is not None:
            row = self.model.row_object(self._inspect_row)
            if isinstance(row, CaptureRow):
                self._inspect_row = None
                self.inspector.show_capture(row.id)

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
        self._inspect_row = None if row is not None else picked.row()
        if isinstance(row, CaptureRow):
            self.inspector.show_capture(row.id)

    # -- filter language, copy as, traffic strip, first run ------------------------------------
    def _wire_tools(self) -> None:
        tools = self.tools
        tools.traffic.connect(self.traffic.set_buckets)
        tools.first_run.connect(self._show_first_run)
        tools.said.connect(self._said)
        tools.examples_loaded.connect(self._examples_loaded)
        self.empty.send_test_requested.connect(self._send_test)
        self.empty.load_examples_requested.connect(self._load_examples)
        self._endpoint_picked = False  # until the person picks one, the first endpoint
        self.empty.endpoint_chosen.connect(self._endpoint_chosen)
        self._traffic_soon = QTimer(self, singleShot=True, interval=TRAFFIC_BUSY_MS)
        self._traffic_soon.timeout.connect(tools.refresh_traffic)
        self._traffic_idle = QTimer(self, interval=TRAFFIC_IDLE_MS)
        self._traffic_idle.timeout.connect(tools.refresh_traffic)
        self._traffic_idle.start()
        tools.refresh_traffic()
        tools.load_known(FilterKind.CAPTURES)
        for pane in (self.inspector.body, self.inspector.raw, self.inspector.hex,
                     self.inspector.headers):
            pane.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            pane.customContextMenuRequested.connect(
                lambda pos, p=pane: self._pane_menu(p, pos))
        self.update_empty()

    @property
    def base_url(self) -> str:
        return str(self.controller.inspector.base_url)

    def pane_menu(self, pane: QWidget) -> QMenu:
        """An inspector pane's menu: its own commands (select, copy) and the copy commands
        for the capture it shows."""
        standard = getattr(pane, "createStandardContextMenu", None)
        menu = standard() if callable(standard) else QMenu(pane)
        capture_id = self.inspector.capture_id
        if capture_id is not None:
            menu.addSeparator()
            add_lazy_copy_actions(menu, lambda fill: self.tools.capture_request(
                capture_id, self.base_url, fill))
        self.last_pane_menu = menu
        return menu

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_first_run()

    def _pane_menu(self, pane: QWidget, pos: QPoint) -> None:
        self.pane_menu(pane).popup(pane.mapToGlobal(pos))

    def is_blank(self) -> bool:
        """No capture at all is shown because there is none (not because of a filter)."""
        return (self.model.rowCount() == 0 and not self.filter_field.text().strip()
                and self.endpoint.currentIndex() <= 0 and self.method.currentIndex() == 0
                and self.verdict.currentIndex() == 0 and not self.duplicates.isChecked())

    def update_empty(self) -> None:
        blank = self.is_blank()
        was = self.list_stack.currentWidget() is self.empty
        self.list_stack.setCurrentWidget(self.empty if blank else self.view)
        if blank and not was:
            self.tools.prepare_first_run(self.base_url, None, auto=True)

    def refresh_first_run(self) -> None:
        """Renew the curl line (its timestamp) and the endpoints, when the Inbox is shown."""
        if self.list_stack.currentWidget() is self.empty:
            self.tools.prepare_first_run(self.base_url, self.empty.endpoint.currentData(),
                                         auto=not self._endpoint_picked)

    def _endpoint_chosen(self, endpoint_id: int | None) -> None:
        self._endpoint_picked = True
        self.tools.prepare_first_run(self.base_url, endpoint_id)

    def _show_first_run(self, info: FirstRun) -> None:
        self.empty.set_endpoints(info.endpoints, info.endpoint_id)
        self.empty.show_request(info.url, info.curl, info.note)

    def _send_test(self) -> None:
        self.empty.status.setText("Sending…")
        self.tools.send_test(self.base_url, self.empty.endpoint.currentData())

    def _load_examples(self) -> None:
        self.empty.status.setText("Loading examples…")
        self.empty.load_examples.setEnabled(False)
        self.tools.load_examples(self.base_url, self.reload_receiver or (lambda: None))

    def _said(self, sentence: str) -> None:
        self.empty.status.setText(sentence)
        self.empty.load_examples.setEnabled(True)

    def _examples_loaded(self) -> None:
        self.reload_endpoints()
        self.tools.load_known(FilterKind.CAPTURES)
        self.tools.refresh_traffic(full=True)  # the examples are spread over past minutes
