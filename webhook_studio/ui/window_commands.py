"""The main window's commands: what File, Edit, View, Go and Help hold, and what each does in
the section in front of the person.

Section-specific commands (Find, Save, Delete, New) act on the current section through the
widgets a person would use: Find focuses its search or filter field, Save clicks its Save
button, Delete goes through the section's own delete (which asks first, through
``ui/dialogs.py``). A key the registry owns is taken off the button that had it, so the
window never holds one key twice (Qt ignores an ambiguous shortcut altogether).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QFormLayout,
    QLabel,
    QLayoutItem,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QWidget,
)

from webhook_studio.ui import theme
from webhook_studio.ui.command_doors import (
    register_doors,
    register_edit_doors,
    register_file_doors,
)
from webhook_studio.ui.commands import CommandRegistry
from webhook_studio.ui.menu_bar import build_menu_bar
from webhook_studio.ui.notices import NOTIFICATION_KINDS

SK = QKeySequence.StandardKey


def _shown(widget: Any) -> bool:
    return isinstance(widget, QWidget) and widget.isVisibleTo(widget.window())


def _usable(widget: Any) -> bool:
    return isinstance(widget, QWidget) and widget.isEnabled() and _shown(widget)


#: Per section page and role, the widgets that may play it, found once: enabled states are
#: re-checked on every key that may be a shortcut, and a search of the widget tree (or a
#: missing attribute on a Qt object) costs far more than checking a few known widgets.
_found: weakref.WeakKeyDictionary[QWidget, dict[str, list[QWidget]]] = \
    weakref.WeakKeyDictionary()


def _candidates(page: QWidget, role: str) -> list[QWidget]:
    cache = _found.setdefault(page, {})
    if role not in cache:
        cache[role] = _find(page, role)
    return cache[role]


def _find(page: QWidget, role: str) -> list[QWidget]:
    found: list[QWidget] = []
    if role == "search":
        for name in ("search", "filter_field", "filter"):
            widget = getattr(page, name, None)
            if isinstance(widget, QLineEdit | QComboBox):
                found.append(widget)
        found += [edit for edit in page.findChildren(QLineEdit)
                  if any(w in edit.placeholderText().lower() for w in ("search", "filter"))]
        state = getattr(page, "state", None)
        if isinstance(state, QComboBox):
            found.append(state)
        return found
    names, matches = BUTTONS[role]
    for name in names:
        button = getattr(page, name, None)
        if isinstance(button, QAbstractButton):
            found.append(button)
    return found + [b for b in page.findChildren(QPushButton)
                    if isinstance(b, QPushButton) and matches(b.text().replace("&", ""))]


def search_field(page: QWidget) -> QWidget | None:
    """The section's search or filter: a ``search``/``filter_field`` attribute, else a line
    edit whose placeholder offers to search or filter, else its state filter."""
    return next((w for w in _candidates(page, "search") if _shown(w)), None)


def focus_search(window: Any) -> None:
    field = search_field(window.sections[window.current_section()])
    if field is None:
        return
    field.setFocus(Qt.FocusReason.ShortcutFocusReason)
    if isinstance(field, QLineEdit):
        field.selectAll()


#: A section's buttons by role: the attributes that may hold them, else their text.
BUTTONS: dict[str, tuple[tuple[str, ...], Callable[[str], bool]]] = {
    "save": (("save_button",), lambda text: text == "Save"),
    "delete": (("delete_button", "delete"), lambda text: text.startswith("Delete")),
    "new": (("new_button",), lambda text: text.startswith("New ")),
    "send": (("send_button",), lambda text: text == "Send"),
}


def section_button(window: Any, role: str) -> QAbstractButton | None:
    """The current section's Save, Delete… or New … button, when it can be clicked."""
    page = window.sections[window.current_section()]
    for button in _candidates(page, role):
        if isinstance(button, QAbstractButton) and _usable(button):
            return button
    return None


def _click(window: Any, role: str) -> None:
    _press(section_button(window, role))


def _inbox_has_selection(window: Any) -> bool:
    model = window.inbox.view.selectionModel()  # not selected_ids(): that reads every row
    return model is not None and model.hasSelection()


