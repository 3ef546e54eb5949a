"""The command palette (Ctrl+K, Ctrl+Shift+P): type part of any command's or section's name,
press Enter, it runs.

Matching is fuzzy in the way editors made familiar: the typed letters must appear in order
("gtdel" finds "Go to Deliveries"); matches at word starts and in runs score higher, so the
command people mean comes first. Disabled commands are listed greyed with why not to run
them, rather than hidden (a person looking for "Delete" learns it needs a selection).

The palette is a popup over the window, opened with ``show()`` (never ``exec()``: a nested
event loop inside the qasync loop), closed by Escape, by running a command, or by clicking
elsewhere.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.ui.commands import Command, CommandRegistry


def fuzzy_score(query: str, text: str) -> int | None:
    """How well ``query`` matches ``text`` (higher is better), or None when it does not.

    Each word of the query must begin at the start of a word of the text, in order, and its
    other letters follow in order ("godel" and "go del" find "Go ▸ Deliveries", "theme drk"
    finds "View ▸ Theme ▸ Dark"); letters scattered inside words ("rep" in "errors") do not
    count. The whole query found as typed scores highest; shorter texts win ties.
    """
    hay = text.lower()
    words = query.lower().split()
    if not words:
        return 0
    placed = _place(words, hay, 0)
    if placed is None:
        return None
    score = placed
    where = hay.find(" ".join(words))
    if where >= 0:
        score += 100 + (40 if _word_start(hay, where) else 0)
    return score * 4 - len(hay) // 4


def _word_start(hay: str, i: int) -> bool:
    return i == 0 or (hay[i].isalnum() and not hay[i - 1].isalnum())


def _place(words: list[str], hay: str, pos: int) -> int | None:
    """The best score placing ``words`` in ``hay`` from ``pos`` (each starting at a word
    start), or None. Texts are menu titles: trying every start is cheap."""
    if not words:
        return 0
    word, rest = words[0], words[1:]
    best: int | None = None
    for start in range(pos, len(hay)):
        if hay[start] != word[0] or not _word_start(hay, start):
            continue
        score, at, run = 10, start + 1, 0
        for ch in word[1:]:
            found = hay.find(ch, at)
            if found < 0:
                score = -1
                break
            run = run + 1 if found == at else 0
            score += 5 * run + (10 if _word_start(hay, found) else 1)
            at = found + 1
        if score < 0:
            break  # later starts have even less text left
        tail = _place(rest, hay, at)
        if tail is not None and (best is None or score + tail > best):
            best = score + tail
    return best


def rank(query: str, commands: list[Command]) -> list[Command]:
    """The commands matching ``query``, best first; registry order breaks ties (and is the
    order of the empty query)."""
    scored = []
    for index, command in enumerate(commands):
        best = max((s for s in (fuzzy_score(query, command.path()),
                                fuzzy_score(query, command.title),
                                fuzzy_score(query, command.keywords) if command.keywords
                                else None) if s is not None), default=None)
        if best is not None:
            scored.append((-best, index, command))
    return [c for _, _, c in sorted(scored, key=lambda t: (t[0], t[1]))]


class CommandPalette(QFrame):
    """A search field over a list of matching commands; Enter runs the highlighted one."""

    def __init__(self, registry: CommandRegistry, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("command_palette")
        self.registry = registry
        self.setWindowFlags(Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Command palette")
        self.field = QLineEdit(placeholderText="Type a command or a section…")
        self.field.setAccessibleName("Command to find")
        self.list = QListWidget()
        self.list.setAccessibleName("Matching commands")
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay in the field
        self.list.setUniformItemSizes(True)
        self.hint = QLabel("↑↓ to choose · Enter to run · Esc to close")
        self.hint.setProperty("role", "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 6)
        layout.addWidget(self.field)
        layout.addWidget(self.list)
        layout.addWidget(self.hint)
        self.field.textChanged.connect(lambda _text: self.update_matches())
        self.field.returnPressed.connect(self.run_current)
        self.field.installEventFilter(self)
        self.list.itemClicked.connect(lambda item: self._run_item(item))

    def open(self) -> None:
        """Show over the top of the parent window, empty, with every command listed."""
        parent = self.parentWidget()
        assert parent is not None
        self.registry.refresh()
        width = min(620, max(360, parent.width() - 80))
        self.resize(width, min(420, max(240, parent.height() - 120)))
        top_left = parent.mapToGlobal(parent.rect().topLeft())
        self.move(top_left.x() + (parent.width() - width) // 2, top_left.y() + 60)
        self.field.clear()
        self.update_matches()
        self.show()
        self.raise_()
        self.activateWindow()
        self.field.setFocus(Qt.FocusReason.PopupFocusReason)
        # Offscreen and some window managers only focus a popup once it is shown.
        QTimer.singleShot(0, lambda: self.field.setFocus(Qt.FocusReason.PopupFocusReason))

    def update_matches(self) -> None:
        self.list.clear()
        for command in rank(self.field.text(), [c for c in self.registry
                                                 if c.id != "view.palette"]):
            keys = command.shortcut_text()
            item = QListWidgetItem(f"{command.path()}" + (f"    {keys}" if keys else ""))
            item.setData(Qt.ItemDataRole.UserRole, command.id)
            if not command.is_enabled():
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                item.setToolTip("Not available here now")
            elif command.tip:
                item.setToolTip(command.tip)
            self.list.addItem(item)
        for row in range(self.list.count()):  # the best match that can run
            if self.list.item(row).flags() & Qt.ItemFlag.ItemIsEnabled:
                self.list.setCurrentRow(row)
                break

    def matches(self) -> list[str]:
        """The listed command ids, in order (for tests and accessibility tools)."""
        return [str(self.list.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.list.count())]

    def run_current(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._run_item(item)

    def _run_item(self, item: QListWidgetItem) -> None:
        if not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        command_id = str(item.data(Qt.ItemDataRole.UserRole))
        self.hide()
        # After the popup has closed, so a command that opens a dialog or moves focus
        # (Ctrl+F's "Find") lands on the window, not on the vanishing popup.
        QTimer.singleShot(0, lambda: self.registry.run(command_id))

    def _step(self, delta: int) -> None:
        count = self.list.count()
        row = self.list.currentRow()
        for _ in range(count):
            row = (row + delta) % count
            if self.list.item(row).flags() & Qt.ItemFlag.ItemIsEnabled:
                self.list.setCurrentRow(row)
                return

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.field and isinstance(event, QKeyEvent) \
                and event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.list.count():
                self._step(1 if key == Qt.Key.Key_Down else -1)
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)
