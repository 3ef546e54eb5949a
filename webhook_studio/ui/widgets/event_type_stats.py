"""The Deliveries section's "By event type" table: seed 004's monitoring query (deliveries,
delivered, average attempts) with the attempts' latency percentiles, per event type, over a
period the person picks. Shown in place of the latency chart; the numbers are read off the
GUI thread by the deliveries controller and set here.

Signals:
    period_changed(): another period was picked; the numbers should be read again.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from webhook_studio.ui.sections.inspector import fill, table

#: The periods offered: their label and seconds (None: every delivery).
PERIODS: tuple[tuple[str, float | None], ...] = (
    ("Last 24 hours", 86400.0), ("Last 7 days", 7 * 86400.0), ("Last hour", 3600.0),
    ("All time", None))
HEADERS = ["Event", "Total", "Delivered", "Avg tries", "p50 ms", "p95 ms", "p99 ms"]


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def stat_rows(items: list[dict[str, Any]]) -> list[list[str]]:
    rows = []
    for s in items:
        share = (f" ({100 * s['successful'] / s['total_deliveries']:.0f}%)"
                 if s["total_deliveries"] else "")
        lat = s["latency_ms"]
        rows.append([s["event"], str(s["total_deliveries"]), f"{s['successful']}{share}",
                     f"{s['avg_attempts']:.2f}", _ms(lat["p50"]), _ms(lat["p95"]),
                     _ms(lat["p99"])])
    return rows


class EventTypeStats(QWidget):
    period_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.period = QComboBox()
        self.period.addItems([label for label, _ in PERIODS])
        self.period.setAccessibleName("Stats period")
        self.period.currentIndexChanged.connect(lambda _i: self.period_changed.emit())
        self.note = QLabel("")
        self.note.setProperty("role", "muted")
        self.table = table(HEADERS)
        self.table.setAccessibleName("Deliveries by event type")
        self.table.setMaximumHeight(150)
        for col in range(1, len(HEADERS)):
            self.table.horizontalHeader().setSectionResizeMode(
                col, self.table.horizontalHeader().ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(
            0, self.table.horizontalHeader().ResizeMode.Stretch)  # long event types
        self.table.horizontalHeader().setStretchLastSection(False)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.period)
        top.addWidget(self.note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.table)

    def seconds(self) -> float | None:
        """The period picked, in seconds (None: all time)."""
        return PERIODS[self.period.currentIndex()][1]

    def set_stats(self, data: dict[str, Any]) -> None:
        items = data["items"]
        fill(self.table, stat_rows(items))
        for r in range(self.table.rowCount()):
            for c in range(1, len(HEADERS)):
                item = self.table.item(r, c)
                if item is not None:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
        total = sum(s["total_deliveries"] for s in items)
        self.note.setText(f"{total} deliver{'y' if total == 1 else 'ies'} of "
                          f"{len(items)} event type{'' if len(items) == 1 else 's'}"
                          if items else "No deliveries in this period.")
