"""The command palette: Ctrl+K (or Ctrl+Shift+P), type part of a name, Enter runs it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from webhook_studio.context import AppContext
from webhook_studio.ui.commands import Command
from webhook_studio.ui.main_window import MainWindow
from webhook_studio.ui.palette import CommandPalette, fuzzy_score, rank

#: The palette is a popup: the offscreen platform says it cannot raise it or grab the keyboard.
pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support (raise|grabbing the keyboard)")

TITLES = ["Go ▸ Deliveries", "Edit ▸ Delete…", "View ▸ Theme ▸ Dark", "File ▸ Save",
          "Help ▸ Keyboard shortcuts"]


@given(st.sampled_from(TITLES), st.data())
def test_the_starts_of_a_titles_words_in_order_find_it(title: str,
                                                       data: st.DataObject) -> None:
    words = [w for w in title.replace("▸", " ").split() if w[0].isalnum()]
    chosen = data.draw(st.lists(st.integers(0, len(words) - 1), unique=True, min_size=1))
    query = " ".join(words[i][:data.draw(st.integers(1, len(words[i])))]
                     for i in sorted(chosen))
    assert fuzzy_score(query, title) is not None, query


@given(st.text(max_size=12), st.sampled_from(TITLES))
def test_a_query_matches_only_when_its_letters_are_there(query: str, title: str) -> None:
    score = fuzzy_score(query, title)
    letters = [c for c in query.lower() if not c.isspace()]
    if not all(c in title.lower() for c in letters):
        assert score is None


def test_letters_scattered_inside_words_do_not_match() -> None:
    assert fuzzy_score("rep", "errors messages log panel") is None
    assert fuzzy_score("rep", "Edit ▸ Replay capture…") is not None
    assert fuzzy_score("theme drk", "View ▸ Theme ▸ Dark") is not None


def command(id_: str, title: str, menu: str = "Go") -> Command:
    return Command(id_, title, menu, lambda: None)


def test_ranking_puts_what_people_mean_first() -> None:
    commands = [command("go.deliveries", "Deliveries"), command("edit.delete", "Delete…", "Edit"),
                command("view.dark", "Dark", "View"), command("go.endpoints", "Endpoints")]
    assert rank("del", commands)[0].id == "edit.delete"  # the shorter title first
    assert rank("deliv", commands)[0].id == "go.deliveries"
    assert rank("godel", commands)[0].id == "go.deliveries"  # across the menu and the title
    commands.append(Command("view.notices", "Notices", "View", lambda: None,
                            keywords="errors messages log"))
    assert rank("errors", commands)[0].id == "view.notices"  # by what it is for
    assert [c.id for c in rank("", commands)] == [c.id for c in commands]
    assert rank("zzz", commands) == []


def open_window(qtbot: QtBot, ctx: AppContext) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def visible_palette(window: MainWindow) -> CommandPalette:
    shown = [p for p in window.findChildren(CommandPalette) if p.isVisible()]
    assert len(shown) == 1, "the palette did not open"
    return shown[0]


def test_ctrl_k_then_typing_and_enter_goes_to_a_section(qtbot: QtBot, ctx: AppContext) -> None:
    window = open_window(qtbot, ctx)
    assert window.current_section() == "inbox"
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    palette = visible_palette(window)
    qtbot.waitUntil(lambda: palette.field.hasFocus())
    qtbot.keyClicks(palette.field, "deliv")
    assert palette.matches()[0] == "go.deliveries"
    qtbot.keyClick(palette.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.current_section() == "deliveries")
    assert not palette.isVisible()


def test_ctrl_shift_p_finds_a_command_by_fuzzy_name_and_runs_it(
        qtbot: QtBot, ctx: AppContext) -> None:
    window = open_window(qtbot, ctx)
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_P,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    palette = visible_palette(window)
    qtbot.keyClicks(palette.field, "theme drk")
    assert palette.matches()[0] == "view.theme.dark"
    # the list names the command where the menu has it, with its shortcut when it has one
    assert palette.list.item(0).text().startswith("View ▸ Theme ▸ Dark")
    qtbot.keyClick(palette.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.palette().color(QPalette.ColorRole.Base).lightness()
                    < 60)


def test_arrow_keys_choose_and_disabled_commands_are_shown_but_not_run(
        qtbot: QtBot, ctx: AppContext) -> None:
    window = open_window(qtbot, ctx)
    window.commands.open_palette()
    palette = visible_palette(window)
    qtbot.keyClicks(palette.field, "replay capture")
    ids = palette.matches()
    assert ids[0] == "edit.replay"  # listed, with nothing selected it cannot run…
    first = palette.list.item(0)
    assert not first.flags() & Qt.ItemFlag.ItemIsEnabled
    assert palette.list.currentRow() != 0  # …so it is not the one Enter would run
    palette.field.clear()
    qtbot.keyClicks(palette.field, "go to")
    row = palette.list.currentRow()
    qtbot.keyClick(palette.field, Qt.Key.Key_Down)
    assert palette.list.currentRow() == row + 1
    chosen = palette.matches()[row + 1]
    qtbot.keyClick(palette.field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: f"go.{window.current_section()}" == chosen)


def test_escape_closes_the_palette_without_running_anything(
        qtbot: QtBot, ctx: AppContext) -> None:
    window = open_window(qtbot, ctx)
    window.commands.open_palette()
    palette = visible_palette(window)
    qtbot.keyClicks(palette.field, "settings")
    qtbot.keyClick(palette.field, Qt.Key.Key_Escape)
    assert not palette.isVisible()
    qtbot.wait(50)
    assert window.current_section() == "inbox"
