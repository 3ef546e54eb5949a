"""What a provider profile makes of a subscription: the one rule for the API's
``POST /webhooks`` with ``profile`` and the window's subscription editor, so a subscription
emulating Stripe is stored the same whichever door made it."""

from __future__ import annotations

from typing import Any

from webhook_studio.core.profiles import Profile
from webhook_studio.core.retry import parse_policy


def apply_profile(fields: dict[str, Any], profile: Profile) -> dict[str, Any]:
    """Store ``fields`` (column names) for a subscription made with ``profile``: it signs with
    the profile's scheme and options whatever else was given, and retries, times out and sends
    at most as often as its provider does unless a field says otherwise (even ``None`` wins:
    "no limit" is a choice). Changes ``fields`` in place and returns it."""
    fields.update(profile=profile.name, scheme=profile.scheme,
                  scheme_options=profile.scheme_options)
    fields.setdefault("timeout_seconds", profile.timeout)
    fields.setdefault("rate_per_minute", profile.rate_per_minute)
    fields.setdefault("rate_per_hour", profile.rate_per_hour)
    fields.setdefault("retry_policy", parse_policy(profile.retry).to_dict())
    return fields
