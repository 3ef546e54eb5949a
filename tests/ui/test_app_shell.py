"""The window opens and closes cleanly, offscreen, with the real qasync loop."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from webhook_studio.app import run_app
from webhook_studio.context import AppContext
from webhook_studio.ui.main_window import SECTIONS, MainWindow


def test_window_shows_every_section_and_remembers_the_last_one(
    qtbot: QtBot, ctx: AppContext
) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    titles = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert titles == [title for _, title, _ in SECTIONS]
    default = window.inbox.splitter.sizes()
    window.inbox.splitter.setSizes([900, 300])  # list wide, inspector narrow
    qtbot.wait(10)
    window.show_section("deliveries")
    assert window.current_section() == "deliveries"
    with qtbot.waitSignal(window.closed):
        window.close()

    reopened = MainWindow(ctx)
    qtbot.addWidget(reopened)
    assert reopened.current_section() == "deliveries"
    reopened.show()
    reopened.resize(window.size())  # the offscreen platform restores a smaller geometry
    reopened.show_section("inbox")
    qtbot.wait(10)
    # Inner splitters come back too (as shares: the restored window may differ in width).
    left, right = reopened.inbox.splitter.sizes()
    assert left / (left + right) > 0.7 > default[0] / sum(default)


def test_ctrl_number_switches_sections(qtbot: QtBot, ctx: AppContext) -> None:
    from PySide6.QtCore import Qt

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    # Through the window handle, as the window system delivers keys, so the shortcut map sees it.
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section() == "subscriptions"


def test_run_app_opens_and_closes_on_the_qasync_loop(qapp: object, tmp_path: Path) -> None:
    db = tmp_path / "gui.sqlite3"
    assert run_app(db, close_after_ms=600, port=0) == 0
    assert db.exists()
    assert (tmp_path / "window.ini").exists()
