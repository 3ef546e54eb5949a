"""The Chaos tab of bulk replay: send the shown captures with duplicates, reordered, in
bursts and with uneven pacing, and see per capture what came back and, with a check URL or
command, which events the consumer applied twice or lost.

The schedule is computed first (:func:`webhook_studio.core.chaos.plan`, pure and seeded, the
seed shown so a run can be repeated) and run by :func:`webhook_studio.relay.chaos.run_chaos`
through the window's task runner.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.chaos import ChaosSpec, plan
from webhook_studio.core.profiles import Profile
from webhook_studio.core.validation import url_problem
from webhook_studio.relay.chaos import ChaosReport, check_report, read_state, run_chaos
from webhook_studio.store import Store
from webhook_studio.ui import format as fmt
from webhook_studio.ui.tasks import TaskRunner
from webhook_studio.ui.theme import set_tone
from webhook_studio.ui.widgets.signing import SigningPicker


class ChaosPanel(QWidget):
    """``ids()`` gives the captures to send (in received order) when Run is clicked."""

    finished = Signal(object)  # the ChaosReport

    def __init__(self, store: Store, runner: TaskRunner, ids: Callable[[], Sequence[int]],
                 target: str = "", parent: QWidget | None = None,
                 profiles: Mapping[str, Profile] | None = None) -> None:
        super().__init__(parent)
        self.store, self.runner, self.ids = store, runner, ids
        self.report: ChaosReport | None = None
        self.task: asyncio.Task[Any] | None = None
        self.url = QLineEdit(target, placeholderText="http://localhost:3000/webhook")
        self.duplicates = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.1, value=0.2)
        self.duplicates.setToolTip("Chance that a capture is sent twice, with the same "
                                   "delivery id, later in the run")
        self.shuffle = QCheckBox("Reorder (shuffle)")
        self.shuffle.setChecked(True)
        self.burst = QSpinBox(minimum=1, maximum=1000, value=10)
        self.burst.setToolTip("Requests sent at once")
        self.delay_low = QDoubleSpinBox(minimum=0.0, maximum=300.0, singleStep=0.1, suffix=" s")
        self.delay_high = QDoubleSpinBox(minimum=0.0, maximum=300.0, singleStep=0.1,
                                         value=0.5, suffix=" s")
        delay = QHBoxLayout()
        delay.addWidget(self.delay_low)
        delay.addWidget(QLabel("to"))
        delay.addWidget(self.delay_high)
        delay.addStretch(1)
        self.resign = QCheckBox("Re-sign each copy (fresh timestamp; copies keep one "
                                "delivery id)")
        self.signing = SigningPicker(profiles or {})
        self.signing.setEnabled(False)
        self.resign.toggled.connect(self.signing.setEnabled)
        self.seed = QLineEdit(placeholderText="random (shown after the run)")
        self.check = QLineEdit(placeholderText="optional: http://localhost:3000/state or a "
                               "command printing {event id: times applied}")
        self.run_button = QPushButton("Run chaos replay")
        self.run_button.clicked.connect(lambda: self.start())
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(lambda: self.stop())
        self.error = QLabel("")
        self.error.setWordWrap(True)
        set_tone(self.error, "invalid")
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Capture", "Event", "Sent", "Answers"])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(1, 200)
        form = QFormLayout()
        form.addRow("Send to", self.url)
        form.addRow("Duplicates", self.duplicates)
        form.addRow("", self.shuffle)
        form.addRow("Burst", self.burst)
        form.addRow("Pause between bursts", delay)
        form.addRow("", self.resign)
        form.addRow("Sign as", self.signing)
        form.addRow("Seed", self.seed)
        form.addRow("Check consumer", self.check)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        layout.addWidget(self.verdict)
        layout.addWidget(self.table, 1)

    def spec(self) -> ChaosSpec:
        low, high = self.delay_low.value(), self.delay_high.value()
        return ChaosSpec(self.duplicates.value(), self.shuffle.isChecked(), self.burst.value(),
                         (min(low, high), max(low, high)))

    def start(self) -> asyncio.Task[Any] | None:
        url = self.url.text().strip()
        self.error.setText("")
        if problem := url_problem(url):
            self.error.setText(problem)
            return None
        seed_text = self.seed.text().strip()
        if seed_text and not seed_text.lstrip("-").isdigit():
            self.error.setText(f"The seed {seed_text!r} must be a whole number (or empty for "
                               "a random one).")
            return None
        resign = None
        if self.resign.isChecked():
            resign, problem = self.signing.resign()
            if problem:
                self.error.setText(problem)
                return None
        seed = int(seed_text) if seed_text else random.SystemRandom().randrange(1 << 31)
        spec = self.spec()
        check = self.check.text().strip()

        async def work() -> ChaosReport | None:
            ids = list(await asyncio.to_thread(self.ids))  # a store read: off the GUI thread
            if not ids:
                return None
            schedule = plan(ids, spec, seed)
            self.verdict.setText(f"Sending {len(schedule.sends)} request(s), seed {seed}…")
            before = await read_state(check) if check else {}
            report = await run_chaos(self.store, schedule, url, resign=resign)
            if check:
                check_report(report, before, await read_state(check))
            return report

        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.verdict.setText("Reading the shown captures…")
        self.task = self.runner.run(work(), on_success=self._show)
        self.task.add_done_callback(lambda _t: self._idle())
        return self.task

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _idle(self) -> None:
        self.run_button.setEnabled(True)
        self.stop_button.setEnabled(False)

    def _show(self, report: ChaosReport | None) -> None:
        if report is None:
            self.verdict.setText("")
            self.error.setText("No captures are shown; there is nothing to replay.")
            return
        self.report = report
        self.seed.setText(str(report.schedule.seed))
        by_capture = report.by_capture()
        self.table.setRowCount(len(by_capture))
        for row, (cid, outs) in enumerate(by_capture.items()):
            answers = ", ".join(str(o.status) if o.status is not None else str(o.error)
                                for o in outs)
            cells = [f"#{cid}", report.event_ids.get(cid, "–"), str(len(outs)), answers]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if report.check and report.event_ids.get(cid) in report.check.duplicated:
                    item.setForeground(fmt.verdict_colour(False))
                self.table.setItem(row, col, item)
        self.verdict.setText(self.summary(report))
        self.finished.emit(report)

    @staticmethod
    def summary(report: ChaosReport) -> str:
        failed = sum(1 for o in report.outcomes if o.status is None or o.status >= 400)
        head = (f"Sent {len(report.outcomes)} request(s) ({report.schedule.spec.describe()}, "
                f"seed {report.schedule.seed}); {failed} failed.")
        check = report.check
        if check is None:
            return head + " No consumer check was given."
        if not check.duplicated and not check.lost:
            return head + f" The consumer applied each of {len(check.applied)} event(s) " \
                          "exactly once."
        parts = [head]
        if check.duplicated:
            parts.append("Applied more than once: " + ", ".join(
                f"{e} ({check.applied[e]}×)" for e in check.duplicated) + ".")
        if check.lost:
            parts.append("Never applied: " + ", ".join(check.lost) + ".")
        return " ".join(parts)


class ChaosDialog(QDialog):
    """Inbox ▸ Actions ▸ "Chaos replay shown captures…": the panel in a window-modal dialog."""

    def __init__(self, store: Store, runner: TaskRunner, ids: Callable[[], Sequence[int]],
                 target: str = "", parent: QWidget | None = None,
                 profiles: Mapping[str, Profile] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Chaos replay of the shown captures")
        self.panel = ChaosPanel(store, runner, ids, target, self, profiles)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel, 1)
        layout.addWidget(buttons)
        self.rejected.connect(self.panel.stop)
        self.resize(900, 640)
