"""A window on a team database follows what other processes commit, live.

One LISTEN connection per window (``store/live.py``): captures, deliveries and attempts that
a ``serve`` on another machine (or a teammate's window) commits reach this window's models
through the same batched bridge as its own engines' events, so the Inbox and Deliveries
refresh the way they do for local work. While the connection is down the window keeps what it
shows and a banner says "Team database unreachable, retrying…"; after the reconnect the
listener catches up (``id > last seen``) and the banner goes. On SQLite nothing here runs: the
window hears its own engines in-process.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from webhook_studio.store.live import Change, LiveListener, is_team_url
from webhook_studio.store.pg_errors import UNREACHABLE
from webhook_studio.ui.theme import set_tone


class TeamBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("team_banner")
        self.setStyleSheet("QFrame#team_banner { background: rgba(201, 138, 27, 0.15); }")
        set_tone(self, "warn", "edge")
        self.message = QLabel(UNREACHABLE)
        self.message.setToolTip("Captures and deliveries shown are kept; new ones appear once "
                                "the database answers again. The receiver answers 503 "
                                "meanwhile, so providers retry.")
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 6, 8, 6)
        row.addWidget(self.message, 1)
        self.hide()


class LiveUpdates:
    """Owns the window's listener (None on SQLite) and its banner."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.banner = TeamBanner()
        url = str(window.ctx.store.url)
        self.listener: LiveListener | None = (
            LiveListener(url, self._changed, on_state=self._state) if is_team_url(url)
            else None)

    def start(self) -> None:
        if self.listener is not None:
            self.listener.start()

    async def stop(self) -> None:
        if self.listener is not None:
            await self.listener.stop()

    def _changed(self, change: Change) -> None:
        self.window.bridge.on_live_change(change.kind, len(change.ids))

    def _state(self, connected: bool) -> None:
        self.banner.setVisible(not connected)
        if connected:  # read again whatever a failed refresh left out meanwhile
            self.window.bridge.on_live_change("captures", 0)
            self.window.bridge.on_live_change("deliveries", 0)


def install(window: Any) -> LiveUpdates:
    """Put the banner above the sections (under the port banner) and return the updater."""
    live = LiveUpdates(window)
    layout = window.centralWidget().layout()
    layout.insertWidget(1, live.banner)
    return live
