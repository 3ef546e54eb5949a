"""The Inbox: the capture list's source, the endpoint filter's choices, and counting what
arrived since the list was read (batched by the bridge).

Signals:
    endpoints(list[Endpoint]): the endpoints to filter by, after :meth:`reload_endpoints`.
    arrived(int, int, object): ``(how many, newest id, their rows)`` matching captures newer
        than the newest shown, after :meth:`count_new` (the rows are empty when there are
        more than :data:`ARRIVED_ROWS`: the list then reads its first page again).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from webhook_studio.store import Store
from webhook_studio.store.pages import CaptureSource
from webhook_studio.store.receiver_queries import CaptureFilter, list_endpoints
from webhook_studio.ui.controllers.inspector import InspectorController
from webhook_studio.ui.query_op import Queries
from webhook_studio.ui.tasks import TaskRunner

#: At most this many new captures are read with their count (a batch is a few dozen).
ARRIVED_ROWS = 200


class InboxController(QObject):
    endpoints = Signal(object)
    arrived = Signal(int, int, object)

    def __init__(self, store: Store, runner: TaskRunner, base_url: str,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.queries = Queries(runner)
        self.inspector = InspectorController(store, runner, base_url, self)

    def source(self, flt: CaptureFilter | None = None) -> CaptureSource:
        """A new query for the list; counts still running for the old one are dropped."""
        self.queries.forget("arrived")
        return CaptureSource(self.store, flt)

    def reload_endpoints(self) -> None:
        self.queries.run("endpoints", lambda: list(list_endpoints(self.store)),
                         self.endpoints.emit)

    def count_new(self, source: CaptureSource, newest: int,
                  done: Callable[[bool], object] | None = None) -> None:
        """``done(shown)`` follows the read however it ended (the inbox keeps one in
        flight): ``shown`` is False when it failed or was dropped, so its batches are still
        to be counted."""
        shown: list[bool] = []

        def found(result: tuple[int, int, object]) -> None:
            shown.append(True)
            self.arrived.emit(*result)

        self.queries.run("arrived", lambda: source.count_after_with_rows(newest, ARRIVED_ROWS),
                         found, None if done is None else lambda: done(bool(shown)))
