"""How to re-sign a request: a provider profile or a bare scheme, and the secret.

Shared by the replay and edit-and-resend dialogs. The default comes from the capture itself
(:func:`signing_for_capture`): its endpoint's profile and first secret, else a profile named
like the endpoint's scheme, else the profile whose own headers the request carries (a GitHub
capture has ``X-GitHub-Event``), so a GitHub capture is never re-signed as Standard Webhooks by
default.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QPushButton, QWidget

from webhook_studio.core.profiles import Profile
from webhook_studio.core.schemes import SCHEME_NAMES
from webhook_studio.relay.replay import Resign
from webhook_studio.store import Store


@dataclass(frozen=True)
class Signing:
    kind: str  # "profile" or "scheme"
    name: str
    secret: str = ""


def load_profiles() -> dict[str, Profile]:
    try:
        from webhook_studio.profile_library import ProfileLibrary

        return dict(ProfileLibrary.load().profiles)
    except Exception:  # profiles are optional: bare schemes still work without them
        return {}


#: Headers every client sends: they say nothing about which provider sent a request.
GENERIC_HEADERS = frozenset({"user-agent", "content-type", "content-length", "accept",
                             "accept-encoding", "host", "connection", "authorization",
                             "date", "transfer-encoding"})


def guess_profile(headers: Sequence[Sequence[str]], profiles: Mapping[str, Profile]
                  ) -> str | None:
    """The profile whose own header names the request carries most of (ties: by name);
    generic headers (User-Agent, Content-Type…) do not count."""
    names = {str(h[0]).lower() for h in headers} - GENERIC_HEADERS
    best, score = None, 0
    for name in sorted(profiles):
        profile = profiles[name]
        own = {k.lower() for k in profile.headers}
        if profile.duplicate_header:
            own.add(profile.duplicate_header.lower())
        hits = len(own & names)
        if hits > score:
            best, score = name, hits
    return best


def signing_for_capture(store: Store, capture_id: int, profiles: Mapping[str, Profile]
                        ) -> Signing:
    from webhook_studio.store.window_reads import capture_with_endpoint

    found = capture_with_endpoint(store, capture_id)
    if found is None:
        return Signing("scheme", "standard-webhooks")
    capture, endpoint = found
    headers = list(capture.headers or [])
    if endpoint is not None:
        secret = (endpoint.secrets or [""])[0]
        if endpoint.profile and endpoint.profile in profiles:
            return Signing("profile", endpoint.profile, secret)
        if endpoint.scheme and endpoint.scheme in profiles:
            return Signing("profile", endpoint.scheme, secret)
        if endpoint.scheme:
            return Signing("scheme", endpoint.scheme, secret)
    guessed = guess_profile(headers, profiles)
    return Signing("profile", guessed) if guessed else Signing("scheme", "standard-webhooks")


class SigningPicker(QWidget):
    """A combo of profiles then schemes, and the secret (hidden until revealed)."""

    def __init__(self, profiles: Mapping[str, Profile], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profiles = dict(profiles)
        self.how = QComboBox()
        for name in sorted(self.profiles, key=lambda n: self.profiles[n].title.lower()):
            self.how.addItem(f"Profile: {self.profiles[name].title}", f"profile:{name}")
        for scheme in SCHEME_NAMES:
            if scheme != "hmac":
                self.how.addItem(f"Scheme: {scheme}", f"scheme:{scheme}")
        self.secret = QLineEdit(placeholderText="The secret to sign with")
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.reveal = QPushButton("Reveal")
        self.reveal.setCheckable(True)
        self.reveal.toggled.connect(self._reveal)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.how, 2)
        row.addWidget(self.secret, 3)
        row.addWidget(self.reveal)

    def _reveal(self, on: bool) -> None:
        self.secret.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)

    def set_signing(self, signing: Signing) -> None:
        index = self.how.findData(f"{signing.kind}:{signing.name}")
        if index >= 0:
            self.how.setCurrentIndex(index)
        self.secret.setText(signing.secret)

    def current(self) -> Signing:
        kind, _, name = str(self.how.currentData()).partition(":")
        return Signing(kind, name, self.secret.text().strip())

    def resign(self) -> tuple[Resign | None, str | None]:
        """The engine's :class:`Resign`, or a sentence saying what is missing."""
        signing = self.current()
        if not signing.secret:
            return None, "Re-signing needs the secret to sign with."
        if signing.kind == "profile":
            return Resign.for_profile(self.profiles[signing.name], signing.secret), None
        return Resign(signing.name, signing.secret), None

