"""Deliveries: the list with its filter, the latency chart or the "By event type" table,
and the selected delivery's detail (its retry timeline, actions, attempts and each attempt's
request and answer: ``ui/sections/delivery_detail.py``).

The list follows the store, not the filter: it refreshes when this window's dispatcher reports
(batched by the bridge) and, while it is shown, when a cheap version of the table changes (the
CLI or the API in another process wrote). A refresh keeps the selected delivery selected, and
the detail pane always shows the selected row, or nothing when no row is selected.

The view: reads and actions are in ``ui/controllers/deliveries.py``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.filter_syntax import FilterKind, FilterSyntaxError
from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.store.filtered_pages import FilteredDeliverySource
from webhook_studio.store.filters import SyntaxFilter
from webhook_studio.ui import format as fmt
from webhook_studio.ui.controllers.data_tools import DataTools
from webhook_studio.ui.controllers.deliveries import DeliveriesController
from webhook_studio.ui.models.paged import Column, PagedTableModel
from webhook_studio.ui.models.sources import DeliveryRow
from webhook_studio.ui.sections.delivery_detail import DeliveryDetailPane, event_text
from webhook_studio.ui.widgets.cell_delegate import CellDelegate
from webhook_studio.ui.widgets.columns import ResponsiveColumns
from webhook_studio.ui.widgets.empty_state import section_empty_state
from webhook_studio.ui.widgets.event_type_stats import EventTypeStats
from webhook_studio.ui.widgets.filter_field import FilterField
from webhook_studio.ui.widgets.latency_chart import LatencyChart

COLUMNS = [
    Column("Created", lambda r: fmt.local_datetime(r.created_at)),
    Column("Event", event_text, tooltip=event_text),
    Column("Target", lambda r: r.target_url, tooltip=lambda r: r.target_url),
    Column("State", lambda r: r.state, foreground=lambda r: fmt.state_colour(r.state)),
    Column("Tries", lambda r: str(r.attempt_count), align_right=True),
    Column("Next attempt", lambda r: fmt.local_time(r.next_attempt_at)),
]
STATES = ["All", *DeliveryState]
#: How often a shown list checks the store for changes made elsewhere (one aggregate query).
WATCH_MS = 1500
#: How far down the list a delivery is looked for to keep it selected (newest first).
FIND_LIMIT = 2000


class DeliveriesSection(QWidget):
    #: The user asked to edit and resend the shown delivery's last request.
    resend_requested = Signal(str)
    #: The empty list's action: go to the Composer to send a first event.
    compose_requested = Signal()

    def __init__(self, controller: DeliveriesController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.dispatcher = controller.dispatcher
        self._wanted: str | None = None
        #: A re-selection waits for rows being read (retried as each page arrives).
        self._reselect_pending = False
        #: ``follow``: scroll to the delivery, and show All when the filter hides it.
        self._following = False
        #: A row picked before its page was read: its detail shows when it arrives.
        self._inspect_row: int | None = None
        self.state = QComboBox()
        self.state.addItems(STATES)
        self.state.currentIndexChanged.connect(self._filter)
        self.tools = DataTools(controller.store, controller.runner, self)
        self.filter_field = FilterField(FilterKind.DELIVERIES,
                                        lambda: self.tools.known[FilterKind.DELIVERIES])
        self.search = self.filter_field.line  # Ctrl+F focuses it
        self.filter_field.filter_changed.connect(lambda _text: self._filter())
        self.latency = LatencyChart()
        self.tools.latency.connect(self.latency.set_series)
        self.empty = section_empty_state("deliveries")
        self.empty.action_requested.connect(self.compose_requested.emit)
        self.model = PagedTableModel(FilteredDeliverySource(controller.store), COLUMNS,
                                     controller.queries)
        self.model.counted.connect(self._reselect)
        self.model.counted.connect(self.update_empty)
        self.model.loaded.connect(self._page_loaded)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(CellDelegate(self.view))  # cheap repaints while rows arrive
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.horizontalHeader().setMinimumSectionSize(40)
        for col, width in ((0, 140), (1, 136), (3, 76), (4, 44), (5, 100)):
            self.view.setColumnWidth(col, width)
        # The target keeps room; Created, then Tries, then Next attempt go when it is narrow.
        self.columns = ResponsiveColumns(self.view, stretch=2, minimum=140, optional=(0, 4, 5))
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.detail = detail = DeliveryDetailPane(controller, self.tools)
        detail.resend_requested.connect(self.resend_requested.emit)
        detail.follow_requested.connect(self.follow)
        detail.refresh_requested.connect(self.refresh)
        # the pane's parts, by the names the window's commands and tests use
        (self.title, self.summary, self.timeline, self.attempts, self.message,
         self.retry_button, self.cancel_button, self.dead_button, self.dead_all_button,
         self.resend_button) = (
            detail.title, detail.summary, detail.timeline, detail.attempts, detail.message,
            detail.retry_button, detail.cancel_button, detail.dead_button,
            detail.dead_all_button, detail.resend_button)
        self.stats = EventTypeStats()
        self.stats.period_changed.connect(self.refresh_stats)
        controller.stats.connect(self.stats.set_stats)
        self.by_event = QPushButton("By event type")
        self.by_event.setCheckable(True)
        self.by_event.setToolTip("Per event type: deliveries, delivered, average attempts and "
                                 "latency percentiles, in place of the latency chart")
        self.by_event.toggled.connect(self._show_stats)
        self.pictures = QStackedWidget()
        self.pictures.addWidget(self.latency)
        self.pictures.addWidget(self.stats)
        left = QWidget()
        left.setMinimumWidth(320)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.state)
        filter_row.addWidget(self.filter_field, 1)
        filter_row.addWidget(self.by_event)
        left_layout.addLayout(filter_row)
        left_layout.addWidget(self.pictures)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.view)
        self.list_stack.addWidget(self.empty)
        left_layout.addWidget(self.list_stack, 1)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._row_menu_requested)
        self.splitter = QSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(detail)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([640, 540])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._watch = QTimer(self)
        self._watch.setInterval(WATCH_MS)
        self._watch.timeout.connect(self._check_store)
        self._watch.start()
        controller.missing.connect(lambda _id: self.clear_detail())
        controller.outdated.connect(self.refresh)
        controller.mark_read()
        self._latency_soon = QTimer(self, singleShot=True, interval=1000)
        self._latency_soon.timeout.connect(self._refresh_pictures)
        self._latency_idle = QTimer(self, interval=30_000)
        self._latency_idle.timeout.connect(self._refresh_pictures)
        self._latency_idle.start()
        self.tools.refresh_latency()
        self.tools.load_known(FilterKind.DELIVERIES)
        self.update_empty()

    # -- filter language, copy as, latency chart, empty state ---------------------------------
    def current_source(self) -> FilteredDeliverySource:
        state = None if self.state.currentIndex() == 0 else self.state.currentText()
        try:
            syntax = SyntaxFilter.parse(self.filter_field.text(), FilterKind.DELIVERIES)
        except FilterSyntaxError:  # half-typed: the list keeps the last good filter
            syntax = SyntaxFilter.parse(self.filter_field.applied, FilterKind.DELIVERIES)
        return FilteredDeliverySource(self.controller.store, state, syntax)

    def update_empty(self) -> None:
        blank = (self.model.rowCount() == 0 and self.state.currentIndex() == 0
                 and not self.filter_field.text().strip())
        self.list_stack.setCurrentWidget(self.empty if blank else self.view)

    def row_menu_at(self, pos: Any) -> bool:
        index = self.view.indexAt(pos)
        row = self.model.row_object(index.row()) if index.isValid() else None
        if not isinstance(row, DeliveryRow):
            return False
        self.view.selectRow(index.row())
        self.last_row_menu = self.detail.copy_menu(row.id, None)
        return True

    def _row_menu_requested(self, pos: Any) -> None:
        if self.row_menu_at(pos):
            self.last_row_menu.popup(self.view.viewport().mapToGlobal(pos))

    @property
    def last_attempt_menu(self) -> QMenu:
        return self.detail.last_attempt_menu

    @property
    def delivery_id(self) -> str | None:
        """The delivery the detail pane shows (None: nothing selected)."""
        return self.detail.delivery_id

    # -- by event type ------------------------------------------------------------------------
    def _show_stats(self, on: bool) -> None:
        self.pictures.setCurrentWidget(self.stats if on else self.latency)
        if on:
            self.refresh_stats()

    def refresh_stats(self) -> None:
        self.controller.read_stats(self.stats.seconds())

    def _refresh_pictures(self) -> None:
        """What changed deliveries redraw: the chart, or the table when it is shown."""
        if self.by_event.isChecked():
            self.refresh_stats()
        else:
            self.tools.refresh_latency()

    # -- the list -----------------------------------------------------------------------------
    def _filter(self) -> None:
        self.model.set_source(self.current_source())
        self._reselect(counted=False)
        self.update_empty()

    def refresh(self) -> None:
        """Re-read the list (called in batches by the bridge while attempts happen), keeping
        the selected delivery selected and its detail current."""
        self.controller.mark_read()
        self.model.refresh()
        self._reselect(counted=False)
        self.update_empty()
        if not self._latency_soon.isActive():
            self._latency_soon.start()

    def _check_store(self) -> None:
        if self.isVisible():
            self.controller.check()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._check_store()

    def row_of(self, delivery_id: str) -> int | None:
        """The delivery's row among the top rows read so far (the rest are asked for)."""
        return self._find(delivery_id)[0]

    def _find(self, delivery_id: str) -> tuple[int | None, bool]:
        return self.model.find_row(
            lambda obj: isinstance(obj, DeliveryRow) and obj.id == delivery_id, FIND_LIMIT)

    def _reselect(self, counted: bool = True) -> None:
        """After a reset the view has no selection: select the shown delivery's row again, or
        empty the detail when that delivery is no longer listed (filtered out, deleted). Until
        the new count arrives (``counted``) a missing row may only be past the old count, and
        until the top rows are read it may be among them (retried as each page arrives)."""
        wanted = self._wanted or self.delivery_id
        if wanted is None:
            self._reselect_pending = self._following = False
            return
        row, complete = self._find(wanted)
        self._reselect_pending = row is None and not complete
        if row is None:
            if not complete or not counted or self.model.counting:
                return
            if self._following and self.state.currentIndex() != 0:
                self.state.setCurrentIndex(0)  # a filter hides it: show All (reselects)
                return
            self._following = False
            self.clear_detail()
            return
        self._select_row(row, scroll=self._following)
        self._following = False

    def _page_loaded(self) -> None:
        if self._reselect_pending:
            self._reselect(counted=not self.model.counting)
        if self._inspect_row is not None:
            row = self.model.row_object(self._inspect_row)
            if isinstance(row, DeliveryRow):
                self._inspect_row = None
                self.show_delivery(row.id)

    def _select_row(self, row: int, *, scroll: bool) -> None:
        index = self.model.index(row, 0)
        self.view.selectionModel().select(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.view.selectionModel().setCurrentIndex(index,
                                                   QItemSelectionModel.SelectionFlag.NoUpdate)
        if scroll:
            self.view.scrollTo(index)

    def follow(self, delivery_ids: list[str]) -> None:
        """Select a delivery just created elsewhere in the window (the Composer): it shows
        when the person switches here. A filter that hides it is reset to All."""
        if not delivery_ids:
            return
        self._wanted = delivery_ids[0]  # selected when the list's new count arrives, too
        self._following = True
        self.refresh()

    def _selected(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            self.clear_detail()
            return
        row = self.model.row_object(rows[0].row())
        self._inspect_row = None if row is not None else rows[0].row()
        if isinstance(row, DeliveryRow):
            self.show_delivery(row.id)

    # -- the detail ---------------------------------------------------------------------------
    def clear_detail(self) -> None:
        self._wanted = None
        self.detail.clear()

    def show_delivery(self, delivery_id: str) -> None:
        self._wanted = delivery_id  # kept selected across resets while its detail is read
        self.controller.show(delivery_id)
