"""The event types the API offers for subscription (``GET /webhooks/events/available``).

For now the catalog of seed 004 ("Ops Center"), grouped by category, plus ``*``. Provider
profiles will add theirs later through :func:`available_events`' ``extra`` argument.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

BUILTIN_CATALOG: dict[str, tuple[str, ...]] = {
    "user": ("user.created", "user.updated", "user.deleted", "user.login", "user.logout",
             "user.password_changed", "user.email_verified", "user.profile_updated"),
    "subscription": ("subscription.created", "subscription.updated", "subscription.cancelled",
                     "subscription.renewed", "subscription.payment_failed"),
    "billing": ("payment.succeeded", "payment.failed", "payment.refunded", "invoice.created",
                "invoice.paid", "invoice.overdue"),
    "organization": ("organization.created", "organization.updated", "organization.deleted"),
    "device": ("device.registered", "device.updated", "device.deleted", "device.online",
               "device.offline", "device.alert"),
    "monitoring": ("alert.triggered", "alert.resolved"),
}


def available_events(extra: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    catalog = {k: list(v) for k, v in BUILTIN_CATALOG.items()}
    for category, types in (extra or {}).items():
        merged = catalog.setdefault(category, [])
        merged.extend(t for t in types if t not in merged)
    flat = [t for types in catalog.values() for t in types]
    return {
        "categories": [{"name": name, "events": types, "count": len(types)}
                       for name, types in catalog.items()],
        "events": [*flat, "*"],
        "wildcards": ["*", *(f"{name}.*" for name in sorted({t.split('.')[0] for t in flat}))],
        "total": len(flat),
    }
