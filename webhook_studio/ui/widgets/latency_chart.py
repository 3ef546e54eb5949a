"""Attempt latency and status per subscription over time, for Deliveries.

One line per subscription (mean latency per minute) with a marker per minute: a filled dot
when every attempt got a 2xx, a cross when any failed, so failures read without colour. The
data are SQL aggregates (``store/stats.py``); the layout is computed once per change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QHelpEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from webhook_studio.store.stats import LatencyBucket
from webhook_studio.ui import format as fmt

SERIES_COLOURS = ("#3b82f6", "#8e5cc2", "#2e9d57", "#c98a1b", "#0ea5a4", "#d946ef")
HEIGHT = 120
LEFT, TOP, BOTTOM = 52.0, 18.0, 16.0


def bucket_text(label: str, b: LatencyBucket) -> str:
    mean = "no answer" if b.mean_ms is None else f"mean {b.mean_ms:.0f} ms, max {b.max_ms:.0f} ms"
    parts = [f"{b.ok} × 2xx"] + [f"{n} × {what}" for n, what in (
        (b.client_errors, "4xx"), (b.server_errors, "5xx"), (b.no_answer, "no answer")) if n]
    return (f"{label} {fmt.local_time(b.start)[:5]}: {fmt.count(b.attempts, 'attempt')}, "
            f"{mean}; {', '.join(parts)}")


def nice_ceiling(value: float) -> float:
    """1, 2 or 5 times a power of ten, at least ``value`` (axis labels people can read)."""
    step = 1.0
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


class LatencyChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setAccessibleName("Attempt latency and status per subscription")
        self.series: dict[str, tuple[LatencyBucket, ...]] = {}
        self.labels: dict[str, str] = {}
        self.span: tuple[float, float] = (0.0, 60.0)
        self._paths: list[tuple[QPainterPath, QColor]] = []
        self._markers: list[tuple[QPointF, bool, QColor, str]] = []
        self.top_ms = 100.0
        self.paints = 0

    def sizeHint(self) -> QSize:
        return QSize(480, HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, HEIGHT)

    def set_series(self, series: Mapping[str, Sequence[LatencyBucket]], span: tuple[float, float],
                   labels: Mapping[str, str] | None = None) -> None:
        new = {k: tuple(v) for k, v in series.items()}
        if new == self.series and span == self.span:
            return
        self.series, self.span, self.labels = new, span, dict(labels or {})
        self.setAccessibleDescription(self.summary())
        self._layout()
        self.update()

    def summary(self) -> str:
        total = sum(b.attempts for s in self.series.values() for b in s)
        failed = sum(b.failed for s in self.series.values() for b in s)
        if not total:
            return "No attempts in the last hour"
        return (f"{fmt.count(total, 'attempt')} · {failed} failed · "
                f"{fmt.count(len(self.series), 'subscription')}")

    def _x(self, t: float) -> float:
        start, end = self.span
        width = self.width() - LEFT - 8
        return LEFT + (t - start) / max(1e-9, end - start) * width

    def _y(self, ms: float) -> float:
        height = self.height() - TOP - BOTTOM
        return TOP + height - ms / self.top_ms * height

    def _layout(self) -> None:
        self._paths.clear()
        self._markers.clear()
        peak = max((b.max_ms or 0.0 for s in self.series.values() for b in s), default=0.0)
        self.top_ms = nice_ceiling(max(peak, 10.0))
        for i, (sub, buckets) in enumerate(sorted(self.series.items())):
            colour = QColor(SERIES_COLOURS[i % len(SERIES_COLOURS)])
            label = self.labels.get(sub, sub)
            path = QPainterPath()
            started = False
            for b in buckets:
                ms = b.mean_ms if b.mean_ms is not None else self.top_ms
                point = QPointF(self._x(b.start + 30.0), self._y(ms))
                if started:
                    path.lineTo(point)
                else:
                    path.moveTo(point)
                    started = True
                self._markers.append((point, b.failed > 0, colour, bucket_text(label, b)))
            self._paths.append((path, colour))

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._layout()
        super().resizeEvent(event)

    def paintEvent(self, _event: QPaintEvent) -> None:
        self.paints += 1
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        muted = self.palette().placeholderText().color()
        painter.setPen(muted)
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        painter.setFont(font)
        painter.drawText(QRectF(LEFT, 0, self.width() - LEFT, TOP),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         "Latency per minute (● all 2xx, ✕ some failed) — " + self.summary())
        for ms in (0.0, self.top_ms / 2, self.top_ms):
            y = self._y(ms)
            painter.drawText(QRectF(0, y - 7, LEFT - 6, 14),
                             int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                             f"{ms:.0f} ms")
            painter.setPen(QPen(self.palette().mid().color(), 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(LEFT, y), QPointF(self.width() - 8, y))
            painter.setPen(muted)
        for path, colour in self._paths:
            painter.setPen(QPen(colour, 1.5))
            painter.drawPath(path)
        for point, failed, colour, _text in self._markers:
            if failed:
                painter.setPen(QPen(QColor(fmt.INVALID), 2))
                painter.drawLine(point + QPointF(-4, -4), point + QPointF(4, 4))
                painter.drawLine(point + QPointF(-4, 4), point + QPointF(4, -4))
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawEllipse(point, 3.0, 3.0)
        painter.end()

    def marker_at(self, pos: QPointF) -> str | None:
        best, text = 64.0, None
        for point, _failed, _colour, label in self._markers:
            d = (point.x() - pos.x()) ** 2 + (point.y() - pos.y()) ** 2
            if d < best:
                best, text = d, label
        return text

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.marker_at(QPointF(event.pos()))
            if text is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), text, self)
            return True
        return super().event(event)
