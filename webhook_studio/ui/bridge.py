"""Engine events into Qt signals, batched (docs/architecture.md#threads-and-loops).

Engines call plain callbacks on the loop; these bridges only count what happened and emit one
signal per batch from a 250 ms timer, so a burst of captures causes one repaint, not thousands.
At most four batches a second: each one shifts the Inbox's rows, a repaint of the whole list
(at ten a second, that painting was most of the GUI thread's time while ingesting).

Signals:
    captures_arrived(int): this many captures were stored since the last batch.
    deliveries_changed(): at least one attempt finished or a delivery changed state.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

BATCH_MS = 250


class EngineBridge(QObject):
    captures_arrived = Signal(int)
    deliveries_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._new_captures = 0
        self._deliveries_dirty = False
        self._timer = QTimer(self)
        self._timer.setInterval(BATCH_MS)
        self._timer.timeout.connect(self._flush)
        self._timer.start()

    def on_receiver_event(self, event: Any) -> None:
        from webhook_studio.receiver import CaptureStored

        if isinstance(event, CaptureStored):
            self._new_captures += 1

    def on_sender_event(self, _event: Any) -> None:
        self._deliveries_dirty = True

    def on_live_change(self, kind: str, count: int) -> None:
        """What another process committed to a team database (ui/live_updates.py)."""
        if kind == "captures":
            self._new_captures += max(1, count)
        else:
            self._deliveries_dirty = True

    def _flush(self) -> None:
        if self._new_captures:
            count, self._new_captures = self._new_captures, 0
            self.captures_arrived.emit(count)
        if self._deliveries_dirty:
            self._deliveries_dirty = False
            self.deliveries_changed.emit()
