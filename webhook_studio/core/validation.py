"""What people type into the editors, turned into records and checked by the records' specs.

The subscription and endpoint editors hold text; :func:`validate_subscription` and
:func:`validate_endpoint` read it into the record the API takes and run the same check the API
runs (:mod:`webhook_studio.core.specs_records`), then say each problem as a sentence for the
field it belongs to. So a record the API accepts re-saves from the editor, and the other way
round. Pure, so tested without Qt.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from webhook_studio.core import limits, specs
from webhook_studio.core.retry import parse_policy
from webhook_studio.core.specs import SpecError, header_problem, method_problem, range_predicate
from webhook_studio.core.specs_records import (
    ENDPOINT,
    SIGNING_SCHEMES,
    SUBSCRIPTION,
    check_endpoint,
    check_subscription,
    endpoint_secrets_problem,
    secret_problem,
)

__all__ = [
    "EndpointForm", "SubscriptionForm", "header_problem", "method_problem", "parse_headers",
    "path_problem", "range_problem", "secret_problem", "timeout_problem", "url_problem",
    "validate_endpoint", "validate_subscription",
]


def url_problem(text: str) -> str | None:
    """The URL rule of every record (surrounding spaces are the editor's, not the URL's)."""
    return specs.url_problem(text.strip())


def range_problem(value: float | None, rng: limits.Range, what: str, unit: str = "") -> str | None:
    """A sentence when ``value`` is outside ``rng`` (None is fine: "not set")."""
    if value is None or value in rng:
        return None
    return f"{what} {range_predicate(rng, unit)}."


def timeout_problem(seconds: float) -> str | None:
    """The per-attempt timeout rule: subscriptions, ``send --timeout``, replays, profiles."""
    return range_problem(seconds, limits.TIMEOUT_SECONDS, "The timeout", "of seconds")


def path_problem(path: str) -> str | None:
    try:
        ENDPOINT.field("path").check(path)
    except specs.Invalid as exc:
        return ENDPOINT.sentence("path", str(exc))
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


def _number(text: str) -> Any:
    """A form's number as the API would get it: int, float, or the text (which the spec then
    refuses with the field's range)."""
    text = text.strip()
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def _sentences(schema: specs.Schema, errors: dict[str, str],
               renames: dict[str, str]) -> dict[str, str]:
    return {renames.get(name, name): schema.sentence(name, message)
            for name, message in errors.items()}


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


_SUBSCRIPTION_FIELDS = {"retry_policy": "retry", "is_active": "active"}


def subscription_record(form: SubscriptionForm) -> tuple[dict[str, Any], dict[str, str]]:
    """The record the API would be sent for this form, and problems found reading the text."""
    errors: dict[str, str] = {}
    record: dict[str, Any] = {
        "url": form.url.strip(), "description": form.description.strip(),
        "is_active": form.active, "retry_policy": form.retry or "0",
        "events": [p.strip() for p in form.events.replace("\n", ",").split(",") if p.strip()],
        "timeout": _number(form.timeout),
    }
    if isinstance(record["timeout"], float) and not math.isfinite(record["timeout"]):
        record["timeout"] = form.timeout  # refused with the range
    for key in ("rate_per_minute", "rate_per_hour", "max_concurrency"):
        text = getattr(form, key)
        if text.strip():
            record[key] = _number(text)
        elif key != "max_concurrency":
            record[key] = None
    if form.scheme in SIGNING_SCHEMES:
        record["scheme"] = form.scheme
    else:
        errors["scheme"] = "Choose a signature scheme."
    if form.secret.strip():
        record["secret"] = form.secret.strip()
    else:
        errors["secret"] = "A subscription needs a signing secret: generate one."
    headers, problem = parse_headers(form.headers)
    if problem:
        errors["headers"] = problem
    else:
        record["headers"] = headers
    return record, errors


def validate_subscription(form: SubscriptionForm) -> tuple[dict[str, Any], dict[str, str]]:
    """``(fields for the store, errors by field)``; fields are only complete when no error."""
    record, errors = subscription_record(form)
    try:
        valid = check_subscription(record)
    except SpecError as exc:
        found = _sentences(SUBSCRIPTION, exc.fields, _SUBSCRIPTION_FIELDS)
        errors = {**found, **errors}
        valid = {k: v for k, v in record.items() if k not in exc.fields}
    out: dict[str, Any] = {"description": valid.get("description", ""),
                           "active": form.active, "url": record["url"],
                           "events": valid.get("events", record["events"]),
                           "headers": valid.get("headers", {})}
    if "scheme" in valid:
        out["scheme"] = valid["scheme"]
    if "retry_policy" in valid:
        policy = valid["retry_policy"]
        out["retry_policy"] = (policy if not isinstance(policy, str)
                               else parse_policy(policy)).to_dict()
    if "timeout" in valid:
        out["timeout_seconds"] = float(valid["timeout"])
    for key in ("rate_per_minute", "rate_per_hour", "max_concurrency"):
        if key in valid:
            out[key] = valid[key]
    return out, errors


