"""Light and dark: View ▸ Theme switches live, verdict and state colours stay readable
(WCAG contrast computed, not eyeballed), the choice and the body text size are remembered."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from webhook_studio.context import AppContext
from webhook_studio.ui import format as fmt
from webhook_studio.ui import theme
from webhook_studio.ui.main_window import MainWindow
from webhook_studio.ui.menu_bar import menu_actions

BACKGROUNDS = (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase,
               QPalette.ColorRole.Window)


def test_contrast_ratio_matches_the_wcag_reference_values() -> None:
    assert theme.contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert theme.contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(
        4.48, abs=0.01)
    assert theme.contrast_ratio(QColor("#ffffff"), QColor("#ffffff")) == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_every_verdict_and_state_colour_reads_at_4_5_to_1_on_its_palette(
        qapp: QApplication, name: str) -> None:
    palette = theme.light_palette() if name == "light" else theme.dark_palette()
    weak = []
    for meaning, colour in theme.STATUS_COLOURS[name].items():
        for role in BACKGROUNDS:
            ratio = theme.contrast_ratio(QColor(colour), palette.color(role))
            if ratio < 4.5:
                weak.append(f"{meaning} {colour} on {role.name} "
                            f"{palette.color(role).name()}: {ratio:.2f}")
    assert weak == []
    # the text itself too
    text = palette.color(QPalette.ColorRole.Text)
    assert theme.contrast_ratio(text, palette.color(QPalette.ColorRole.Base)) >= 7


def theme_action(window: MainWindow, title: str) -> object:
    actions = dict(menu_actions(window.menuBar()))
    return actions[f"View ▸ Theme ▸ {title}"]


def test_view_theme_dark_and_light_switch_the_window_live_and_are_remembered(
        qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    dark = theme_action(window, "Dark")
    view = window.inbox.view
    assert view.palette().color(QPalette.ColorRole.Base).lightness() > 200
    dark.trigger()  # type: ignore[attr-defined]
    # live: the window repaints with the new palette as soon as events are processed
    qtbot.waitUntil(lambda: view.palette().color(QPalette.ColorRole.Base).lightness() < 60)
    assert dark.isChecked()  # type: ignore[attr-defined]
    # the lists' verdict colours follow: the dark set
    assert fmt.verdict_colour(True).name() == theme.STATUS_COLOURS["dark"]["valid"]
    assert fmt.state_colour("failed").name() == theme.STATUS_COLOURS["dark"]["invalid"]

    theme_action(window, "Light").trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: view.palette().color(QPalette.ColorRole.Base).lightness() > 200)
    assert fmt.verdict_colour(False).name() == theme.STATUS_COLOURS["light"]["invalid"]

    theme_action(window, "Dark").trigger()  # type: ignore[attr-defined]
    window.close()
    theme.set_theme(qapp, "light")  # as if the app started again with the light default
    reopened = MainWindow(ctx)
    qtbot.addWidget(reopened)
    assert theme.current_choice() == "dark"
    assert qapp.palette().color(QPalette.ColorRole.Base).lightness() < 60
    assert theme_action(reopened, "Dark").isChecked()  # type: ignore[attr-defined]


def test_body_text_size_grows_with_ctrl_plus_and_is_remembered(
        qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    from PySide6.QtCore import Qt

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    body = window.inbox.inspector.body
    before, family = body.font().pointSizeF(), body.font().family()
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.windowHandle(), Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: body.font().pointSizeF() > before)
    grown = body.font().pointSizeF()
    assert "body text" in window.statusBar().currentMessage().lower()
    # the font stays the monospaced one: only the size changed
    assert body.font().family() == family
    window.close()
    theme.set_body_font_size(qapp, None)
    reopened = MainWindow(ctx)
    qtbot.addWidget(reopened)
    reopened.show()
    assert reopened.inbox.inspector.body.font().pointSizeF() == grown
    dict(menu_actions(reopened.menuBar()))["View ▸ Body text size ▸ Default size"].trigger()
    assert reopened.inbox.inspector.body.font().pointSizeF() == before
