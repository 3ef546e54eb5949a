"""One rule set: the shared limits and the secret rule, as the editors see them."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webhook_studio.core import limits
from webhook_studio.core.errors import ProfileError
from webhook_studio.core.profiles import parse_profile
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.validation import (
    EndpointForm,
    SubscriptionForm,
    secret_problem,
    timeout_problem,
    validate_endpoint,
    validate_subscription,
)

WHSEC = "whsec_" + base64.b64encode(bytes(range(32))).decode()
SUB: dict[str, Any] = dict(url="http://localhost:3000/hook", events="*",
                           scheme="standard-webhooks", secret=WHSEC, retry="0", timeout="15")


def test_hello_is_not_a_standard_webhooks_secret_anywhere() -> None:
    problem = secret_problem("standard-webhooks", "hello")
    assert problem is not None and problem.startswith(
        "A Standard Webhooks secret is whsec_ followed by base64 of 24 to 64 bytes")
    short = "whsec_" + base64.b64encode(b"x" * 8).decode()
    assert "decodes to 8 bytes" in str(secret_problem("standard-webhooks", short))
    # the subscription editor and the endpoint editor say the same sentence
    _, sub_errors = validate_subscription(SubscriptionForm(**{**SUB, "secret": "hello"}))
    _, ep_errors = validate_endpoint(EndpointForm("/hooks", "standard-webhooks", "hello"))
    assert sub_errors["secret"] == ep_errors["secrets"] == problem


def test_secrets_that_can_sign_pass() -> None:
    assert secret_problem("standard-webhooks", WHSEC) is None
    assert secret_problem("standard-webhooks", get_scheme("standard-webhooks")
                          .generate_secret()) is None
    whsk = "whsk_" + base64.b64encode(bytes(32)).decode()
    assert secret_problem("standard-webhooks", whsk) is None
    assert secret_problem("github", "any text at all") is None
    assert secret_problem("stripe", "whsec_test") is None


def test_a_public_key_verifies_but_cannot_sign() -> None:
    whpk = "whpk_" + base64.b64encode(bytes(32)).decode()
    assert "can only verify" in str(secret_problem("standard-webhooks", whpk))
    assert secret_problem("standard-webhooks", whpk, verify_only=True) is None
    fields, errors = validate_endpoint(EndpointForm("/svix", "standard-webhooks", whpk))
    assert errors == {} and fields["secrets"] == [whpk]


def test_empty_padded_and_unknown_give_sentences() -> None:
    assert "secret is needed" in str(secret_problem("github", ""))
    assert "spaces or a line break" in str(secret_problem("github", " s3cret\n"))
    assert "Unknown scheme" in str(secret_problem("nope", "x"))
    options = {"algorithm": "sha256", "secret_encoding": "base64", "header": "X-Sig"}
    assert "not valid base64" in str(secret_problem("hmac", "not base64!", options))


@settings(max_examples=150, deadline=None)
@given(scheme=st.sampled_from(["standard-webhooks", "github", "stripe", "slack", "twilio"]),
       secret=st.text(max_size=80))
def test_the_rule_agrees_with_signing(scheme: str, secret: str) -> None:
    """What the rule accepts signs; what it refuses has a sentence ending in a full stop."""
    from webhook_studio.core.message import SignInput

    problem = secret_problem(scheme, secret)
    if problem is None:
        get_scheme(scheme).sign(secret, SignInput(b"{}", "msg_1", 1, "http://localhost/"))
    else:
        assert problem.endswith(".") and problem[0].isupper()


def test_timeout_range_is_the_same_for_every_door() -> None:
    assert timeout_problem(0.1) is None and timeout_problem(300) is None
    assert timeout_problem(0.05) == "The timeout must be a number of seconds from 0.1 to 300."
    assert timeout_problem(300.5) is not None and timeout_problem(float("nan")) is not None
    assert (validate_subscription(SubscriptionForm(**{**SUB, "timeout": "300.5"}))[1]["timeout"]
            == timeout_problem(300.5))


PROFILE = '''
name = "edge"
scheme = "github"
timeout = {timeout}
envelope = "$data"
'''


@pytest.mark.parametrize("timeout", ["0.1", "300"])
def test_profiles_accept_the_extremes(timeout: str) -> None:
    assert parse_profile(PROFILE.format(timeout=timeout), "edge.toml").timeout == float(timeout)


@pytest.mark.parametrize("timeout", ["0", "301", "true"])
def test_profiles_refuse_outside_with_the_same_range(timeout: str) -> None:
    with pytest.raises(ProfileError, match=r"from 0\.1 to 300"):
        parse_profile(PROFILE.format(timeout=timeout), "edge.toml")


def test_rates_and_concurrency_follow_the_limits() -> None:
    high = dict(SUB, rate_per_minute=str(int(limits.RATE_PER_MINUTE.high)),
                rate_per_hour=str(int(limits.RATE_PER_HOUR.high)),
                max_concurrency=str(int(limits.MAX_CONCURRENCY.high)))
    fields, errors = validate_subscription(SubscriptionForm(**high))
    assert errors == {} and fields["max_concurrency"] == 64
    over = dict(SUB, rate_per_minute="100001", rate_per_hour="6000001", max_concurrency="65")
    _, errors = validate_subscription(SubscriptionForm(**over))
    assert errors == {
        "rate_per_minute": "A rate limit must be a whole number from 1 to 100,000.",
        "rate_per_hour": "A rate limit must be a whole number from 1 to 6,000,000.",
        "max_concurrency": "Concurrency must be a whole number from 1 to 64."}


def test_endpoint_form_names_each_field() -> None:
    form = EndpointForm(path="hooks", scheme="github", secrets="", tolerance=-2,
                        response_status=99, response_delay_ms=60_001,
                        max_body_bytes=int(limits.ENDPOINT_BODY_BYTES.high) + 1,
                        forward_to="localhost:3000", public_url="ftp://x")
    _, errors = validate_endpoint(form)
    assert set(errors) == {"path", "secrets", "tolerance", "response_status",
                           "response_delay_ms", "max_body_bytes", "forward_to", "public_url"}
    assert all(m.endswith(".") for m in errors.values())
    _, errors = validate_endpoint(EndpointForm("/x", None, "s3cret"))
    assert errors == {"secrets": "Secrets need a signature scheme to verify with: choose one."}


def test_endpoint_form_gives_store_fields() -> None:
    fields, errors = validate_endpoint(EndpointForm(
        " /hooks/github ", "github", "new\nold\n", name="", tolerance=-1,
        response_body="ok", forward_to="http://localhost:3000/a\n\nhttp://localhost:3001/b"))
    assert errors == {}
    assert fields["path"] == fields["name"] == "/hooks/github"
    assert fields["secrets"] == ["new", "old"] and fields["response_body"] == b"ok"
    assert fields["forward_to"] == ["http://localhost:3000/a", "http://localhost:3001/b"]
    _, errors = validate_endpoint(EndpointForm("/x", "standard-webhooks", f"{WHSEC}\nhello"))
    assert errors["secrets"].startswith("Secret 2: A Standard Webhooks secret")
