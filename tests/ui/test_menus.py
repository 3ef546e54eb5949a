"""The menu bar as a person uses it: every command is in File, Edit, View, Go or Help with its
shortcut shown, enabled where it applies, and does something visible when chosen; the
standard keys (Find, Save, Delete, Undo) work from the keyboard."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import post, pump, reads_done, select_capture
from webhook_studio.context import AppContext
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.store.sender_models import Subscription
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui import dialogs, theme
from webhook_studio.ui.bulk_replay_dialog import BulkReplayDialog
from webhook_studio.ui.main_window import SECTIONS
from webhook_studio.ui.menu_bar import menu_actions
from webhook_studio.ui.palette import CommandPalette
from webhook_studio.ui.shortcuts_dialog import ShortcutsDialog

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support (raise|grabbing the keyboard)")

SK = QKeySequence.StandardKey
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def by_id(window: Any) -> dict[str, QAction]:
    """The menu bar's actions by command id, found by walking the real menus."""
    found = {}
    for _path, action in menu_actions(window.menuBar()):
        name = action.objectName()
        key = "help.about" if name == "about_action" else name.removeprefix("command:")
        found[key] = action
    return found


async def test_the_menu_bar_holds_every_command_with_its_shortcut(window: Any) -> None:
    bar = window.menuBar()
    assert [a.text().replace("&", "") for a in bar.actions()] == \
        ["File", "Edit", "View", "Go", "Capture", "Delivery", "Receiver", "Help"]
    actions = by_id(window)
    registry = window.commands.registry
    assert set(actions) == {c.id for c in registry}, "a command no menu reaches"
    for command in registry:
        action = actions[command.id]
        assert action.shortcuts() == command.key_sequences(), command.id
    # the platform's own keys where Qt has one
    for id_, standard in (("edit.find", SK.Find), ("file.save", SK.Save),
                          ("edit.delete", SK.Delete), ("edit.undo", SK.Undo),
                          ("file.quit", SK.Quit), ("file.new", SK.New)):
        assert actions[id_].shortcuts()[:len(QKeySequence.keyBindings(standard))] == \
            QKeySequence.keyBindings(standard), id_
    for index, (key, _title, _blurb) in enumerate(SECTIONS):
        assert actions[f"go.{key}"].shortcut() == QKeySequence(f"Ctrl+{index + 1}")
    # no key is held twice: Qt would ignore both
    seen: dict[str, str] = {}
    for command in registry:
        for key in command.key_sequences():
            text = key.toString()
            assert text not in seen, f"{text}: {seen.get(text)} and {command.id}"
            seen[text] = command.id


