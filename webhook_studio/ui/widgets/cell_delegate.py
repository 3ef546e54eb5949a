"""How the big lists (Inbox, Deliveries) paint a cell: its text drawn once, then copied.

While captures arrive the Inbox list repaints four times a second, every visible row moved
down by the new ones. Qt's own item delegate asks the model for about ten roles per cell and
lays its text out again each time: measured 13-24 ms a repaint of a full list (240 cells),
most of it text layout, which was most of the window's loop lag while ingesting
(docs/benchmarks.md, "Loop lag while the traffic strip follows ingest"). This delegate asks
the model once per cell (:meth:`~webhook_studio.ui.models.paged.PagedTableModel.cell`) and
keeps each drawn text as a small transparent pixmap keyed by everything that changes its
pixels (text, size, colour, alignment, font, pixel ratio), so a repaint is mostly pixmap
copies. The row background (alternating colours) is still the view's; selection, the focus
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
               colour.rgba() if colour is not None else -palette_generation() - 1, right,
               self._font_key, ratio)
        pixmap = self._drawn.get(key)
        if pixmap is None:
            if colour is None:
                colour = option.palette.color(QPalette.ColorRole.Text)
            pixmap = self._draw(option, text, colour, right, ratio)
            self._drawn[key] = pixmap
            if len(self._drawn) > self.MAX_DRAWN:
                self._drawn.popitem(last=False)
        else:
            self._drawn.move_to_end(key)
        painter.drawPixmap(rect.topLeft(), pixmap)
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
        room = rect.width() - 2 * self._margin
        if room > 0:
            pen = QPainter(pixmap)
            pen.setFont(option.font)
            pen.setPen(colour)
            shown = option.fontMetrics.elidedText(text, self._view.textElideMode(), room)
            pen.drawText(self._margin, 0, room, rect.height(), _RIGHT if right else _LEFT,
                         shown)
            pen.end()
        self.drawn_count += 1
        return pixmap
