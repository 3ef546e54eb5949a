"""Inbox ▸ "Export as tests…": the selected captures as a pytest or Jest module.

Same engine as ``captures export --format pytest|jest``
(:func:`webhook_studio.relay.contract_export.contract_text`). Redaction is on by default for
emails, card numbers and tokens: a test file is meant to be committed and shared.

Signals:
    exported(object): ``(path, count, notes)`` after the file is written.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from webhook_studio.relay.redact import PATTERNS, Redaction, RedactionError
from webhook_studio.store import Store
from webhook_studio.ui import dialogs
from webhook_studio.ui.tasks import TaskRunner
from webhook_studio.ui.theme import set_tone

PATTERN_LABELS = {"email": "Emails", "card": "Card numbers", "token": "Tokens and API keys"}


class ContractExportDialog(QDialog):
    exported = Signal(object)

    def __init__(self, store: Store, ids: Sequence[int], parent: QWidget | None = None,
                 runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.store, self.ids, self.runner = store, list(ids), runner
        self.setWindowTitle(f"Export {len(self.ids)} capture(s) as tests")
        self.format = QComboBox()
        self.format.addItem("pytest (Python: pytest + httpx)", "pytest")
        self.format.addItem("Jest (JavaScript: Node 18+ fetch)", "jest")
        self.rules = QLineEdit(placeholderText="json:$.customer.email, header:authorization")
        self.rules.setToolTip("JSON paths ($.a.b, $.list[*].x, $..key) and header names to "
                              "replace, separated by commas")
        self.patterns = {name: QCheckBox(PATTERN_LABELS[name]) for name in PATTERNS}
        pattern_row = QHBoxLayout()
        for box in self.patterns.values():
            box.setChecked(True)
            pattern_row.addWidget(box)
        pattern_row.addStretch(1)
        self.exact = QCheckBox("Expect exactly")
        self.status = QSpinBox(minimum=100, maximum=599, value=200)
        self.status.setEnabled(False)
        self.exact.toggled.connect(self.status.setEnabled)
        expect_row = QHBoxLayout()
        expect_row.addWidget(QLabel("the status class each capture got, or"))
        expect_row.addWidget(self.exact)
        expect_row.addWidget(self.status)
        expect_row.addStretch(1)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        set_tone(self.error, "invalid")
        form = QFormLayout(self)
        form.addRow("Format", self.format)
        form.addRow("Redact", self.rules)
        form.addRow("Redact by pattern", pattern_row)
        form.addRow("Assert", expect_row)
        form.addRow("", self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.export_button.setText("Export…")
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.resize(620, self.sizeHint().height())

    def redaction(self) -> Redaction:
        rules = [r.strip() for r in self.rules.text().split(",") if r.strip()]
        chosen = [name for name, box in self.patterns.items() if box.isChecked()]
        return Redaction.parse(rules, chosen)

    def _confirm(self) -> None:
        try:
            self.redaction()
        except RedactionError as exc:
            self.error.setText(str(exc).replace("--redact ", "").replace("-pattern", ""))
            return
        suggested = "test_webhooks_recorded.py" if self.format.currentData() == "pytest" \
            else "webhook.recorded.test.js"
        dialogs.save_file(self, "Export as tests", suggested,
                          "Python (*.py)" if self.format.currentData() == "pytest"
                          else "JavaScript (*.js)", self.write)

    def write(self, path: str) -> None:
        """Read the captures and write the module on a worker thread (with a runner), then
        report; a problem is a sentence in the dialog, never a traceback."""
        fmt_name = str(self.format.currentData())
        redaction = self.redaction()
        expect = self.status.value() if self.exact.isChecked() else None
        self.export_button.setEnabled(False)

        def produce() -> tuple[str, int, list[str]] | str:
            from webhook_studio.errors import describe_error
            from webhook_studio.relay.contract_export import contract_text, library_lookup

            try:
                text, plan = contract_text(self.store, self.ids, fmt_name, redaction=redaction,
                                           expect_status=expect, profiles=library_lookup(),
                                           filename=Path(path).name)
                target = Path(path)
                fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                            dir=target.parent)
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(text)
                os.replace(temp, target)
            except Exception as exc:
                return describe_error(exc)[0]
            return path, len(plan.cases), plan.notes

        if self.runner is None:
            self._written(produce())
        else:
            self.runner.run(asyncio.to_thread(produce), on_success=self._written)

    def _written(self, result: tuple[str, int, list[str]] | str) -> None:
        self.export_button.setEnabled(True)
        if isinstance(result, str):
            self.error.setText(result)
            return
        self.exported.emit(result)
        self.accept()
