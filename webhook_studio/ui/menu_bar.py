"""The menu bar, built from the command registry: File, Edit, View, Go, Help.

Each menu brings its actions' enabled and checked state up to date when it opens, so what a
person sees in the menu is what the command would do now. Submenus (View ▸ Theme) are made on
first use; exclusive choices share a ``QActionGroup`` so the menu draws them as radio items.
"""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QMenuBar

from webhook_studio.ui.commands import MENUS, CommandRegistry


def build_menu_bar(bar: QMenuBar, registry: CommandRegistry) -> dict[str, QMenu]:
    """Fill ``bar`` with one menu per name in ``MENUS`` (reusing a menu of the same title
    already there), in registry order with a separator between groups. Returns the menus."""
    menus: dict[str, QMenu] = {}
    existing = {a.text().replace("&", ""): a.menu() for a in bar.actions()}
    for name in MENUS:
        commands = registry.in_menu(name)
        if not commands:
            continue
        found = existing.get(name)
        menu = found if isinstance(found, QMenu) else bar.addMenu(f"&{name}")
        menu.setObjectName(f"menu:{name}")
        menu.aboutToShow.connect(registry.refresh)
        menus[name] = menu
        submenus: dict[str, QMenu] = {}
        groups: dict[str, QActionGroup] = {}
        last_group: dict[QMenu, str] = {}
        for command in commands:
            target = menu
            if command.submenu:
                if command.submenu not in submenus:
                    sub = menu.addMenu(command.submenu)
                    sub.setObjectName(f"menu:{name}/{command.submenu}")
                    sub.aboutToShow.connect(registry.refresh)
                    submenus[command.submenu] = sub
                target = submenus[command.submenu]
            action = command.action
            assert action is not None, "attach the registry to the window first"
            if target in last_group and last_group[target] != command.group:
                target.addSeparator()
            last_group[target] = command.group
            if command.exclusive:
                key = f"{name}/{command.submenu}/{command.group}"
                if key not in groups:
                    groups[key] = QActionGroup(menu)
                    groups[key].setExclusive(True)
                groups[key].addAction(action)
            target.addAction(action)
    return menus


def menu_actions(bar: QMenuBar) -> list[tuple[str, QAction]]:
    """Every command action reachable from the menu bar, with its path ("View ▸ Theme ▸
    Dark"), walking submenus: what a person could click."""
    found: list[tuple[str, QAction]] = []

    def walk(menu: QMenu, prefix: str) -> None:
        for action in menu.actions():
            if action.isSeparator():
                continue
            sub = action.menu()
            label = action.text().replace("&", "")
            if isinstance(sub, QMenu):
                walk(sub, f"{prefix} ▸ {label}")
            else:
                found.append((f"{prefix} ▸ {label}", action))

    for top in bar.actions():
        sub = top.menu()
        if isinstance(sub, QMenu):
            walk(sub, top.text().replace("&", ""))
    return found
