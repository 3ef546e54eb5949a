"""Help ▸ Keyboard shortcuts: every command with a shortcut, generated from the registry (so
it cannot go stale), grouped by menu, with a field to narrow the list."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.ui.commands import MENUS, CommandRegistry


def shortcut_rows(registry: CommandRegistry) -> list[tuple[str, str, str]]:
    """(menu, command, shortcut) for every command that has a shortcut, menu by menu."""
    rows = []
    for menu in MENUS:
        for command in registry.in_menu(menu):
            keys = command.shortcut_text()
            if keys:
                title = f"{command.submenu} ▸ {command.title}" if command.submenu \
                    else command.title
                rows.append((menu, title.replace("&", ""), keys))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, registry: CommandRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcuts_dialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.filter = QLineEdit(placeholderText="Filter by command or key…")
        self.filter.setAccessibleName("Filter shortcuts")
        self.filter.setClearButtonEnabled(True)
        rows = shortcut_rows(registry)
        self.table = QTableWidget(len(rows), 3)
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setHorizontalHeaderLabels(["Menu", "Command", "Shortcut"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.filter.textChanged.connect(self._narrow)
        self.resize(560, 520)

    def _narrow(self, text: str) -> None:
        needle = text.strip().lower()
        for r in range(self.table.rowCount()):
            cells = " ".join(self._text(r, c).lower() for c in range(3))
            self.table.setRowHidden(r, bool(needle) and needle not in cells)

    def visible_rows(self) -> list[tuple[str, str, str]]:
        return [(self._text(r, 0), self._text(r, 1), self._text(r, 2))
                for r in range(self.table.rowCount()) if not self.table.isRowHidden(r)]

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item is not None else ""


def open_shortcuts(registry: CommandRegistry, parent: QWidget) -> ShortcutsDialog:
    dialog = ShortcutsDialog(registry, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
