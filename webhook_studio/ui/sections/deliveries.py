"""Deliveries and the retry timeline: every attempt of the selected delivery on a time axis,
the scheduled ones hollow, a countdown to the next; retry now, cancel, retry a dead letter."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelection, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.retry import policy_from_dict
from webhook_studio.core.timeline import AttemptPoint
from webhook_studio.store import Store
from webhook_studio.store.sender_models import Subscription
from webhook_studio.store.sender_queries import attempts_of, get_delivery
from webhook_studio.ui import format as fmt
from webhook_studio.ui.models.paged import Column, PagedTableModel
from webhook_studio.ui.models.sources import DeliveryRow, DeliverySource
from webhook_studio.ui.sections.inspector import fill, table
from webhook_studio.ui.widgets.retry_timeline import RetryTimeline

COLUMNS = [
    Column("Created", lambda r: fmt.local_datetime(r.created_at)),
    Column("Event", lambda r: r.event_type),
    Column("Target", lambda r: r.target_url, tooltip=lambda r: r.target_url),
    Column("State", lambda r: r.state, foreground=lambda r: fmt.state_colour(r.state)),
    Column("Tries", lambda r: str(r.attempt_count), align_right=True),
    Column("Next attempt", lambda r: fmt.local_time(r.next_attempt_at)),
]
STATES = ["All", "pending", "delivered", "failed", "disabled", "cancelled"]


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

    def __init__(self, store: Store, dispatcher: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.dispatcher = dispatcher
        self.delivery_id: str | None = None
        self.state = QComboBox()
        self.state.addItems(STATES)
        self.state.currentIndexChanged.connect(self._filter)
        self.model = PagedTableModel(DeliverySource(store), COLUMNS)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 132), (1, 130), (3, 78), (4, 44), (5, 96)):
            self.view.setColumnWidth(col, width)
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.title = QLabel("Select a delivery")
        self.title.setProperty("role", "heading")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.timeline = RetryTimeline()
        self.attempts = table(["#", "Started", "Status", "Duration", "Outcome / error"])
        self.retry_button = QPushButton("Retry now")
        self.cancel_button = QPushButton("Cancel")
        self.dead_button = QPushButton("Retry dead letter")
        self.retry_button.clicked.connect(lambda: self._act("retry_now"))
        self.cancel_button.clicked.connect(lambda: self._act("cancel"))
        self.dead_button.clicked.connect(lambda: self._act("retry_dead_letter"))
        self.resend_button = QPushButton("Edit and resend…")
        self.resend_button.setToolTip("Open the last attempt's request in an editor and send "
                                      "it again (the delivery is kept as it was)")
        self.resend_button.clicked.connect(
            lambda: self.delivery_id and self.resend_requested.emit(self.delivery_id))
        self.message = QLabel("")
        self.message.setProperty("role", "muted")
        buttons = QHBoxLayout()
        for button in (self.retry_button, self.cancel_button, self.dead_button,
                       self.resend_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        for widget in (self.title, self.summary, self.timeline):
            detail_layout.addWidget(widget)
        detail_layout.addLayout(buttons)
        detail_layout.addWidget(self.message)
        detail_layout.addWidget(self.attempts, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        left_layout.addWidget(self.state)
        left_layout.addWidget(self.view)
        self.splitter = QSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([640, 540])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._set_buttons(None)
        self.resend_button.setEnabled(False)

    def _filter(self) -> None:
        state = None if self.state.currentIndex() == 0 else self.state.currentText()
        self.model.set_source(DeliverySource(self.store, state))

    def refresh(self) -> None:
        """Called in batches by the bridge while attempts happen."""
        self.model.refresh()
        if self.delivery_id is not None:
            self.show_delivery(self.delivery_id)

    def _selected(self, selected: QItemSelection, _old: QItemSelection) -> None:
        if selected.indexes():
            row = self.model.row_object(selected.indexes()[0].row())
            if isinstance(row, DeliveryRow):
                self.show_delivery(row.id)

    def show_delivery(self, delivery_id: str) -> None:
        with self.store.session() as session:
            d = get_delivery(session, delivery_id)
            sub = session.get(Subscription, d.subscription_id)
            attempts = attempts_of(session, delivery_id)
            points = [AttemptPoint(a.number, a.started_at, a.response_status, a.duration_ms,
                                   a.outcome if a.response_status is None else None,
                                   a.error_message) for a in attempts]
            rows = [[str(a.number), fmt.local_datetime(a.started_at),
                     str(a.response_status or "—"), f"{(a.duration_ms or 0):.0f} ms",
                     a.error_message or a.outcome] for a in attempts]
            scheduled = scheduled_times(d.next_attempt_at if d.state == "pending" else None,
                                        d.attempt_count, sub.retry_policy if sub else None)
            self.delivery_id = d.id
            self.title.setText(f"{d.event_type} → {d.target_url}")
            self.summary.setText(f"Delivery {d.id} · {d.state}"
                                 + (f" · {d.final_reason}" if d.final_reason else ""))
            state = d.state
        self.timeline.set_delivery(points, scheduled)
        fill(self.attempts, rows)
        self._set_buttons(state)
        self.resend_button.setEnabled(bool(rows))

    def _set_buttons(self, state: str | None) -> None:
        has = state is not None and self.dispatcher is not None
        self.retry_button.setEnabled(has and state in ("pending", "failed", "cancelled",
                                                       "disabled"))
        self.cancel_button.setEnabled(has and state == "pending")
        self.dead_button.setEnabled(has and state == "failed")

    def _act(self, action: str) -> None:
        if self.delivery_id is None or self.dispatcher is None:
            return
        try:
            getattr(self.dispatcher, action)(self.delivery_id)
        except Exception as exc:  # a sentence at the button, never a traceback
            from webhook_studio.errors import describe_error

            self.message.setText(describe_error(exc)[0])
            return
        self.message.setText({"retry_now": "Retrying now…", "cancel": "Cancelled.",
                              "retry_dead_letter": "Dead letter queued again…"}[action])
        self.refresh()