def can_delete(window: Any) -> bool:
    key = window.current_section()
    if key == "inbox":
        return _inbox_has_selection(window)
    return section_button(window, "delete") is not None


def delete(window: Any) -> None:
    if window.current_section() == "inbox":
        window.inbox.delete_action.trigger()
    else:
        _click(window, "delete")


def _inspector_button(window: Any, name: str) -> QAbstractButton | None:
    if window.current_section() != "inbox":
        return None
    button = getattr(window.inbox.inspector, name, None)
    return button if isinstance(button, QAbstractButton) and _usable(button) else None


def _take_key(widget: Any) -> None:
    """The registry owns this key now; the button keeps its text and tooltip."""
    if isinstance(widget, QAbstractButton | QAction):
        widget.setShortcut(QKeySequence())


class WindowCommands(QObject):
    """The window's command registry and what its commands need: the undo stack, the
    notices (panel, dock, status-bar button), the tray attention, the palette."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        from webhook_studio.ui.notices import Attention, Notices, NoticesButton, NoticesPanel

        self.main = window
        self.undo_stack = QUndoStack(self)
        self.notices = Notices(self)
        self.notices_panel = NoticesPanel(self.notices)
        self.notices_dock = notices_dock(window, self.notices_panel)
        self.notices_button = NoticesButton(self.notices)
        self.notices_button.clicked.connect(self.show_notices)
        window.statusBar().addPermanentWidget(self.notices_button)
        self.notices_dock.visibilityChanged.connect(
            lambda visible: self.notices.mark_read() if visible else None)
        self.attention = Attention(
            window.settings, lambda: window.current_section() if window.isActiveWindow()
            else None, QApplication.windowIcon(), self)
        receiver, dispatcher = window.receiver, window.dispatcher
        self._unsubscribe: Any = None
        if receiver is not None:
            self._unsubscribe = receiver.hub.subscribe(self.attention.on_receiver_event)
        if dispatcher is not None:
            dispatcher.listeners.append(self.attention.on_sender_event)
        self.palette: Any = None
        self._restore_view_settings()
        self.registry = register(window, self)
        window.pages.currentChanged.connect(
            lambda _index: self.attention.seen(window.current_section()))
        window.installEventFilter(self)
        name_controls(window)
        from webhook_studio.ui import remember

        remember.restore(window, window.settings)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        main: Any = self.main
        if event.type() == QEvent.Type.ShortcutOverride and watched is main:
            # A key is about to be matched against the shortcuts: bring enabled states up
            # to date first (a capture rendered a moment ago enables Ctrl+R). The focus
            # widget saw it first and let it through, so this is a key it does not use.
            self.registry.refresh()
        elif event.type() == QEvent.Type.WindowActivate and watched is main:
            self.attention.seen(self.main.current_section())
        return False

    def on_close(self) -> None:
        """Remember where the person was; stop listening to the engines (they may live on
        in tests)."""
        from webhook_studio.ui import remember

        remember.save(self.main, self.main.settings)
        dispatcher = self.main.dispatcher
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if dispatcher is not None and self.attention.on_sender_event in dispatcher.listeners:
            dispatcher.listeners.remove(self.attention.on_sender_event)

    # -- what the commands do ------------------------------------------------------------
    def open_palette(self) -> None:
        from webhook_studio.ui.palette import CommandPalette

        if self.palette is None:
            self.palette = CommandPalette(self.registry, self.main)
        self.palette.open()

    def open_shortcuts(self) -> None:
        from webhook_studio.ui.shortcuts_dialog import open_shortcuts

        open_shortcuts(self.registry, self.main)

    def open_about(self) -> None:
        from webhook_studio.ui.about_dialog import open_about

        open_about(self.main, self.main.ctx)

    def set_theme(self, choice: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.set_theme(app, choice)
        self.main.settings.setValue("view/theme", choice)

    def step_body_font(self, direction: int) -> None:
        """Larger (+1), smaller (-1) or back to the system's size (0), kept in settings."""
        app = QApplication.instance()
        points = None if direction == 0 else theme.step_body_font(theme.body_font_size(),
                                                                 direction)
        if isinstance(app, QApplication):
            theme.set_body_font_size(app, points)
        if points is None:
            self.main.settings.remove("view/body_font_pt")
        else:
            self.main.settings.setValue("view/body_font_pt", points)
        self.main.statusBar().showMessage(
            f"Body text: {points} pt" if points else "Body text: default size", 3000)

    def toggle_notices(self) -> None:
        self.notices_dock.setVisible(not self.notices_dock.isVisible())

    def show_notices(self) -> None:
        self.notices_dock.show()
        self.notices_dock.raise_()
        self.notices.mark_read()

    def _restore_view_settings(self) -> None:
        """The theme and body size chosen last time; nothing is touched when none was (the
        platform's look and the system scheme stay as the application set them)."""
        app = QApplication.instance()
        if not isinstance(app, QApplication):
            return
        choice = self.main.settings.value("view/theme")
        if isinstance(choice, str) and choice != theme.current_choice():
            theme.set_theme(app, choice)
        points = self.main.settings.value("view/body_font_pt")
        with contextlib.suppress(TypeError, ValueError):
            wanted = int(str(points)) if points is not None else None
            if wanted != theme.body_font_size():
                theme.set_body_font_size(app, wanted)


