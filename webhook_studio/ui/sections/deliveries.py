"""Deliveries and the retry timeline: every attempt of the selected delivery on a time axis,
the scheduled ones hollow, a countdown to the next; retry now, cancel, retry a dead letter.

The list follows the store, not the filter: it refreshes when this window's dispatcher reports
(batched by the bridge) and, while it is shown, when a cheap version of the table changes (the
CLI or the API in another process wrote). A refresh keeps the selected delivery selected, and
the detail pane always shows the selected row, or nothing when no row is selected.

The view: reads and actions are in ``ui/controllers/deliveries.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.retry import policy_from_dict
from webhook_studio.core.timeline import AttemptPoint
from webhook_studio.ui import format as fmt
from webhook_studio.ui.controllers.deliveries import DeliveriesController
from webhook_studio.ui.models.paged import Column, PagedTableModel
from webhook_studio.ui.models.sources import DeliveryRow
from webhook_studio.ui.sections.inspector import fill, table
from webhook_studio.ui.widgets.columns import ResponsiveColumns
from webhook_studio.ui.widgets.elided_label import ElidedLabel
from webhook_studio.ui.widgets.flow_layout import FlowLayout
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
STATES = ["All", "pending", "delivered", "failed", "disabled", "cancelled"]
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

    def __init__(self, controller: DeliveriesController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.dispatcher = controller.dispatcher
        self.delivery_id: str | None = None
        self.is_replay = False
        self._said: tuple[str, str] | None = None
        self._wanted: str | None = None
        self.state = QComboBox()
        self.state.addItems(STATES)
        self.state.currentIndexChanged.connect(self._filter)
        self.model = PagedTableModel(controller.source(), COLUMNS, controller.queries)
        self.model.counted.connect(self._reselect)
        self.view = QTableView()
        self.view.setModel(self.model)
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
        self.cancel_button.clicked.connect(lambda: self._act(controller.cancel))
        self.dead_button.clicked.connect(lambda: self._act(controller.retry_dead_letter))
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
                       self.resend_button):
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
        left_layout.addWidget(self.state)
        left_layout.addWidget(self.view)
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

    # -- the list -----------------------------------------------------------------------------
    def _filter(self) -> None:
        state = None if self.state.currentIndex() == 0 else self.state.currentText()
        self.model.set_source(self.controller.source(state))
        self._reselect(counted=False)

    def refresh(self) -> None:
        """Re-read the list (called in batches by the bridge while attempts happen), keeping
        the selected delivery selected and its detail current."""
        self.controller.mark_read()
        self.model.refresh()
        self._reselect(counted=False)

    def _check_store(self) -> None:
        if self.isVisible():
            self.controller.check()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._check_store()

    def row_of(self, delivery_id: str) -> int | None:
        for row in range(min(self.model.rowCount(), FIND_LIMIT)):
            obj = self.model.row_object(row)
            if isinstance(obj, DeliveryRow) and obj.id == delivery_id:
                return row
        return None

    def _reselect(self, counted: bool = True) -> None:
        """After a reset the view has no selection: select the shown delivery's row again, or
        empty the detail when that delivery is no longer listed (filtered out, deleted). Until
        the new count arrives (``counted``) a missing row may only be past the old count."""
        wanted = self._wanted or self.delivery_id
        if wanted is None:
            return
        row = self.row_of(wanted)
        if row is None:
            if counted:
                self.clear_detail()
            return
        self._select_row(row, scroll=False)

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
        self.refresh()
        row = self.row_of(delivery_ids[0])
        if row is None and self.state.currentIndex() != 0:
            self.state.setCurrentIndex(0)
            row = self.row_of(delivery_ids[0])
        if row is not None:
            self._select_row(row, scroll=True)

    def _selected(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            self.clear_detail()
            return
        row = self.model.row_object(rows[0].row())
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
        scheduled = scheduled_times(d.next_attempt_at if d.state == "pending" else None,
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
            self.retry_button.setEnabled(state != "pending")
            self.cancel_button.setEnabled(False)
            self.dead_button.hide()
            return
        has = state is not None and self.dispatcher is not None
        self.retry_button.setText("Retry now")
        self.retry_button.setToolTip("")
        self.retry_button.setEnabled(has and state in ("pending", "failed", "cancelled",
                                                       "disabled"))
        self.cancel_button.setEnabled(has and state == "pending")
        self.dead_button.setEnabled(has and state == "failed")
        self.dead_button.show()

    def _replay_again(self) -> None:
        if self.delivery_id is None:
            return
        self.message.setText("Replaying again…")
        self.controller.replay_again(self.delivery_id)

    def _replayed(self, result: Any) -> None:
        outcome = f"HTTP {result.status}" if result.status else result.error or "failed"
        # said once the new record's detail shows (showing another delivery clears the message)
        self._said = (result.delivery_id, f"Replayed again ({outcome}): a new record, selected.")
        self.follow([result.delivery_id])

    def _retry_now(self) -> None:
        if self.is_replay:
            self._replay_again()
        else:
            self._act(self.controller.retry_now)

    def _act(self, action: Callable[[str], str]) -> None:
        if self.delivery_id is None or self.dispatcher is None:
            return
        try:
            said = action(self.delivery_id)
        except Exception as exc:  # a sentence at the button, never a traceback
            from webhook_studio.errors import describe_error

            self.message.setText(describe_error(exc)[0])
            return
        self.message.setText(said)
        self.refresh()
