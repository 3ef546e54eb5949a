"""Deliveries and the retry timeline: every attempt of the selected delivery on a time axis,
the scheduled ones hollow, a countdown to the next; retry now, cancel, retry a dead letter or
every dead letter of the delivery's subscription.

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
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.filter_syntax import FilterKind, FilterSyntaxError
from webhook_studio.core.retry import policy_from_dict
from webhook_studio.core.timeline import AttemptPoint
from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.store.filtered_pages import FilteredDeliverySource
from webhook_studio.store.filters import SyntaxFilter
from webhook_studio.ui import dialogs
from webhook_studio.ui import format as fmt
from webhook_studio.ui.controllers.data_tools import DataTools
from webhook_studio.ui.controllers.deliveries import DeliveriesController
from webhook_studio.ui.models.paged import Column, PagedTableModel
from webhook_studio.ui.models.sources import DeliveryRow
from webhook_studio.ui.sections.inspector import fill, table
from webhook_studio.ui.widgets.cell_delegate import CellDelegate
from webhook_studio.ui.widgets.columns import ResponsiveColumns
from webhook_studio.ui.widgets.copy_menu import add_lazy_copy_actions
from webhook_studio.ui.widgets.elided_label import ElidedLabel
from webhook_studio.ui.widgets.empty_state import section_empty_state
from webhook_studio.ui.widgets.filter_field import FilterField
from webhook_studio.ui.widgets.flow_layout import FlowLayout
from webhook_studio.ui.widgets.latency_chart import LatencyChart
from webhook_studio.ui.widgets.retry_timeline import RetryTimeline


def event_text(row: DeliveryRow) -> str:
    if row.is_replay:
        how = " (re-signed)" if "re-signed" in row.event_type else ""
        return f"replay of capture #{row.source_capture_id}{how}"
    return row.event_type


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
REPLAY_NOTE = ("A replay is not retried: this sends the capture again to the same URL, "
               "re-signed as it was, as a new record.")


def scheduled_times(next_at: float | None, attempt_count: int, policy_data: Any) -> list[float]:
    """The remaining attempts if each one fails: the next one, then the policy's delays."""
    if next_at is None:
        return []
    policy = policy_from_dict(policy_data)
    times, at = [next_at], next_at
    for number in range(attempt_count + 2, policy.max_attempts + 1):
        delay = policy.delay_before(number)
        if delay is None:
            break
        at += delay
        times.append(at)
    return times


