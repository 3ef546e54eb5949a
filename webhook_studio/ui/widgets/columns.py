"""Table columns that stay readable when the window is narrow.

One column (a path, a URL) takes the room that is left, but never less than ``minimum``; when
the table is too narrow for that, the least important columns are hidden, in the order given,
and come back when there is room again. Without this the stretching column collapsed to "/…"
at 1024 px while fixed columns nobody was reading kept their width.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHeaderView, QTableView


class ResponsiveColumns(QObject):
    def __init__(self, view: QTableView, stretch: int, minimum: int,
                 optional: Sequence[int] = ()) -> None:
        super().__init__(view)
        self.view = view
        self.stretch = stretch
        self.minimum = minimum
        self.optional = tuple(optional)
        # Remembered now: a hidden column reports a width of 0.
        self.widths = {c: view.columnWidth(c) for c in self.optional}
        header = view.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        view.viewport().installEventFilter(self)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        header = self.view.horizontalHeader()
        room = self.view.viewport().width()
        fixed = sum(header.sectionSize(c) for c in range(header.count())
                    if c != self.stretch and c not in self.optional)
        left = room - fixed - self.minimum
        # Show optional columns, most important first, while the stretching one keeps room.
        for column in reversed(self.optional):
            width = self.widths[column]
            show = left >= width
            if show:
                left -= width
            self.view.setColumnHidden(column, not show)

    def hidden(self) -> list[int]:
        return [c for c in self.optional if self.view.isColumnHidden(c)]