def register(window: Any, wc: WindowCommands) -> CommandRegistry:
    """Every command of ``window``, attached to it, with the menu bar built."""
    from webhook_studio.ui.main_window import SECTIONS

    r = CommandRegistry(window)
    ops = window.captures
    undo = wc.undo_stack

    # File
    r.command("file.new", "New", "File", lambda: _click(window, "new"), SK.New,
              enabled_when=lambda: section_button(window, "new") is not None,
              tip="A new endpoint or subscription in the section shown",
              keywords="new endpoint subscription create add")
    r.command("file.save", "Save", "File", lambda: _click(window, "save"), SK.Save,
              enabled_when=lambda: section_button(window, "save") is not None,
              tip="Save the editor shown (endpoint, subscription, settings)")
    r.command("file.send", "Send event", "File", lambda: _click(window, "send"),
              "Ctrl+Return", enabled_when=lambda: section_button(window, "send") is not None,
              tip="Sign and send the Composer's event", keywords="compose emit deliver")
    r.command("file.import_har", "Import HAR…", "File", lambda: ops.import_har(),
              group="har", keywords="open load archive")
    r.command("file.export_har", "Export shown captures as HAR…", "File",
              lambda: ops.export_har(), group="har", keywords="save archive")
    register_file_doors(r, window)
    r.command("file.quit", "Quit", "File", window.close, SK.Quit, group="quit",
              menu_role=QAction.MenuRole.QuitRole, keywords="exit close")

    # Edit
    r.command("edit.undo", "Undo", "Edit", undo.undo, SK.Undo,
              enabled_when=undo.canUndo, tip="Undo the last deletion of captures")
    r.command("edit.redo", "Redo", "Edit", undo.redo, SK.Redo, enabled_when=undo.canRedo)
    r.command("edit.find", "Find…", "Edit", lambda: focus_search(window), SK.Find,
              group="find", keywords="search filter",
              enabled_when=lambda: search_field(
                  window.sections[window.current_section()]) is not None,
              tip="Focus the section's search or filter")
    register_edit_doors(r, window)
    r.command("edit.delete", "Delete…", "Edit", lambda: delete(window), SK.Delete,
              group="delete", enabled_when=lambda: can_delete(window),
              tip="Delete what is selected (asks first)", keywords="remove")
    r.command("edit.clear_captures", "Clear all captures…", "Edit",
              lambda: ops.clear_captures(), group="delete", keywords="delete empty inbox")
    r.command("edit.replay", "Replay capture…", "Edit",
              lambda: _press(_inspector_button(window, "replay")), "Ctrl+R", group="capture",
              enabled_when=lambda: _inspector_button(window, "replay") is not None,
              keywords="resend send again")
    r.command("edit.edit_resend", "Edit and resend…", "Edit",
              lambda: _press(_inspector_button(window, "edit")), "Ctrl+E", group="capture",
              enabled_when=lambda: _inspector_button(window, "edit") is not None)
    r.command("edit.bulk_replay", "Replay shown captures in order…", "Edit",
              lambda: ops.bulk_replay(), group="capture")
    r.command("edit.copy_url", "Copy receiver URL", "Edit", window.copy_url, group="url",
              enabled_when=lambda: window.copy_url_button.isEnabled(),
              keywords="clipboard address")

    # View
    r.command("view.palette", "Command palette…", "View", wc.open_palette,
              "Ctrl+K", "Ctrl+Shift+P", keywords="commands run find action")
    for key, title in theme.THEMES:
        r.command(f"view.theme.{key}", title, "View", partial(wc.set_theme, key),
                  submenu="Theme", exclusive=True,
                  checked_when=partial(_is_theme, key),
                  keywords=f"theme {title} mode colours appearance")
    r.command("view.font.bigger", "Larger body text", "View",
              lambda: wc.step_body_font(1), SK.ZoomIn, "Ctrl+=",
              submenu="Body text size", keywords="font zoom in")
    r.command("view.font.smaller", "Smaller body text", "View",
              lambda: wc.step_body_font(-1), SK.ZoomOut, submenu="Body text size",
              keywords="font zoom out")
    r.command("view.font.reset", "Default size", "View", lambda: wc.step_body_font(0),
              "Ctrl+0", submenu="Body text size", keywords="font zoom reset")
    r.command("view.notices", "Notices", "View", wc.toggle_notices, "Ctrl+Shift+M",
              group="panels", checked_when=lambda: wc.notices_dock.isVisible(),
              keywords="errors messages log panel")
    for setting, title in NOTIFICATION_KINDS.items():
        r.command(f"view.{setting.replace('/', '.')}", title, "View",
                  partial(wc.attention.toggle, setting),
                  submenu="Desktop notifications", group="panels",
                  checked_when=partial(wc.attention.enabled, setting),
                  keywords="notify notification alert tray")

    register_doors(r, window)  # Capture, Delivery, Receiver: the sections' own buttons

    # Go
    for index, (key, title, blurb) in enumerate(SECTIONS):
        r.command(f"go.{key}", title, "Go", partial(window.show_section, key),
                  f"Ctrl+{index + 1}", tip=blurb, keywords=f"go to section {title}")

    # Help
    r.command("help.shortcuts", "Keyboard shortcuts", "Help", wc.open_shortcuts,
              "Ctrl+/", SK.HelpContents, keywords="keys bindings help")
    r.command("help.about", "About Webhook Studio", "Help", wc.open_about,
              group="about", menu_role=QAction.MenuRole.AboutRole, keywords="version data")

    r.attach(window)
    about = r["help.about"].action
    assert about is not None
    about.setObjectName("about_action")
    build_menu_bar(window.menuBar(), r)
    _take_keys_from_buttons(window)
    _refresh_on_change(window, r, wc)
    return r


