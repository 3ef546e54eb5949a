"""Keyboard and screen-reader use: Tab reaches every control of each section in reading
order, every control has a name a screen reader can say, and verdicts carry a mark and words,
not colour alone."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QScrollArea,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import post, pump, select_capture
from webhook_studio.context import AppContext
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.ui import format as fmt
from webhook_studio.ui.main_window import SECTIONS, MainWindow


def controls(window: Any, page: QWidget) -> list[QWidget]:
    """What a person can operate in ``page``: shown, enabled, taking focus by Tab."""
    found = []
    for widget in page.findChildren(QWidget):
        if not widget.isVisibleTo(window) or not widget.isEnabled():
            continue
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        if isinstance(widget, QLabel | QScrollArea | QTabWidget):
            continue  # selectable text, scroll containers; a tab widget is its tab bar
        if isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox):
            continue  # the line edit inside a spin box or an editable combo
        found.append(widget)
    return found


def tab_chain(window: Any, qtbot: QtBot) -> list[QWidget]:
    """Press Tab from the sidebar until the focus comes back to it."""
    window.sidebar.setFocus()
    qtbot.waitUntil(window.sidebar.hasFocus)
    chain: list[QWidget] = []
    for _ in range(80):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        assert widget is not None
        if widget is window.sidebar or widget in chain:
            break
        chain.append(widget)
    return chain


async def test_tab_reaches_every_control_of_each_section_in_reading_order(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    create_endpoint(ctx.store, name="GitHub", path="/gh", scheme="github", secrets=["s3cret"])
    window._endpoints_changed()
    window.endpoints.reload()
    await post(f"{window.base_url}/gh", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 1)
    await select_capture(qtbot, window, 0)
    for key, _title, _blurb in SECTIONS:
        window.show_section(key)
        if key == "endpoints":
            window.endpoints.list.setCurrentRow(0)
        page = window.sections[key]
        QApplication.processEvents()
        chain = tab_chain(window, qtbot)
        inside = [w for w in chain if page.isAncestorOf(w)]
        missing = [f"{type(w).__name__} {w.accessibleName()!r}"
                   for w in controls(window, page) if w not in inside]
        assert missing == [], f"{key}: Tab never reaches {missing}"
        assert chain and page.isAncestorOf(chain[0]), f"{key}: Tab leaves the sidebar for " \
            "something outside the section"
    # reading order where it matters most: filter, then the list, then what is selected
    window.show_section("inbox")
    chain = tab_chain(window, qtbot)
    inbox = window.inbox
    order = [chain.index(w) for w in (inbox.search, inbox.view, inbox.inspector.replay)]
    assert order == sorted(order)


def test_every_control_has_a_name_a_screen_reader_can_say(qtbot: QtBot,
                                                          ctx: AppContext) -> None:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    buddies = {label.buddy() for label in window.findChildren(QLabel) if label.buddy()}
    unnamed = []
    for key, _title, _blurb in SECTIONS:
        window.show_section(key)
        page = window.sections[key]
        for widget in controls(window, page):
            if isinstance(widget, QAbstractButton):
                named = any(c.isalpha() for c in widget.text()) or bool(widget.accessibleName())
            else:
                named = bool(widget.accessibleName()) or widget in buddies
            if not named:
                unnamed.append(f"{key}: {type(widget).__name__}")
    assert unnamed == []
    assert window.inbox.verdict.accessibleName() == "Filter by verdict"
    assert window.sidebar.accessibleName() == "Sections"


def test_verdicts_say_it_with_a_mark_and_words_not_colour_alone() -> None:
    shown = [fmt.verdict_text(True, "captured"), fmt.verdict_text(False, "captured", "expired"),
             fmt.verdict_text(None, "captured"), fmt.verdict_text(None, "rejected"),
             fmt.verdict_text(None, "malformed")]
    assert shown == ["✔ valid", "✘ expired", "– not verified", "⚠ rejected", "⚠ malformed"]
    # each is told apart without colour: distinct mark + words
    assert len({text.split()[0] for text in shown}) >= 3 and len(set(shown)) == len(shown)
