"""Every command of the window in one registry: the menu bar, the command palette, the
shortcuts dialog and the key bindings are all built from it, so they can never disagree.

A command is a title, the menu it belongs to, its shortcut(s) and a handler; ``enabled_when``
says when it makes sense (a selection, an editor shown). Each command gets one ``QAction``
owned by the window, so its shortcut works wherever the focus is and the menu shows it.
Shortcuts use ``QKeySequence.StandardKey`` where the platform has one (Find, Save, Delete,
Undo…), so a Mac shows ⌘F and a Linux desktop its own binding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

#: The menus, in the menu bar's order: the standard ones, then one per kind of thing acted on.
MENUS: tuple[str, ...] = ("File", "Edit", "View", "Go", "Capture", "Delivery", "Receiver",
                          "Help")

Shortcut = QKeySequence.StandardKey | str


@dataclass
class Command:
    """One thing a person can do from the menu bar, the palette or a shortcut.

    ``group`` separates commands inside a menu (a separator between groups); ``submenu``
    puts the command one level down (View ▸ Theme ▸ Dark). ``checked_when`` makes it a
    check mark (or, with ``exclusive``, one choice of several in its submenu).
    """

    id: str
    title: str
    menu: str
    handler: Callable[[], object]
    shortcuts: tuple[Shortcut, ...] = ()
    enabled_when: Callable[[], bool] | None = None
    checked_when: Callable[[], bool] | None = None
    exclusive: bool = False
    group: str = ""
    submenu: str = ""
    keywords: str = ""
    tip: str = ""
    menu_role: QAction.MenuRole = QAction.MenuRole.NoRole
    action: QAction | None = field(default=None, repr=False, compare=False)

    def key_sequences(self) -> list[QKeySequence]:
        keys: list[QKeySequence] = []
        for shortcut in self.shortcuts:
            if isinstance(shortcut, QKeySequence.StandardKey):
                keys.extend(QKeySequence.keyBindings(shortcut))
            else:
                keys.append(QKeySequence(shortcut))
        return [k for k in keys if not k.isEmpty()]

    def shortcut_text(self) -> str:
        """The shortcuts as the platform writes them ("Ctrl+F", "⌘F"), comma-separated."""
        seen: list[str] = []
        # A standard key's first binding is the platform's primary one; the others (Alt+
        # Backspace for Undo, a keyboard's own "Find" key) work but would crowd the menu.
        for key in (QKeySequence(s) for s in self.shortcuts):
            text = key.toString(QKeySequence.SequenceFormat.NativeText)
            if text and text not in seen:
                seen.append(text)
        return ", ".join(seen)

    def path(self) -> str:
        """Where the menu bar has it: ``View ▸ Theme ▸ Dark``."""
        return " ▸ ".join(p for p in (self.menu, self.submenu, self.title) if p)

    def is_enabled(self) -> bool:
        return self.enabled_when is None or bool(self.enabled_when())


class CommandRegistry(QObject):
    """The commands, in registration order, and their actions (made by ``attach``)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._commands: dict[str, Command] = {}

    def add(self, command: Command) -> Command:
        if command.id in self._commands:
            raise ValueError(f"command {command.id!r} is registered twice")
        if command.menu not in MENUS:
            raise ValueError(f"command {command.id!r}: unknown menu {command.menu!r}")
        self._commands[command.id] = command
        return command

    def command(self, id_: str, title: str, menu: str, handler: Callable[[], object],
                *shortcuts: Shortcut, **options: object) -> Command:
        """Shorthand for ``add(Command(...))``."""
        return self.add(Command(id_, title, menu, handler, tuple(shortcuts),
                                **options))  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Command]:
        return iter(self._commands.values())

    def __len__(self) -> int:
        return len(self._commands)

    def __getitem__(self, id_: str) -> Command:
        return self._commands[id_]

    def __contains__(self, id_: object) -> bool:
        return id_ in self._commands

    def in_menu(self, menu: str) -> list[Command]:
        return [c for c in self if c.menu == menu]

    def attach(self, owner: QObject) -> None:
        """Make each command's ``QAction`` (owned by ``owner``, usually the main window, so
        its shortcut is live in the whole window) and connect it to ``run``."""
        for command in self:
            if command.action is not None:
                continue
            action = QAction(command.title, owner)
            action.setObjectName(f"command:{command.id}")
            keys = command.key_sequences()
            if keys:
                action.setShortcuts(keys)
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            if command.tip:
                action.setToolTip(command.tip)
                action.setStatusTip(command.tip)
            action.setMenuRole(command.menu_role)
            if command.checked_when is not None:
                action.setCheckable(True)
            # triggered(bool) must not reach the handler (docs/window.md, conventions)
            action.triggered.connect(lambda _checked=False, c=command: self.run(c.id))
            command.action = action
        self.refresh()

    def refresh(self) -> None:
        """Bring every action's enabled and checked state up to date (menus call this when
        they open; the window when the section, selection or focus changes)."""
        for command in self:
            action = command.action
            if action is None:
                continue
            action.setEnabled(command.is_enabled())
            if command.checked_when is not None:
                action.setChecked(bool(command.checked_when()))

    def run(self, id_: str) -> bool:
        """Run a command if it is enabled now; returns whether it ran. The check is made
        again here, so a stale action state never runs a command that cannot apply."""
        command = self._commands[id_]
        if not command.is_enabled():
            self.refresh()
            return False
        command.handler()
        self.refresh()
        return True
