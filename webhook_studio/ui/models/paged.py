"""A table model that shows millions of rows without loading them: pages fetched on demand.

The model asks its source for the row count once per refresh and for pages of rows only when
the view paints them; a small LRU of pages keeps scrolling smooth. New rows are picked up by
:meth:`refresh` (batched by the caller, e.g. every 100 ms), never per insert.

Given ``reads`` (the window's :class:`~webhook_studio.ui.query_op.Queries`), the count (a
filtered count over a million rows takes seconds) runs on a worker thread: until it arrives
the rows shown keep the previous count, re-read from the new query; a different count then
resets the rows once more (callers re-select on ``counted``). Pages stay on the GUI
thread: each is one ``LIMIT 200`` walk of an index (the mirrored query keeps it short at any
offset), and reading them at once keeps selections and row look-ups exact.

Signals:
    counted(): a refresh's count arrived and the rows follow it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

Index = QModelIndex | QPersistentModelIndex


class PageSource(Protocol):
    """Where rows come from (a store query); rows are any objects the columns understand."""

    def count(self) -> int: ...

    def page(self, offset: int, limit: int, total: int) -> Sequence[Any]:
        """Rows ``offset`` … ``offset + limit`` of the ``total`` the model shows."""


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    tooltip: Callable[[Any], str | None] | None = None
    foreground: Callable[[Any], Any] | None = None
    align_right: bool = False


class PagedTableModel(QAbstractTableModel):
    PAGE_SIZE = 200
    MAX_PAGES = 64
    counted = Signal()

    def __init__(self, source: PageSource, columns: Sequence[Column],
                 reads: Any = None) -> None:
        super().__init__()
        self._reads = reads
        self._source = source
        self._columns = tuple(columns)
        self._count = 0
        self._pages: OrderedDict[int, Sequence[Any]] = OrderedDict()
        self.pages_fetched = 0
        self.refresh()

    def set_source(self, source: PageSource) -> None:
        """Swap the query (a new filter) and reload from the top."""
        self._source = source
        self.refresh()

    def refresh(self) -> None:
        """Re-count and drop cached pages; the view re-asks for what it shows."""
        self.beginResetModel()
        self._pages.clear()
        if self._reads is None:
            self._count = self._source.count()
        self.endResetModel()
        if self._reads is None:
            self.counted.emit()
            return
        source = self._source
        self._reads.run("count", source.count, lambda n: self._counted(source, n))

    def _counted(self, source: PageSource, count: int) -> None:
        if source is not self._source:  # the query changed meanwhile: its own count follows
            return
        if count != self._count:  # pages read with the old count may be mirrored wrongly
            self.beginResetModel()
            self._pages.clear()
            self._count = count
            self.endResetModel()
        self.counted.emit()

    def insert_top(self, count: int) -> None:
        """``count`` new rows arrived above the others (newest first): no full re-count."""
        if count <= 0:
            return
        self.beginInsertRows(QModelIndex(), 0, count - 1)
        self._pages.clear()  # every offset moved down by ``count``
        self._count += count
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def row_object(self, row: int) -> Any | None:
        if not 0 <= row < self._count:
            return None
        number, offset = divmod(row, self.PAGE_SIZE)
        page = self._pages.get(number)
        if page is None:
            page = self._source.page(number * self.PAGE_SIZE, self.PAGE_SIZE, self._count)
            self.pages_fetched += 1
            self._pages[number] = page
            while len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page[offset] if offset < len(page) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            obj = self.row_object(index.row())
            return None if obj is None else column.text(obj)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip:
            obj = self.row_object(index.row())
            return None if obj is None else column.tooltip(obj)
        if role == Qt.ItemDataRole.ForegroundRole and column.foreground:
            obj = self.row_object(index.row())
            return None if obj is None else column.foreground(obj)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        return None
