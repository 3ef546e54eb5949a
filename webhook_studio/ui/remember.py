"""Remember where the person was: the selected capture and delivery, the Inbox and
Deliveries filters, and the Composer's inputs come back after a restart (the settings file
next to the data, ``window.ini``, under ``remember/``). The last replay targets are kept by
``widgets/targets.py`` and offered first by the replay dialogs.

Fields are named by attribute paths from the window ("inbox.search"), so a section that is
rebuilt keeps its memory as long as the names stay; a path that no longer resolves is
skipped (``unresolved`` lists them for the test that guards against that). The Composer's
secret is not kept: the settings file is not a place for secrets.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPlainTextEdit, QWidget

#: (settings key, attribute path), restored in this order: a Composer profile first, since
#: choosing one fills the event type, the signature and the data the later fields restore.
FIELDS: tuple[tuple[str, str], ...] = (
    ("inbox/search", "inbox.search"),
    ("inbox/endpoint", "inbox.endpoint"),
    ("inbox/method", "inbox.method"),
    ("inbox/verdict", "inbox.verdict"),
    ("inbox/duplicates", "inbox.duplicates"),
    ("deliveries/state", "deliveries.state"),
    ("composer/profile", "composer.profile"),
    ("composer/event_type", "composer.event_type"),
    ("composer/target", "composer.target"),
    ("composer/url", "composer.url"),
    ("composer/scheme", "composer.scheme"),
    ("composer/data", "composer.data"),
)


def resolve(window: Any, path: str) -> QWidget | None:
    target: Any = window
    for name in path.split("."):
        target = getattr(target, name, None)
        if target is None:
            return None
    return target if isinstance(target, QWidget) else None


def unresolved(window: Any) -> list[str]:
    return [path for _key, path in FIELDS if resolve(window, path) is None]


def _value(widget: QWidget) -> object:
    if isinstance(widget, QCheckBox):
        return "true" if widget.isChecked() else "false"
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QComboBox):
        data = widget.currentData()
        return f"data:{data}" if data is not None else f"text:{widget.currentText()}"
    return None


def _apply(widget: QWidget, value: str) -> bool:
    """Show ``value`` in ``widget``; False when a combo does not offer it (yet)."""
    if isinstance(widget, QCheckBox):
        widget.setChecked(value == "true")
    elif isinstance(widget, QLineEdit):
        widget.setText(value)
    elif isinstance(widget, QPlainTextEdit):
        if widget.toPlainText() != value:
            widget.setPlainText(value)
    elif isinstance(widget, QComboBox):
        kind, _, wanted = value.partition(":")
        for index in range(widget.count()):
            data = widget.itemData(index)
            if (kind == "data" and data is not None and str(data) == wanted) or \
                    (kind == "text" and data is None and widget.itemText(index) == wanted):
                widget.setCurrentIndex(index)
                return True
        return False
    return True


def _apply_when_listed(combo: QComboBox, value: str, then: Callable[[], object]) -> None:
    """A combo filled by a store read (the Inbox's endpoints) gets its item a moment later:
    choose it once the filling is done (after the event that inserted it), once; then
    ``then`` (the filter it changes dropped the selection)."""
    model = combo.model()
    done: list[bool] = []

    def listed(*_args: object) -> None:
        if not done:
            QTimer.singleShot(0, combo, attempt)

    def attempt() -> None:
        if not done and _apply(combo, value):
            done.append(True)
            model.rowsInserted.disconnect(listed)
            then()

    model.rowsInserted.connect(listed)


def save(window: Any, settings: QSettings) -> None:
    for key, path in FIELDS:
        widget = resolve(window, path)
        value = _value(widget) if widget is not None else None
        if value is not None:
            settings.setValue(f"remember/{key}", value)
    inspector = getattr(getattr(window, "inbox", None), "inspector", None)
    capture_id = getattr(inspector, "capture_id", None)
    _set_or_remove(settings, "remember/inbox/capture", capture_id)
    _set_or_remove(settings, "remember/deliveries/delivery",
                   getattr(getattr(window, "deliveries", None), "delivery_id", None))


def _set_or_remove(settings: QSettings, key: str, value: object) -> None:
    if value is None:
        settings.remove(key)
    else:
        settings.setValue(key, str(value))


def _capture_exists(window: Any, capture_id: int) -> bool:
    from webhook_studio.store.capture_restore import capture_exists

    return capture_exists(window.ctx.store, capture_id)


def _once_counted(inbox: Any, then: Callable[[], object]) -> None:
    """The filtered list is counted on a worker thread: select again when its count is in
    (a row not counted yet cannot be selected)."""
    counted = getattr(inbox.model, "counted", None)
    if counted is None:
        return
    done: list[bool] = []

    def once(*_args: object) -> None:
        if not done:
            done.append(True)
            counted.disconnect(once)
            then()

    counted.connect(once)


def restore(window: Any, settings: QSettings) -> None:
    """Put the remembered values back; one that no longer fits (an endpoint deleted since)
    leaves its field as it is."""
    for key, path in FIELDS:
        value = settings.value(f"remember/{key}")
        widget = resolve(window, path)
        if isinstance(value, str) and widget is not None and not _apply(widget, value) \
                and isinstance(widget, QComboBox):
            _apply_when_listed(widget, value, lambda: _select_capture(window, settings))
    _select_capture(window, settings)
    delivery = settings.value("remember/deliveries/delivery")
    if isinstance(delivery, str) and delivery:
        # shown now, selected when the list's count arrives (read on a worker thread)
        window.deliveries.show_delivery(delivery)


def _select_capture(window: Any, settings: QSettings) -> None:
    """Filter now (not in the search field's 250 ms: that would drop the selection), then
    select the remembered capture if it still exists."""
    inbox = window.inbox
    timer = getattr(inbox, "_search_timer", None)
    if timer is not None:
        timer.stop()
    inbox.apply_filter()
    capture = settings.value("remember/inbox/capture")
    with contextlib.suppress(ValueError, TypeError):
        capture_id = int(str(capture)) if capture is not None else None
        if capture_id is not None and _capture_exists(window, capture_id):
            inbox.select_capture(capture_id)
            _once_counted(inbox, lambda: inbox.select_capture(capture_id, scroll=True))
