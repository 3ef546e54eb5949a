"""The HTTPS receiver's certificate under Settings' Serve HTTPS: its SHA-256 fingerprint and
file, selectable, with Copy buttons.

A provider's dashboard, ``curl --pinnedpubkey`` or a browser warning page asks which
certificate to trust; this is where a window user reads the answer (``listen --tls`` and
``serve --tls`` print the same line).
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QPushButton, QWidget

from webhook_studio.receiver.tls import Certificate
from webhook_studio.ui.theme import set_tone


class CertificateBox(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fingerprint = QLineEdit()
        self.fingerprint.setReadOnly(True)
        self.fingerprint.setAccessibleName("Certificate SHA-256 fingerprint")
        self.fingerprint.setToolTip("Compare it with what a client or browser shows for this "
                                    "receiver's certificate")
        self.path = QLineEdit()
        self.path.setReadOnly(True)
        self.path.setAccessibleName("Certificate file")
        self.copy = QPushButton("Copy")
        self.copy.setToolTip("Copy the SHA-256 fingerprint")
        self.copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(
            self.fingerprint.text()))
        self.copy_path = QPushButton("Copy path")
        self.copy_path.setToolTip("Copy the certificate file's path (PEM), e.g. for curl "
                                  "--cacert")
        self.copy_path.clicked.connect(lambda: QGuiApplication.clipboard().setText(
            self.path.text()))
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setProperty("role", "muted")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("SHA-256"), 0, 0)
        grid.addWidget(self.fingerprint, 0, 1)
        grid.addWidget(self.copy, 0, 2)
        grid.addWidget(QLabel("Certificate"), 1, 0)
        grid.addWidget(self.path, 1, 1)
        grid.addWidget(self.copy_path, 1, 2)
        grid.addWidget(self.note, 2, 0, 1, 3)
        grid.setColumnStretch(1, 1)

    def show_certificate(self, certificate: Certificate, note: str) -> None:
        self.fingerprint.setText(certificate.fingerprint)
        self.fingerprint.setCursorPosition(0)
        self.path.setText(str(certificate.cert_path))
        self.path.setCursorPosition(0)
        for widget in (self.fingerprint, self.path, self.copy, self.copy_path):
            widget.setEnabled(True)
        set_tone(self.note, None)
        self.note.setText(note)

    def show_problem(self, sentence: str) -> None:
        """The certificate could not be made or read: say why, offer nothing to copy."""
        for field in (self.fingerprint, self.path):
            field.clear()
        for widget in (self.fingerprint, self.path, self.copy, self.copy_path):
            widget.setEnabled(False)
        set_tone(self.note, "invalid")
        self.note.setText(sentence)
