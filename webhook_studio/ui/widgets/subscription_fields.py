"""Fields of the subscription editor that have a job of their own: the provider profile
picker, the delivery limits (timeout, rates, concurrency) with their ranges, the sentence
under the retry plan, the secret with its buttons, the event list a picked type joins.
The editor (ui/sections/subscriptions.py) lays them out."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from webhook_studio.core import limits
from webhook_studio.core.retry import ExponentialPolicy, Policy
from webhook_studio.core.timeline import format_duration

NO_PROFILE = "None (choose the signature yourself)"


class ProfileCombo(QComboBox):
    """"None", then every provider profile by title. Typing filters: any part of the title
    ("strip", "hub") offers the profiles that contain it, as 125 entries are too many to
    scroll. Text that names no profile is put back to the current one when the box loses
    focus, so what the box says is always what Save uses."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        # wide enough for "None (choose the signature yourself)" and the longer titles: at 14
        # characters an editable box scrolled "None (…" out of sight, even at 1440 px
        self.setMinimumContentsLength(len(NO_PROFILE))
        completer = QCompleter(self.model(), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.setToolTip("Sign, retry and pace deliveries as this provider does; type any part "
                        "of its name to find it. None: choose the signature yourself.")
        line = self.lineEdit()
        assert line is not None
        line.setPlaceholderText("Type to find a provider")
        line.editingFinished.connect(self._settle)
        self.addItem(NO_PROFILE, None)

    def set_profiles(self, titles: list[tuple[str, str]]) -> None:
        """``(name, title)`` pairs, listed by title."""
        for name, title in sorted(titles, key=lambda p: (p[1].casefold(), p[0])):
            self.addItem(title, name)

    def name(self) -> str | None:
        data = self.currentData()
        return str(data) if data else None

    def show_profile(self, name: str | None, title: str | None = None) -> None:
        """Show ``name`` picked, without telling anyone (a stored subscription being opened).
        A profile no longer on disk is added under ``title`` so its name still shows."""
        self.blockSignals(True)
        index = self.findData(name) if name else 0
        if index < 0:
            self.addItem(title or str(name), name)
            index = self.count() - 1
        self.setCurrentIndex(index)
        self.setEditText(self.itemText(index))
        self.blockSignals(False)

    def _settle(self) -> None:
        if self.currentText() != self.itemText(self.currentIndex()):
            self.setEditText(self.itemText(self.currentIndex()))


class EventPicker(QComboBox):
    """"Add an event type…": the catalog's types by category; picking one adds it to
    ``events`` (:func:`with_event`) and the box says "Add an event type…" again."""

    def __init__(self, events: QLineEdit, groups: list[tuple[str, list[str]]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.events = events
        self.addItem("Add an event type…", None)
        for category, types in groups:
            for event in types:
                self.addItem(f"{category} › {event}", event)
        self.activated.connect(self._add)
        # "Provider · Category › event" names are long: they scroll in the popup instead of
        # widening the window.
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(14)

    def _add(self, index: int) -> None:
        event = self.itemData(index)
        if event:
            self.events.setText(with_event(self.events.text(), event))
        self.setCurrentIndex(0)


def limit_fields() -> tuple[QLineEdit, QLineEdit, QLineEdit, QLineEdit]:
    """Timeout, per minute, per hour and concurrency, each saying its range."""
    timeout = QLineEdit(f"{limits.DEFAULT_TIMEOUT_SECONDS:g}")
    per_minute = QLineEdit(placeholderText="no limit")
    per_hour = QLineEdit(placeholderText="no limit")
    concurrency = QLineEdit(placeholderText=f"{limits.DEFAULT_CONCURRENCY}")
    for field, rng, what in (
            (timeout, limits.TIMEOUT_SECONDS, "Seconds one attempt may take"),
            (per_minute, limits.RATE_PER_MINUTE, "Deliveries a minute"),
            (per_hour, limits.RATE_PER_HOUR, "Deliveries an hour"),
            (concurrency, limits.MAX_CONCURRENCY, "Requests in flight at once")):
        tip = f"{what}, {rng.text()} (the same limits as the API and the CLI)"
        field.setToolTip(tip)
        field.setProperty("base_tip", tip)
    return timeout, per_minute, per_hour, concurrency


def mark_filled(fields: list[QWidget], title: str | None) -> None:
    """Tooltips of the fields a profile filled say so, and that they stay the person's to
    change; ``title`` None puts the plain tooltips back."""
    for field in fields:
        base = field.property("base_tip")
        if base is None:
            base = field.toolTip()
            field.setProperty("base_tip", base)
        field.setToolTip(base if title is None else
                         f"{base}\nFilled from the {title} profile: change it before Save "
                         "to deliver differently from the provider.")


def with_event(text: str, event: str) -> str:
    """The event list ``text`` with ``event`` added: ``*`` replaces every other pattern, and
    a named type replaces ``*``."""
    current = [e.strip() for e in text.split(",") if e.strip()]
    if event == "*":
        current = ["*"]
    elif event not in current:
        current = [e for e in current if e != "*"] + [event]
    return ", ".join(current)


def plan_text(policy: Policy, times: list[float], now: float) -> str:
    """The attempt times of a retry plan in words, under its timeline."""
    parts = ["at once" if t - now < 0.05 else f"+{t - now:.1f} s" if t - now < 1
             else f"+{format_duration(t - now)}" for t in times]
    attempts = "1 attempt" if len(times) == 1 else f"{len(times)} attempts"
    text = f"{attempts} if every one fails: " + ", ".join(parts)
    if isinstance(policy, ExponentialPolicy) and policy.jitter:
        # the sender draws each wait anew; the preview shows the middle of the range
        text += f", each wait ±{policy.jitter * 100:g} % at random"
    return text


class SecretField(QWidget):
    """The signing secret, hidden until revealed, with Generate, Copy and Rotate… beside it.
    What Generate and Rotate… make is the editor's business (it knows the scheme)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.secret = QLineEdit()
        self.secret.setMinimumWidth(160)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.reveal = QPushButton("Reveal")
        self.reveal.setCheckable(True)
        self.reveal.toggled.connect(self._reveal)
        self.generate = QPushButton("Generate")
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.secret.text()))
        self.rotate = QPushButton("Rotate…")
        self.rotate.setToolTip("Make a new secret current; the old one keeps signing 7 days")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.secret, self.reveal, self.generate, copy, self.rotate):
            row.addWidget(widget)

    def _reveal(self, on: bool) -> None:
        self.secret.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)
        self.reveal.setText("Hide" if on else "Reveal")
