"""The retry timeline: one marker per attempt on a time axis, coloured by outcome; scheduled
attempts hollow; a countdown to the next; hover shows the attempt's details.

All placement comes from :func:`webhook_studio.core.timeline.layout`; this only paints.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from webhook_studio.core.timeline import AttemptPoint, Marker, Outcome, TimelineLayout, layout

COLOURS: dict[Outcome, str] = {
    Outcome.SUCCESS: "#2e9d57",
    Outcome.REDIRECT: "#c98a1b",
    Outcome.CLIENT_ERROR: "#d9822b",
    Outcome.SERVER_ERROR: "#d0453b",
    Outcome.TIMEOUT: "#8e5cc2",
    Outcome.CONNECTION: "#6b7280",
    Outcome.OTHER: "#6b7280",
    Outcome.SCHEDULED: "#3b82f6",
}
RADIUS = 7.0


class RetryTimeline(QWidget):
    """Set data with :meth:`set_delivery`; it repaints itself each second for the countdown."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._attempts: tuple[AttemptPoint, ...] = ()
        self._scheduled: tuple[float, ...] = ()
        self._clock = time.time
        self.show_countdown = True
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.update)

    def sizeHint(self) -> QSize:
        return QSize(480, 84)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 84)

    def set_clock(self, clock: object) -> None:
        """Use ``clock.now()`` instead of the wall clock (tests, screenshots)."""
        self._clock = clock.now  # type: ignore[attr-defined]

    def set_delivery(self, attempts: Sequence[AttemptPoint], scheduled: Sequence[float]) -> None:
        self._attempts = tuple(attempts)
        self._scheduled = tuple(scheduled)
        if self._scheduled:
            self._tick.start()
        else:
            self._tick.stop()
        self.update()

    def current_layout(self) -> TimelineLayout:
        return layout(self._attempts, self._scheduled, self._clock())

    def countdown_text(self) -> str | None:
        return self.current_layout().countdown

    def _axis(self) -> tuple[float, float, float]:
        left, right = 16.0, float(self.width()) - 16.0
        return left, right, 34.0

    def _centres(self, markers: Sequence[Marker]) -> list[QPointF]:
        """Where each marker is drawn: at its place on the axis, but never on top of its
        neighbour (attempts a second apart before a retry an hour later would be one blot).
        Pushed right as needed, then back left from the end of the axis; order is kept."""
        left, right, y = self._axis()
        gap = 2 * RADIUS + 3
        xs = [left + m.x * (right - left) for m in markers]
        for i in range(1, len(xs)):
            xs[i] = max(xs[i], xs[i - 1] + gap)
        if xs and xs[-1] > right:
            xs[-1] = right
            for i in range(len(xs) - 2, -1, -1):
                xs[i] = min(xs[i], xs[i + 1] - gap)
        return [QPointF(x, y) for x in xs]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().windowText().color()
        muted = QColor(text)
        muted.setAlpha(110)
        left, right, y = self._axis()
        plan = self.current_layout()
        if not plan.markers:
            painter.setPen(muted)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No attempts yet")
            return
        painter.setPen(QPen(muted, 2))
        painter.drawLine(QPointF(left, y), QPointF(right, y))
        if plan.now_x is not None and self.show_countdown:
            x = left + plan.now_x * (right - left)
            painter.setPen(QPen(muted, 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, y - 18), QPointF(x, y + 18))
        metrics = painter.fontMetrics()
        label_end = float("-inf")  # right edge of the last label drawn
        for marker, centre in zip(plan.markers, self._centres(plan.markers), strict=True):
            colour = QColor(COLOURS[marker.outcome])
            painter.setPen(QPen(colour, 2.5))
            painter.setBrush(Qt.BrushStyle.NoBrush if marker.hollow else colour)
            painter.drawEllipse(centre, RADIUS, RADIUS)
            # Late retries crowd together on a narrow axis: a label that would overlap the
            # previous one is left out (the marker and its tooltip stay).
            half = metrics.horizontalAdvance(marker.label) / 2 + 3
            if centre.x() - half >= label_end:
                painter.setPen(text)
                painter.drawText(QRectF(centre.x() - half, y + 10, 2 * half, 18),
                                 Qt.AlignmentFlag.AlignCenter, marker.label)
                label_end = centre.x() + half
        if plan.countdown and self.show_countdown:
            painter.setPen(text)
            shown = metrics.elidedText(plan.countdown, Qt.TextElideMode.ElideRight,
                                       int(right - left))
            painter.drawText(QRectF(left, 0, right - left, 18),
                             Qt.AlignmentFlag.AlignRight, shown)

    def marker_at(self, point: QPointF) -> Marker | None:
        markers = self.current_layout().markers
        for marker, c in zip(markers, self._centres(markers), strict=True):
            if (c.x() - point.x()) ** 2 + (c.y() - point.y()) ** 2 <= (RADIUS + 3) ** 2:
                return marker
        return None

    def event(self, ev: object) -> bool:
        if isinstance(ev, QHelpEvent):
            marker = self.marker_at(QPointF(ev.pos()))
            if marker:
                QToolTip.showText(ev.globalPos(), marker.tooltip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(ev)  # type: ignore[arg-type]
