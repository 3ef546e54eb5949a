from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from webhook_studio.core.validation import SubscriptionForm, validate_subscription

#: Keyword arguments for the form (its fields are texts and one flag).
GOOD: dict[str, Any] = dict(url="http://localhost:3000/hook", events="user.*, payment.received",
            scheme="standard-webhooks", secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            retry="0,1m,5m", timeout="10", rate_per_minute="60", headers="X-Env: test")


def test_a_good_form_gives_store_fields() -> None:
    fields, errors = validate_subscription(SubscriptionForm(**GOOD))
    assert errors == {}
    assert fields["events"] == ["user.*", "payment.received"]
    assert fields["headers"] == {"X-Env": "test"} and fields["rate_per_minute"] == 60


def test_each_bad_field_gets_its_own_sentence() -> None:
    bad = dict(GOOD, url="localhost:3000", events="user.", secret="whsec_abc=",
               retry="5x", timeout="0", rate_per_minute="-3", headers="no colon here")
    _, errors = validate_subscription(SubscriptionForm(**bad))
    assert set(errors) == {"url", "events", "secret", "retry", "timeout", "rate_per_minute",
                           "headers"}
    assert errors["url"] == "Enter a full http:// or https:// URL."
    assert "not a delay" in errors["retry"]


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(GOOD)), st.text(max_size=30)))
def test_any_input_gives_fields_or_sentences_never_an_exception(changes: dict[str, str]) -> None:
    _, errors = validate_subscription(SubscriptionForm(**{**GOOD, **changes}))
    assert all(isinstance(m, str) and m.endswith(".") for m in errors.values())
