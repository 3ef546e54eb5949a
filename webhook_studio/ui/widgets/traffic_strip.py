"""The traffic strip over the Inbox: captures per minute, valid vs invalid, as stacked bars.

Cheap by construction: the numbers are SQL aggregates (``store/stats.py``), bars are laid out
once per data change or resize, and a paint only fills the kept rectangles. The summary line
and each bar's tooltip say in words what the colours show.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from webhook_studio.store.stats import TrafficBucket
from webhook_studio.ui import format as fmt

HEIGHT = 46
TEXT_HEIGHT = 16


def summary(buckets: Sequence[TrafficBucket]) -> str:
    total = sum(b.total for b in buckets)
    invalid = sum(b.invalid for b in buckets)
    valid = sum(b.valid for b in buckets)
    minutes = len(buckets)
    if not total:
        return f"No captures in the last {minutes} minutes"
    return (f"Last {minutes} min: {fmt.count(total, 'capture')} · {valid} valid · "
            f"{invalid} invalid · {total - valid - invalid} other")


def bucket_text(bucket: TrafficBucket) -> str:
    return (f"{fmt.local_time(bucket.start)[:5]}  {fmt.count(bucket.total, 'capture')}: "
            f"{bucket.valid} valid, {bucket.invalid} invalid, {bucket.other} other")


class TrafficStrip(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setAccessibleName("Traffic: captures per minute")
        self.buckets: tuple[TrafficBucket, ...] = ()
        self._bars: list[tuple[QRectF, QColor]] = []
        self._slots: list[QRectF] = []
        self.paints = 0

    def sizeHint(self) -> QSize:
        return QSize(480, HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, HEIGHT)

    def set_buckets(self, buckets: Sequence[TrafficBucket]) -> None:
        buckets = tuple(buckets)
        if buckets == self.buckets:
            return  # nothing changed: no layout, no repaint
        self.buckets = buckets
        self.setAccessibleDescription(summary(buckets))
        self.setToolTip("")
        self._layout()
        self.update()

    def _layout(self) -> None:
        self._bars.clear()
        self._slots.clear()
        if not self.buckets:
            return
        top, bottom = float(TEXT_HEIGHT + 2), float(self.height() - 2)
        width = max(1.0, (self.width() - 4) / len(self.buckets))
        peak = max((b.total for b in self.buckets), default=0) or 1
        scale = (bottom - top) / peak
        colours = (QColor(fmt.VALID), QColor(fmt.NEUTRAL), QColor(fmt.INVALID))
        for i, b in enumerate(self.buckets):
            x = 2 + i * width
            self._slots.append(QRectF(x, top, width, bottom - top))
            y = bottom
            for count, colour in zip((b.valid, b.other, b.invalid), colours, strict=True):
                if count:
                    h = max(1.0, count * scale)
                    self._bars.append((QRectF(x + 0.5, y - h, max(1.0, width - 1.0), h),
                                       colour))
                    y -= h

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._layout()
        super().resizeEvent(event)

    def paintEvent(self, _event: QPaintEvent) -> None:
        self.paints += 1
        painter = QPainter(self)
        painter.setPen(self.palette().placeholderText().color())
        font = painter.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        painter.setFont(font)
        painter.drawText(QRectF(4, 0, self.width() - 8, TEXT_HEIGHT),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         summary(self.buckets))
        for rect, colour in self._bars:
            painter.fillRect(rect, colour)
        painter.setPen(self.palette().mid().color())
        painter.drawLine(2, self.height() - 2, self.width() - 2, self.height() - 2)
        painter.end()

    def bucket_at(self, x: float) -> TrafficBucket | None:
        for slot, bucket in zip(self._slots, self.buckets, strict=False):
            if slot.left() <= x < slot.right():
                return bucket
        return None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            bucket = self.bucket_at(event.pos().x())
            if bucket is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), bucket_text(bucket), self)
            return True
        return super().event(event)
