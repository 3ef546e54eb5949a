"""A table model that shows millions of rows without loading them: pages fetched on demand.

The model asks its source for the row count once per refresh and for pages of rows only when
the view paints them; a small LRU of pages keeps scrolling smooth. New rows are picked up by
:meth:`refresh` (batched by the caller, e.g. every 250 ms), never per insert.

Given ``reads`` (the window's :class:`~webhook_studio.ui.query_op.Queries`), the count (a
filtered count over a million rows takes seconds) runs on a worker thread: until it arrives
the rows shown keep the previous count, re-read from the new query; a different count then
resets the rows once more (callers re-select on ``counted``). One count of a query runs at a
time: a :meth:`refresh` asked while it runs re-reads the rows at once and counts once more
after it. Starting a count per refresh instead, each dropping the last, never showed a count
while batches came faster than a count took (Deliveries while sending over a big store).

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
    count_failed(): a refresh's count failed (a sentence is shown); the rows keep their count.
    loaded(): a page arrived (callers waiting for a row look again).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from webhook_studio.ui.theme import palette_generation

Index = QModelIndex | QPersistentModelIndex
#: What a row shows while its page is being read.
PLACEHOLDER = "…"
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_ANSWERED = frozenset((_DISPLAY, _TOOLTIP, _FOREGROUND, _ALIGNMENT))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


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
    count_failed = Signal()
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
        #: The count in flight (its results are ignored once another replaces it), and
        #: whether a refresh asked meanwhile wants one more after it.
        self._count_token: object | None = None
        self._recount = False
        self.pages_fetched = 0
        #: id(row) → (row, palette generation, its columns' texts, their colours); see
        #: :meth:`_cells_of`.
        self._cells: dict[int, tuple[Any, int, tuple[str, ...], tuple[Any, ...]]] = {}
        self.refresh()

    @property
    def source(self) -> PageSource:
        return self._source

    def set_source(self, source: PageSource) -> None:
        """Swap the query (a new filter) and reload from the top: a count of the old query
        still running is dropped."""
        self._source = source
        self._count_token = None
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
        if self._count_token is not None:  # this query's count runs: one more after it
            self._recount = True
        else:
            self._start_count()
        self._request(0)  # the top rows, read with the count: what a view shows first

    def _start_count(self) -> None:
        self.counting = True
        self._recount = False
        self._count_token = token = object()
        self._reads.run("count", self._source.count, lambda n: self._counted(token, n),
                        lambda: self._count_ended(token))

    def _counted(self, token: object, count: int) -> None:
        if token is not self._count_token:  # the query changed meanwhile: its own count follows
            return
        self._count_token = None
        self.counting = False
        if count != self._count:  # pages read with the old count may be mirrored wrongly
            self.beginResetModel()
            self._drop_pages()
            self._count = count
            self.endResetModel()
            self._request(0)
        if self._recount:  # started first: listeners see that a newer count follows
            self._start_count()
        self.counted.emit()

    def _count_ended(self, token: object) -> None:
        """The count failed (a sentence is shown): the rows keep the count they had, and
        callers stop waiting for it; a refresh asked meanwhile counts again."""
        if token is not self._count_token:  # shown by ``_counted``, or replaced
            return
        self._count_token = None
        self.counting = False
        if self._recount:
            self._start_count()
        self.count_failed.emit()

    def insert_top(self, count: int, rows: Sequence[Any] = ()) -> None:
        """``count`` new rows arrived above the others (newest first): no full re-count.
        Given the new ``rows`` themselves, the pages held from the top are shifted under
        them, so the view repaints once with every row it shows (dropping them meant a
        repaint of placeholders, a read of the first page, and a second repaint, at every
        batch while ingesting)."""
        if count <= 0:
            return
        self.beginInsertRows(QModelIndex(), 0, count - 1)
        held = self._top_rows() if len(rows) == count else None
        self._drop_pages()  # every offset moved down by ``count``
        self._count += count
        if held is not None:
            flat = [*rows, *held]
            for number, first in enumerate(range(0, len(flat), self.PAGE_SIZE)):
                page = flat[first:first + self.PAGE_SIZE]
                if len(page) == self.PAGE_SIZE or first + len(page) >= self._count:
                    self._pages[number] = page
        self.endInsertRows()
        self._request(0)

    def _top_rows(self) -> list[Any] | None:
        """The rows of the pages held without a gap from the top (None without page 0)."""
        if 0 not in self._pages:
            return None
        flat: list[Any] = []
        number = 0
        while number in self._pages and number < self.MAX_PAGES:
            page = self._pages[number]
            flat.extend(page)
            if len(page) < self.PAGE_SIZE:
                break
            number += 1
        return flat

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

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        """Called for each role of each cell at every repaint (about ten per cell): the
        roles are compared as plain ints, and the ones no column answers return first.
        Comparing to ``Qt.ItemDataRole`` members and asking the index first cost ~9 µs a
        call, 30-60 ms per repaint of a full list."""
        if role not in _ANSWERED or not index.isValid():
            return None
        column = self._columns[index.column()]
        if role == _DISPLAY:
            obj = self.row_object(index.row())
            return PLACEHOLDER if obj is None else self._cells_of(obj)[0][index.column()]
        if role == _ALIGNMENT:
            return _RIGHT if column.align_right else None
        if role == _FOREGROUND:
            if column.foreground is None:
                return None
            obj = self.row_object(index.row())
            return None if obj is None else self._cells_of(obj)[1][index.column()]
        if column.tooltip is None:
            return None
        obj = self.row_object(index.row())
        return None if obj is None else column.tooltip(obj)

    def cell(self, row: int, column: int) -> tuple[str, Any, bool]:
        """(text, colour or None, right-aligned) of one cell in a single call: what the
        lists' :class:`~webhook_studio.ui.widgets.cell_delegate.CellDelegate` paints, instead
        of the three ``data()`` calls (and the QModelIndex work) a style-drawn cell costs."""
        obj = self.row_object(row)
        right = self._columns[column].align_right
        if obj is None:
            return PLACEHOLDER, None, right
        texts, colours = self._cells_of(obj)
        return texts[column], colours[column], right

    def _cells_of(self, obj: Any) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Every column's text and colour for a row, worked out once (a column's text is a
        function of its row alone; its colour, of the row and the palette: View ▸ Theme bumps
        :func:`~webhook_studio.ui.theme.palette_generation`). A repaint, four a second while
        ingesting, only looks them up; a status colour asks the application for its palette,
        ~0.1 ms a call."""
        generation = palette_generation()
        entry = self._cells.get(id(obj))
        if entry is None or entry[0] is not obj or entry[1] != generation:
            if len(self._cells) >= self.MAX_PAGES * self.PAGE_SIZE:
                self._cells.clear()  # rows no page holds any more go with the rest
            entry = (obj, generation, tuple(column.text(obj) for column in self._columns),
                     tuple(None if column.foreground is None else column.foreground(obj)
                           for column in self._columns))
            self._cells[id(obj)] = entry  # the row is kept with it, so its id stays its own
        return entry[2], entry[3]

    def headerData(
        self, section: int, orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        return None
