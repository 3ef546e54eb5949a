"""How the big lists (Inbox, Deliveries) paint a cell: its text drawn once, then copied.

While captures arrive the Inbox list repaints four times a second, every visible row moved
down by the new ones. Qt's own item delegate asks the model for about ten roles per cell and
lays its text out again each time: measured 11-24 ms a repaint of a full list (240 cells),
most of it text layout, which was most of the window's loop lag while ingesting
(docs/benchmarks.md, "Loop lag while the traffic strip follows ingest"). This delegate asks
the model once per cell (:meth:`~webhook_studio.ui.models.paged.PagedTableModel.cell`) and
keeps each text painted more than once as a small transparent pixmap keyed by everything
that changes its pixels (text, size, colour, alignment, font, pixel ratio), so a repaint is
mostly pixmap copies (2.3x cheaper than Qt's delegate, bench/list_repaint.py). A text
painted for the first time is written straight onto the list: at 1,400 captures a second a
batch brings more new rows than a screen holds, their numbers and times are never painted
twice, and drawing them into pixmaps first left a repaint of all-new rows only 1.07x cheaper
than Qt's (1.17x written straight; texts repeated on the screen are kept at once).
The row background (alternating colours) is still the view's; selection, the focus
frame and eliding follow the style and the palette in use, so Light, Dark and the keyboard
focus look as they do with Qt's delegate.

The model's ``data()`` is unchanged: screen readers, tooltips and tests read it as before.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionFocusRect,
    QStyleOptionViewItem,
)

from webhook_studio.ui.theme import palette_generation

_SELECTED = QStyle.StateFlag.State_Selected.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_FOCUS = QStyle.StateFlag.State_HasFocus.value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class CellDelegate(QStyledItemDelegate):
    """Each paint reads only what a cached text needs (enum flags as ints, the palette only
    for a selected row or a text drawn for the first time): the attributes of a style
    option are copies made per read, ~20 µs a cell when all were read."""

    #: Drawn texts kept (least recently used go first): a screen of 50 rows of 8 columns
    #: takes 400, texts repeat (methods, statuses, verdicts), and each is a few KB.
    MAX_DRAWN = 1024

    def __init__(self, parent: QAbstractItemView) -> None:
        super().__init__(parent)
        self._view = parent
        self._drawn: OrderedDict[tuple[Any, ...], QPixmap] = OrderedDict()
        #: Texts painted once, straight onto the list: drawn to a pixmap when seen again.
        self._seen: dict[tuple[Any, ...], None] = {}
        #: Drawn texts made so far (the tests read it to see the cache at work).
        self.drawn_count = 0
        self._font = QFont()
        self._font_key = self._font.key()
        # Qt's item views leave this much room either side of a cell's text.
        self._margin = parent.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin,
                                                  None, parent) + 1

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        text, colour, right = index.model().cell(index.row(), index.column())  # type: ignore[attr-defined]
        rect = option.rect
        state = option.state.value
        if state & _SELECTED:
            palette = option.palette
            group = (QPalette.ColorGroup.Active if state & _ACTIVE
                     else QPalette.ColorGroup.Inactive)
            painter.fillRect(rect, palette.brush(group, QPalette.ColorRole.Highlight))
            colour = palette.color(group, QPalette.ColorRole.HighlightedText)
        font = option.font
        if font != self._font:
            self._font, self._font_key = font, font.key()
        ratio = painter.device().devicePixelRatioF()
        # Without a colour of its own a text takes the palette's, so the palette in use
        # (View ▸ Theme) is part of what it looks like.
        key = (text, rect.width(), rect.height(),
               colour.rgba() if colour is not None
               else -2 * palette_generation() - 1 - bool(state & _ENABLED), right,
               self._font_key, ratio)
        pixmap = self._drawn.get(key)
        if pixmap is not None:
            self._drawn.move_to_end(key)
            painter.drawPixmap(rect.topLeft(), pixmap)
        else:
            if colour is None:
                group = (QPalette.ColorGroup.Normal if state & _ENABLED
                         else QPalette.ColorGroup.Disabled)  # a disabled list greys its text
                colour = option.palette.color(group, QPalette.ColorRole.Text)
            if key in self._seen:  # painted before: keep it drawn from now on
                pixmap = self._draw(option, text, colour, right, ratio)
                self._drawn[key] = pixmap
                if len(self._drawn) > self.MAX_DRAWN:
                    self._drawn.popitem(last=False)
                painter.drawPixmap(rect.topLeft(), pixmap)
            else:  # a text seen once may never be painted again (a busy Inbox's newest rows)
                self._seen[key] = None
                if len(self._seen) > 2 * self.MAX_DRAWN:
                    self._seen.clear()
                painter.save()
                self._write(painter, option, text, colour, right, rect.x(), rect.y())
                painter.restore()
        if state & _FOCUS:  # the keyboard's place in the list, as Qt's delegate shows it
            frame = QStyleOptionFocusRect()
            frame.rect = rect
            frame.state = option.state
            frame.palette = option.palette
            self._view.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameFocusRect,
                                             frame, painter, self._view)

    def _draw(self, option: QStyleOptionViewItem, text: str, colour: QColor, right: bool,
              ratio: float) -> QPixmap:
        rect = option.rect
        pixmap = QPixmap(max(1, round(rect.width() * ratio)),
                         max(1, round(rect.height() * ratio)))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        pen = QPainter(pixmap)
        self._write(pen, option, text, colour, right, 0, 0)
        pen.end()
        self.drawn_count += 1
        return pixmap

    def _write(self, painter: QPainter, option: QStyleOptionViewItem, text: str,
               colour: QColor, right: bool, x: int, y: int) -> None:
        """The text as Qt's delegate lays it out: elided to the room the margins leave."""
        rect = option.rect
        room = rect.width() - 2 * self._margin
        if room <= 0:
            return
        painter.setFont(option.font)
        painter.setPen(colour)
        shown = option.fontMetrics.elidedText(text, self._view.textElideMode(), room)
        painter.drawText(x + self._margin, y, room, rect.height(), _RIGHT if right else _LEFT,
                         shown)