def _is_theme(key: str) -> bool:
    return theme.current_choice() == key


def _press(button: QAbstractButton | None) -> None:
    if button is not None:
        button.click()


def _take_keys_from_buttons(window: Any) -> None:
    for page in window.sections.values():
        for name in ("save_button", "new_button", "send_button"):
            _take_key(getattr(page, name, None))
    inspector = window.inbox.inspector
    _take_key(getattr(inspector, "replay", None))
    _take_key(getattr(inspector, "edit", None))
    _take_key(getattr(inspector, "copy_curl", None))  # Capture ▸ Copy as ▸ cURL owns it
    _take_key(getattr(window.inbox, "delete_action", None))
    for page in window.sections.values():
        for action in page.findChildren(QAction):
            if action.shortcut().matches(QKeySequence(SK.Delete)) \
                    != QKeySequence.SequenceMatch.NoMatch:
                action.setShortcut(QKeySequence())
        for button in page.findChildren(QAbstractButton):
            if button.shortcut() in (QKeySequence("Ctrl+S"), QKeySequence("Ctrl+N")):
                button.setShortcut(QKeySequence())


#: Accessible names for controls no label names (a screen reader would read "combo box").
ACCESSIBLE_NAMES: dict[str, str] = {
    "sidebar": "Sections",
    "inbox.search": "Search captures",
    "inbox.endpoint": "Filter by endpoint",
    "inbox.method": "Filter by method",
    "inbox.verdict": "Filter by verdict",
    "inbox.more": "Inbox actions",
    "inbox.view": "Captures",
    "inbox.inspector.tabs": "Capture views",
    "inbox.inspector.body": "Body",
    "inbox.inspector.raw": "Raw request",
    "inbox.inspector.hex": "Body as hex",
    "inbox.inspector.response": "Response",
    "inbox.inspector.forwards": "Forwards",
    "endpoints.list": "Endpoints",
    "subscriptions.list": "Subscriptions",
    "subscriptions.picker": "Add an event type",
    "deliveries.state": "Filter by state",
    "deliveries.view": "Deliveries",
    "deliveries.attempts": "Attempts",
    "composer.data": "Event data (JSON)",
    "composer.preview": "The signed request that will go out",
}


