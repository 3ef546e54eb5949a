"""Receiver endpoints: path, active flag, provider profile or scheme, secrets, tolerance,
response rule (status, headers, body, delay), forward targets and mode, body size limit, IP
allowlist, public URL, and the full URL to paste into a provider's dashboard.

Choosing a provider profile makes the endpoint verify, flag duplicates, refuse replayed nonces
and answer handshakes the way that provider's consumers must; the scheme then follows the profile.

The view: what happens (reads, saves, deletes) is in ``ui/controllers/endpoints.py``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core import limits
from webhook_studio.core.schemes import SCHEME_NAMES
from webhook_studio.core.validation import EndpointForm, validate_endpoint
from webhook_studio.ui import dialogs
from webhook_studio.ui import format as fmt
from webhook_studio.ui.controllers.endpoints import EndpointsController
from webhook_studio.ui.theme import set_tone
from webhook_studio.ui.widgets.editor_page import (
    delete_action,
    editor_page,
    form_row,
    narrow,
    show_errors,
)
from webhook_studio.ui.widgets.empty_state import section_empty_state
from webhook_studio.ui.widgets.endpoint_fields import EndpointFields
from webhook_studio.ui.widgets.secret_list import SecretList
from webhook_studio.ui.widgets.tolerance_spin import ToleranceSpin

INACTIVE_TIP = (
    "Unticked, the receiver stops using this endpoint (nothing stored is lost): requests to "
    "its path are still captured, but as if it did not exist: no signature check, no "
    "forwarding, and the receiver's default 200 answer (or the rules of an active endpoint "
    "whose shorter path covers this one).")


class EndpointsSection(QWidget):
    def __init__(self, controller: EndpointsController,
                 base_url: str = "http://127.0.0.1:8000", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.base_url = base_url
        self.current: int | None = None
        self.list = QListWidget()
        self.list.setSpacing(2)
        # a long URL or name is elided in the middle (the tooltip has it whole), not scrolled
        self.list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(self._picked)
        new = QPushButton("New endpoint")
        new.clicked.connect(self.new)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        left_layout.addWidget(new)
        # empty: what the section is for, and the one action that fills it
        self.empty = section_empty_state("endpoints")
        self.empty.action_requested.connect(self.new)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.list)
        self.list_stack.addWidget(self.empty)
        left_layout.addWidget(self.list_stack)
        self.name = QLineEdit(placeholderText="GitHub app")
        self.path = QLineEdit(placeholderText="/hooks/github")
        # A read-only line, not a label: a long receiver URL scrolls inside it instead of
        # widening the window.
        self.full_url = QLineEdit(readOnly=True)
        self.full_url.setFrame(False)
        self.full_url.setStyleSheet("QLineEdit { background: transparent; }")
        copy = QPushButton("Copy URL")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.full_url.text()))
        url_row = QHBoxLayout()
        url_row.addWidget(self.full_url, 1)
        url_row.addWidget(copy)
        self.path.textChanged.connect(self._update_url)
        self.active = QCheckBox("Active")
        self.active.setToolTip(INACTIVE_TIP)
        self.profile = QComboBox()
        self.profile.addItem("None (pick a scheme below)", None)
        self.profiles = controller.profiles
        for name, profile in sorted(self.profiles.items(), key=lambda p: p[1].title.lower()):
            self.profile.addItem(profile.title, name)
        self.profile.currentIndexChanged.connect(self._profile_changed)
        self.scheme = QComboBox()
        self.scheme.addItem("None (capture only)", None)
        for name in SCHEME_NAMES:
            if name != "hmac":
                self.scheme.addItem(name, name)
        self.secrets = SecretList()
        self.tolerance = ToleranceSpin()
        self.status = QSpinBox(minimum=int(limits.RESPONSE_STATUS.low),
                               maximum=int(limits.RESPONSE_STATUS.high), value=200)
        self.body = QLineEdit(placeholderText='default: {"received": true, "capture": N}')
        self.delay = QSpinBox(minimum=int(limits.RESPONSE_DELAY_MS.low),
                              maximum=int(limits.RESPONSE_DELAY_MS.high), suffix=" ms")
        self.reject = QCheckBox("Answer 401 when the signature is invalid")
        self.forward = QPlainTextEdit(placeholderText="http://localhost:3000/webhook")
        self.forward.setFixedHeight(48)
        self.more = EndpointFields()
        self.forward.textChanged.connect(
            lambda: self.more.set_has_targets(bool(self.forward.toPlainText().strip())))
        self.error = QLabel("")
        set_tone(self.error, "invalid")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors: dict[str, QLabel] = {}
        for label, widget, key in (
                ("Name", self.name, None), ("Path", self.path, "path"),
                ("Full URL", url_row, None), ("Public URL", self.more.public_url, "public_url"),
                ("", self.active, None), ("Provider", self.profile, None),
                ("Signature", self.scheme, "scheme"), ("Secrets", self.secrets, "secrets"),
                ("Tolerance (s)", narrow(self.tolerance, 260), "tolerance"),
                ("Respond with", narrow(self.status, 120), "response_status"),
                ("Response headers", self.more.headers, "response_headers"),
                ("Response body", self.body, None),
                ("Delay", narrow(self.delay, 160), "response_delay_ms"),
                ("", self.reject, None), ("Forward to", self.forward, "forward_to"),
                *self.more.rows()):
            form_row(form, label, widget, self.errors, key)
        self.more.watch(self._recheck)
        save = QPushButton("Save")
        save.clicked.connect(self.save)
        self.delete = QPushButton("Delete…")
        self.delete.setToolTip("Delete this endpoint (asks first; its captures are kept)")
        self.delete.clicked.connect(self.remove)
        self.delete_action = delete_action(self.list, self.remove, "endpoint")
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addWidget(self.delete)
        buttons.addWidget(save)
        editor_page(self, left, "Receiver endpoint", form, buttons)
        controller.listed.connect(self._show_list)
        controller.loaded.connect(self._show_endpoint)
        self.reload()
        self.new()

    def showEvent(self, event: QShowEvent) -> None:
        """The API, the CLI or another window may have changed the list meanwhile."""
        super().showEvent(event)
        self.reload()

    def _picked(self, item: QListWidgetItem | None, _old: QListWidgetItem | None) -> None:
        if item is not None:
            self.load(int(item.data(Qt.ItemDataRole.UserRole)))

    def set_base_url(self, url: str) -> None:
        self.base_url = url
        self._update_url()

    def _update_url(self) -> None:
        path = self.path.text().strip() or "/"
        self.full_url.setText(self.base_url.rstrip("/") + ("" if path.startswith("/") else "/")
                              + path)

    def reload(self) -> None:
        self.controller.reload()

    def _show_list(self, endpoints: list[Any]) -> None:
        self.list_stack.setCurrentWidget(self.list if endpoints else self.empty)
        self.list.blockSignals(True)
        self.list.clear()
        for e in endpoints:
            how = f"{e.profile} profile" if e.profile else e.scheme or "no signature"
            how += "" if e.active else " · inactive"
            item = QListWidgetItem(f"{e.name}\n{e.path} · {how}")
            item.setData(Qt.ItemDataRole.UserRole, e.id)
            item.setToolTip(f"{e.name}\n{e.path} · {how}")
            self.list.addItem(item)
            if e.id == self.current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def new(self) -> None:
        self.current = None
        # No row stays current: clicking the same row again must open it again.
        self.list.blockSignals(True)
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        for widget in (self.name, self.path, self.body):
            widget.clear()
        self.secrets.set_secrets([], hidden=False)
        self.forward.clear()
        self.profile.setCurrentIndex(0)
        self.scheme.setCurrentIndex(0)
        self.tolerance.set_tolerance(None)
        self.status.setValue(200)
        self.delay.setValue(0)
        self.reject.setChecked(False)
        self.active.setChecked(True)
        self.more.clear()
        self.delete.setEnabled(False)
        self.error.clear()
        show_errors(self.errors, {})
        self._update_url()

    def load(self, endpoint_id: int) -> None:
        self.controller.load(endpoint_id)

    def _show_endpoint(self, e: Any) -> None:
        # one stored endpoint into the form
        self.current = e.id
        self.name.setText(e.name)
        self.path.setText(e.path)
        self.scheme.setCurrentIndex(max(0, self.scheme.findData(e.scheme)))
        self.profile.setCurrentIndex(max(0, self.profile.findData(e.profile)))
        self.secrets.set_secrets(list(e.secrets or []), hidden=True)
        self.tolerance.set_tolerance(e.tolerance)
        self.status.setValue(e.response_status)
        self.body.setText((e.response_body or b"").decode("utf-8", "replace"))
        self.delay.setValue(e.response_delay_ms)
        self.reject.setChecked(e.reject_invalid)
        self.forward.setPlainText("\n".join(e.forward_to or []))
        self.active.setChecked(e.active)
        self.more.show(e)
        self.delete.setEnabled(True)
        self.error.clear()
        show_errors(self.errors, {})

    def fields(self) -> tuple[dict[str, Any], dict[str, str]]:
        """``(fields for the store, errors by field)`` under the rules the API and the CLI
        apply too (core/validation.py), so an endpoint saved by one re-saves from another."""
        profile = self.profiles.get(self.profile.currentData() or "")
        return validate_endpoint(EndpointForm(
            path=self.path.text(), name=self.name.text(),
            scheme=profile.scheme if profile else self.scheme.currentData(),
            profile=profile.name if profile else None,
            scheme_options=profile.scheme_options if profile else None,
            secrets="\n".join(self.secrets.secrets()), tolerance=self.tolerance.tolerance(),
            response_status=self.status.value(), response_body=self.body.text(),
            response_delay_ms=self.delay.value(), reject_invalid=self.reject.isChecked(),
            forward_to=self.forward.toPlainText(), active=self.active.isChecked(),
            **self.more.form()))

    def _recheck(self, key: str, finished: bool) -> None:
        """One field checked where it is typed, by the same rule Save applies."""
        label = self.errors[key]
        if finished or label.isVisible():
            problem = self.fields()[1].get(key)
            label.setText(problem or "")
            label.setVisible(problem is not None)

    def _profile_changed(self) -> None:
        profile = self.profiles.get(self.profile.currentData() or "")
        self.scheme.setEnabled(profile is None)
        if profile is not None:
            index = self.scheme.findData(profile.scheme)
            # The seeds' own HMAC variants are not in the list: say where the rule comes from.
            self.scheme.setPlaceholderText(
                f"{fmt.scheme_label(profile.scheme, profile.scheme_options)}: set by the "
                f"{profile.title} profile")
            self.scheme.setCurrentIndex(index)
            tolerance = profile.default_tolerance
            self.tolerance.set_default_text(
                f"profile default ({tolerance} s)" if tolerance else "profile default (none)")
        else:
            self.tolerance.set_default_text("scheme default")
            if self.scheme.currentIndex() < 0:
                self.scheme.setCurrentIndex(0)

    def save(self) -> None:
        fields, errors = self.fields()
        show_errors(self.errors, errors)
        if errors:
            self.error.setText(f"Not saved: {fmt.count(len(errors), 'field needs', 'fields need')}"
                               " attention.")
            return
        saved, problem = self.controller.save(self.current, fields)
        if saved is None:
            self.error.setText(problem)
            return
        self.current = saved
        self.error.clear()
        self.reload()

    def remove(self) -> None:
        """Ask first: deleting stops the receiver answering on the path at once."""
        if self.current is None:
            return
        endpoint_id = self.current

        def ask(name: str, path: str) -> None:
            dialogs.confirm(
                self, "Delete endpoint",
                f"Delete endpoint '{name}' and stop receiving on {path}? Its captures are kept.",
                "Delete endpoint", lambda: self._delete(endpoint_id))

        self.controller.describe(endpoint_id, ask)

    def _delete(self, endpoint_id: int) -> None:
        self.controller.delete(endpoint_id)
        if self.current == endpoint_id:
            self.new()
        self.reload()