@dataclass
class EndpointForm:
    """A receiver endpoint as typed: texts for the free fields, numbers from spin boxes.

    ``scheme`` is the verification scheme (None: capture only); with a provider profile,
    pass the profile's scheme and ``scheme_options`` so its secrets are checked by its rule.
    ``max_body_bytes`` is a number, or the text of the editor's field ("" is the default,
    "64 KiB" and "10 MiB" are read as bytes).
    """

    path: str
    scheme: str | None = None
    secrets: str = ""
    name: str = ""
    profile: str | None = None
    scheme_options: dict[str, Any] | None = None
    tolerance: int | None = None
    response_status: int = 200
    response_headers: str = ""
    response_body: str = ""
    response_delay_ms: int = 0
    max_body_bytes: int | str = limits.DEFAULT_ENDPOINT_BODY_BYTES
    reject_invalid: bool = False
    forward_to: str = ""
    forward_mode: str = "async"
    ip_allowlist: str = ""
    public_url: str = ""
    active: bool = True


_BYTES = re.compile(r"([0-9]+)\s*(kib|mib)?", re.IGNORECASE)


def byte_count(text: str) -> Any:
    """A body limit as typed: "" is the default, "2048", "2,048", "64 KiB" or "10 MiB" are
    bytes; anything else is returned as typed so the spec refuses it with its range."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    if not cleaned:
        return limits.DEFAULT_ENDPOINT_BODY_BYTES
    match = _BYTES.fullmatch(cleaned)
    if match is None:
        return text
    unit = {"kib": 1024, "mib": 1024 * 1024}.get((match[2] or "").lower(), 1)
    return int(match[1]) * unit


def body_limit_text(value: int | None) -> str:
    """A stored body limit as the editor shows it (:func:`byte_count` reads it back to the
    same number): empty for the default, else in the largest unit it is a whole number of."""
    if value is None or value == limits.DEFAULT_ENDPOINT_BODY_BYTES:
        return ""
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if value and value % size == 0:
            return f"{value // size} {unit}"
    return str(value)


def endpoint_record(form: EndpointForm) -> tuple[dict[str, Any], dict[str, str]]:
    """The record the API would be sent for this form, and problems found reading the text."""
    record: dict[str, Any] = {
        "path": form.path.strip(),
        "secrets": [s.strip() for s in form.secrets.splitlines() if s.strip()],
        "tolerance": form.tolerance, "response_status": form.response_status,
        "response_body": form.response_body, "response_delay_ms": form.response_delay_ms,
        "max_body_bytes": (byte_count(form.max_body_bytes)
                           if isinstance(form.max_body_bytes, str) else form.max_body_bytes),
        "reject_invalid": form.reject_invalid,
        "forward_to": [u.strip() for u in form.forward_to.splitlines() if u.strip()],
        "forward_mode": form.forward_mode,
        "ip_allowlist": [n.strip() for n in form.ip_allowlist.replace(",", "\n").splitlines()
                         if n.strip()],
        "public_url": form.public_url.strip() or None, "is_active": form.active,
    }
    errors: dict[str, str] = {}
    headers, problem = parse_headers(form.response_headers)
    if problem:
        errors["response_headers"] = problem
    else:
        record["response_headers"] = headers
    if form.name.strip():
        record["name"] = form.name.strip()
    if form.profile:
        record["profile"] = form.profile
    elif form.scheme is not None:
        record["scheme"] = form.scheme
    return record, errors


def validate_endpoint(form: EndpointForm) -> tuple[dict[str, Any], dict[str, str]]:
    """``(fields for the store, errors by field)`` for a receiver endpoint: the API's
    endpoint spec and its scheme/secrets rule, so an endpoint saved by either passes the
    other."""
    record, errors = endpoint_record(form)
    valid: dict[str, Any] = {}
    try:
        valid = check_endpoint(record)
    except SpecError as exc:
        errors = {**_sentences(ENDPOINT, exc.fields, {}), **errors}
    if form.scheme is not None and form.scheme not in SIGNING_SCHEMES and \
            form.profile is None:
        errors["scheme"] = f"Choose a signature scheme ({', '.join(SIGNING_SCHEMES)})."
    elif "secrets" not in errors and (problem := endpoint_secrets_problem(
            form.scheme, record["secrets"], form.scheme_options)):
        errors["secrets"] = problem
    path = record["path"]
    fields: dict[str, Any] = {
        "name": record.get("name", path), "path": path, "profile": form.profile,
        "scheme": form.scheme, "scheme_options": form.scheme_options,
        "secrets": record["secrets"], "tolerance": form.tolerance,
        "response_status": form.response_status,
        "response_headers": [[k, v] for k, v in record.get("response_headers", {}).items()],
        "response_body": form.response_body.encode("utf-8"),
        "response_delay_ms": form.response_delay_ms,
        "max_body_bytes": record["max_body_bytes"],
        "reject_invalid": form.reject_invalid, "forward_to": record["forward_to"],
        "forward_mode": form.forward_mode,
        # as the API stores them: 10.0.0.7/8 is kept as the network 10.0.0.0/8
        "ip_allowlist": valid.get("ip_allowlist", record["ip_allowlist"]),
        "public_url": record["public_url"], "active": form.active,
    }
    return fields, errors
