"""The commands whose first door is a section's own button or menu: Compare, Retry now,
Rotate…, Restart receiver, the Public URL menu and the rest, put in the menu bar (Capture,
Delivery, Receiver; and File, Edit) and so in the command palette.

Each command acts through the widget a person would use: it shows the widget's section and
clicks its button (or triggers its menu action), so it asks what the button asks and says
what the button says. It is enabled exactly when that widget could be clicked in its section:
enabled there, and not hidden there (a dead-letter button hidden for a replay, the empty
Inbox's "Load examples" once captures are listed, "Restart receiver" until a setting needs
it). The section need not be the one shown: "Retry now" on the delivery left selected in
Deliveries works from the Inbox and goes there.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QMenu, QWidget

from webhook_studio.core.copy_as import LABELS, CopyFormat, RequestCopy
from webhook_studio.ui.commands import CommandRegistry
from webhook_studio.ui.widgets.copy_menu import copy_menu, find_action
from webhook_studio.ui.widgets.public_url import CHOICES

Door = QAbstractButton | QAction | None

#: Public URL menu entries (their text in the status bar's menu) and the command titles.
TUNNELS: tuple[tuple[str, str, str], ...] = (
    ("ssh", "SSH to my server…", "Open a tunnel through my SSH server…"),
    *((spec.replace(".", "_"), text, f"Open a tunnel: {text}") for spec, text in CHOICES),
)


def clickable(window: Any, section: str, widget: Door) -> bool:
    """``widget`` could be clicked in ``section``: enabled, and not hidden there."""
    if isinstance(widget, QAction):
        return widget.isEnabled() and widget.isVisible()
    return isinstance(widget, QWidget) and widget.isEnabled() \
        and widget.isVisibleTo(window.sections[section])


def press(window: Any, section: str, widget: Door) -> None:
    """Show ``section``, then click the button or trigger the action, as a person would."""
    if not clickable(window, section, widget):
        return
    window.show_section(section)
    if isinstance(widget, QAction):
        widget.trigger()
    elif isinstance(widget, QAbstractButton):
        widget.click()


def door(r: CommandRegistry, window: Any, id_: str, title: str, menu: str, section: str,
         get: Callable[[], Door], *shortcuts: str, **options: object) -> None:
    """A command that clicks ``get()`` in ``section``, enabled when it can be clicked."""
    r.command(id_, title, menu, lambda: press(window, section, get()), *shortcuts,
              enabled_when=lambda: clickable(window, section, get()), **options)


def register_doors(r: CommandRegistry, window: Any) -> None:
    inbox, deliveries = window.inbox, window.deliveries
    inspector = inbox.inspector

    # Capture: the Inbox's Actions menu, its Compare button, the Inspector's buttons
    door(r, window, "capture.compare", "Compare the two selected captures", "Capture",
         "inbox", lambda: inbox.compare_action, group="selection",
         keywords="diff difference side by side", tip="Select exactly two captures first")
    door(r, window, "capture.export_tests", "Export selected as tests…", "Capture", "inbox",
         lambda: inbox.export_tests_action, group="selection",
         keywords="pytest jest contract test file")
    door(r, window, "capture.chaos", "Chaos replay shown captures…", "Capture", "inbox",
         lambda: inbox.chaos_action, group="shown",
         keywords="shuffle duplicate delay drop fault out of order")
    door(r, window, "capture.export", "Export this capture…", "Capture", "inbox",
         lambda: inspector.export, group="one", keywords="save har jsonl curl raw body file",
         tip="Save the capture shown as HAR, JSON Lines, a cURL script or its raw body")
    door(r, window, "capture.copy.curl", "cURL", "Capture", "inbox",
         lambda: inspector.copy_curl, "Ctrl+Shift+C", submenu="Copy as", group="copy",
         keywords="copy as curl command clipboard")
    for fmt in CopyFormat:
        if fmt is CopyFormat.CURL:
            continue
        r.command(f"capture.copy.{fmt}", LABELS[fmt], "Capture",
                  partial(copy_shown_capture, window, f"copy-as-{fmt}"),
                  submenu="Copy as", group="copy",
                  enabled_when=lambda: clickable(window, "inbox", inspector.copy_curl),
                  keywords=f"copy as {fmt} {LABELS[fmt]} clipboard")
    for name, title in (("body", "Copy body"), ("headers", "Copy headers")):
        r.command(f"capture.copy.{name}", title, "Capture",
                  partial(copy_shown_capture, window, f"copy-{name}"), group="copy2",
                  enabled_when=lambda: clickable(window, "inbox", inspector.copy_curl),
                  keywords="clipboard")
    empty = inbox.empty
    door(r, window, "capture.send_test", "Send a test webhook", "Capture", "inbox",
         lambda: empty.send_test, group="first", keywords="try example sample first",
         tip="Send a signed sample request to the receiver (while the Inbox is empty)")
    door(r, window, "capture.load_examples", "Load examples", "Capture", "inbox",
         lambda: empty.load_examples, group="first", keywords="sample demo try first",
         tip="Fill the empty Inbox with example captures and endpoints")

    # Delivery: the Deliveries detail's buttons, the subscription editor's Rotate…
    for id_, title, get, words in (
            ("retry", "Retry now", lambda: deliveries.retry_button, "again resend"),
            ("cancel", "Cancel delivery", lambda: deliveries.cancel_button, "stop abort"),
            ("dead_letter", "Retry dead letter", lambda: deliveries.dead_button,
             "failed again dlq"),
            ("dead_letters", "Retry all dead letters…", lambda: deliveries.dead_all_button,
             "failed again dlq bulk subscription"),
            ("edit_resend", "Edit and resend delivery…", lambda: deliveries.resend_button,
             "change send again modify")):
        door(r, window, f"delivery.{id_}", title, "Delivery", "deliveries", get,
             group="delivery", keywords=words,
             tip="Acts on the delivery selected in Deliveries")
    door(r, window, "delivery.rotate", "Rotate subscription secret…", "Delivery",
         "subscriptions", lambda: window.subscriptions.rotate, group="subscription",
         keywords="secret key new overlap", tip="Acts on the subscription being edited")

    # Receiver: Settings' Restart receiver, the status bar's Public URL menu
    door(r, window, "receiver.restart", "Restart receiver", "Receiver", "settings",
         lambda: window.settings_page.restart_button, group="receiver",
         keywords="apply settings port host tls",
         tip="Apply the saved receiver settings now (after a change that needs it)")
    public = window.public_url
    for key, text, title in TUNNELS:
        r.command(f"receiver.public.{key}", title, "Receiver",
                  partial(public_url_item, window, text), submenu="Public URL",
                  group="open", keywords="tunnel internet expose ngrok share")
    r.command("receiver.public.copy", "Copy public URL", "Receiver",
              lambda: public_url_item(window, "Copy public URL"), submenu="Public URL",
              group="use", keywords="tunnel clipboard",
              enabled_when=lambda: bool(public.tunnel is not None
                                        and public.tunnel.state.public_url))
    r.command("receiver.public.stop", "Stop the tunnel", "Receiver",
              lambda: public_url_item(window, "Stop the tunnel"), submenu="Public URL",
              group="use", keywords="public url close",
              enabled_when=lambda: public.tunnel is not None)



def register_file_doors(r: CommandRegistry, window: Any) -> None:
    """File ▸ Test team database connection (Settings ▸ Workspace), before Quit."""
    door(r, window, "file.test_connection", "Test team database connection", "File",
         "settings", lambda: window.settings_page.workspace.test_button, group="workspace",
         keywords="postgresql workspace check")


def register_edit_doors(r: CommandRegistry, window: Any) -> None:
    """Edit ▸ Save this filter… (the shown section's Saved menu), next to Find."""
    r.command("edit.save_filter", "Save this filter…", "Edit", lambda: save_filter(window),
              group="find", enabled_when=lambda: save_filter_action(window) is not None,
              keywords="saved filters name remember")


def copy_shown_capture(window: Any, object_name: str) -> None:
    """The copy menu's own action (a right-click on the Inspector) for the capture shown,
    triggered once its request is read."""
    inbox = window.inbox
    capture_id = inbox.inspector.capture_id
    if capture_id is None:
        return

    def copy(request: RequestCopy) -> None:
        menu = copy_menu(inbox, request)
        action = find_action(menu, object_name)
        if isinstance(action, QAction) and action.isEnabled():
            action.trigger()
            window.statusBar().showMessage(f"Copied {action.text()} of capture "
                                           f"#{capture_id}", 3000)
        menu.deleteLater()

    inbox.tools.capture_request(capture_id, inbox.base_url, copy)


def public_url_item(window: Any, text: str) -> None:
    """Trigger the status bar Public URL menu's entry of that text (the menu is filled as
    when it opens)."""
    button = window.public_url
    button.menu_.aboutToShow.emit()
    action = _menu_action(button.menu_, text)
    if action is not None and action.isEnabled():
        action.trigger()


def _menu_action(menu: QMenu, text: str) -> QAction | None:
    return next((a for a in menu.actions() if a.text() == text), None)


def _filter_field(window: Any) -> Any:
    page = window.sections[window.current_section()]
    return getattr(page, "filter_field", None)


def save_filter_action(window: Any) -> Any:
    """The shown section's "Save this filter…" when its Saved menu would offer it."""
    field = _filter_field(window)
    if field is None or field.saved is None or not field.saved_button.isVisibleTo(
            window.sections[window.current_section()]):
        return None
    if not field.text().strip() or field.error() is not None:
        return None
    return field


def save_filter(window: Any) -> None:
    field = save_filter_action(window)
    if field is None:
        return
    field.fill_saved_menu()
    action = _menu_action(field.saved_menu, "Save this filter…")
    if action is not None and action.isEnabled():
        action.trigger()
