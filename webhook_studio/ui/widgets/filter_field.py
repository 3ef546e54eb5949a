"""The search field of the Inbox and Deliveries: the filter language (core/filter_syntax.py)
with key and value completion, a sentence under the field when the text cannot be read, and
a menu of saved filters.

The field only reads text; the section applies the filter. A filter that does not parse keeps
the list as it was (nothing is lost while a person is halfway through typing ``status:>=``).

Signals:
    filter_changed(str): the text parsed and the person paused typing (250 ms).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.filter_syntax import (
    FREE_TEXT,
    FilterKind,
    FilterSyntaxError,
    completions,
    parse_filter,
)
from webhook_studio.store.saved_filters import SavedFilters
from webhook_studio.ui import dialogs
from webhook_studio.ui.theme import set_tone

EXAMPLES = {FilterKind.CAPTURES: "method:POST verdict:invalid header:x-github-event=push",
            FilterKind.DELIVERIES: "state:dead event:user.* status:5xx"}


class FilterLine(QLineEdit):
    """A line edit whose completer completes the word at the cursor, not the whole line."""

    def __init__(self, kind: FilterKind, known: Callable[[], dict[str, tuple[str, ...]]]
                 ) -> None:
        super().__init__()
        self.kind = kind
        self.known = known
        self._known_cache: dict[str, tuple[str, ...]] | None = None
        self._word_start = 0
        self.completions = QStringListModel(self)
        self.keys_completer = QCompleter(self.completions, self)
        self.keys_completer.setWidget(self)
        self.keys_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.keys_completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.keys_completer.activated.connect(self.insert_completion)
        popup = self.keys_completer.popup()
        assert popup is not None
        self.popup = popup
        self.textEdited.connect(lambda _text: self.suggest())

    def refresh_known(self) -> None:
        """Forget the values read from the store (new endpoints, new header names)."""
        self._known_cache = None

    def suggest(self) -> list[str]:
        """Offer what may complete the word at the cursor; returns the choices shown."""
        if self._known_cache is None:
            self._known_cache = self.known()
        start, found = completions(self.text(), self.cursorPosition(), self.kind,
                                   self._known_cache)
        self._word_start = start
        texts = [c.text for c in found][:40]
        self.completions.setStringList(texts)
        if texts and self.isVisible():
            rect = self.cursorRect()
            rect.setWidth(max(260, self.popup.sizeHintForColumn(0) + 24))
            self.keys_completer.complete(rect)
        else:
            self.popup.hide()
        return texts

    def insert_completion(self, chosen: str) -> None:
        text, cursor = self.text(), self.cursorPosition()
        end = cursor
        while end < len(text) and not text[end].isspace():
            end += 1
        tail = text[end:]
        head = text[:self._word_start] + chosen
        if chosen.endswith(":"):  # a key: the value comes next, right here
            self.setText(head + tail)
            self.setCursorPosition(len(head))
        else:
            self.setText(head + " " + tail.lstrip(" "))
            self.setCursorPosition(len(head) + 1)
        self.textEdited.emit(self.text())
        if chosen.endswith(":"):  # a key: go on with its values
            QTimer.singleShot(0, self.suggest)

    def _accept_current(self) -> bool:
        """Enter or Tab with a suggestion highlighted takes it (Tab otherwise moves focus)."""
        index = self.popup.currentIndex()
        if not (self.popup.isVisible() and index.isValid()):
            return False
        self.popup.hide()
        self.insert_completion(str(index.data()))
        return True

    def event(self, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Tab and self._accept_current()):
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._accept_current():
            return
        super().keyPressEvent(event)


class FilterField(QWidget):
    filter_changed = Signal(str)

    def __init__(self, kind: FilterKind, known: Callable[[], dict[str, tuple[str, ...]]],
                 saved: SavedFilters | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.saved = saved
        self.line = FilterLine(kind, known)
        self.line.setPlaceholderText(f"Filter: {EXAMPLES[kind]}  (Ctrl+F)")
        self.line.setClearButtonEnabled(True)
        self.line.setAccessibleName(f"Filter {kind}")
        self.line.setToolTip(
            f"Type key:value terms, all must hold; -term negates; free text searches "
            f"{FREE_TEXT[kind]}. Keys complete as you type. See docs/window.md.")
        self.saved_button = QToolButton()
        self.saved_button.setText("Saved")
        self.saved_button.setAccessibleName("Saved filters")
        self.saved_button.setToolTip("Saved filters: save this one, or pick one saved before")
        self.saved_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.saved_menu = QMenu(self.saved_button)
        self.saved_menu.aboutToShow.connect(self.fill_saved_menu)
        self.saved_button.setMenu(self.saved_menu)
        self.saved_button.setVisible(saved is not None)
        self.problem = QLabel("")
        self.problem.setWordWrap(True)
        set_tone(self.problem, "invalid")
        self.problem.setVisible(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.line, 1)
        row.addWidget(self.saved_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self._apply)
        self.line.textChanged.connect(lambda _text: self._timer.start())
        self.applied = ""

    def text(self) -> str:
        return self.line.text()

    def set_saved(self, saved: SavedFilters) -> None:
        self.saved = saved
        self.saved_button.setVisible(True)

    def set_text(self, text: str) -> None:
        """Set and apply at once (a saved filter, a remembered one)."""
        self.line.setText(text)
        self._timer.stop()
        self._apply()

    def error(self) -> str | None:
        try:
            parse_filter(self.line.text(), self.kind)
        except FilterSyntaxError as exc:
            return str(exc)
        return None

    def _apply(self) -> None:
        problem = self.error()
        self.problem.setText(problem or "")
        self.problem.setVisible(problem is not None)
        self.line.setProperty("invalid", problem is not None)
        set_tone(self.line, "invalid" if problem else None, "frame")
        if problem is None and self.line.text() != self.applied:
            self.applied = self.line.text()
            self.filter_changed.emit(self.applied)

    # -- saved filters -----------------------------------------------------------------------
    def fill_saved_menu(self) -> None:
        menu = self.saved_menu
        menu.clear()
        if self.saved is None:
            return
        save = menu.addAction("Save this filter…")
        save.setEnabled(bool(self.line.text().strip()) and self.error() is None)
        save.triggered.connect(self.ask_save)
        entries = self.saved.list(self.kind)
        if entries:
            menu.addSeparator()
        for entry in entries:
            action = menu.addAction(f"{entry.name}    {entry.text}")
            action.setData(entry.text)
            action.triggered.connect(lambda _=False, t=entry.text: self.set_text(t))
        if entries:
            remove = menu.addMenu("Delete a saved filter")
            for entry in entries:
                action = remove.addAction(entry.name)
                action.triggered.connect(
                    lambda _=False, n=entry.name: self.saved and self.saved.delete(n, self.kind))
        if self.saved.problem:
            menu.addSeparator()
            menu.addAction(self.saved.problem).setEnabled(False)

    def ask_save(self) -> None:
        dialogs.ask_text(self, "Save filter", "Name for this filter:", "", self.save_as)

    def save_as(self, name: str) -> None:
        if self.saved is None:
            return
        try:
            self.saved.save(name, self.kind, self.line.text())
        except (ValueError, FilterSyntaxError) as exc:
            self.problem.setText(str(exc))
            self.problem.setVisible(True)
