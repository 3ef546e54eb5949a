"""The one rule for a subscription made with a provider profile (the API and the editor)."""

from __future__ import annotations

from webhook_studio.core.profile_subscription import apply_profile
from webhook_studio.core.retry import parse_policy
from webhook_studio.profile_library import ProfileLibrary


def test_the_profile_signs_and_fills_what_was_not_given() -> None:
    paissive = ProfileLibrary.load().get("paissive")
    fields = apply_profile({"url": "http://127.0.0.1:9/", "scheme": "stripe"}, paissive)
    assert fields == {
        "url": "http://127.0.0.1:9/", "profile": "paissive", "scheme": "hmac",
        "scheme_options": {"header": "X-Webhook-Signature", "encoding": "base64"},
        "timeout_seconds": 10.0, "rate_per_minute": 60, "rate_per_hour": 1000,
        "retry_policy": parse_policy("paissive").to_dict()}


def test_fields_given_win_even_none_but_never_over_the_scheme() -> None:
    stripe = ProfileLibrary.load().get("stripe")
    given = {"timeout_seconds": 3.0, "rate_per_minute": None, "retry_policy": {"kind": "x"},
             "scheme": "github", "scheme_options": {"header": "X"}}
    fields = apply_profile(dict(given), stripe)
    assert (fields["timeout_seconds"], fields["rate_per_minute"], fields["retry_policy"]) == \
        (3.0, None, {"kind": "x"})
    assert (fields["profile"], fields["scheme"], fields["scheme_options"]) == \
        ("stripe", "stripe", stripe.scheme_options)
    assert fields["rate_per_hour"] == stripe.rate_per_hour
