"""The endpoint editor's less common fields: response headers, forward mode, body size limit,
IP allowlist and public URL.

They hold text as typed; ``core/validation.py`` reads it into the record the API takes and
checks it with the same spec, so what the API stores loads here and saves back unchanged.
Kept apart from ``ui/sections/endpoints.py`` so that file stays one screen of layout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit

from webhook_studio.core import limits
from webhook_studio.core.validation import body_limit_text

_MIB = 1024 * 1024
_DEFAULT = limits.DEFAULT_ENDPOINT_BODY_BYTES
#: What the forward mode combo offers, in the words the issue used.
MODES = (("Answer at once with the response rule", "async"),
         ("Answer with the first forward target's response (proxy)", "proxy"))
_MODE_TIP = ("How the provider is answered when this endpoint forwards: at once with the "
             "response rule above (every target gets its copy in the background), or with the "
             "first target's status, headers and body, as a proxy would (the others still get "
             "their copy). A failed proxy forward answers 502.")
_NO_TARGETS_TIP = "Only used with forward targets: add a URL to Forward to first."


class EndpointFields:
    """The widgets, and moving an endpoint's values in and out of them."""

    def __init__(self) -> None:
        self.headers = QPlainTextEdit(placeholderText="Cache-Control: no-store\nX-Env: test")
        self.headers.setFixedHeight(48)
        self.headers.setToolTip("Headers the receiver answers with, one 'Name: value' a line "
                                "(as in a subscription's Headers)")
        self.mode = QComboBox()
        for text, value in MODES:
            self.mode.addItem(text, value)
        self.body_limit = QLineEdit(
            placeholderText=f"default: {_DEFAULT // _MIB} MiB ({_DEFAULT:,} bytes)")
        self.body_limit.setToolTip(
            f"Largest body accepted, in bytes {limits.ENDPOINT_BODY_BYTES.text()} (100 MiB); "
            "64 KiB and 10 MiB are understood too. A bigger body is answered 413 before it is "
            "read; 0 accepts only empty bodies. Empty: the default.")
        self.allowlist = QPlainTextEdit(
            placeholderText="everyone; or e.g. 203.0.113.0/24, 2001:db8::/32")
        self.allowlist.setFixedHeight(48)
        self.allowlist.setToolTip(
            "Only these addresses or networks (CIDR, one a line or comma separated) may post "
            "here; others get 403, and the refusal is listed in the Inbox. The receiver checks "
            "the connection's own address: through a tunnel that is 127.0.0.1.")
        self.public_url = QLineEdit(placeholderText="https://hooks.example.com/hooks/twilio")
        self.public_url.setToolTip(
            "The full URL the provider calls, when a proxy of yours sits in front: providers "
            "that sign the URL (Twilio, Square…) are verified against it. Empty: the URL the "
            "request arrived at, or the running tunnel's URL (status bar) plus the path.")
        self.set_has_targets(False)

    def rows(self) -> tuple[tuple[str, Any, str], ...]:
        """``(label, widget, error key)`` for the form, after "Forward to"."""
        return (("Forward mode", self.mode, "forward_mode"),
                ("Body size limit", self.body_limit, "max_body_bytes"),
                ("IP allowlist", self.allowlist, "ip_allowlist"))

    def watch(self, check: Callable[[str, bool], None]) -> None:
        """``check(error key, finished)`` as the person types: ``finished`` when a line was
        left (say what is wrong now), else on every change (refresh a sentence already shown,
        so it goes away as soon as the mistake is fixed)."""
        for key, line in (("max_body_bytes", self.body_limit), ("public_url", self.public_url)):
            line.editingFinished.connect(lambda key=key: check(key, True))
            line.textChanged.connect(lambda _text, key=key: check(key, False))
        for key, text in (("response_headers", self.headers), ("ip_allowlist", self.allowlist)):
            text.textChanged.connect(lambda key=key: check(key, False))

    def set_has_targets(self, has: bool) -> None:
        self.mode.setEnabled(has)
        self.mode.setToolTip(_MODE_TIP if has else _NO_TARGETS_TIP)

    def clear(self) -> None:
        for field in (self.headers, self.body_limit, self.allowlist, self.public_url):
            field.clear()
        self.mode.setCurrentIndex(0)

    def show(self, e: Any) -> None:
        """One stored endpoint's values (the API may have set any of them)."""
        self.headers.setPlainText("\n".join(f"{k}: {v}" for k, v in e.response_headers or []))
        self.mode.setCurrentIndex(max(0, self.mode.findData(e.forward_mode or "async")))
        self.body_limit.setText(body_limit_text(e.max_body_bytes))
        self.allowlist.setPlainText("\n".join(e.ip_allowlist or []))
        self.public_url.setText(e.public_url or "")

    def form(self) -> dict[str, Any]:
        """The ``EndpointForm`` fields these widgets hold."""
        return {"response_headers": self.headers.toPlainText(),
                "forward_mode": self.mode.currentData(),
                "max_body_bytes": self.body_limit.text(),
                "ip_allowlist": self.allowlist.toPlainText(),
                "public_url": self.public_url.text()}
