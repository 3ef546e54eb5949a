"""Help ▸ About says which version runs and where its data lives; a start notice stays up."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from webhook_studio import __version__
from webhook_studio.context import AppContext
from webhook_studio.ui.about_dialog import show_notice
from webhook_studio.ui.main_window import MainWindow


def test_help_about_shows_the_version_and_the_data_folder(qtbot: QtBot, ctx: AppContext
                                                          ) -> None:
    from PySide6.QtWidgets import QApplication, QMessageBox

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert isinstance(help_menu, QMenu)
    about = next(a for a in help_menu.actions() if a.objectName() == "about_action")
    about.trigger()
    box = window.findChild(QMessageBox, "about_dialog")
    assert box is not None and box.isVisible()
    assert __version__ in box.text() and str(ctx.data_dir) in box.text()
    copy = next(b for b in box.buttons() if b.text() == "Copy data folder path")
    copy.click()
    assert QApplication.clipboard().text() == str(ctx.data_dir)
    assert box.isVisible()  # copying does not close it
    box.close()


def test_a_start_notice_stays_until_read(qtbot: QtBot, ctx: AppContext) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    box = show_notice(window, "Imported 3 captures from hooks.har.")
    qtbot.wait(50)
    assert box.isVisible() and "Imported 3 captures" in box.text()
    box.close()
