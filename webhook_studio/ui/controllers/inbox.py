"""The Inbox: the capture list's source, the endpoint filter's choices, and counting what
arrived since the list was read (batched by the bridge).

Signals:
    endpoints(list[Endpoint]): the endpoints to filter by, after :meth:`reload_endpoints`.
    arrived(int, int): ``(how many, newest id)`` matching captures newer than the newest
        shown, after :meth:`count_new`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from webhook_studio.store import Store
from webhook_studio.store.pages import CaptureSource
from webhook_studio.store.receiver_queries import CaptureFilter, list_endpoints
from webhook_studio.ui.controllers.inspector import InspectorController
from webhook_studio.ui.query_op import Queries
from webhook_studio.ui.tasks import TaskRunner


class InboxController(QObject):
    endpoints = Signal(object)
    arrived = Signal(int, int)

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

    def count_new(self, source: CaptureSource, newest: int) -> None:
        self.queries.run("arrived", lambda: source.count_after(newest),
                         lambda found: self.arrived.emit(*found))
