"""Event-type patterns: exact (``user.created``), prefix wildcard (``user.*``), everything (``*``).

``user.*`` matches any depth below ``user`` (``user.created``, ``user.profile.updated``) but not
``user`` itself nor ``username.x``: the dot is part of the prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from webhook_studio.core.errors import PolicyError

_PATTERN = re.compile(r"^(\*|[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*(\.\*)?)$")


def validate_pattern(pattern: str) -> str:
    text = pattern.strip()
    if not _PATTERN.match(text):
        raise PolicyError(f"{pattern!r} is not an event pattern; use an exact type like "
                          "user.created, a prefix like user.*, or * for every event.")
    return text


def matches_one(pattern: str, event_type: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return pattern == event_type


def matches(patterns: Iterable[str], event_type: str) -> bool:
    return any(matches_one(p, event_type) for p in patterns)
