"""Deliveries: the list's source, a delivery's detail, and acting on it (retry now, cancel,
retry a dead letter or all of a subscription's, replay again).

Signals:
    detail(DeliveryDetail): the delivery asked for with :meth:`show`.
    missing(str): that delivery is gone (its id).
    outdated(): the store changed since the list was read (this window or another process).
    replayed(ReplayResult): a replay made by :meth:`replay_again` finished.
    exchange(ExchangeView): the attempt asked for with :meth:`show_attempt`.
    stats(dict): per-event-type numbers, after :meth:`read_stats`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal

from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.errors import describe_error
from webhook_studio.store import NotFound, Store
from webhook_studio.store import window_reads as reads
from webhook_studio.store.attempt_exchange import attempt_exchange
from webhook_studio.store.pages import DeliverySource
from webhook_studio.store.sender_queries import delivery_stats
from webhook_studio.ui.query_op import Queries
from webhook_studio.ui.tasks import TaskRunner
from webhook_studio.ui.widgets.attempt_detail import ExchangeView, exchange_view


class DeliveriesController(QObject):
    detail = Signal(object)
    missing = Signal(str)
    outdated = Signal()
    replayed = Signal(object)
    exchange = Signal(object)
    stats = Signal(object)

    def __init__(self, store: Store, runner: TaskRunner, dispatcher: Any = None,
                 parent: QObject | None = None, *, profiles: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.library = profiles  # the window's ctx.profiles, for re-signing a replay again
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

    def show_attempt(self, delivery_id: str, number: int) -> None:
        """The attempt's request and answer, their texts prepared on the worker thread too
        (a request body may be megabytes of JSON to indent)."""
        def read() -> ExchangeView | None:
            found = attempt_exchange(self.store, delivery_id, number)
            return None if found is None else exchange_view(found)

        def shown(view: ExchangeView | None) -> None:
            if view is not None:  # gone meanwhile: the next detail read says so
                self.exchange.emit(view)

        self.queries.run("exchange", read, shown)

    def read_stats(self, window: float | None) -> None:
        """Seed 004's per-event-type numbers of the last ``window`` seconds (all: None)."""
        def read() -> dict[str, Any]:
            with self.store.session() as session:
                return delivery_stats(session, time.time(), window)

        self.queries.run("stats", read, self.stats.emit)

    def forget(self) -> None:
        """Nothing is shown any more: a detail read still running is dropped when it ends."""
        self.queries.forget("detail")

    # -- actions: the store work off the GUI thread, then a sentence for the person ----------
    def act(self, action: str, delivery_id: str, then: Callable[[str, bool], object]) -> None:
        """``retry``, ``cancel`` or ``dead-letter`` on one delivery. The store is written in a
        worker thread (a store another program holds locked stalls this button's work, not the
        window), then the sender is told on the GUI thread; ``then(sentence, done)`` gets what
        to tell the person, or why it could not be done."""
        dispatcher = self.dispatcher
        work, state, sentence = {
            "retry": (dispatcher.store_retry, DeliveryState.PENDING, "Retrying now…"),
            "cancel": (dispatcher.store_cancel, DeliveryState.CANCELLED, "Cancelled."),
            "dead-letter": (partial(dispatcher.store_retry, dead_letter_only=True),
                            DeliveryState.PENDING, "Dead letter queued again…"),
        }[action]

        async def run() -> tuple[str, bool]:
            try:
                await asyncio.to_thread(work, delivery_id)
            except Exception as exc:  # a sentence at the button, never a traceback
                return describe_error(exc)[0], False
            dispatcher.changed(delivery_id, state)
            return sentence, True

        self.runner.run(run(), on_success=lambda said: then(*said))

    def count_dead_letters(self, subscription_id: str, then: Callable[[int], object]) -> None:
        self.queries.run("dead-letters",
                         lambda: reads.dead_letter_count(self.store, subscription_id), then)

    def retry_dead_letters(self, subscription_id: str,
                           then: Callable[[str, bool], object]) -> None:
        """Every dead letter of the subscription due now (Svix's "recover"), written in a
        worker thread like :meth:`act`; ``then(sentence, done)``."""
        dispatcher = self.dispatcher

        async def run() -> tuple[str, bool]:
            try:
                ids = await asyncio.to_thread(dispatcher.store_retry_dead_letters,
                                              subscription_id)
            except Exception as exc:  # a sentence at the button, never a traceback
                return describe_error(exc)[0], False
            dispatcher.changed_many(ids, DeliveryState.PENDING)
            if not ids:
                return "No dead letters were left to retry.", True
            return (f"{len(ids)} dead letter{'s' if len(ids) != 1 else ''} queued again…",
                    True)

        self.runner.run(run(), on_success=lambda said: then(*said))

    def replay_again(self, delivery_id: str) -> None:
        from webhook_studio.relay.replay import replay_again

        lookup = self.library.get if self.library else None
        self.runner.run(replay_again(self.store, delivery_id, profiles=lookup),
                        on_success=self.replayed.emit)
