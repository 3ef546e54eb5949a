"""Validation of what people type into forms: one sentence per field, nothing half-valid.

Used by the subscription and endpoint editors; pure, so the rules are tested without Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from webhook_studio.core.errors import CoreError
from webhook_studio.core.matching import validate_pattern
from webhook_studio.core.retry import Policy, parse_policy
from webhook_studio.core.schemes import SCHEME_NAMES, get_scheme


def url_problem(text: str) -> str | None:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https"):
        return "Enter a full http:// or https:// URL."
    if not parts.hostname:
        return "The URL needs a host, e.g. http://localhost:3000/webhook."
    try:
        _ = parts.port
    except ValueError:
        return "The port in the URL is not a number from 1 to 65535."
    return None


def parse_headers(text: str) -> tuple[dict[str, str], str | None]:
    headers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, found, value = line.partition(":")
        if not found or not name.strip() or " " in name.strip():
            return {}, f"Line {number} is not 'Name: value'."
        headers[name.strip()] = value.strip()
    return headers, None


@dataclass
class SubscriptionForm:
    url: str
    events: str
    scheme: str
    secret: str
    retry: str
    timeout: str
    rate_per_minute: str = ""
    rate_per_hour: str = ""
    headers: str = ""
    description: str = ""
    active: bool = True


def _whole(text: str, low: int, high: int, what: str) -> tuple[int | None, str | None]:
    if not text.strip():
        return None, None
    try:
        value = int(text.strip())
    except ValueError:
        return None, f"{what} must be a whole number."
    if not low <= value <= high:
        return None, f"{what} must be from {low} to {high}."
    return value, None


def validate_subscription(form: SubscriptionForm) -> tuple[dict[str, Any], dict[str, str]]:
    """``(fields for the store, errors by field)``; fields are only complete when no error."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {"description": form.description.strip(), "active": form.active}
    if problem := url_problem(form.url):
        errors["url"] = problem
    out["url"] = form.url.strip()
    patterns = [p.strip() for p in form.events.replace("\n", ",").split(",") if p.strip()]
    if not patterns:
        errors["events"] = "Choose at least one event type, a prefix like user.*, or *."
    for pattern in patterns:
        try:
            validate_pattern(pattern)
        except CoreError as exc:
            errors["events"] = str(exc)
            break
    out["events"] = patterns
    if form.scheme not in SCHEME_NAMES or form.scheme == "hmac":
        errors["scheme"] = "Choose a signature scheme."
    else:
        out["scheme"] = form.scheme
        try:
            from webhook_studio.core.message import SignInput

            get_scheme(form.scheme).sign(form.secret, SignInput(b"", "msg_check", 0,
                                                                "https://example.com/"))
        except CoreError as exc:
            errors["secret"] = str(exc)
    if not form.secret.strip():
        errors["secret"] = "A subscription needs a signing secret: generate one."
    policy: Policy | None = None
    try:
        policy = parse_policy(form.retry or "0")
        out["retry_policy"] = policy.to_dict()
    except CoreError as exc:
        errors["retry"] = str(exc)
    try:
        timeout = float(form.timeout)
        if not 0.1 <= timeout <= 300:
            raise ValueError
        out["timeout_seconds"] = timeout
    except ValueError:
        errors["timeout"] = "Timeout must be a number of seconds from 0.1 to 300."
    for key, text, limit in (("rate_per_minute", form.rate_per_minute, 100_000),
                             ("rate_per_hour", form.rate_per_hour, 10_000_000)):
        value, problem = _whole(text, 1, limit, "A rate limit")
        if problem:
            errors[key] = problem
        out[key] = value
    headers, problem = parse_headers(form.headers)
    if problem:
        errors["headers"] = problem
    out["headers"] = headers
    return out, errors
