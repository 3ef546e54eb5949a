"""Notices: errors that stay until read, a tray badge for what happened while nobody looked,
and (when asked for) desktop notifications.

- ``Notices`` keeps every error and notice of the session; the status bar's message still
  shows it for a moment, but the notices panel (View ▸ Notices, or the status bar's
  "⚠ 2 notices" button) keeps it, with its time, until cleared.
- ``Attention`` counts captures that arrived while the Inbox was not in front of the person
  and deliveries that were dead-lettered while Deliveries was not; the tray icon (only where
  ``QSystemTrayIcon.isSystemTrayAvailable()``) shows the sum as a badge, and the tooltip says
  what it is made of.
- Desktop notifications for "invalid signature received" and "delivery dead-lettered" are off
  by default; View ▸ Notifications turns each on (kept in the settings file).

Engine events arrive as plain callbacks on the loop (DESIGN.md section 2); they are only
counted there, and the badge is redrawn by a timer at most four times a second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRect, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.ui import format as fmt

#: Desktop notification kinds: settings key → (menu title, what it announces).
NOTIFICATION_KINDS: dict[str, str] = {
    "notify/invalid_signature": "Invalid signature received",
    "notify/dead_lettered": "Delivery dead-lettered",
}


@dataclass(frozen=True)
class Notice:
    at: float
    level: str  # "error" or "info"
    text: str

    def line(self) -> str:
        mark = "⚠" if self.level == "error" else "ℹ"
        return f"{fmt.local_time(self.at)[:8]}  {mark} {self.text}"


class Notices(QObject):
    """The session's notices, newest last; ``unread`` counts errors not yet looked at."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None, limit: int = 500) -> None:
        super().__init__(parent)
        self.items: list[Notice] = []
        self.unread = 0
        self.limit = limit

    def add(self, text: str, level: str = "error") -> Notice:
        notice = Notice(time.time(), level, text)
        self.items.append(notice)
        del self.items[:-self.limit]
        if level == "error":
            self.unread += 1
        self.changed.emit()
        return notice

    def mark_read(self) -> None:
        if self.unread:
            self.unread = 0
            self.changed.emit()

    def clear(self) -> None:
        self.items.clear()
        self.unread = 0
        self.changed.emit()


