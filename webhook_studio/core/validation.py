"""Validation of what people type into forms: one sentence per field, nothing half-valid.

Used by the subscription and endpoint editors, and by the API and the CLI for the same rules
(:func:`secret_problem`, and the ranges in :mod:`webhook_studio.core.limits`), so a record
created through one of them can be re-saved through another. Pure, so tested without Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from webhook_studio.core import limits
from webhook_studio.core.diagnose import whsec_key
from webhook_studio.core.errors import CoreError
from webhook_studio.core.matching import validate_pattern
from webhook_studio.core.message import SignInput
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


def secret_problem(scheme: str, secret: str, options: dict[str, Any] | None = None, *,
                   verify_only: bool = False) -> str | None:
    """Why ``secret`` cannot sign under ``scheme`` (with ``options``), or None when it can.

    The one rule for every editor, the API, the CLI and profiles: it asks the scheme itself to
    sign a probe message, so it accepts exactly what sending accepts. ``verify_only`` (a
    receiver endpoint) also accepts a Standard Webhooks ``whpk_`` public key.
    """
    if not secret:
        return "A secret is needed: paste the provider's signing secret or generate one."
    if secret != secret.strip() or any(c in secret for c in "\r\n\0"):
        return ("The secret has spaces or a line break at its ends (or inside); paste it again "
                "without them.")
    try:
        signer = get_scheme(scheme, options)
    except CoreError as exc:
        return str(exc)
    if verify_only and scheme == "standard-webhooks" and secret.startswith("whpk_"):
        from webhook_studio.core.schemes.standard import ed25519_public

        try:
            ed25519_public(secret)
        except CoreError as exc:
            return str(exc)
        return None
    try:
        signer.sign(secret, SignInput(b"{}", "msg_check", 0, "http://localhost/"))
    except CoreError as exc:
        if getattr(signer, "secret_format", "") == "whsec" and \
                not secret.startswith(("whsk_", "whpk_")):
            return _whsec_problem(secret)
        return str(exc)
    return None


def _whsec_problem(secret: str) -> str:
    key = whsec_key(secret)
    why = ("this one is not base64 after the prefix" if key is None
           else f"this one decodes to {len(key)} bytes")
    return (f"A Standard Webhooks secret is whsec_ followed by base64 of 24 to 64 bytes; {why}. "
            "Generate one, or copy it again from the provider.")


def range_problem(value: float | None, rng: limits.Range, what: str, unit: str = "") -> str | None:
    """A sentence when ``value`` is outside ``rng`` (None is fine: "not set")."""
    if value is None or value in rng:
        return None
    kind = "a whole number" if rng.whole else "a number"
    unit = f" {unit}" if unit else ""
    return f"{what} must be {kind}{unit} {rng.text()}."


def timeout_problem(seconds: float) -> str | None:
    """The per-attempt timeout rule: subscriptions, ``send --timeout``, replays, profiles."""
    return range_problem(seconds, limits.TIMEOUT_SECONDS, "The timeout", "of seconds")


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
    #: Requests in flight at once; empty keeps the stored (or default) value.
    max_concurrency: str = ""


def _whole(text: str, rng: limits.Range, what: str) -> tuple[int | None, str | None]:
    if not text.strip():
        return None, None
    try:
        value = int(text.strip())
    except ValueError:
        return None, f"{what} must be a whole number {rng.text()}."
    if problem := range_problem(value, rng, what):
        return None, problem
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
        if problem := secret_problem(form.scheme, form.secret.strip()):
            errors["secret"] = problem
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
    except ValueError:
        timeout = math.nan
    if problem := timeout_problem(timeout):
        errors["timeout"] = problem
    else:
        out["timeout_seconds"] = timeout
    for key, text, rng in (("rate_per_minute", form.rate_per_minute, limits.RATE_PER_MINUTE),
                           ("rate_per_hour", form.rate_per_hour, limits.RATE_PER_HOUR)):
        value, problem = _whole(text, rng, "A rate limit")
        if problem:
            errors[key] = problem
        out[key] = value
    if form.max_concurrency.strip():
        value, problem = _whole(form.max_concurrency, limits.MAX_CONCURRENCY, "Concurrency")
        if problem:
            errors["max_concurrency"] = problem
        out["max_concurrency"] = value
    headers, problem = parse_headers(form.headers)
    if problem:
        errors["headers"] = problem
    out["headers"] = headers
    return out, errors


@dataclass
class EndpointForm:
    """A receiver endpoint as typed: texts for the free fields, numbers from spin boxes.

    ``scheme`` is the verification scheme (None: capture only); with a provider profile,
    pass the profile's scheme and ``scheme_options`` so its secrets are checked by its rule.
    """

    path: str
    scheme: str | None = None
    secrets: str = ""
    name: str = ""
    profile: str | None = None
    scheme_options: dict[str, Any] | None = None
    tolerance: int | None = None
    response_status: int = 200
    response_body: str = ""
    response_delay_ms: int = 0
    max_body_bytes: int = limits.DEFAULT_ENDPOINT_BODY_BYTES
    reject_invalid: bool = False
    forward_to: str = ""
    public_url: str = ""


def path_problem(path: str) -> str | None:
    if not path.startswith("/") or any(c in path for c in " \t?#"):
        return "The path must start with / and have no spaces, ? or #, e.g. /hooks/github."
    if len(path) > 500:
        return "The path must be at most 500 characters long."
    return None


def validate_endpoint(form: EndpointForm) -> tuple[dict[str, Any], dict[str, str]]:
    """``(fields for the store, errors by field)`` for a receiver endpoint.

    The API's endpoint schema applies these same rules, so an endpoint saved by either passes
    the other.
    """
    errors: dict[str, str] = {}
    path = form.path.strip()
    if problem := path_problem(path):
        errors["path"] = problem
    secrets = [s.strip() for s in form.secrets.splitlines() if s.strip()]
    if form.scheme is not None:
        if form.scheme not in SCHEME_NAMES:
            errors["scheme"] = f"Choose a signature scheme ({', '.join(SCHEME_NAMES)})."
        elif not secrets:
            errors["secrets"] = "A signature scheme needs at least one secret to verify with."
        else:
            for number, secret in enumerate(secrets, 1):
                problem = secret_problem(form.scheme, secret, form.scheme_options,
                                         verify_only=True)
                if problem:
                    where = f"Secret {number}: " if len(secrets) > 1 else ""
                    errors["secrets"] = where + problem
                    break
    elif secrets:
        errors["secrets"] = "Secrets need a signature scheme to verify with: choose one."
    if len(secrets) > limits.MAX_ENDPOINT_SECRETS:
        errors["secrets"] = f"Keep at most {limits.MAX_ENDPOINT_SECRETS} secrets."
    forward = [u.strip() for u in form.forward_to.splitlines() if u.strip()]
    for url in forward:
        if problem := url_problem(url):
            errors["forward_to"] = f"Forward target {url!r}: {problem}"
            break
    if len(forward) > limits.MAX_FORWARD_TARGETS:
        errors["forward_to"] = f"Forward to at most {limits.MAX_FORWARD_TARGETS} targets."
    if form.public_url.strip() and (problem := url_problem(form.public_url)):
        errors["public_url"] = problem
    for key, value, rng, what, unit in (
            ("tolerance", form.tolerance, limits.TOLERANCE_SECONDS, "The tolerance",
             "of seconds (-1 turns the check off)"),
            ("response_status", form.response_status, limits.RESPONSE_STATUS,
             "The response status", ""),
            ("response_delay_ms", form.response_delay_ms, limits.RESPONSE_DELAY_MS,
             "The delay", "of milliseconds"),
            ("max_body_bytes", form.max_body_bytes, limits.ENDPOINT_BODY_BYTES,
             "The body limit", "of bytes")):
        if problem := range_problem(value, rng, what, unit):
            errors[key] = problem
    fields: dict[str, Any] = {
        "name": form.name.strip() or path, "path": path, "profile": form.profile,
        "scheme": form.scheme, "scheme_options": form.scheme_options, "secrets": secrets,
        "tolerance": form.tolerance, "response_status": form.response_status,
        "response_body": form.response_body.encode("utf-8"),
        "response_delay_ms": form.response_delay_ms, "max_body_bytes": form.max_body_bytes,
        "reject_invalid": form.reject_invalid, "forward_to": forward,
        "public_url": form.public_url.strip() or None,
    }
    return fields, errors
