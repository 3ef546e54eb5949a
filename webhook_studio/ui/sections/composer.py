"""The composer: an event from a sample payload, validated as you type, signed and sent to a
subscription or an ad-hoc URL — and the exact signed request shown before it goes out."""

from __future__ import annotations

import json
import time
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select

from webhook_studio.core.envelope import default_envelope
from webhook_studio.core.errors import ProfileError
from webhook_studio.core.message import SignInput
from webhook_studio.core.retry import parse_policy
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.validation import url_problem
from webhook_studio.store import Store
from webhook_studio.store.sender_models import Subscription
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.ui import format as fmt
from webhook_studio.ui.sections.inspector import mono
from webhook_studio.ui.widgets.json_highlighter import JsonHighlighter
from webhook_studio.ui.widgets.scheme_field import SchemeField

SAMPLE = {"id": "usr_8f2a", "email": "ada@example.com", "name": "Ada Lovelace",
          "plan": "pro", "created_at": "2026-11-24T10:00:00Z"}


class ComposerSection(QWidget):
    """Signals:
        sent(list): deliveries were queued (their ids, first one first).
    """

    sent = Signal(list)
    #: Settings ▸ Default retry policy / timeout: what an ad-hoc send retries with.
    default_retry = "standard-webhooks"
    default_timeout = 15.0

    def __init__(self, store: Store, dispatcher: Any = None,
                 parent: QWidget | None = None, profiles: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.dispatcher = dispatcher
        from webhook_studio.profile_library import ProfileLibrary

        self.library = profiles or ProfileLibrary.load()  # the window passes ctx.profiles
        self.profile = QComboBox()
        self.profile.addItem("No profile (default envelope)", None)
        for name in self.library.names():
            self.profile.addItem(self.library.get(name).title, name)
        self.profile.currentIndexChanged.connect(self._profile_chosen)
        self.catalog = QComboBox()
        self.catalog.activated.connect(self._event_chosen)
        self.event_type = QLineEdit("user.created")
        self.target = QComboBox()
        self.url = QLineEdit(placeholderText="http://localhost:3000/webhook (ad-hoc)")
        self.signature = SchemeField()
        self.scheme, self.scheme_note = self.signature.combo, self.signature.note
        self.secret = QLineEdit(get_scheme("standard-webhooks").generate_secret())
        self.data = QPlainTextEdit(json.dumps(SAMPLE, indent=2))
        self.data.setFont(mono())
        self.highlight = JsonHighlighter(self.data.document())
        self.json_state = QLabel("")
        self.preview = QPlainTextEdit(readOnly=True)
        self.preview.setFont(mono())
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.send_button = QPushButton("Send")
        self.send_button.setShortcut("Ctrl+Return")
        self.send_button.setToolTip("Sign and send the event (Ctrl+Return)")
        self.send_button.clicked.connect(self.send)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        for combo in (self.profile, self.catalog, self.target):
            # Long titles and URLs scroll in the popup instead of widening the window.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Provider profile", self.profile)
        form.addRow("Catalog", self.catalog)
        form.addRow("Event type", self.event_type)
        form.addRow("Send to", self.target)
        form.addRow("Ad-hoc URL", self.url)
        form.addRow("Signature", self.signature)
        form.addRow("Secret", self.secret)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        heading = QLabel("Compose an event")
        heading.setProperty("role", "heading")
        left_layout.addWidget(heading)
        left_layout.addLayout(form)
        left_layout.addWidget(QLabel("Data (JSON)"))
        left_layout.addWidget(self.data, 1)
        left_layout.addWidget(self.json_state)
        bottom = QHBoxLayout()
        bottom.addWidget(self.result, 1)
        bottom.addWidget(self.send_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(QLabel("The signed request that will go out"))
        right_layout.addWidget(self.preview, 1)
        right_layout.addLayout(bottom)
        self.splitter = QSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.splitter)
        for signal in (self.event_type.textChanged, self.url.textChanged,
                       self.secret.textChanged, self.data.textChanged):
            signal.connect(self.update_preview)
        self.scheme.currentIndexChanged.connect(self.update_preview)
        self.target.currentIndexChanged.connect(self.update_preview)
        self.reload_targets()

    def showEvent(self, event: QShowEvent) -> None:
        """Subscriptions may have been added or deleted (the editor, the API, the CLI)."""
        super().showEvent(event)
        self.reload_targets()

    def current_profile(self) -> Any:
        name = self.profile.currentData()
        return self.library.get(name) if name else None

    def _profile_chosen(self) -> None:
        profile = self.current_profile()
        self.catalog.clear()
        if profile is None:
            self.update_preview()
            return
        for category, events in profile.categories().items():
            for event in events:
                self.catalog.addItem(f"{category} › {event}", event)
        self.secret.setText(profile.make_scheme().generate_secret())
        self._event_chosen(0)
        self.update_preview()

    def _event_chosen(self, index: int) -> None:
        profile = self.current_profile()
        event = self.catalog.itemData(index)
        if profile is None or not event:
            return
        self.event_type.setText(event)
        self.data.setPlainText(json.dumps(profile.sample_data(event), indent=2,
                                          ensure_ascii=False))

    def reload_targets(self) -> None:
        current = self.target.currentData()
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItem("Ad-hoc URL below", None)
        self.target.addItem("Every matching subscription", "*")
        with self.store.session() as session:
            for sub in session.scalars(select(Subscription).where(
                    Subscription.adhoc.is_(False)).order_by(Subscription.created_at)):
                self.target.addItem(f"Subscription {sub.url}", sub.id)
        self.target.setCurrentIndex(max(0, self.target.findData(current)))
        self.target.blockSignals(False)
        self.update_preview()

    def parsed_data(self) -> tuple[Any, str | None]:
        try:
            return json.loads(self.data.toPlainText() or "{}"), None
        except ValueError as exc:
            return None, f"Not valid JSON: {exc}"

    def _target_subscription(self) -> Subscription | None:
        target = self.target.currentData()
        if target in (None, "*"):
            return None
        with self.store.session() as session:
            return session.get(Subscription, target)

    def update_preview(self) -> None:
        data, problem = self.parsed_data()
        target = self.target.currentData()
        adhoc = target is None
        profile = self.current_profile()
        sub = self._target_subscription()
        self.url.setEnabled(adhoc)
        self.secret.setEnabled(adhoc)
        if not adhoc:
            self.signature.fix(
                fmt.scheme_label(sub.scheme, sub.scheme_options) if sub else "each its own",
                "set by the subscription" if sub else
                "each subscription signs with its own scheme and secret")
        elif profile is not None:
            self.signature.fix(fmt.scheme_label(profile.scheme, profile.scheme_options),
                               f"set by the {profile.title} profile")
        else:
            self.signature.release()
        if problem:
            self.json_state.setText(problem)
            self.json_state.setStyleSheet(f"color: {fmt.INVALID};")
            self.send_button.setEnabled(False)
            return
        self.json_state.setText("✔ Valid JSON")
        self.json_state.setStyleSheet(f"color: {fmt.VALID};")
        self.send_button.setEnabled(self.dispatcher is not None)
        now = time.time()
        event_type = self.event_type.text().strip() or "event"
        # What shapes the body and adds headers is what the dispatcher will use: the chosen
        # profile for an ad-hoc target, the subscription's own profile (or none) otherwise.
        shaper = profile if adhoc else self._profile_named(sub.profile if sub else None)
        envelope = shaper.envelope if shaper else default_envelope
        body = envelope(event_type, data, "evt_preview", now)
        url = self.url.text().strip()
        if adhoc:
            destination = url or "(enter the ad-hoc URL on the left)"
        elif sub is not None:
            destination = sub.url
        else:
            destination = self._matching_summary(event_type)
        lines = [f"POST {destination}", "Content-Type: application/json"]
        if shaper:
            lines += [f"{k}: {v}" for k, v in shaper.delivery_headers(
                event_type, "msg_preview", int(now)).items()]
        if adhoc:
            try:
                scheme = profile.make_scheme() if profile else get_scheme(
                    self.scheme.currentText())
                headers = scheme.sign(
                    self.secret.text(), SignInput(body, "msg_preview", int(now), url or None))
                lines += [f"{k}: {v}" for k, v in headers.items()]
            except Exception as exc:  # show the problem where the signature would be
                lines.append(f"(cannot sign: {exc})")
        elif sub is not None:
            lines.append(f"(signed under {fmt.scheme_label(sub.scheme, sub.scheme_options)} with "
                         "the subscription's current secret at send time)")
        else:
            lines.append("(each subscription shapes and signs the event as its own profile "
                         "and scheme at send time)")
        try:
            shown = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        except ValueError:  # a form-encoded profile (Twilio)
            shown = body.decode("utf-8", "replace")
        self.preview.setPlainText("\n".join(lines) + "\n\n" + shown)

    def set_defaults(self, retry: str, timeout: float) -> None:
        self.default_retry, self.default_timeout = retry, timeout

    def _profile_named(self, name: str | None) -> Any:
        if not name:
            return None
        try:
            return self.library.get(name)
        except ProfileError:  # a profile removed since the subscription was made
            return None

    def _matching_summary(self, event_type: str) -> str:
        """Where "every matching subscription" goes for this event type, in one line."""
        from webhook_studio.core.matching import matches

        with self.store.session() as session:
            urls = [s.url for s in session.scalars(select(Subscription).where(
                Subscription.active.is_(True), Subscription.adhoc.is_(False)).order_by(
                Subscription.created_at)) if matches(s.events or [], event_type)]
        if not urls:
            return f"(no active subscription matches {event_type})"
        more = len(urls) - 1
        return urls[0] + (f"  (and {fmt.count(more, 'more subscription')})" if more else "")

    def send(self) -> list[str]:
        data, problem = self.parsed_data()
        event_type = self.event_type.text().strip()
        if problem or not event_type or self.dispatcher is None:
            self.result.setText(problem or "Give an event type.")
            return []
        target = self.target.currentData()
        if target is None:
            if url_issue := url_problem(self.url.text()):
                self.result.setText(url_issue)
                return []
            profile = self.current_profile()
            sub_id = create_subscription(
                self.store, secret=self.secret.text(), url=self.url.text().strip(),
                events=[event_type], adhoc=True,
                scheme=profile.scheme if profile else self.scheme.currentText(),
                scheme_options=profile.scheme_options if profile else None,
                profile=profile.name if profile else None,
                retry_policy=parse_policy(self.default_retry).to_dict(),
                timeout_seconds=self.default_timeout)
            ids = self.dispatcher.emit(event_type, data, subscription_id=sub_id)
        elif target == "*":
            ids = self.dispatcher.emit(event_type, data)
        else:
            ids = self.dispatcher.emit(event_type, data, subscription_id=target)
        self.result.setText(f"Queued {fmt.count(len(ids), 'delivery', 'deliveries')}: see "
                            "Deliveries." if ids else
                            "No active subscription matches this event type.")
        self.sent.emit(list(ids))
        return list(ids)
