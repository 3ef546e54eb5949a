"""The last URLs a person sent captures to, newest first, kept in the window's settings so the
replay and edit-and-resend dialogs offer them again (also after a restart)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QWidget

KEY = "replay/targets"
KEEP = 10


def recent_targets(settings: QSettings) -> list[str]:
    raw = settings.value(KEY, [])
    items: list[object] = [raw] if isinstance(raw, str) else (  # a one-item list reads back
        list(raw) if isinstance(raw, list | tuple) else [])      # as a lone string
    return [str(u) for u in items if str(u).strip()][:KEEP]


def remember_target(settings: QSettings, url: str) -> None:
    urls = [url] + [u for u in recent_targets(settings) if u != url]
    settings.setValue(KEY, urls[:KEEP])
    settings.sync()


def target_combo(settings: QSettings, parent: QWidget | None = None) -> QComboBox:
    """Editable; pre-filled with the most recent target."""
    combo = QComboBox(parent)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.addItems(recent_targets(settings))
    line = combo.lineEdit()
    if line is not None:
        line.setPlaceholderText("http://localhost:3000/webhook")
    combo.setMinimumWidth(360)
    return combo
