"""The clock-skew tolerance of a receiver endpoint: default, off, or a number of seconds.

Stored as ``None`` (the scheme's or profile's default), ``-1`` (no time check at all) or the
seconds. A plain spin box showed -1 as "scheme default", so an endpoint the API had set to
"off" was silently turned back to the default when it was re-saved from the editor.
"""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox, QWidget

from webhook_studio.core import limits

DEFAULT = -2
OFF = -1
OFF_TEXT = "off (no time check)"


class ToleranceSpin(QSpinBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(DEFAULT, int(limits.TOLERANCE_SECONDS.high))
        self.set_default_text("scheme default")
        self.setToolTip(f"Seconds of clock skew accepted, {limits.TOLERANCE_SECONDS.text()} "
                        "(-1: off); step below 0 for the default")
        self.set_tolerance(None)

    def set_default_text(self, text: str) -> None:
        self.setSpecialValueText(text)

    def tolerance(self) -> int | None:
        return None if self.value() == DEFAULT else self.value()

    def set_tolerance(self, value: int | None) -> None:
        self.setValue(DEFAULT if value is None else max(OFF, value))

    def textFromValue(self, value: int) -> str:
        return OFF_TEXT if value == OFF else super().textFromValue(value)

    def valueFromText(self, text: str) -> int:
        if text.strip().startswith("off"):
            return OFF
        return super().valueFromText(text)
