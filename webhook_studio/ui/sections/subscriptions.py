"""The subscription editor: every field validated where it is typed, nothing saved half-valid.

The view: what happens (reads, validation, saves, deletes) is in
``ui/controllers/subscriptions.py``, whose ``saved``/``deleted`` signals the window follows.
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.errors import CoreError
from webhook_studio.core.retry import format_policy, parse_policy, policy_from_dict, preview
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.validation import SubscriptionForm
from webhook_studio.ui import dialogs
from webhook_studio.ui import format as fmt
from webhook_studio.ui.controllers.catalog import catalog, profile_title
from webhook_studio.ui.controllers.subscriptions import SubscriptionsController
from webhook_studio.ui.widgets.editor_page import (
    delete_action,
    editor_page,
    form_row,
    narrow,
    show_errors,
)
from webhook_studio.ui.widgets.empty_state import section_empty_state
from webhook_studio.ui.widgets.retry_field import retry_combo
from webhook_studio.ui.widgets.retry_timeline import RetryTimeline
from webhook_studio.ui.widgets.scheme_field import CHOICES, SchemeField
from webhook_studio.ui.widgets.subscription_fields import (
    EventPicker,
    ProfileCombo,
    SecretField,
    limit_fields,
    mark_filled,
    plan_text,
)

FIELDS = ("url", "events", "scheme", "secret", "retry", "timeout", "rate_per_minute",
          "rate_per_hour", "headers")


class SubscriptionsSection(QWidget):
    #: Settings ▸ Default retry policy / timeout: what a new subscription starts with.
    default_retry = "standard-webhooks"
    default_timeout = 15.0

    def __init__(self, controller: SubscriptionsController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.current: str | None = None
        self.list = QListWidget()
        self.list.setSpacing(2)
        # a long URL or name is elided in the middle (the tooltip has it whole), not scrolled
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(self._picked)
        new = QPushButton("New subscription")
        new.setShortcut("Ctrl+N")
        new.clicked.connect(self.new)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        left_layout.addWidget(new)
        # empty: what the section is for, and the one action that fills it
        self.empty = section_empty_state("subscriptions")
        self.empty.action_requested.connect(self.new)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.list)
        self.list_stack.addWidget(self.empty)
        left_layout.addWidget(self.list_stack)

        self.url = QLineEdit(placeholderText="http://localhost:3000/webhooks")
        self.description = QLineEdit(placeholderText="What this endpoint is for")
        self.events = QLineEdit(placeholderText="user.created, payment.*  or  *")
        self.events.setMinimumWidth(160)
        self.picker = EventPicker(self.events, catalog(controller.library))
        self.profile = ProfileCombo()
        self.profile.set_profiles(controller.profile_titles())
        self.profile.currentIndexChanged.connect(self._profile_picked)
        self.signature = SchemeField()
        self.scheme = self.signature.combo
        #: ``(scheme, options, profile title)`` when a provider profile decides the scheme
        #: (picked above, or a subscription made through the API or ``send --profile``).
        self.fixed: tuple[str, dict[str, Any] | None, str] | None = None
        secret_row = SecretField()
        self.secret, self.reveal, self.rotate = secret_row.secret, secret_row.reveal, \
            secret_row.rotate
        secret_row.generate.clicked.connect(self.generate_secret)
        self.rotate.clicked.connect(self.rotate_secret)
        self.retry = retry_combo("What is planned shows below as attempt times.")
        self.retry.setCurrentText("standard-webhooks")
        self.retry.currentTextChanged.connect(self.update_preview)
        self.preview = RetryTimeline()
        self.preview.show_countdown = False  # a plan, not a live delivery
        self.preview_text = QLabel("")
        self.preview_text.setProperty("role", "muted")
        self.preview_text.setWordWrap(True)
        self.preview_text.setSizePolicy(QSizePolicy.Policy.Expanding,
                                        QSizePolicy.Policy.Preferred)
        (self.timeout, self.rate_per_minute, self.rate_per_hour,
         self.concurrency) = limit_fields()
        #: what picking a profile fills (the person may still change them before Save)
        self.filled: list[QWidget] = [self.retry, self.timeout, self.rate_per_minute,
                                      self.rate_per_hour]
        self.headers = QPlainTextEdit(placeholderText="Authorization: Bearer …\nX-Env: test")
        self.headers.setFixedHeight(64)
        self.active = QCheckBox("Active")
        self.active.setChecked(True)
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        def row(label: str, widget: QWidget | QHBoxLayout, key: str | None = None) -> None:
            form_row(form, label, widget, self.errors, key)

        row("Target URL", self.url, "url")
        row("Description", self.description)
        events_row = QHBoxLayout()
        events_row.addWidget(self.events, 2)
        events_row.addWidget(self.picker, 1)
        row("Event types", events_row, "events")
        row("Provider profile", self.profile, "profile")
        row("Signature", self.signature, "scheme")
        row("Secret", secret_row, "secret")
        row("Retry policy", self.retry, "retry")
        row("", self.preview)
        row("", self.preview_text)
        row("Timeout (s)", narrow(self.timeout, 200), "timeout")
        row("Per minute", narrow(self.rate_per_minute, 200), "rate_per_minute")
        row("Per hour", narrow(self.rate_per_hour, 200), "rate_per_hour")
        row("Concurrency", narrow(self.concurrency, 200), "max_concurrency")
        row("Headers", self.headers, "headers")
        row("", self.active)
        self.save_button = QPushButton("Save")
        self.save_button.setShortcut("Ctrl+S")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Delete this subscription and its deliveries (asks first)")
        self.delete_button.clicked.connect(self.remove)
        self.delete_action = delete_action(self.list, self.remove, "subscription")
        self.status = QLabel("")
        self.status.setProperty("role", "muted")
        self.status.setWordWrap(True)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.delete_button)
        bottom.addWidget(self.save_button)
        editor_page(self, left, "Subscription", form, bottom)
        controller.listed.connect(self._show_list)
        controller.loaded.connect(self._show_subscription)
        self.reload()
        self.new()

    # -- list ---------------------------------------------------------------------------------
    def reload(self) -> None:
        self.controller.reload()

    def _show_list(self, subscriptions: list[Any]) -> None:
        self.list_stack.setCurrentWidget(self.list if subscriptions else self.empty)
        self.list.blockSignals(True)
        self.list.clear()
        # newest last, as they were made
        for sub in subscriptions:
            item = QListWidgetItem(f"{sub.url}\n{', '.join(sub.events or [])}"
                                   + ("" if sub.active else "  (inactive)"))
            item.setData(Qt.ItemDataRole.UserRole, sub.id)
            item.setToolTip(item.text())
            self.list.addItem(item)
            if sub.id == self.current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def showEvent(self, event: QShowEvent) -> None:
        """The API, the CLI or another window may have changed the list meanwhile."""
        super().showEvent(event)
        self.reload()

    def _picked(self, item: QListWidgetItem | None, _old: QListWidgetItem | None) -> None:
        if item is not None:
            self.load(str(item.data(Qt.ItemDataRole.UserRole)))

    def new(self) -> None:
        self.current = None
        # No row stays current: clicking the same row again must open it again.
        self.list.blockSignals(True)
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        self.url.clear()
        self.description.clear()
        self.events.setText("*")
        self.fixed = None
        self.profile.show_profile(None)
        mark_filled(self.filled, None)
        self.signature.release("standard-webhooks")
        self.generate_secret()
        self.retry.setCurrentText(self.default_retry)
        self.timeout.setText(f"{self.default_timeout:g}")
        self.rate_per_minute.clear()
        self.rate_per_hour.clear()
        self.concurrency.clear()
        self.headers.clear()
        self.active.setChecked(True)
        self.rotate.setEnabled(False)
        self.delete_button.setEnabled(False)
        self.status.clear()
        self.show_errors({})
        self.update_preview()

    def set_defaults(self, retry: str, timeout: float) -> None:
        """New defaults from Settings; a new (unsaved) form takes them at once."""
        self.default_retry, self.default_timeout = retry, timeout
        if self.current is None:
            self.retry.setCurrentText(retry)
            self.timeout.setText(f"{timeout:g}")

    def load(self, sub_id: str) -> None:
        self.controller.load(sub_id)

    def _show_subscription(self, found: Any) -> None:
        sub = found.subscription
        # one stored subscription into the form
        self.current = sub.id
        self.url.setText(sub.url)
        self.description.setText(sub.description)
        self.events.setText(", ".join(sub.events or []))
        self.profile.show_profile(sub.profile, sub.profile and
                                  profile_title(sub.profile, self.controller.library))
        mark_filled(self.filled, None)
        if sub.profile or sub.scheme not in CHOICES:
            title = profile_title(sub.profile, self.controller.library) if sub.profile else "stored"
            self.fixed = (sub.scheme, sub.scheme_options, title)
            self.signature.fix(fmt.scheme_label(sub.scheme, sub.scheme_options),
                               f"set by the {title} profile" if sub.profile else
                               "set when the subscription was made")
        else:
            self.fixed = None
            self.signature.release(sub.scheme)
        self.secret.setText(found.secret)
        self.retry.setCurrentText(format_policy(policy_from_dict(sub.retry_policy)))
        self.timeout.setText(f"{sub.timeout_seconds:g}")
        self.rate_per_minute.setText(str(sub.rate_per_minute or ""))
        self.rate_per_hour.setText(str(sub.rate_per_hour or ""))
        self.concurrency.setText(str(sub.max_concurrency))
        self.headers.setPlainText("\n".join(f"{k}: {v}" for k, v in
                                            (sub.headers or {}).items()))
        self.active.setChecked(sub.active)
        self.reveal.setChecked(False)
        self.rotate.setEnabled(True)
        self.delete_button.setEnabled(True)
        self.status.clear()
        self.show_errors({})
        self.update_preview()

    # -- fields -------------------------------------------------------------------------------
    def _profile_picked(self) -> None:
        """A profile decides the scheme and fills retry, timeout and rates with what the API
        would store for it; None gives the scheme back to the person."""
        name = self.profile.name()
        profile = self.controller.profile(name) if name else None
        if profile is None:
            kept = self.fixed[0] if self.fixed and self.fixed[0] in CHOICES else None
            self.fixed = None
            self.signature.release(kept or "standard-webhooks")
            mark_filled(self.filled, None)
        else:
            self.fixed = (profile.scheme, profile.scheme_options, profile.title)
            self.signature.fix(fmt.scheme_label(profile.scheme, profile.scheme_options),
                               f"set by the {profile.title} profile")
            starts = self.controller.profile_defaults(profile)
            self.retry.setCurrentText(format_policy(policy_from_dict(starts["retry_policy"])))
            self.timeout.setText(f"{starts['timeout_seconds']:g}")
            self.rate_per_minute.setText(str(starts["rate_per_minute"] or ""))
            self.rate_per_hour.setText(str(starts["rate_per_hour"] or ""))
            mark_filled(self.filled, profile.title)
        self._fit_secret()

    def _fit_secret(self) -> None:
        """A new subscription gets a secret the new scheme signs with; a stored one's secret
        changes only by Rotate…, so the person is told."""
        scheme, options = (self.fixed[0], self.fixed[1]) if self.fixed else \
            (self.signature.choice(), None)
        if not self.controller.secret_problem(scheme, self.secret.text().strip(), options):
            return
        if self.current is None:
            self.generate_secret()
        else:
            self.status.setText("The current secret cannot sign this way: Rotate… gives the "
                                "subscription one that can, then Save.")

    def _signer(self) -> Any:
        if self.fixed is not None:
            return get_scheme(self.fixed[0], self.fixed[1])
        return get_scheme(self.signature.choice())

    def generate_secret(self) -> None:
        self.secret.setText(self._signer().generate_secret())

    def update_preview(self) -> None:
        try:
            policy = parse_policy(self.retry.currentText() or "0")
        except CoreError as exc:
            self.preview.set_delivery([], [])
            self.preview_text.setText(str(exc))
            return
        now = time.time()
        times = preview(policy, now)
        self.preview.set_delivery([], times)
        self.preview_text.setText(plan_text(policy, times, now))

    def form(self) -> SubscriptionForm:
        return SubscriptionForm(
            url=self.url.text(), events=self.events.text(),
            # a profile's scheme is checked below, with its options
            scheme=self.signature.choice() if self.fixed is None else "standard-webhooks",
            secret=self.secret.text(), retry=self.retry.currentText(),
            timeout=self.timeout.text(), rate_per_minute=self.rate_per_minute.text(),
            rate_per_hour=self.rate_per_hour.text(), headers=self.headers.toPlainText(),
            max_concurrency=self.concurrency.text(),
            description=self.description.text(), active=self.active.isChecked())

    def show_errors(self, errors: dict[str, str]) -> None:
        show_errors(self.errors, errors)

    def validate(self) -> tuple[dict[str, Any], dict[str, str]]:
        return self.controller.validate(self.form(), self.fixed)

    def save(self) -> str | None:
        fields, errors = self.validate()
        self.show_errors(errors)
        if errors:
            self.status.setText(f"Not saved: {fmt.count(len(errors), 'field needs', 'fields need')}"
                                " attention.")
            return None
        self.current = self.controller.save(self.current, self.secret.text().strip(), fields,
                                            profile=self.profile.name(), fixed=self.fixed)
        self.status.setText("Saved.")
        self.rotate.setEnabled(True)
        self.delete_button.setEnabled(True)
        self.reload()
        return self.current

    def rotate_secret(self) -> None:
        if self.current is None:
            return
        new = self._signer().generate_secret()
        expiry = self.controller.rotate(self.current, new)
        self.secret.setText(new)
        self.status.setText(f"Rotated: the previous secret keeps signing until "
                            f"{fmt.local_datetime(expiry)}.")

    def remove(self) -> None:
        """Ask first: its deliveries (history and pending retries) go with it."""
        if self.current is None:
            return
        sub_id = self.current

        def ask(url: str, deliveries: int) -> None:
            history = ("" if not deliveries else
                       " Its delivery and its attempts are deleted with it." if deliveries == 1
                       else f" Its {deliveries} deliveries and their attempts are deleted with it.")
            dialogs.confirm(self, "Delete subscription", f"Delete the subscription to {url}? "
                            f"Events stop going there at once.{history}", "Delete subscription",
                            lambda: self._delete(sub_id))

        self.controller.describe(sub_id, ask)

    def _delete(self, sub_id: str) -> None:
        self.controller.delete(sub_id)
        if self.current == sub_id:
            self.new()
        self.reload()
        self.status.setText("Deleted.")
