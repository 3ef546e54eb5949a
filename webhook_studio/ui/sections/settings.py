"""Settings: where data lives, where the receiver listens, defaults for new subscriptions.

Values are kept in the window's settings file; the receiver address applies at next start.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.context import AppContext


class SettingsSection(QWidget):
    def __init__(self, ctx: AppContext, settings: QSettings, parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.settings = settings
        heading = QLabel("Settings")
        heading.setProperty("role", "heading")
        location = QLabel(f"{ctx.store.url}<br><span>Data folder: {ctx.data_dir}</span>")
        location.setWordWrap(True)
        self.host = QLineEdit(str(settings.value("receiver/host", "127.0.0.1")))
        self.port = QSpinBox(minimum=0, maximum=65535)
        self.port.setValue(int(str(settings.value("receiver/port", 8000))))
        self.tls = QCheckBox("Serve HTTPS with a self-signed certificate")
        self.tls.setChecked(str(settings.value("receiver/tls", "false")) == "true")
        self.retry = QLineEdit(str(settings.value("defaults/retry", "standard-webhooks")))
        self.timeout = QSpinBox(minimum=1, maximum=300, suffix=" s")
        self.timeout.setValue(int(str(settings.value("defaults/timeout", 15))))
        from webhook_studio.api.token import load_or_create_token, token_path

        self.token = QLineEdit(load_or_create_token(ctx.data_dir))
        self.token.setReadOnly(True)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setToolTip(f"Stored owner-only in {token_path(ctx.data_dir)}; the API "
                              "(webhook-studio serve) needs it as a bearer token")
        reveal = QPushButton("Reveal")
        reveal.setCheckable(True)
        reveal.toggled.connect(lambda on: self.token.setEchoMode(
            QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.token.text()))
        token_row = QHBoxLayout()
        for widget in (self.token, reveal, copy):
            token_row.addWidget(widget)
        self.api_enabled = QCheckBox("Expose the management API on 127.0.0.1 (next start)")
        self.api_enabled.setChecked(str(settings.value("api/enabled", "false")) == "true")
        self.api_port = QSpinBox(minimum=1, maximum=65535)
        self.api_port.setValue(int(str(settings.value("api/port", 8001))))
        self.note = QLabel("")
        self.note.setProperty("role", "muted")
        save = QPushButton("Save")
        save.clicked.connect(self.save)
        form = QFormLayout()
        form.addRow("Database", location)
        form.addRow("Receiver address", self.host)
        form.addRow("Receiver port", self.port)
        form.addRow("", self.tls)
        form.addRow("Default retry policy", self.retry)
        form.addRow("Default timeout", self.timeout)
        form.addRow("", self.api_enabled)
        form.addRow("API port", self.api_port)
        form.addRow("API token", token_row)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(save)
        layout.addWidget(self.note)
        layout.addStretch(1)

    def save(self) -> None:
        self.settings.setValue("receiver/host", self.host.text().strip() or "127.0.0.1")
        self.settings.setValue("receiver/port", self.port.value())
        self.settings.setValue("receiver/tls", "true" if self.tls.isChecked() else "false")
        self.settings.setValue("defaults/retry", self.retry.text().strip())
        self.settings.setValue("defaults/timeout", self.timeout.value())
        self.settings.setValue("api/enabled", "true" if self.api_enabled.isChecked() else "false")
        self.settings.setValue("api/port", self.api_port.value())
        self.settings.sync()
        self.note.setText("Saved. The receiver address applies the next time the app starts.")
