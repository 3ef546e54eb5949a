"""The filter field, the copy menu and the empty states, driven as a person drives them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from webhook_studio.core.copy_as import RequestCopy
from webhook_studio.core.filter_syntax import FilterKind
from webhook_studio.store.saved_filters import SavedFilters
from webhook_studio.ui import dialogs
from webhook_studio.ui.widgets.copy_menu import copy_menu, find_action
from webhook_studio.ui.widgets.empty_state import InboxEmptyState, section_empty_state
from webhook_studio.ui.widgets.filter_field import FilterField

#: The offscreen platform cannot raise or grab for the completion popup; not our bug.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def _field(qtbot: QtBot, tmp_path: Path, kind: FilterKind = FilterKind.CAPTURES) -> FilterField:
    field = FilterField(kind, lambda: {"header": ("x-github-event", "content-type")},
                        SavedFilters(tmp_path))
    qtbot.addWidget(field)
    field.show()
    field.line.setFocus()
    return field


def test_typing_a_filter_applies_it_after_a_pause(qtbot: QtBot, tmp_path: Path) -> None:
    field = _field(qtbot, tmp_path)
    with qtbot.waitSignal(field.filter_changed, timeout=5000) as signal:
        qtbot.keyClicks(field.line, "method:POST status:>=400")
    assert signal.args == ["method:POST status:>=400"]
    assert not field.problem.isVisible()


def test_a_mistake_is_a_sentence_and_the_list_keeps_its_filter(qtbot: QtBot,
                                                                tmp_path: Path) -> None:
    field = _field(qtbot, tmp_path)
    field.set_text("verdict:valid")
    seen: list[str] = []
    field.filter_changed.connect(seen.append)
    field.line.clear()
    qtbot.keyClicks(field.line, "verdict:maybe")
    qtbot.waitUntil(lambda: field.problem.isVisible(), timeout=5000)
    assert field.problem.text().startswith("At position 9: verdict:maybe is not allowed")
    assert seen == [] and field.applied == "verdict:valid"


def test_keys_and_values_complete_as_you_type(qtbot: QtBot, tmp_path: Path) -> None:
    field = _field(qtbot, tmp_path)
    qtbot.keyClicks(field.line, "hea")
    assert field.line.completions.stringList() == ["header:"]
    qtbot.waitUntil(lambda: field.line.popup.isVisible(), timeout=5000)
    field.line.popup.setCurrentIndex(field.line.completions.index(0))
    qtbot.keyClick(field.line, Qt.Key.Key_Return)
    assert field.line.text() == "header:"
    qtbot.keyClicks(field.line, "x-g")
    assert "header:x-github-event" in field.line.completions.stringList()
    field.line.popup.setCurrentIndex(field.line.completions.index(
        field.line.completions.stringList().index("header:x-github-event")))
    qtbot.keyClick(field.line, Qt.Key.Key_Tab)
    assert field.line.text() == "header:x-github-event "


def test_saved_filters_from_the_menu(qtbot: QtBot, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    field = _field(qtbot, tmp_path, FilterKind.DELIVERIES)
    field.set_text("state:dead status:5xx")
    monkeypatch.setattr(dialogs, "ask_text", lambda parent, title, label, text, then:
                        then("Dead 5xx"))
    field.fill_saved_menu()
    save = next(a for a in field.saved_menu.actions() if a.text() == "Save this filter…")
    save.trigger()
    field.set_text("")
    field.fill_saved_menu()
    entry = next(a for a in field.saved_menu.actions() if a.text().startswith("Dead 5xx"))
    with qtbot.waitSignal(field.filter_changed, timeout=5000):
        entry.trigger()
    assert field.text() == "state:dead status:5xx"
    assert [f.name for f in SavedFilters(tmp_path).list(FilterKind.DELIVERIES)] == ["Dead 5xx"]


def _trigger(menu: QMenu, name: str) -> str:
    action = find_action(menu, name)
    assert isinstance(action, QAction), name
    action.trigger()
    clipboard = QGuiApplication.clipboard()
    assert clipboard is not None
    return clipboard.text()


def test_copy_menu_puts_each_format_on_the_clipboard(qtbot: QtBot) -> None:
    request = RequestCopy("POST", "http://127.0.0.1:8000/hooks",
                          [("X-GitHub-Event", "push"), ("Content-Type", "application/json")],
                          b'{"a":1}')
    menu = copy_menu(None, request)  # type: ignore[arg-type]
    assert _trigger(menu, "copy-as-curl").startswith("curl -X POST http://127.0.0.1:8000/hooks")
    assert "httpx" in _trigger(menu, "copy-as-python")
    assert "await fetch(" in _trigger(menu, "copy-as-fetch")
    assert _trigger(menu, "copy-as-httpie").startswith("printf")
    assert _trigger(menu, "copy-as-raw").startswith("POST /hooks HTTP/1.1\r\n")
    assert _trigger(menu, "copy-body") == '{"a":1}'
    assert _trigger(menu, "copy-headers") == ("X-GitHub-Event: push\n"
                                              "Content-Type: application/json")
    values = find_action(menu, "copy-header-value")
    assert isinstance(values, QAction)
    sub: Any = values.menu()
    sub.actions()[0].trigger()
    assert QGuiApplication.clipboard().text() == "push"


def test_empty_states_say_what_the_section_is_for(qtbot: QtBot) -> None:
    empty = section_empty_state("subscriptions")
    qtbot.addWidget(empty)
    assert "sends signed events" in empty.text.text()
    with qtbot.waitSignal(empty.action_requested, timeout=2000):
        qtbot.mouseClick(empty.button, Qt.MouseButton.LeftButton)
    inbox = InboxEmptyState()
    qtbot.addWidget(inbox)
    inbox.show_request("http://127.0.0.1:8000/hooks", "curl -X POST …", "valid for 5 min")
    qtbot.mouseClick(inbox.copy_url, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "http://127.0.0.1:8000/hooks"
    with qtbot.waitSignal(inbox.send_test_requested, timeout=2000):
        qtbot.mouseClick(inbox.send_test, Qt.MouseButton.LeftButton)
