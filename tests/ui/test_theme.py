"""Light and dark: View ▸ Theme switches live, verdict and state colours stay readable
(WCAG contrast computed, not eyeballed), the choice and the body text size are remembered."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import OFFSCREEN_POPUPS
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
    # JSON syntax colours on the body views, and the diff's line tints under the text
    from webhook_studio.ui.diff_dialog import TINTS
    from webhook_studio.ui.widgets.json_highlighter import COLOURS

    for kind, colour in COLOURS[name].items():
        for role in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase):
            ratio = theme.contrast_ratio(QColor(colour), palette.color(role))
            if ratio < 4.5:
                weak.append(f"JSON {kind} {colour}: {ratio:.2f}")
    for tag, tint in TINTS[name].items():
        ratio = theme.contrast_ratio(palette.color(QPalette.ColorRole.Text), QColor(tint))
        if ratio < 4.5:
            weak.append(f"diff {tag} {tint}: {ratio:.2f}")
    assert weak == []
    # muted and placeholder text too (Fusion's half-transparent black was about 3.9:1)
    muted = palette.color(QPalette.ColorRole.PlaceholderText)
    assert muted.alpha() == 255
    assert min(theme.contrast_ratio(muted, palette.color(role)) for role in BACKGROUNDS) >= 4.5
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


#: A colour written into a widget's own style sheet: it cannot follow the theme.
INLINE_COLOUR = re.compile(r"(?<![\w-])(color|border(-\w+)*)\s*:[^;}]*(#[0-9a-fA-F]{3,8}\b|rgb)")


def inline_colours(root: QWidget) -> list[str]:
    return [f"{type(w).__name__} {w.objectName()!r}: {w.styleSheet()}"
            for w in (root, *root.findChildren(QWidget)) if INLINE_COLOUR.search(w.styleSheet())]


def foreground_ratio(widget: QWidget) -> float:
    palette = widget.palette()
    return min(theme.contrast_ratio(palette.color(widget.foregroundRole()), palette.color(role))
               for role in BACKGROUNDS)


@OFFSCREEN_POPUPS  # typing in the filter opens its key completion
@pytest.mark.parametrize("name", ["Light", "Dark"])
def test_every_toned_text_in_the_window_reads_at_4_5_to_1_and_none_is_inline(
        qtbot: QtBot, ctx: AppContext, qapp: QApplication, name: str) -> None:
    """Error and status labels (a filter's problem, settings notes, the health light, the
    verdict box…) take their colour from the theme's tones, never a colour of their own:
    the old inline red measured 2.8:1 on the dark window. Every label of the real window is
    put in each tone and measured; a bad filter shows its problem in the tone of the theme
    and keeps it readable when the theme changes under it."""
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    theme_action(window, name).trigger()  # type: ignore[attr-defined]
    scheme = name.lower()
    qtbot.waitUntil(lambda: theme.shows_dark() == (scheme == "dark"))
    field = window.inbox.filter_field
    qtbot.keyClicks(field.line, "status:>>4")
    qtbot.waitUntil(lambda: field.problem.isVisible())
    problem = field.problem.palette().color(field.problem.foregroundRole())
    assert problem.name() == theme.STATUS_COLOURS[scheme]["invalid"]
    assert foreground_ratio(field.problem) >= 4.5
    assert inline_colours(window) == []
    weak = []
    labels = [label for label in window.findChildren(QLabel)
              if label.isEnabled()]  # disabled text is greyed on purpose (WCAG exempts it)
    assert len(labels) > 50
    for label in labels:
        before = label.property("tone") or None
        for tone in theme.STATUS_COLOURS[scheme]:
            theme.set_tone(label, tone)
            if (ratio := foreground_ratio(label)) < 4.5:
                weak.append(f"{label.objectName() or label.text()[:30]!r} in {tone}: "
                            f"{ratio:.2f}")
        theme.set_tone(label, before)
    assert weak == []
    other = "Light" if name == "Dark" else "Dark"
    theme_action(window, other).trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: field.problem.palette().color(
        field.problem.foregroundRole()).name() == theme.STATUS_COLOURS[other.lower()]["invalid"])
    assert foreground_ratio(field.problem) >= 4.5


def test_no_window_module_writes_a_colour_into_a_style_sheet() -> None:
    """Dialogs open later than the window walk above: their sources are read instead."""
    import pathlib

    import webhook_studio.ui as ui

    found = []
    for path in pathlib.Path(ui.__file__).parent.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "setStyleSheet" in line and INLINE_COLOUR.search(line.replace("{", "")):
                found.append(f"{path.name}:{number}: {line.strip()}")
            if "setStyleSheet(f" in line and "color" in line:
                found.append(f"{path.name}:{number}: {line.strip()}")
    assert found == []


def test_json_in_the_body_views_takes_the_syntax_colours_of_the_theme_live(
        qtbot: QtBot, ctx: AppContext, qapp: QApplication) -> None:
    from webhook_studio.ui.widgets.json_highlighter import COLOURS

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    editor = window.composer.data

    def key_colour() -> str:
        block = editor.document().firstBlock()
        formats = block.layout().formats()
        return formats[0].format.foreground().color().name() if formats else ""

    theme_action(window, "Light").trigger()  # type: ignore[attr-defined]
    editor.setPlainText('{"id": 1}')
    qtbot.waitUntil(lambda: key_colour() == COLOURS["light"]["key"])
    theme_action(window, "Dark").trigger()  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: key_colour() == COLOURS["dark"]["key"])
