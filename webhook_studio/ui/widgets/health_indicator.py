"""The status bar's health light: receiver, sender and store at a glance, details on hover.

"● Running" when all is well; otherwise the worst component and its state ("▲ Sender
degraded", "■ Store down"), coloured, with each component's sentence and since-when in the
tooltip. Changes arrive from :class:`webhook_studio.health.Health` listeners (plain callbacks
on the loop) and are turned into a Qt signal here; a slow timer picks up new sentences for the
same state (the next backoff delay), which the model does not announce.

Signals:
    health_changed(): a component changed state (emitted on the GUI thread).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from webhook_studio.health import ComponentHealth, Health
from webhook_studio.ui.theme import set_tone

MARKS = {"ok": "●", "degraded": "▲", "down": "■"}
#: The tone of each state (``theme.set_tone``: readable in both themes).
TONES = {"ok": "valid", "degraded": "warn", "down": "invalid"}
REFRESH_MS = 2000


class HealthIndicator(QLabel):
    health_changed = Signal()

    def __init__(self, health: Health | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("health")
        self.setStyleSheet("QLabel#health { padding: 0 6px; }")
        self.health: Health | None = None
        self.health_changed.connect(self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        if health is not None:
            self.follow(health)
        else:
            self.hide()

    def follow(self, health: Health) -> None:
        self.health = health
        listener = self._changed
        health.listeners.append(listener)

        def forget(*_: object) -> None:  # the model outlives the widget
            if listener in health.listeners:
                health.listeners.remove(listener)

        self.destroyed.connect(forget)
        self._timer.start()
        self.show()
        self.refresh()

    def _changed(self, _part: ComponentHealth) -> None:
        self.health_changed.emit()

    def refresh(self) -> None:
        if self.health is None:
            return
        parts = self.health.snapshot()
        status = self.health.status
        if status == "ok":
            text = f"{MARKS['ok']} Running"
        else:
            worst = [p for p in parts.values() if p.state == status]
            names = " and ".join(p.name.capitalize() for p in worst)
            text = f"{MARKS[status]} {names} {status}"
        self.setText(text)
        set_tone(self, TONES[status])
        self.setToolTip("\n".join(_line(p) for p in parts.values()))


def _line(part: ComponentHealth) -> str:
    since = time.strftime("%H:%M:%S", time.localtime(part.since))
    return f"{part.name.capitalize()}: {part.state} since {since}. {part.sentence}"


__all__ = ["HealthIndicator"]
