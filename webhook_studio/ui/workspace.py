"""Settings ▸ Workspace: this computer's SQLite file, or the team's PostgreSQL database.

The choice is kept in the window's settings file (``workspace/kind``, ``workspace/url``) and
read by ``app.py`` when the app starts without ``--db``: the window's engines, models and
listeners all hang off the one store opened at start, so the switch happens at the next start
(the box says so). "Test connection" connects for real, off the GUI thread, and shows the
sentence :func:`~webhook_studio.store.team_check.check_connection` gives.
"""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.store.team_check import EXAMPLE, CheckResult, check_connection, team_url
from webhook_studio.ui.theme import set_tone

LOCAL, TEAM = "local", "team"


def chosen_database(settings: QSettings) -> str | None:
    """The team database URL when the workspace is "Team database", else None (SQLite)."""
    if str(settings.value("workspace/kind", LOCAL)) != TEAM:
        return None
    url = str(settings.value("workspace/url", "")).strip()
    return team_url(url) or None


class WorkspaceBox(QGroupBox):
    """Signals: ``tested(bool, str)`` after each connection test."""

    tested = Signal(bool, str)

    def __init__(self, settings: QSettings, current_url: str,
                 parent: QWidget | None = None) -> None:
        super().__init__("Workspace", parent)
        self.settings = settings
        self.current_url = current_url
        self.local = QRadioButton("This computer (SQLite)")
        self.team = QRadioButton("Team database (PostgreSQL)")
        self.group = QButtonGroup(self)
        self.group.addButton(self.local)
        self.group.addButton(self.team)
        self.url = QLineEdit()
        self.url.setPlaceholderText(EXAMPLE)
        self.url.setToolTip("Every teammate and every `webhook-studio serve` points at the same "
                            "database (docs/team.md)")
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test)
        self.result = QLabel("")
        self.result.setObjectName("workspace_result")
        self.result.setWordWrap(True)
        self.note = QLabel("")
        self.note.setObjectName("workspace_note")
        self.note.setWordWrap(True)
        url_row = QHBoxLayout()
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.test_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.local)
        layout.addWidget(self.team)
        layout.addLayout(url_row)
        layout.addWidget(self.result)
        layout.addWidget(self.note)
        self.team.toggled.connect(self._sync)
        self._task: asyncio.Future[CheckResult] | None = None
        self.load()

    def load(self) -> None:
        team = str(self.settings.value("workspace/kind", LOCAL)) == TEAM
        (self.team if team else self.local).setChecked(True)
        self.url.setText(str(self.settings.value("workspace/url", "")))
        self._sync()

    def _sync(self) -> None:
        on = self.team.isChecked()
        self.url.setEnabled(on)
        self.test_button.setEnabled(on)

    def test(self) -> None:
        """Connect for real (on a worker thread) and show what happened."""
        url = self.url.text()
        self.test_button.setEnabled(False)
        set_tone(self.result, None)
        self.result.setText("Connecting…")
        loop = asyncio.get_event_loop()
        self._task = loop.run_in_executor(None, check_connection, url)
        self._task.add_done_callback(self._tested)

    def _tested(self, future: asyncio.Future[CheckResult]) -> None:
        self._sync()
        try:
            outcome = future.result()
        except Exception as exc:  # never a traceback in the window
            outcome = CheckResult(False, f"The test failed: {exc}")
        set_tone(self.result, None if outcome.ok else "invalid")
        self.result.setText(outcome.sentence)
        self.tested.emit(outcome.ok, outcome.sentence)

    def save(self) -> bool:
        """Store the choice; False (nothing stored) when the team URL is not one."""
        team = self.team.isChecked()
        url = team_url(self.url.text())
        if team and not url.startswith("postgresql+psycopg://"):
            set_tone(self.note, "invalid")
            self.note.setText(f"Workspace not saved: enter the team database URL, e.g. "
                              f"{EXAMPLE}.")
            return False
        self.settings.setValue("workspace/kind", TEAM if team else LOCAL)
        self.settings.setValue("workspace/url", url if team else self.url.text().strip())
        self.settings.sync()
        wanted = url if team else None
        now_team = self.current_url.startswith("postgresql")
        if (wanted or None) == (self.current_url if now_team else None):
            set_tone(self.note, None)
            self.note.setText("")
        else:
            set_tone(self.note, "warn")
            self.note.setText("Saved: the window opens "
                              + ("the team database" if team else "this computer's database")
                              + " the next time Webhook Studio starts.")
        return True
