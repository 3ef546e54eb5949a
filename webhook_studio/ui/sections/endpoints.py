"""Receiver endpoints: path, provider profile or scheme, secrets, tolerance, response rule,
forward targets, and the full URL to paste into a provider's dashboard.

Choosing a provider profile makes the endpoint verify, flag duplicates, refuse replayed nonces
and answer handshakes the way that provider's consumers must; the scheme then follows the profile.

Signals:
    changed(): endpoints were saved or deleted (the receiver reloads them).
"""

from __future__ import annotations

import contextlib
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
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
    QVBoxLayout,
    QWidget,
)

from webhook_studio.core.errors import CoreError
from webhook_studio.core.message import SignInput
from webhook_studio.core.schemes import SCHEME_NAMES, get_scheme
from webhook_studio.core.validation import url_problem
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Endpoint
from webhook_studio.store.receiver_queries import (
    create_endpoint,
    delete_endpoint,
    list_endpoints,
    update_endpoint,
)
from webhook_studio.ui import format as fmt
from webhook_studio.ui.widgets.confirm import ask
from webhook_studio.ui.widgets.editor_page import delete_action, editor_page
from webhook_studio.ui.widgets.secret_list import SecretList


class EndpointsSection(QWidget):
    changed = Signal()

    def __init__(self, store: Store, base_url: str = "http://127.0.0.1:8000",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.base_url = base_url
        self.current: int | None = None
        self.list = QListWidget()
        self.list.setSpacing(2)
        self.list.currentItemChanged.connect(self._picked)
        new = QPushButton("New endpoint")
        new.clicked.connect(self.new)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(8, 8, 0, 8)
        left_layout.addWidget(new)
        left_layout.addWidget(self.list)
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
        self.profile = QComboBox()
        self.profile.addItem("None (pick a scheme below)", None)
        self.profiles = _load_profiles()
        for name, profile in sorted(self.profiles.items(), key=lambda p: p[1].title.lower()):
            self.profile.addItem(profile.title, name)
        self.profile.currentIndexChanged.connect(self._profile_changed)
        self.scheme = QComboBox()
        self.scheme.addItem("None (capture only)", None)
        for name in SCHEME_NAMES:
            if name != "hmac":
                self.scheme.addItem(name, name)
        self.secrets = SecretList()
        self.tolerance = QSpinBox(minimum=-1, maximum=86400)
        self.tolerance.setSpecialValueText("scheme default")
        self.tolerance.setValue(-1)
        self.status = QSpinBox(minimum=100, maximum=599, value=200)
        self.body = QLineEdit(placeholderText='default: {"received": true, "capture": N}')
        self.delay = QSpinBox(minimum=0, maximum=60000, suffix=" ms")
        for box, width in ((self.tolerance, 260), (self.status, 120), (self.delay, 160)):
            box.setMaximumWidth(width)  # numbers: a field as wide as the window reads badly
        self.reject = QCheckBox("Answer 401 when the signature is invalid")
        self.forward = QPlainTextEdit(placeholderText="http://localhost:3000/webhook")
        self.forward.setFixedHeight(48)
        self.error = QLabel("")
        self.error.setStyleSheet(f"color: {fmt.INVALID};")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, widget in (("Name", self.name), ("Path", self.path), ("Full URL", url_row),
                              ("Provider", self.profile), ("Signature", self.scheme),
                              ("Secrets", self.secrets),
                              ("Tolerance (s)", self.tolerance), ("Respond with", self.status),
                              ("Response body", self.body), ("Delay", self.delay),
                              ("", self.reject), ("Forward to", self.forward)):
            form.addRow(label, widget)
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
        self.reload()
        self.new()

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
        self.list.blockSignals(True)
        self.list.clear()
        for e in list_endpoints(self.store):
            how = f"{e.profile} profile" if e.profile else e.scheme or "no signature"
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
        self.tolerance.setValue(-1)
        self.status.setValue(200)
        self.delay.setValue(0)
        self.reject.setChecked(False)
        self.delete.setEnabled(False)
        self.error.clear()
        self._update_url()

    def load(self, endpoint_id: int) -> None:
        with self.store.session() as session:
            e = session.get(Endpoint, endpoint_id)
            if e is None:
                return
            self.current = e.id
            self.name.setText(e.name)
            self.path.setText(e.path)
            self.scheme.setCurrentIndex(max(0, self.scheme.findData(e.scheme)))
            self.profile.setCurrentIndex(max(0, self.profile.findData(e.profile)))
            self.secrets.set_secrets(list(e.secrets or []), hidden=True)
            self.tolerance.setValue(-1 if e.tolerance is None else e.tolerance)
            self.status.setValue(e.response_status)
            self.body.setText((e.response_body or b"").decode("utf-8", "replace"))
            self.delay.setValue(e.response_delay_ms)
            self.reject.setChecked(e.reject_invalid)
            self.forward.setPlainText("\n".join(e.forward_to or []))
        self.delete.setEnabled(True)
        self.error.clear()

    def fields(self) -> tuple[dict[str, Any], str | None]:
        path = self.path.text().strip()
        if not path.startswith("/") or " " in path:
            return {}, "The path must start with / and contain no spaces, e.g. /hooks/github."
        forward = [u.strip() for u in self.forward.toPlainText().splitlines() if u.strip()]
        for url in forward:
            if problem := url_problem(url):
                return {}, f"Forward target {url!r}: {problem}"
        secrets = self.secrets.secrets()
        profile = self.profiles.get(self.profile.currentData() or "")
        scheme = profile.scheme if profile else self.scheme.currentData()
        if scheme and not secrets:
            return {}, "A signature scheme needs at least one secret to verify with."
        options = profile.scheme_options if profile else None
        for number, secret in enumerate(secrets, 1):
            if scheme and (problem := secret_problem(scheme, secret, options)):
                which = "The secret" if len(secrets) == 1 else f"Secret {number}"
                return {}, f"{which}: {problem}"
        return {
            "name": self.name.text().strip() or path, "path": path,
            "profile": profile.name if profile else None, "scheme": scheme,
            "scheme_options": options, "secrets": secrets,
            "tolerance": None if self.tolerance.value() < 0 else self.tolerance.value(),
            "response_status": self.status.value(),
            "response_body": self.body.text().encode("utf-8"),
            "response_delay_ms": self.delay.value(), "reject_invalid": self.reject.isChecked(),
            "forward_to": forward,
        }, None

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
            self.tolerance.setSpecialValueText(
                f"profile default ({tolerance} s)" if tolerance else "profile default (none)")
        else:
            self.tolerance.setSpecialValueText("scheme default")
            if self.scheme.currentIndex() < 0:
                self.scheme.setCurrentIndex(0)

    def save(self) -> None:
        fields, problem = self.fields()
        if problem:
            self.error.setText(problem)
            return
        try:
            if self.current is None:
                self.current = create_endpoint(self.store, **fields)
            else:
                update_endpoint(self.store, self.current, **fields)
        except Exception as exc:  # e.g. a path already taken: a sentence, never a traceback
            from webhook_studio.errors import describe_error

            message = describe_error(exc)[0]
            self.error.setText("Another endpoint already has this path." if "UNIQUE" in message
                               else message)
            return
        self.error.clear()
        self.reload()
        self.changed.emit()

    def remove(self) -> None:
        """Ask first: deleting stops the receiver answering on the path at once."""
        if self.current is None:
            return
        endpoint_id, name, path = self.current, self.name.text().strip(), self.path.text()
        with self.store.session() as session:
            stored = session.get(Endpoint, endpoint_id)
            if stored is not None:
                name, path = stored.name, stored.path
        ask(self, "Delete endpoint",
            f"Delete endpoint '{name}' and stop receiving on {path}? Its captures are kept.",
            "Delete endpoint", lambda: self._delete(endpoint_id))

    def _delete(self, endpoint_id: int) -> None:
        from webhook_studio.store import NotFound

        # already gone (another window, the API): the list catches up below
        with contextlib.suppress(NotFound):
            delete_endpoint(self.store, endpoint_id)
        if self.current == endpoint_id:
            self.new()
        self.reload()
        self.changed.emit()


def secret_problem(scheme: str, secret: str, options: dict[str, Any] | None = None
                   ) -> str | None:
    """The subscription editor's rule, applied to a verifying secret: sign a test body with
    it. An Ed25519 public key (``whpk_``) only verifies, so it is checked by decoding it."""
    from webhook_studio.core.schemes.standard import ed25519_public

    try:
        if scheme == "standard-webhooks" and secret.startswith("whpk_"):
            ed25519_public(secret)
        else:
            get_scheme(scheme, options).sign(
                secret, SignInput(b"{}", "msg_check", 0, "https://example.com/"))
    except CoreError as exc:
        return str(exc)
    return None


def _load_profiles() -> dict[str, Any]:
    try:
        from webhook_studio.profile_library import ProfileLibrary

        return dict(ProfileLibrary.load().profiles)
    except Exception:  # profiles are optional here: schemes still work without them
        return {}
