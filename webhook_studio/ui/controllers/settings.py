"""Settings: the values' rules, their defaults, and storing them in the window's settings file.

Signals:
    saved(list[str]): the keys whose values changed ("receiver/port", "defaults/retry"…); the
        window applies them (``receiver_control.py``).
"""

from __future__ import annotations

import ipaddress
import re

from PySide6.QtCore import QObject, QSettings, Signal

from webhook_studio.core import limits
from webhook_studio.core.errors import CoreError
from webhook_studio.core.retry import parse_policy

HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$")
DEFAULTS = {"receiver/host": "127.0.0.1", "receiver/port": 8000, "receiver/tls": "false",
            "defaults/retry": "standard-webhooks",
            "defaults/timeout": limits.DEFAULT_TIMEOUT_SECONDS,
            "api/enabled": "false", "api/port": 8001}


def host_problem(text: str) -> str | None:
    host = text.strip()
    if not host:
        return "Enter an address to listen on, e.g. 127.0.0.1 (this computer only)."
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    if not HOSTNAME.match(host):
        return f"{host!r} is not an IP address or host name."
    return None


def retry_problem(text: str) -> str | None:
    try:
        parse_policy(text)
    except CoreError as exc:
        return str(exc)  # names the bad part, and the three forms when none was recognised
    return None


def setting(settings: QSettings, key: str) -> str:
    return str(settings.value(key, DEFAULTS[key]))


class SettingsController(QObject):
    saved = Signal(list)

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings

    def check(self, values: dict[str, object]) -> tuple[dict[str, object], dict[str, str]]:
        """``(values, errors by field)`` under the rules below."""
        errors: dict[str, str] = {}
        if problem := host_problem(str(values["receiver/host"])):
            errors["host"] = problem
        if problem := retry_problem(str(values["defaults/retry"])):
            errors["retry"] = problem
        if values["api/enabled"] == "true" and values["api/port"] == values["receiver/port"]:
            errors["api_port"] = "The API needs a port of its own, not the receiver's."
        return values, errors

    def store(self, values: dict[str, object]) -> list[str]:
        """Keep ``values``; returns the keys that changed (the caller announces them)."""
        changed = [k for k, v in values.items() if setting(self.settings, k) != str(v)]
        for key, value in values.items():
            self.settings.setValue(key, value)
        self.settings.sync()
        return changed
