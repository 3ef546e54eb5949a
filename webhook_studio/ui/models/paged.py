"""A table model that shows millions of rows without loading them: pages fetched on demand.

The model asks its source for the row count once per refresh and for pages of rows only when
the view paints them; a small LRU of pages keeps scrolling smooth. New rows are picked up by
:meth:`refresh` (batched by the caller, e.g. every 100 ms), never per insert.

Given ``reads`` (the window's :class:`~webhook_studio.ui.query_op.Queries`), the count (a
filtered count over a million rows takes seconds) runs on a worker thread: until it arrives
the rows shown keep the previous count, re-read from the new query; a different count then
resets the rows once more (callers re-select on ``counted``).

Pages are read there too (a SQLite file busy with another process's import must not freeze
the window): a row whose page is not here shows :data:`PLACEHOLDER` and asks for the page,
once while its read is in flight; ``dataChanged`` repaints the rows when it arrives. A page
read for rows that have moved since (a reset, rows inserted above, another query) is
dropped. So :meth:`row_object` is None for a row not read yet: callers that need exact rows
use :meth:`find_row` (retried on ``loaded``) or :meth:`rows_of` (a selection's objects,
read on a worker thread when their pages are not here, e.g. Delete after Ctrl+A).

Without ``reads`` (a plain unit test) the count and pages are read at once, on the calling
thread.

Signals:
    counted(): a refresh's count arrived and the rows follow it.
    loaded(): a page arrived (callers waiting for a row look again).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

Index = QModelIndex | QPersistentModelIndex
#: What a row shows while its page is being read.
PLACEHOLDER = "…"


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
    loaded = Signal()

    def __init__(self, source: PageSource, columns: Sequence[Column],
                 reads: Any = None) -> None:
        super().__init__()
        self._reads = reads
        self._source = source
        self._columns = tuple(columns)
        self._count = 0
        self._pages: OrderedDict[int, Sequence[Any]] = OrderedDict()
        #: Pages asked for and not answered yet (one read per page in flight).
        self._pending: set[int] = set()
        #: Bumped whenever the cached pages stop being valid (a reset, rows inserted above):
        #: a page read for an older generation is dropped when it arrives.
        self._generation = 0
        #: True from a refresh until its count arrives.
        self.counting = False
        self.pages_fetched = 0
        self.refresh()

    @property
    def source(self) -> PageSource:
        return self._source

    def set_source(self, source: PageSource) -> None:
        """Swap the query (a new filter) and reload from the top."""
        self._source = source
        self.refresh()

    def _drop_pages(self) -> None:
        self._pages.clear()
        self._pending.clear()
        self._generation += 1

    def refresh(self) -> None:
        """Re-count and drop cached pages; the view re-asks for what it shows."""
        self.beginResetModel()
        self._drop_pages()
        if self._reads is None:
            self._count = self._source.count()
        self.endResetModel()
        if self._reads is None:
            self.counted.emit()
            return
        self.counting = True
        source = self._source
        self._reads.run("count", source.count, lambda n: self._counted(source, n))
        self._request(0)  # the top rows, read with the count: what a view shows first

    def _counted(self, source: PageSource, count: int) -> None:
        if source is not self._source:  # the query changed meanwhile: its own count follows
            return
        self.counting = False
        if count != self._count:  # pages read with the old count may be mirrored wrongly
            self.beginResetModel()
            self._drop_pages()
            self._count = count
            self.endResetModel()
            self._request(0)
        self.counted.emit()

    def insert_top(self, count: int) -> None:
        """``count`` new rows arrived above the others (newest first): no full re-count."""
        if count <= 0:
            return
        self.beginInsertRows(QModelIndex(), 0, count - 1)
        self._drop_pages()  # every offset moved down by ``count``
        self._count += count
        self.endInsertRows()
        self._request(0)

    def _request(self, number: int) -> Sequence[Any] | None:
        """Ask for page ``number`` (once while a read for it is in flight); the page when it
        is already here (or read at once: no event loop, no ``reads``)."""
        if number in self._pages:
            self._pages.move_to_end(number)
            return self._pages[number]
        if number in self._pending or not 0 <= number * self.PAGE_SIZE < max(self._count, 1):
            return None
        source, total, generation = self._source, self._count, self._generation
        offset = number * self.PAGE_SIZE

        def read() -> Sequence[Any]:
            try:
                return source.page(offset, self.PAGE_SIZE, total)
            except Exception:
                # a failed read (a sentence in the status bar) may be asked again by the
                # next repaint; set.discard is atomic, and a newer generation's is its own
                if generation == self._generation:
                    self._pending.discard(number)
                raise

        if self._reads is None:
            self._store(number, read(), generation)
        else:
            self._pending.add(number)
            self._reads.run(f"page {number}", read,
                            lambda page: self._arrived(number, page, generation))
        return self._pages.get(number)

    def _store(self, number: int, page: Sequence[Any], generation: int) -> bool:
        if generation != self._generation:  # read for rows that moved or a replaced query
            return False
        self.pages_fetched += 1
        self._pending.discard(number)
        self._pages[number] = page
        while len(self._pages) > self.MAX_PAGES:
            self._pages.popitem(last=False)
        return True

    def _arrived(self, number: int, page: Sequence[Any], generation: int) -> None:
        if not self._store(number, page, generation):
            return
        first = number * self.PAGE_SIZE
        last = min(first + self.PAGE_SIZE, self._count) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0),
                                  self.index(last, len(self._columns) - 1))
        self.loaded.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def row_object(self, row: int) -> Any | None:
        """The row's object, or None while its page is being read (it is asked for; the
        rows repaint and ``loaded`` is emitted when it arrives)."""
        if not 0 <= row < self._count:
            return None
        number, offset = divmod(row, self.PAGE_SIZE)
        page = self._request(number)
        if page is None:
            return None
        return page[offset] if offset < len(page) else None

    def find_row(self, match: Callable[[Any], bool], limit: int) -> tuple[int | None, bool]:
        """``(row, complete)``: the first of the top ``limit`` rows that ``match``es, among
        the pages read so far; the missing ones are asked for. ``complete`` is False while
        some are still being read (then retry on ``loaded``)."""
        complete = True
        for number in range(-(-min(self._count, limit) // self.PAGE_SIZE)):
            page = self._request(number)
            if page is None:
                complete = False
                continue
            for offset, obj in enumerate(page):
                row = number * self.PAGE_SIZE + offset
                if row < limit and match(obj):
                    return row, True
        return None, complete

    def rows_of(self, rows: Sequence[tuple[int, int]],
                then: Callable[[list[Any]], object]) -> None:
        """The objects of the inclusive row ranges ``rows``, to ``then``: at once when their
        pages are here, else read on a worker thread (a Ctrl+A over a million rows reads
        them there, never on the GUI thread)."""
        found: list[Any] = []
        for top, bottom in rows:
            for row in range(top, bottom + 1):
                number, offset = divmod(row, self.PAGE_SIZE)
                page = self._pages.get(number)
                if page is None:
                    break
                if offset < len(page):
                    found.append(page[offset])
            else:
                continue
            break
        else:
            then(found)
            return
        source, total = self._source, self._count

        def read() -> list[Any]:
            out: list[Any] = []
            for top, bottom in rows:
                out.extend(source.page(top, bottom - top + 1, total))
            return out

        if self._reads is None:
            then(read())
        else:
            self._reads.run("rows", read, then)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            obj = self.row_object(index.row())
            return PLACEHOLDER if obj is None else column.text(obj)
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
