"""Undo where it is cheap: deleting selected captures (Edit ▸ Undo, Ctrl+Z, this session).

The rows are read whole (body, response, verdict) before they go and written back with their
own ids on undo, so links to them ("duplicate of #12", "edited from #7", a delivery's source
capture) point at them again. Deleting more than ``UNDO_LIMIT`` captures at once is not
kept (their bodies could be large): the question then says it cannot be undone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from webhook_studio.store import Store
from webhook_studio.store.capture_restore import read_captures, write_captures

UNDO_LIMIT = 1000


class DeleteCaptures(QUndoCommand):
    """Deleting captures, undoable: ``redo`` deletes (first push included), ``undo`` restores;
    ``after(count, ids, restored)`` refreshes the window either way."""

    def __init__(self, store: Store, ids: list[int],
                 after: Callable[[int, list[int], bool], object]) -> None:
        what = f"capture #{ids[0]}" if len(ids) == 1 else f"{len(ids)} captures"
        super().__init__(f"delete {what}")
        self.store = store
        self.ids = ids
        self.after = after
        self.rows: list[dict[str, Any]] = []

    def redo(self) -> None:
        from webhook_studio.store.receiver_queries import delete_captures

        self.rows = read_captures(self.store, self.ids)
        self.after(delete_captures(self.store, self.ids), self.ids, False)

    def undo(self) -> None:
        self.after(write_captures(self.store, self.rows), self.ids, True)