def name_controls(window: Any) -> None:
    """Give unlabelled controls a name, and buttons that show only a symbol their tooltip
    as a name; a name already set is kept."""
    from webhook_studio.ui.remember import resolve

    for path, name in ACCESSIBLE_NAMES.items():
        widget = resolve(window, path)
        if widget is not None and not widget.accessibleName():
            widget.setAccessibleName(name)
    for button in window.findChildren(QAbstractButton):
        if not any(c.isalpha() for c in button.text()) and not button.accessibleName() \
                and button.toolTip():
            button.setAccessibleName(button.toolTip())
    for view in window.findChildren(QAbstractItemView):
        view.setTabKeyNavigation(False)  # arrows move in a list; Tab goes to the next control
    for text in window.findChildren(QPlainTextEdit):
        text.setTabChangesFocus(True)  # no field here wants a tab character; no keyboard trap
    for tabs in window.findChildren(QTabWidget):
        if not tabs.tabBar().accessibleName():
            tabs.tabBar().setAccessibleName(tabs.accessibleName() or "Tabs")
    for form in window.findChildren(QFormLayout):
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            text = label.widget() if label is not None else None
            if not isinstance(text, QLabel) or field is None:
                continue
            target = _first_control(field)
            name = text.text().replace("&", "").rstrip(":")
            if target is not None and name and not target.accessibleName():
                target.setAccessibleName(name)
                text.setBuddy(target)


def _first_control(item: QLayoutItem) -> QWidget | None:
    """The first widget that takes focus in a form row's field (a widget or a layout)."""
    widget = item.widget()
    if widget is not None:
        if widget.focusPolicy() != Qt.FocusPolicy.NoFocus:
            return widget
        found = [w for w in widget.findChildren(QWidget)
                 if w.focusPolicy() != Qt.FocusPolicy.NoFocus
                 and not isinstance(w.parentWidget(), QAbstractSpinBox | QComboBox)]
        return found[0] if found else None
    layout = item.layout()
    if layout is None:
        return None
    for index in range(layout.count()):
        child = layout.itemAt(index)
        found_in = _first_control(child) if child is not None else None
        if found_in is not None:
            return found_in
    return None


class _Refresher(QObject):
    """One coalesced refresh per event-loop turn; a QObject so Qt drops its connections to
    the application's ``focusChanged`` when the window goes."""

    def __init__(self, registry: CommandRegistry, parent: QObject) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(0)
        self.timer.timeout.connect(registry.refresh)

    def poke(self, *_args: object) -> None:
        self.timer.start()


def _refresh_on_change(window: Any, registry: CommandRegistry, wc: WindowCommands) -> None:
    """Keep enabled states current: on focus moves (a shortcut is checked against its
    action's state), section switches and selection changes; coalesced to one pass."""
    refresher = _Refresher(registry, wc)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.focusChanged.connect(refresher.poke)
    window.pages.currentChanged.connect(refresher.poke)
    wc.undo_stack.indexChanged.connect(refresher.poke)
    for view in window.findChildren(QAbstractItemView):
        model = view.selectionModel()
        if model is not None:
            model.selectionChanged.connect(refresher.poke)


def notices_dock(window: QMainWindow, panel: QWidget) -> QDockWidget:
    dock = QDockWidget("Notices", window)
    dock.setObjectName("notices_dock")
    dock.setWidget(panel)
    dock.setAllowedAreas(Qt.DockWidgetArea.BottomDockWidgetArea
                         | Qt.DockWidgetArea.RightDockWidgetArea)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()
    return dock

