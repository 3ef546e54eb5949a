"""Settings: where data lives, where the receiver listens, defaults for new subscriptions.

Values are kept in the window's settings file. Each one takes effect: the window applies what
changed when Save is pressed (the receiver restarts on its new address, the API starts or
stops, the defaults prefill new subscriptions and ad-hoc sends); what cannot be applied live
says so next to the Save button, with a Restart button. Nothing is saved while a field is
invalid; the sentence is shown under the field, as in the editors.

The view: the values' rules and storing them are in ``ui/controllers/settings.py``.

Signals:
    restart_requested(): the person pressed Restart after a change could not be applied live.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from webhook_studio import paths
from webhook_studio.context import AppContext
from webhook_studio.core import limits
from webhook_studio.ui.controllers.settings import SettingsController, setting
from webhook_studio.ui.theme import set_tone
from webhook_studio.ui.widgets.certificate_box import CertificateBox
from webhook_studio.ui.widgets.retry_field import retry_combo

__all__ = ["SettingsSection", "setting"]

class SettingsSection(QWidget):
    restart_requested = Signal()

    def __init__(self, ctx: AppContext, controller: SettingsController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        settings = controller.settings
        self.settings = settings
        heading = QLabel("Settings")
        heading.setProperty("role", "heading")
        from webhook_studio.ui.about_dialog import describe_store  # no password shown

        location = QLabel(f"{describe_store(ctx.store.url)}<br><span>Data folder: "
                          f"{ctx.data_dir}</span>")
        location.setWordWrap(True)
        self.host = QLineEdit()
        self.port = QSpinBox(minimum=0, maximum=65535)
        self.port.setToolTip("0 picks any free port at every start")
        self.tls = QCheckBox("Serve HTTPS with a self-signed certificate")
        self.tls_dir = paths.tls_dir(ctx.data_dir)
        self.certificate = CertificateBox()
        self.certificate.hide()
        self.tls.toggled.connect(self._show_certificate)
        self.retry = retry_combo("Prefills new subscriptions and ad-hoc sends from the "
                                 "Composer.")
        # the subscription's own range (core/limits.py): any value saved here prefills a
        # subscription the editor then accepts
        self.timeout = QDoubleSpinBox(minimum=limits.TIMEOUT_SECONDS.low,
                                      maximum=limits.TIMEOUT_SECONDS.high, decimals=1,
                                      suffix=" s")
        self.timeout.setToolTip("How long one attempt may take; prefills new subscriptions "
                                "and ad-hoc sends")
        from webhook_studio.api.token import load_or_create_token, token_path

        self.token = QLineEdit(load_or_create_token(ctx.data_dir))
        self.token.setReadOnly(True)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setToolTip(f"Stored owner-only in {token_path(ctx.data_dir)}; the API "
                              "(webhook-studio serve) needs it as a bearer token")
        self.reveal = QPushButton("Reveal")
        self.reveal.setCheckable(True)
        self.reveal.toggled.connect(self._reveal)
        self.copy = QPushButton("Copy")
        self.copy.clicked.connect(self._copy_token)
        token_row = QHBoxLayout()
        for widget in (self.token, self.reveal, self.copy):
            token_row.addWidget(widget)
        self.api_enabled = QCheckBox("Expose the management API on 127.0.0.1")
        self.api_port = QSpinBox(minimum=1, maximum=65535)
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.addRow("Database", location)
        rows: tuple[tuple[str, QWidget, str | None], ...] = (
            ("Receiver address", self.host, "host"), ("Receiver port", self.port, "port"),
            ("", self.tls, None), ("", self.certificate, None),
            ("Default retry policy", self.retry, "retry"),
            ("Default timeout", self.timeout, "timeout"), ("", self.api_enabled, None),
            ("API port", self.api_port, "api_port"))
        for label, field_widget, key in rows:
            form.addRow(label, field_widget)
            if key is not None:
                error = QLabel("")
                error.setObjectName(f"error_{key}")
                set_tone(error, "invalid")
                error.setWordWrap(True)
                error.hide()
                self.errors[key] = error
                form.addRow("", error)
        form.addRow("API token", token_row)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        self.note = QLabel("")
        self.note.setObjectName("settings_note")
        self.note.setWordWrap(True)
        self.restart_button = QPushButton("Restart receiver")
        self.restart_button.setToolTip("Apply the saved receiver settings now")
        self.restart_button.clicked.connect(self.restart_requested)
        self.restart_button.hide()
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addWidget(self.note, 1)
        save_row.addWidget(self.restart_button)
        body = QWidget()
        body.setMaximumWidth(820)  # a form, not a banner: fields stay readable on wide windows
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(heading)
        body_layout.addLayout(form)
        from webhook_studio.ui.workspace import WorkspaceBox

        self.workspace = WorkspaceBox(settings, str(ctx.store.url))
        self.save_button.clicked.connect(self.workspace.save)
        body_layout.addWidget(self.workspace)
        body_layout.addLayout(save_row)
        layout = QVBoxLayout(self)
        layout.addWidget(body)
        layout.addStretch(1)
        self.load()

    def load(self) -> None:
        """Show what is stored (also after the window changed a value, e.g. the port)."""
        self.host.setText(setting(self.settings, "receiver/host"))
        self.port.setValue(int(setting(self.settings, "receiver/port")))
        self.tls.setChecked(setting(self.settings, "receiver/tls") == "true")
        self._show_certificate(self.tls.isChecked())
        self.retry.setCurrentText(setting(self.settings, "defaults/retry"))
        self.timeout.setValue(float(setting(self.settings, "defaults/timeout")))
        self.api_enabled.setChecked(setting(self.settings, "api/enabled") == "true")
        self.api_port.setValue(int(setting(self.settings, "api/port")))

    def _show_certificate(self, on: bool) -> None:
        """Ticking Serve HTTPS makes (or reads) the kept certificate at once, so its
        fingerprint can be checked before the receiver serves it."""
        self.certificate.setVisible(on)
        if not on:
            return
        from webhook_studio.errors import describe_error
        from webhook_studio.receiver.tls import ensure_certificate

        try:
            certificate = ensure_certificate(self.tls_dir)
        except Exception as exc:  # a sentence under the box, never a traceback
            self.certificate.show_problem(f"The certificate cannot be made or read: "
                                          f"{describe_error(exc)[0]}")
            return
        served = setting(self.settings, "receiver/tls") == "true"
        self.certificate.show_certificate(
            certificate, "The receiver serves this certificate; clients that pin it compare "
            "this fingerprint." if served else
            "Kept in the data folder; the receiver serves it once you Save.")

    def _reveal(self, on: bool) -> None:
        self.token.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)

    def _copy_token(self) -> None:
        QGuiApplication.clipboard().setText(self.token.text())

    def values(self) -> tuple[dict[str, object], dict[str, str]]:
        """``(values by settings key, errors by field)``."""
        return self.controller.check({
                "receiver/host": self.host.text().strip(), "receiver/port": self.port.value(),
                "receiver/tls": "true" if self.tls.isChecked() else "false",
                "defaults/retry": self.retry.currentText().strip(),
                "defaults/timeout": self.timeout.value(),
                "api/enabled": "true" if self.api_enabled.isChecked() else "false",
                "api/port": self.api_port.value()})

    def save(self) -> list[str] | None:
        """Store the values and announce what changed; None (nothing stored) when a field is
        invalid."""
        values, errors = self.values()
        for key, label in self.errors.items():
            label.setText(errors.get(key, ""))
            label.setVisible(key in errors)
        if errors:
            set_tone(self.note, "invalid")
            self.note.setText(f"Not saved: {len(errors)} field(s) need attention.")
            return None
        changed = self.controller.store(values)
        self._show_certificate(self.tls.isChecked())
        set_tone(self.note, None)
        self.note.setText("Saved." if changed else "Saved (nothing changed).")
        self.restart_button.hide()
        self.controller.saved.emit(changed)
        return changed

    def show_outcome(self, text: str, *, needs_restart: bool = False) -> None:
        """What the window made of the saved values (called back after applying them)."""
        set_tone(self.note, "warn" if needs_restart else None)
        self.note.setText(text)
        self.restart_button.setVisible(needs_restart)