def answered(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every question the window asks through ``ui/dialogs.py``: (which, title); the person
    cancels each."""
    asked: list[tuple[str, str]] = []
    for name in ("save_file", "open_file", "ask_text", "ask_port", "confirm"):
        monkeypatch.setattr(dialogs, name,
                            lambda *args, n=name: asked.append((n, str(args[1]))))
    return asked


def visible_dialog(window: Any, cls: type[Any] = QDialog) -> Any:
    shown = [d for d in window.findChildren(cls) if d.isVisible()]
    return shown[0] if shown else None


def close_dialogs(window: Any) -> None:
    for dialog in window.findChildren(QDialog):
        if dialog.isVisible():
            dialog.reject()
    for palette in window.findChildren(CommandPalette):
        palette.hide()
    QApplication.processEvents()


async def test_every_menu_action_is_enabled_where_it_applies_and_does_something_visible(
        window: Any, ctx: AppContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch,
        qapp: QApplication) -> None:
    create_endpoint(ctx.store, name="GitHub", path="/gh", scheme="github", secrets=["s3cret"])
    create_subscription(ctx.store, secret=SECRET, url="http://127.0.0.1:9/hook", events=["*"],
                        description="Local orders")
    window._endpoints_changed()
    window.subscriptions.reload()
    await reads_done(window)
    await post(f"{window.base_url}/gh", b'{"zen":"x"}')
    await pump(lambda: window.inbox.model.rowCount() == 1)
    asked = answered(monkeypatch)
    actions = by_id(window)
    section = window.show_section

    async def inbox_selected() -> None:
        await select_capture(qtbot, window, 0)

    async def endpoint_selected() -> None:
        section("endpoints")
        await reads_done(window)
        window.endpoints.list.setCurrentRow(0)
        await pump(lambda: window.endpoints.current is not None)
        await reads_done(window)

    async def subscription_edited() -> None:
        section("subscriptions")
        await reads_done(window)
        window.subscriptions.list.setCurrentRow(0)
        await pump(lambda: window.subscriptions.current is not None)
        await reads_done(window)
        window.subscriptions.description.setText("Edited from the menu")

    def composer_filled() -> None:
        section("composer")
        window.composer.url.setText("http://127.0.0.1:9/adhoc")

    def was_asked(which: str) -> Callable[[], bool]:
        return lambda: bool(asked) and asked[-1][0] == which

    base = QApplication.palette().color(QPalette.ColorRole.Base)
    sizes: list[float] = []
    # id: (set the window up, where it must be disabled, what a person then sees)
    plan: dict[str, tuple[Callable[[], object], str | None, Callable[[], bool]]] = {
        "file.new": (endpoint_selected, "inbox",
                     lambda: window.endpoints.current is None
                     and window.endpoints.name.text() == ""),
        "file.save": (subscription_edited, "inbox",
                      lambda: window.subscriptions.status.text() == "Saved."),
        "file.send": (composer_filled, "inbox",
                      lambda: window.composer.result.text().startswith("Queued")),
        "file.import_har": (lambda: section("inbox"), None, was_asked("open_file")),
        "file.export_har": (lambda: section("inbox"), None, was_asked("save_file")),
        "edit.undo": (lambda: None, "inbox", lambda: True),  # nothing to undo: disabled
        "edit.redo": (lambda: None, "inbox", lambda: True),
        "edit.find": (lambda: section("inbox"), "settings",
                      lambda: window.inbox.search.hasFocus()),
        "edit.delete": (inbox_selected, "composer", was_asked("confirm")),
        "edit.clear_captures": (lambda: section("inbox"), None, was_asked("confirm")),
        "edit.replay": (inbox_selected, "deliveries",
                        lambda: visible_dialog(window) is not None),
        "edit.edit_resend": (inbox_selected, "settings",
                             lambda: visible_dialog(window) is not None),
        "edit.bulk_replay": (lambda: section("inbox"), None,
                             lambda: visible_dialog(window, BulkReplayDialog) is not None),
        "edit.copy_url": (lambda: QGuiApplication.clipboard().setText(""), None,
                          lambda: QGuiApplication.clipboard().text() == window.base_url),
        "view.palette": (lambda: None, None,
                         lambda: visible_dialog(window, CommandPalette) is not None),
        "view.theme.dark": (lambda: None, None,
                            lambda: window.inbox.view.palette().color(
                                QPalette.ColorRole.Base).lightness() < 60),
        "view.theme.light": (lambda: None, None,
                             lambda: window.inbox.view.palette().color(
                                 QPalette.ColorRole.Base).lightness() > 200),
        "view.theme.system": (lambda: None, None, lambda: theme.current_choice() == "system"
                              and QApplication.palette().color(QPalette.ColorRole.Base)
                              == base),
        "view.font.bigger": (lambda: sizes.append(window.inbox.inspector.body.font()
                                                  .pointSizeF()), None,
                             lambda: window.inbox.inspector.body.font().pointSizeF()
                             > sizes[-1]),
        "view.font.smaller": (lambda: sizes.append(window.inbox.inspector.body.font()
                                                   .pointSizeF()), None,
                              lambda: window.inbox.inspector.body.font().pointSizeF()
                              < sizes[-1]),
        "view.font.reset": (lambda: None, None,
                            lambda: theme.body_font_size() is None
                            and window.inbox.inspector.body.font().pointSizeF() == sizes[0]),
        "view.notices": (lambda: None, None, lambda: window.commands.notices_dock.isVisible()),
        "view.notify.invalid_signature": (lambda: None, None,
                                          lambda: actions["view.notify.invalid_signature"]
                                          .isChecked()),
        "view.notify.dead_lettered": (lambda: None, None,
                                      lambda: actions["view.notify.dead_lettered"]
                                      .isChecked()),
        "help.shortcuts": (lambda: None, None,
                           lambda: visible_dialog(window, ShortcutsDialog) is not None),
        "help.about": (lambda: None, None,
                       lambda: any(b.isVisible() and b.objectName() == "about_dialog"
                                   for b in window.findChildren(QMessageBox))),
    }
    for index, (key, _title, _blurb) in enumerate(SECTIONS):
        other = SECTIONS[(index + 1) % len(SECTIONS)][0]
        plan[f"go.{key}"] = (functools.partial(section, other), None,
                             functools.partial(lambda k: window.current_section() == k, key))
    from tests.ui.test_menu_doors import DOORS  # the sections' own buttons: checked there

    assert set(plan) | {"file.quit"} | DOORS == set(actions), \
        "every menu command needs a check here"

    for id_, (setup, disabled_in, visible) in plan.items():
        action = actions[id_]
        if disabled_in is not None:
            section(disabled_in)
            window.commands.registry.refresh()
            assert not action.isEnabled(), f"{id_} should be disabled in {disabled_in}"
        if id_ in ("edit.undo", "edit.redo"):
            continue
        prepared = setup()
        if inspect.isawaitable(prepared):
            await prepared
        window.commands.registry.refresh()
        assert action.isEnabled(), f"{id_} should be enabled here"
        action.trigger()
        await pump(visible, within=15, what=f"{id_}: nothing visible happened")
        close_dialogs(window)

    with qtbot.waitSignal(window.closed):
        actions["file.quit"].trigger()
    assert not window.isVisible()


async def test_ctrl_f_puts_the_focus_in_the_inbox_filter(window: Any, qtbot: QtBot) -> None:
    window.show_section("inbox")  # empty: the first-run panel stands where the list would be
    window.sidebar.setFocus()
    qtbot.waitUntil(lambda: window.sidebar.hasFocus())
    window.inbox.search.setText("orders")
    qtbot.keySequence(window.windowHandle(), QKeySequence(SK.Find))
    qtbot.waitUntil(lambda: window.inbox.search.hasFocus())
    assert window.inbox.search.selectedText() == "orders"  # typing replaces the filter


async def test_ctrl_s_saves_an_edited_subscription(window: Any, ctx: AppContext,
                                                 qtbot: QtBot) -> None:
    sub_id = create_subscription(ctx.store, secret=SECRET, url="http://127.0.0.1:9/hook",
                                 events=["*"], description="Before")
    window.subscriptions.reload()
    window.show_section("subscriptions")
    await reads_done(window)
    window.subscriptions.list.setCurrentRow(0)
    await pump(lambda: window.subscriptions.current == sub_id)
    await reads_done(window)
    field = window.subscriptions.description
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    field.selectAll()
    qtbot.keyClicks(field, "After")
    qtbot.keySequence(window.windowHandle(), QKeySequence(SK.Save))
    await pump(lambda: window.subscriptions.status.text() == "Saved.")
    with ctx.store.session() as session:
        sub = session.get(Subscription, sub_id)
        assert sub is not None and sub.description == "After"


async def test_delete_asks_then_deletes_and_undo_puts_the_capture_back(
        window: Any, ctx: AppContext, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(2):
        await post(f"{window.base_url}/d/{i}", b'{"n": %d}' % i)
    await pump(lambda: window.inbox.model.rowCount() == 2)
    questions: list[str] = []

    def yes(*args: Any) -> None:
        questions.append(args[2])
        args[-1]()

    monkeypatch.setattr(dialogs, "confirm", yes)
    capture_id = await select_capture(qtbot, window, 0)
    with ctx.store.session() as session:
        before = session.get(Capture, capture_id)
        assert before is not None
        body, path = before.body, before.path
    window.inbox.view.setFocus()
    qtbot.waitUntil(window.inbox.view.hasFocus)
    qtbot.keySequence(window.windowHandle(), QKeySequence(SK.Delete))
    assert questions == [f"Delete capture #{capture_id}? Edit ▸ Undo (Ctrl+Z) puts it back."]
    await pump(lambda: window.inbox.model.rowCount() == 1)
    with ctx.store.session() as session:
        assert session.get(Capture, capture_id) is None

    qtbot.keySequence(window.windowHandle(), QKeySequence(SK.Undo))
    await pump(lambda: window.inbox.model.rowCount() == 2)
    with ctx.store.session() as session:
        back = session.get(Capture, capture_id)
        assert back is not None and (back.body, back.path) == (body, path)
    assert "Restored 1 capture" in window.statusBar().currentMessage()
    await pump(lambda: window.inbox.inspector.capture_id == capture_id)

    qtbot.keySequence(window.windowHandle(), QKeySequence(SK.Redo))  # and gone again
    await pump(lambda: window.inbox.model.rowCount() == 1)


async def test_delete_in_the_inbox_does_nothing_until_a_capture_is_chosen(
        window: Any, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    asked = answered(monkeypatch)
    await post(f"{window.base_url}/x", b"{}")
    await pump(lambda: window.inbox.model.rowCount() == 1)
    window.inbox.view.setFocus()
    qtbot.keySequence(window.windowHandle(), QKeySequence(SK.Delete))
    assert asked == []


def test_keyboard_shortcuts_dialog_lists_every_shortcut_from_the_registry(
        qtbot: QtBot, ctx: AppContext) -> None:
    from webhook_studio.ui.main_window import MainWindow

    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    by_id(window)["help.shortcuts"].trigger()
    dialog = visible_dialog(window, ShortcutsDialog)
    rows = dialog.visible_rows()
    with_keys = [c for c in window.commands.registry if c.shortcut_text()]
    assert len(rows) == len(with_keys)
    assert ("Edit", "Find…", QKeySequence(SK.Find).toString(
        QKeySequence.SequenceFormat.NativeText)) in rows
    assert ("Go", "Deliveries", "Ctrl+5") in rows
    qtbot.keyClicks(dialog.filter, "theme")
    assert dialog.visible_rows() == [] or all("Theme" in r[1] for r in dialog.visible_rows())
    dialog.filter.clear()
    qtbot.keyClicks(dialog.filter, "ctrl+k")
    assert [r[1] for r in dialog.visible_rows()] == ["Command palette…"]


async def test_ctrl_s_saves_the_endpoint_editor_and_the_settings_too(
        window: Any, ctx: AppContext, qtbot: QtBot) -> None:
    from webhook_studio.store.receiver_models import Endpoint

    endpoint_id = create_endpoint(ctx.store, name="Before", path="/gh", scheme="github",
                                  secrets=["s3cret"])
    window._endpoints_changed()
    window.endpoints.reload()
    window.show_section("endpoints")
    await reads_done(window)
    window.endpoints.list.setCurrentRow(0)
    await pump(lambda: window.endpoints.current == endpoint_id)
    await reads_done(window)
    field = window.endpoints.name
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    field.selectAll()
    qtbot.keyClicks(field, "After")
    qtbot.keySequence(window.windowHandle(), QKeySequence(SK.Save))
    await pump(lambda: _endpoint_name(ctx, endpoint_id, Endpoint) == "After")

    window.show_section("settings")
    save = window.settings_page.save_button
    clicked: list[bool] = []
    save.clicked.connect(lambda: clicked.append(True))
    qtbot.keySequence(window.windowHandle(), QKeySequence(SK.Save))
    assert clicked == [True]


def _endpoint_name(ctx: AppContext, endpoint_id: int, model: Any) -> str | None:
    with ctx.store.session() as session:
        row = session.get(model, endpoint_id)
        return None if row is None else str(row.name)
