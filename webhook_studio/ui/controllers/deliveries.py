"""Deliveries: the list's source, a delivery's detail, and acting on it (retry now, cancel,
retry a dead letter, replay again).

Signals:
    detail(DeliveryDetail): the delivery asked for with :meth:`show`.
    missing(str): that delivery is gone (its id).
    outdated(): the store changed since the list was read (this window or another process).
    replayed(ReplayResult): a replay made by :meth:`replay_again` finished.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from webhook_studio.store import NotFound, Store
from webhook_studio.store import window_reads as reads
from webhook_studio.store.pages import DeliverySource
from webhook_studio.ui.query_op import Queries
from webhook_studio.ui.tasks import TaskRunner


class DeliveriesController(QObject):
    detail = Signal(object)
    missing = Signal(str)
    outdated = Signal()
    replayed = Signal(object)

    def __init__(self, store: Store, runner: TaskRunner, dispatcher: Any = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.dispatcher = dispatcher
        self.queries = Queries(runner)
        self.version: tuple[int, float, float] | None = None

    def source(self, state: str | None = None) -> DeliverySource:
        return DeliverySource(self.store, state)

    def mark_read(self) -> None:
        """The list was just read: remember the table's version to compare against."""
        def read() -> tuple[int, float, float]:
            return DeliverySource(self.store).version()

        self.queries.run("version", read, self._set_version)

    def _set_version(self, version: tuple[int, float, float]) -> None:
        self.version = version

    def check(self) -> None:
        """Emit ``outdated`` when someone changed the deliveries since the last read."""
        if self.queries.busy():
            return

        def compare(version: tuple[int, float, float]) -> None:
            if self.version is not None and version != self.version:
                self.outdated.emit()
            self.version = version

        self.queries.run("version", lambda: DeliverySource(self.store).version(), compare)

    def show(self, delivery_id: str) -> None:
        def read() -> Any:
            try:
                return reads.delivery_detail(self.store, delivery_id)
            except NotFound:
                return None

        self.queries.run("detail", read, lambda found: self.detail.emit(found) if found
                         is not None else self.missing.emit(delivery_id))

    def forget(self) -> None:
        """Nothing is shown any more: a detail read still running is dropped when it ends."""
        self.queries.forget("detail")

    # -- actions: each a sentence for the person, or raises with one --------------------------
    def retry_now(self, delivery_id: str) -> str:
        self.dispatcher.retry_now(delivery_id)
        return "Retrying now…"

    def cancel(self, delivery_id: str) -> str:
        self.dispatcher.cancel(delivery_id)
        return "Cancelled."

    def retry_dead_letter(self, delivery_id: str) -> str:
        self.dispatcher.retry_dead_letter(delivery_id)
        return "Dead letter queued again…"

    def replay_again(self, delivery_id: str) -> None:
        from webhook_studio.relay.replay import replay_again

        self.runner.run(replay_again(self.store, delivery_id), on_success=self.replayed.emit)
