"""The Deliveries section's detail pane: the selected delivery's retry timeline, its actions
(retry now, cancel, retry a dead letter or every dead letter of its subscription, replay
again, edit and resend), its attempts, and the selected attempt's request and answer.

Selecting an attempt row shows that attempt below the table; the last attempt is shown by
default and stays followed while new attempts arrive, until the person picks an earlier one.

Signals:
    resend_requested(str): edit and resend the shown delivery's last request.
    follow_requested(list): select these deliveries in the list (a replay made again).
    refresh_requested(): an action changed the store; the list should be read again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.retry import policy_from_dict
from webhook_studio.core.timeline import AttemptPoint
from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.ui import dialogs
from webhook_studio.ui import format as fmt
from webhook_studio.ui.controllers.data_tools import DataTools
from webhook_studio.ui.controllers.deliveries import DeliveriesController
from webhook_studio.ui.models.sources import DeliveryRow
from webhook_studio.ui.sections.inspector import fill, table
from webhook_studio.ui.widgets.attempt_detail import AttemptDetail, ExchangeView
from webhook_studio.ui.widgets.copy_menu import add_lazy_copy_actions
from webhook_studio.ui.widgets.elided_label import ElidedLabel
from webhook_studio.ui.widgets.flow_layout import FlowLayout
from webhook_studio.ui.widgets.retry_timeline import RetryTimeline

REPLAY_NOTE = ("A replay is not retried: this sends the capture again to the same URL, "
               "re-signed as it was, as a new record.")


def event_text(row: DeliveryRow) -> str:
    if row.is_replay:
        how = " (re-signed)" if "re-signed" in row.event_type else ""
        return f"replay of capture #{row.source_capture_id}{how}"
    return row.event_type


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


class DeliveryDetailPane(QWidget):
    resend_requested = Signal(str)
    follow_requested = Signal(list)
    refresh_requested = Signal()

    def __init__(self, controller: DeliveriesController, tools: DataTools,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.dispatcher = controller.dispatcher
        self.tools = tools
        self.delivery_id: str | None = None
        #: The shown delivery's subscription (None for a replay): its id and URL.
        self.subscription: tuple[str, str] | None = None
        self.is_replay = False
        self._said: tuple[str, str] | None = None
        #: The attempt the person picked (None: the last one, followed as attempts arrive).
        self._picked: int | None = None
        self._filling = False
        self.title = ElidedLabel("Select a delivery")
        self.title.setProperty("role", "heading")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.timeline = RetryTimeline()
        self.attempts = table(["#", "Started", "Status", "Duration", "Outcome / error"])
        self.attempts.setWordWrap(False)
        self.attempts.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.attempts.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        for col, width in ((1, 100), (2, 56), (3, 76)):
            self.attempts.setColumnWidth(col, width)
        self.attempts.itemSelectionChanged.connect(self._attempt_selected)
        self.exchange = AttemptDetail()
        controller.exchange.connect(self._show_exchange)
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
        self.setMinimumWidth(340)  # the three buttons and a readable timeline
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        for widget in (self.title, self.summary, self.timeline):
            layout.addWidget(widget)
        layout.addWidget(button_row)
        layout.addWidget(self.message)
        self.attempt_split = QSplitter(Qt.Orientation.Vertical)
        self.attempt_split.addWidget(self.attempts)
        self.attempt_split.addWidget(self.exchange)
        self.attempt_split.setChildrenCollapsible(False)
        self.attempt_split.setSizes([120, 280])
        layout.addWidget(self.attempt_split, 1)
        self.attempts.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.attempts.customContextMenuRequested.connect(self._attempt_menu_requested)
        controller.detail.connect(self.show_detail)
        controller.replayed.connect(self._replayed)
        self._set_buttons(None)
        self.resend_button.setEnabled(False)

    # -- copy as ------------------------------------------------------------------------------
    def attempt_menu_at(self, pos: Any) -> bool:
        item = self.attempts.itemAt(pos)
        if item is None or self.delivery_id is None:
            return False
        number = self._number_at(item.row())
        self.last_attempt_menu = self.copy_menu(self.delivery_id, number)
        return True

    def _attempt_menu_requested(self, pos: Any) -> None:
        if self.attempt_menu_at(pos):
            self.last_attempt_menu.popup(self.attempts.viewport().mapToGlobal(pos))

    def copy_menu(self, delivery_id: str, number: int | None) -> QMenu:
        """Copy commands for attempt ``number`` (the latest when None) as it was sent."""
        menu = QMenu(self)
        add_lazy_copy_actions(menu, lambda fill: self.tools.attempt_request(
            delivery_id, fill, number))
        return menu

    # -- the selected attempt -----------------------------------------------------------------
    def _number_at(self, row: int) -> int | None:
        item = self.attempts.item(row, 0)
        return int(item.text()) if item is not None and item.text().isdigit() else None

    def _attempt_selected(self) -> None:
        rows = self.attempts.selectionModel().selectedRows()
        if self._filling or not rows or self.delivery_id is None:
            return
        number = self._number_at(rows[0].row())
        last = rows[0].row() == self.attempts.rowCount() - 1
        self._picked = None if last else number
        if number is not None:
            self._read_attempt(number)

    def _read_attempt(self, number: int) -> None:
        shown = self.exchange.shown
        if shown is not None and (shown.delivery_id, shown.number) == (self.delivery_id,
                                                                       number):
            return  # the same attempt: its texts (and where the person scrolled) stay
        assert self.delivery_id is not None
        self.controller.show_attempt(self.delivery_id, number)

    def _show_exchange(self, view: ExchangeView) -> None:
        rows = self.attempts.selectionModel().selectedRows()
        if (view.delivery_id == self.delivery_id and rows
                and self._number_at(rows[0].row()) == view.number):
            self.exchange.set_view(view)

    def _select_attempt(self, numbers: list[int]) -> None:
        """After the table is filled: the picked attempt, or the last one, is selected."""
        if not numbers:
            self.exchange.clear()
            return
        number = self._picked if self._picked in numbers else numbers[-1]
        self._filling = True
        try:
            self.attempts.selectRow(numbers.index(number))
        finally:
            self._filling = False
        self._read_attempt(number)

    # -- the delivery -------------------------------------------------------------------------
    def clear(self) -> None:
        self.controller.forget()
        self.delivery_id = None
        self.is_replay = False
        self._picked = None
        self.title.setText("Select a delivery")
        self.summary.clear()
        self.message.clear()
        self.timeline.set_delivery([], [])
        fill(self.attempts, [])
        self.exchange.clear()
        self._set_buttons(None)

    def show_detail(self, found: Any) -> None:
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
            self._picked = None
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
        self._filling = True
        try:
            fill(self.attempts, rows)
        finally:
            self._filling = False
        self._select_attempt([a.number for a in attempts])
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

    # -- actions ------------------------------------------------------------------------------
    def _replay_again(self) -> None:
        if self.delivery_id is None:
            return
        self.message.setText("Replaying again…")
        self.controller.replay_again(self.delivery_id)

    def _replayed(self, result: Any) -> None:
        outcome = f"HTTP {result.status}" if result.status else result.error or "no answer"
        # said once the new record's detail shows (showing another delivery clears the message)
        self._said = (result.delivery_id, f"Replayed again ({outcome}): a new record, selected.")
        self.follow_requested.emit([result.delivery_id])

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
            self.refresh_requested.emit()
