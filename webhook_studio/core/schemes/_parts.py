"""Pieces the data-driven schemes share: timestamp formats, values read from the body, and
signed-string templates.

Providers sign their timestamp exactly as they send it (Unix seconds, milliseconds, ISO-8601
with or without an offset, HTTP-date), so the text is kept as it arrived and only converted to
seconds for the tolerance check. Some put the signature, the timestamp or a token inside the
body (Mailgun, Adyen, Figma): a dotted path reads them from JSON (``a.b.0.c``) or names a
form field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl

from webhook_studio.core.errors import SchemeError

#: How a timestamp is written: Unix seconds, Unix milliseconds, ISO-8601 (an offset or Z;
#: a time without one is UTC), ISO-8601 local time with milliseconds (Orb), or HTTP-date.
TIMESTAMP_FORMATS = ("unix", "unix_ms", "iso8601", "iso8601_local", "http_date")

_FIELD = re.compile(r"\{(id|timestamp|body|url|url_base|method|field:[^{}]+)\}")


def timestamp_seconds(text: str | None, fmt: str) -> int | None:
    """Unix seconds of a timestamp written in ``fmt``, or None when it is not one."""
    if text is None:
        return None
    value = text.strip()
    if fmt in ("unix", "unix_ms"):
        if not (value.isascii() and value.isdigit()) or len(value) > 16:
            return None
        return int(value) // 1000 if fmt == "unix_ms" else int(value)
    if fmt == "http_date":
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None:
            return None
        return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())
    return _iso_seconds(value)


def _iso_seconds(value: str) -> int | None:
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    main, dot, rest = value.partition(".")
    if dot:  # any number of fraction digits (Python takes at most 6)
        digits = len(rest) - len(rest.lstrip("0123456789"))
        value = main + rest[digits:]
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def timestamp_text(seconds: int, fmt: str) -> str:
    """The timestamp as the provider writes it."""
    if fmt == "unix_ms":
        return str(seconds * 1000)
    if fmt == "http_date":
        return formatdate(seconds, usegmt=True)
    moment = datetime.fromtimestamp(seconds, UTC)
    if fmt == "iso8601":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "iso8601_local":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.000")
    return str(seconds)


def body_value(body: bytes, path: str) -> str | None:
    """The text at ``path`` in a JSON body (dots, list indexes) or the named form field."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            return None
        return next((v for k, v in pairs if k == path), None)
    for part in path.split("."):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    if data is None or isinstance(data, dict | list):
        return None if data is None else json.dumps(data, separators=(",", ":"))
    if isinstance(data, bool):
        return "true" if data else "false"
    return str(data)


def template_fields(template: str) -> set[str]:
    """The fields a template names; raises SchemeError on a brace that is not one."""
    names = set(_FIELD.findall(template))
    stripped = _FIELD.sub("", template)
    if "{" in stripped or "}" in stripped:
        raise SchemeError(f"Option template={template!r} has a brace that is not a field; "
                          "allowed fields are {id} {timestamp} {body} {url} {url_base} {method} "
                          "{field:PATH}.")
    return names


def render(template: str, values: dict[str, str], body: bytes) -> bytes:
    """The signed bytes: literal text and field values in UTF-8, the body as raw bytes."""
    out = bytearray()
    pos = 0
    for match in _FIELD.finditer(template):
        out += template[pos:match.start()].encode("utf-8")
        name = match.group(1)
        out += body if name == "body" else values.get(name, "").encode("utf-8")
        pos = match.end()
    out += template[pos:].encode("utf-8")
    return bytes(out)


def choice(options: Mapping[str, Any], key: str, allowed: Sequence[str], default: str) -> str:
    """An option that must be one of ``allowed`` (a SchemeError naming them otherwise)."""
    value = str(options.get(key, default))
    if value not in allowed:
        raise SchemeError(f"Option {key}={value!r} is not one of: {', '.join(allowed)}.")
    return value


def optional_text(value: Any) -> str | None:
    """An option's text, or None when it is absent or blank."""
    return str(value).strip() or None if value is not None else None
