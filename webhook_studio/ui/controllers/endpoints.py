"""Receiver endpoints: listing, loading, saving and deleting them; profiles to choose from.

Signals:
    listed(list[Endpoint]): the endpoints, after :meth:`reload`.
    loaded(Endpoint): one endpoint for the editor, after :meth:`load`.
    changed(): an endpoint was saved or deleted (the receiver reloads them).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from webhook_studio.store import Store
from webhook_studio.store import window_reads as reads
from webhook_studio.store.receiver_queries import (
    create_endpoint,
    delete_endpoint,
    list_endpoints,
    update_endpoint,
)
from webhook_studio.ui.query_op import Queries, if_found
from webhook_studio.ui.tasks import TaskRunner


class EndpointsController(QObject):
    listed = Signal(object)
    loaded = Signal(object)
    changed = Signal()

    def __init__(self, store: Store, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.queries = Queries(runner)
        self.profiles = load_profiles()

    def reload(self) -> None:
        self.queries.run("list", lambda: list(list_endpoints(self.store)), self.listed.emit)

    def load(self, endpoint_id: int) -> None:
        self.queries.run("detail", lambda: reads.endpoint(self.store, endpoint_id),
                         if_found(self.loaded.emit))

    def describe(self, endpoint_id: int, then: Callable[[str, str], None]) -> None:
        """``then(name, path)`` as stored, for the question before deleting."""
        self.queries.run("describe", lambda: reads.endpoint(self.store, endpoint_id),
                         if_found(lambda e: then(e.name, e.path)))

    def save(self, endpoint_id: int | None, fields: dict[str, Any]) -> tuple[int | None, str]:
        """``(id, "")`` once stored, or ``(None, why not)`` as a sentence."""
        try:
            if endpoint_id is None:
                endpoint_id = create_endpoint(self.store, **fields)
            else:
                update_endpoint(self.store, endpoint_id, **fields)
        except Exception as exc:  # e.g. a path already taken: a sentence, never a traceback
            from webhook_studio.errors import describe_error

            message = describe_error(exc)[0]
            return None, ("Another endpoint already has this path." if "UNIQUE" in message
                          else message)
        self.changed.emit()
        return endpoint_id, ""

    def delete(self, endpoint_id: int) -> None:
        from webhook_studio.store import NotFound

        # already gone (another window, the API): the list catches up on the next reload
        with contextlib.suppress(NotFound):
            delete_endpoint(self.store, endpoint_id)
        self.changed.emit()


def load_profiles() -> dict[str, Any]:
    try:
        from webhook_studio.profile_library import ProfileLibrary

        return dict(ProfileLibrary.load().profiles)
    except Exception:  # profiles are optional here: schemes still work without them
        return {}
