"""The Signature field: the person's choice of scheme, or, when something else decides (a
provider profile, the target subscription), what will really sign, read-only, with a note
saying who decided. It never says "stripe" while EnvoyOU's headers are generated."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from webhook_studio.core.schemes import SCHEME_NAMES

CHOICES = [n for n in SCHEME_NAMES if n != "hmac"]  # the generic HMAC needs a profile


class SchemeField(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.addItems(CHOICES)
        self.combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(14)
        self.note = QLabel("")
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.note.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.combo)
        layout.addWidget(self.note)

    def choice(self) -> str:
        return self.combo.currentText()

    def is_fixed(self) -> bool:
        return self.combo.count() > len(CHOICES)

    def fix(self, label: str, note: str) -> None:
        """Show ``label`` read-only, with ``note`` (e.g. "set by the EnvoyOU profile")."""
        self.combo.blockSignals(True)
        if self.is_fixed():
            self.combo.removeItem(0)
        self.combo.insertItem(0, label)
        self.combo.setCurrentIndex(0)
        self.combo.blockSignals(False)
        self.combo.setEnabled(False)
        self.combo.setToolTip(note)
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def release(self, choice: str | None = None) -> None:
        """Back to the person's choice (``choice``, or what was chosen before)."""
        self.combo.blockSignals(True)
        if self.is_fixed():
            self.combo.removeItem(0)
        if choice is not None:
            self.combo.setCurrentText(choice)
        self.combo.blockSignals(False)
        self.combo.setEnabled(True)
        self.combo.setToolTip("")
        self.note.clear()
        self.note.hide()
