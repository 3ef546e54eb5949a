"""Replay shown captures in order: where to, how far apart, and re-signed or as they were.

The target and the re-signing are the one-capture Replay dialog's own fields
(``ReplayForm``); this adds the pacing, the wait between one request's answer and the next
request (issue 6: "a chosen pacing"), so a receiver with a rate limit or a slow consumer can
take a whole afternoon's captures at the speed it can bear. Progress and Cancel are the long
task's (``ui/long_task.py``).

Signals:
    replay(BulkReplayRequest): the user confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from webhook_studio.core.errors import PolicyError
from webhook_studio.core.profiles import Profile
from webhook_studio.core.retry import format_delay, parse_delay
from webhook_studio.ui.replay_dialog import ReplayForm
from webhook_studio.ui.widgets.signing import Signing
from webhook_studio.ui.widgets.targets import remember_target

#: The pacings offered; any other delay can be typed (``250ms``, ``1.5s``, ``1m``).
PACINGS = ("0", "100ms", "500ms", "1s", "2s", "5s", "30s")
#: Longer than this between two requests is a mistake more often than a plan.
MAX_PACING = 3600.0
PACING_SETTING = "replay/bulk_pacing"


@dataclass(frozen=True)
class BulkReplayRequest:
    url: str
    #: Seconds between one request's answer and the next request.
    pacing: float
    #: How to re-sign (``relay.replay.Resign``), or None to send each as it was.
    resign: Any = None


def parse_pacing(text: str) -> float:
    """Seconds from ``0``, ``500ms``, ``2s``, ``1m``; raises ValueError with a sentence."""
    try:
        seconds = parse_delay(text.strip() or "0")
    except PolicyError as exc:
        raise ValueError(f"Pacing: {exc}") from None
    if seconds > MAX_PACING:
        raise ValueError(f"Pacing: {text.strip()!r} is over an hour between requests; "
                         "choose a shorter wait, like 500ms or 2s.")
    return seconds


class BulkReplayDialog(ReplayForm):
    replay = Signal(object)

    def __init__(self, shown: int, signing: Signing, settings: QSettings,
                 profiles: Mapping[str, Profile], parent: QWidget | None = None) -> None:
        super().__init__("Replay shown captures", signing, settings, profiles,
                         "Replay all", parent)
        what = "capture" if shown == 1 else "captures"
        self.summary = QLabel(f"{shown} shown {what}, sent one at a time, oldest first; each "
                              "is recorded as a replay in Deliveries.")
        self.summary.setWordWrap(True)
        self.pacing = QComboBox()
        self.pacing.setEditable(True)
        self.pacing.addItems(PACINGS)
        self.pacing.setCurrentText(str(settings.value(PACING_SETTING, "0")))
        self.pacing.setToolTip("The wait after each answer before the next request: 0, 500ms, "
                               "2s, 1m")
        self.pacing.setAccessibleName("Pacing")
        self.add_row("", self.summary)
        self.add_row("Pacing", self.pacing)
        self.resize(640, self.sizeHint().height())

    def confirm(self) -> bool:
        try:
            pacing = parse_pacing(self.pacing.currentText())
        except ValueError as exc:
            self.error.setText(str(exc))
            return False
        chosen = self.target()
        if chosen is None:
            return False
        url, resign = chosen
        remember_target(self.settings, url)
        self.settings.setValue(PACING_SETTING, format_delay(pacing) if pacing else "0")
        self.replay.emit(BulkReplayRequest(url, pacing, resign))
        return True