class NoticesPanel(QWidget):
    """The list of notices, newest first, with Copy and Clear."""

    def __init__(self, notices: Notices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notices_panel")
        self.notices = notices
        self.list = QListWidget()
        self.list.setAccessibleName("Notices")
        self.list.setWordWrap(True)
        self.empty = QLabel("No notices. Errors the window reports stay listed here.")
        self.empty.setProperty("role", "muted")
        self.copy_button = QPushButton("Copy all")
        self.copy_button.setToolTip("Copy every notice as text")
        self.copy_button.clicked.connect(self.copy_all)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Forget the notices listed here")
        self.clear_button.clicked.connect(notices.clear)
        buttons = QHBoxLayout()
        buttons.addWidget(self.empty, 1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        notices.changed.connect(self.reload)
        self.reload()

    def reload(self) -> None:
        self.list.clear()
        for notice in reversed(self.notices.items):
            item = QListWidgetItem(notice.line())
            item.setToolTip(notice.text)
            self.list.addItem(item)
        has = bool(self.notices.items)
        self.empty.setVisible(not has)
        self.copy_button.setEnabled(has)
        self.clear_button.setEnabled(has)

    def copy_all(self) -> None:
        from PySide6.QtGui import QGuiApplication

        QGuiApplication.clipboard().setText(
            "\n".join(n.line() for n in self.notices.items))


class NoticesButton(QPushButton):
    """The status bar's "⚠ 2 notices": shown while errors are unread; opens the panel."""

    def __init__(self, notices: Notices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notices_button")
        self.setFlat(True)
        self.notices = notices
        self.setToolTip("Errors reported while you worked: open the notices panel")
        notices.changed.connect(self.update_text)
        self.update_text()

    def update_text(self) -> None:
        unread = self.notices.unread
        self.setText(f"⚠ {fmt.count(unread, 'notice')}")
        self.setAccessibleName(f"{fmt.count(unread, 'unread notice')}: open the notices")
        self.setVisible(unread > 0)


def badge_icon(base: QIcon, count: int, size: int = 64) -> QIcon:
    """``base`` with a red badge holding ``count`` (99+ above 99); ``base`` when 0."""
    pixmap = base.pixmap(size, size) if not base.isNull() else QPixmap(size, size)
    if base.isNull():
        pixmap.fill(QColor("#3b82f6"))
    if count <= 0:
        return QIcon(pixmap)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    diameter = size * 5 // 8
    rect = QRect(size - diameter, 0, diameter, diameter)
    painter.setBrush(QColor("#d92d20"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(rect)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(diameter * 11 // 20)
    painter.setFont(font)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "99+" if count > 99 else str(count))
    painter.end()
    return QIcon(pixmap)


class Attention(QObject):
    """Unseen captures and dead-lettered deliveries, the tray badge, desktop notifications.

    ``looking_at`` is asked which section the person has in front of them (None when the
    window is not active); what arrives there counts as seen.

    Signals:
        changed(): the counts changed (the badge is redrawn).
        notified(str, str): a desktop notification was shown (title, text).
    """

    changed = Signal()
    notified = Signal(str, str)

    def __init__(self, settings: QSettings, looking_at: Any, icon: QIcon | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.looking_at = looking_at
        self.unseen_captures = 0
        self.failed_deliveries = 0
        self._counted_failed: set[str] = set()
        self._dirty = False
        self.icon = icon or QIcon()
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(self.icon, self)
            self.tray.setToolTip("Webhook Studio")
            self.tray.show()
        self._timer = QTimer(self)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._flush)
        self._timer.start()

    # -- engine callbacks (on the loop; count only) --------------------------------------
    def on_receiver_event(self, event: Any) -> None:
        from webhook_studio.receiver import CaptureStored

        if not isinstance(event, CaptureStored):
            return
        if self.looking_at() != "inbox":
            self.unseen_captures += 1
            self._dirty = True
        if event.verify_valid is False and self.enabled("notify/invalid_signature"):
            reason = (event.reason or "invalid").replace("_", " ")
            self.notify("Invalid signature received",
                        f"{event.method} {event.path}: {reason} (capture #{event.capture_id})")

    def on_sender_event(self, event: Any) -> None:
        from webhook_studio.sender.events import AttemptFinished, DeliveryChanged

        if (not isinstance(event, AttemptFinished | DeliveryChanged)
                or event.state != DeliveryState.FAILED):
            return
        if event.delivery_id in self._counted_failed:
            return
        self._counted_failed.add(event.delivery_id)
        if self.looking_at() != "deliveries":
            self.failed_deliveries += 1
            self._dirty = True
        if self.enabled("notify/dead_lettered"):
            self.notify("Delivery dead-lettered",
                        f"Delivery {event.delivery_id[:12]} gave up after its last retry.")

    # -- what the person sees -----------------------------------------------------------
    def enabled(self, key: str) -> bool:
        return str(self.settings.value(key, "false")) == "true"

    def set_enabled(self, key: str, on: bool) -> None:
        self.settings.setValue(key, "true" if on else "false")

    def toggle(self, key: str) -> None:
        self.set_enabled(key, not self.enabled(key))

    def notify(self, title: str, text: str) -> None:
        if self.tray is not None and QSystemTrayIcon.supportsMessages():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Warning, 8000)
        self.notified.emit(title, text)

    def seen(self, section: str | None) -> None:
        """The person now looks at ``section``: what was waiting there counts as seen."""
        if section == "inbox" and self.unseen_captures:
            self.unseen_captures = 0
            self._dirty = True
        if section == "deliveries" and self.failed_deliveries:
            self.failed_deliveries = 0
            self._dirty = True
        self._flush()

    def badge(self) -> int:
        return self.unseen_captures + self.failed_deliveries

    def summary(self) -> str:
        parts = []
        if self.unseen_captures:
            parts.append(fmt.count(self.unseen_captures, "new capture"))
        if self.failed_deliveries:
            parts.append(fmt.count(self.failed_deliveries, "dead-lettered delivery",
                                   "dead-lettered deliveries"))
        return "Webhook Studio" + (": " + ", ".join(parts) if parts else "")

    def _flush(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        if self.tray is not None:
            self.tray.setIcon(badge_icon(self.icon, self.badge()))
            self.tray.setToolTip(self.summary())
        self.changed.emit()
