"""The retry policy box the subscription editor and Settings share: the presets and an
exponential example to pick, any of the three text forms to type (core/retry.py).

Typing completes preset names only: were the example completed too, a person typing
``exp 10s`` would get the example's tail appended and save a policy they never wrote.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from webhook_studio.core.retry import EXAMPLE, HELP, PRESETS


def retry_combo(purpose: str, parent: QWidget | None = None) -> QComboBox:
    """An editable combo of the presets and :data:`EXAMPLE`; ``purpose`` ends the tooltip."""
    combo = QComboBox(parent)
    combo.setEditable(True)
    combo.addItems(sorted(PRESETS))
    combo.addItem(EXAMPLE)
    completer = QCompleter(sorted(PRESETS), combo)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
    combo.setCompleter(completer)
    combo.setToolTip(f"{HELP}. {purpose}")
    return combo