class DeliveriesSection(QWidget):
    #: The user asked to edit and resend the shown delivery's last request.
    resend_requested = Signal(str)
    #: The empty list's action: go to the Composer to send a first event.
    compose_requested = Signal()

    def __init__(self, controller: DeliveriesController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.dispatcher = controller.dispatcher
        self.delivery_id: str | None = None
        #: The shown delivery's subscription (None for a replay): its id and URL.
        self.subscription: tuple[str, str] | None = None
        self.is_replay = False
        self._said: tuple[str, str] | None = None
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
        self.title = ElidedLabel("Select a delivery")
        self.title.setProperty("role", "heading")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.timeline = RetryTimeline()
        self.attempts = table(["#", "Started", "Status", "Duration", "Outcome / error"])
        self.attempts.setWordWrap(False)
        for col, width in ((1, 100), (2, 56), (3, 76)):
            self.attempts.setColumnWidth(col, width)
        self.retry_button = QPushButton("Retry now")
        self.cancel_button = QPushButton("Cancel")
        self.dead_button = QPushButton("Retry dead letter")
        self.retry_button.clicked.connect(self._retry_now)
        self.cancel_button.clicked.connect(lambda: self._act("cancel"))
        self.dead_button.clicked.connect(lambda: self._act("dead-letter"))
        self.dead_all_button = QPushButton("Retry all dead letters…")
        self.dead_all_button.setToolTip("Every dead letter of this delivery's subscription, "
                                        "due now (asks first, with how many)")
        self.dead_all_button.clicked.connect(self._retry_all_dead_letters)
        self.resend_button = QPushButton("Edit and resend…")
        self.resend_button.setToolTip("Open the last attempt's request in an editor and send "
                                      "it again (the delivery is kept as it was)")
        self.resend_button.clicked.connect(
            lambda: self.delivery_id and self.resend_requested.emit(self.delivery_id))
        self.message = QLabel("")
        self.message.setProperty("role", "muted")
        self.message.setWordWrap(True)
        # Four buttons do not fit a narrow detail pane in one row: they wrap, never clip.
        button_row = QWidget()
        buttons = FlowLayout(button_row)
        for button in (self.retry_button, self.cancel_button, self.dead_button,
                       self.dead_all_button, self.resend_button):
            buttons.addWidget(button)
        detail = QWidget()
        detail.setMinimumWidth(340)  # the three buttons and a readable timeline
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(8, 8, 8, 8)
        for widget in (self.title, self.summary, self.timeline):
            detail_layout.addWidget(widget)
        detail_layout.addWidget(button_row)
        detail_layout.addWidget(self.message)
        detail_layout.addWidget(self.attempts, 1)
        left = QWidget()
        left.setMinimumWidth(320)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.state)
        filter_row.addWidget(self.filter_field, 1)
        left_layout.addLayout(filter_row)
        left_layout.addWidget(self.latency)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.view)
        self.list_stack.addWidget(self.empty)
        left_layout.addWidget(self.list_stack, 1)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._row_menu_requested)
        self.attempts.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.attempts.customContextMenuRequested.connect(self._attempt_menu_requested)
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
        self._set_buttons(None)
        self.resend_button.setEnabled(False)
        self._watch = QTimer(self)
        self._watch.setInterval(WATCH_MS)
        self._watch.timeout.connect(self._check_store)
        self._watch.start()
        controller.detail.connect(self._show_detail)
        controller.missing.connect(lambda _id: self.clear_detail())
        controller.outdated.connect(self.refresh)
        controller.replayed.connect(self._replayed)
        controller.mark_read()
        self._latency_soon = QTimer(self, singleShot=True, interval=1000)
        self._latency_soon.timeout.connect(self.tools.refresh_latency)
        self._latency_idle = QTimer(self, interval=30_000)
        self._latency_idle.timeout.connect(self.tools.refresh_latency)
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
        self.last_row_menu = self.copy_menu(row.id, None)
        return True

    def attempt_menu_at(self, pos: Any) -> bool:
        item = self.attempts.itemAt(pos)
        if item is None or self.delivery_id is None:
            return False
        number_item = self.attempts.item(item.row(), 0)
        number = int(number_item.text()) if number_item and number_item.text().isdigit() \
            else None
        self.last_attempt_menu = self.copy_menu(self.delivery_id, number)
        return True

    def _row_menu_requested(self, pos: Any) -> None:
        if self.row_menu_at(pos):
            self.last_row_menu.popup(self.view.viewport().mapToGlobal(pos))

    def _attempt_menu_requested(self, pos: Any) -> None:
        if self.attempt_menu_at(pos):
            self.last_attempt_menu.popup(self.attempts.viewport().mapToGlobal(pos))

    def copy_menu(self, delivery_id: str, number: int | None) -> QMenu:
        """Copy commands for attempt ``number`` (the latest when None) as it was sent."""
        menu = QMenu(self)
        add_lazy_copy_actions(menu, lambda fill: self.tools.attempt_request(
            delivery_id, fill, number))
        return menu

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
        self.controller.forget()
        self.delivery_id = self._wanted = None
        self.is_replay = False
        self.title.setText("Select a delivery")
        self.summary.clear()
        self.message.clear()
        self.timeline.set_delivery([], [])
        fill(self.attempts, [])
        self._set_buttons(None)

    def show_delivery(self, delivery_id: str) -> None:
        self._wanted = delivery_id  # kept selected across resets while its detail is read
        self.controller.show(delivery_id)

    def _show_detail(self, found: Any) -> None:
        d, sub, attempts = found.delivery, found.subscription, found.attempts
        delivery_id = d.id
        # the stored delivery and its attempts, as the timeline and table show them
        points = [AttemptPoint(a.number, a.started_at, a.response_status, a.duration_ms,
                               a.outcome if a.response_status is None else None,
                               a.error_message) for a in attempts]
        rows = [[str(a.number), fmt.local_time(a.started_at),
                 str(a.response_status or "—"), f"{(a.duration_ms or 0):.0f} ms",
                 a.error_message or a.outcome] for a in attempts]
        scheduled = scheduled_times(d.next_attempt_at if d.state == DeliveryState.PENDING else None,
                                    d.attempt_count, sub.retry_policy if sub else None)
        row = DeliveryRow(d.id, d.event_type, d.target_url, d.state, d.attempt_count,
                          d.next_attempt_at, d.created_at, d.source_capture_id)
        final_reason = d.final_reason
        if delivery_id != self.delivery_id:
            self.message.clear()
        if self._said and self._said[0] == delivery_id:
            self.message.setText(self._said[1])
            self._said = None
        self.delivery_id = row.id
        self.is_replay = row.is_replay
        self.subscription = (None if row.is_replay or sub is None
                             else (sub.id, sub.url))
        kind = "Replay" if row.is_replay else "Delivery"
        self.title.setText(f"{event_text(row)} → {row.target_url}")
        self.summary.setText(f"{kind} {row.id} · {row.state}"
                             + (f" · {final_reason}" if final_reason else ""))
        self.timeline.set_delivery(points, scheduled)
        fill(self.attempts, rows)
        self._set_buttons(row.state)
        self.resend_button.setEnabled(bool(rows))

    def _set_buttons(self, state: str | None) -> None:
        # A replay is not a subscription's delivery: no retries, no dead letter. It can be
        # replayed again (a new record, re-signed as it was); the window needs a task runner.
        if self.is_replay:
            self.retry_button.setText("Replay again")
            self.retry_button.setToolTip(REPLAY_NOTE)
            self.retry_button.setEnabled(state != DeliveryState.PENDING)
            self.cancel_button.setEnabled(False)
            self.dead_button.hide()
            self.dead_all_button.hide()
            return
        has = state is not None and self.dispatcher is not None
        self.retry_button.setText("Retry now")
        self.retry_button.setToolTip("")
        self.retry_button.setEnabled(has and state in (
            DeliveryState.PENDING, DeliveryState.FAILED, DeliveryState.CANCELLED,
            DeliveryState.DISABLED))
        self.cancel_button.setEnabled(has and state == DeliveryState.PENDING)
        self.dead_button.setEnabled(has and state == DeliveryState.FAILED)
        self.dead_button.show()
        self.dead_all_button.setEnabled(has and state == DeliveryState.FAILED)
        self.dead_all_button.show()

    def _replay_again(self) -> None:
        if self.delivery_id is None:
            return
        self.message.setText("Replaying again…")
        self.controller.replay_again(self.delivery_id)

    def _replayed(self, result: Any) -> None:
        outcome = f"HTTP {result.status}" if result.status else result.error or "no answer"
        # said once the new record's detail shows (showing another delivery clears the message)
        self._said = (result.delivery_id, f"Replayed again ({outcome}): a new record, selected.")
        self.follow([result.delivery_id])

    def _retry_now(self) -> None:
        if self.is_replay:
            self._replay_again()
        else:
            self._act("retry")

    def _act(self, action: str) -> None:
        if self.delivery_id is None or self.dispatcher is None:
            return
        self.message.setText("Working…")
        acted_on = self.delivery_id
        self.controller.act(action, acted_on,
                            lambda said, done: self._acted(acted_on, said, done))

    def _retry_all_dead_letters(self) -> None:
        """Ask with the count, then every dead letter of the shown delivery's subscription is
        due now (the sender takes them in turn, under the subscription's limits)."""
        if self.subscription is None or self.dispatcher is None:
            return
        (sub_id, url), shown = self.subscription, self.delivery_id

        def ask(count: int) -> None:
            if not count:
                self.message.setText("This subscription has no dead letters left.")
                return
            what = "its dead letter" if count == 1 else f"all {count} of its dead letters"
            dialogs.confirm(
                self, "Retry dead letters",
                f"Retry {what}? The subscription to {url} gets each again now, signed with "
                "its current secret and headers.", "Retry dead letters",
                lambda: self.controller.retry_dead_letters(
                    sub_id, lambda said, done: self._acted(shown or "", said, done)))

        self.controller.count_dead_letters(sub_id, ask)

    def _acted(self, delivery_id: str, said: str, done: bool) -> None:
        if self.delivery_id == delivery_id:  # still shown: the sentence is about it
            self.message.setText(said)
        if done:
            self.refresh()
