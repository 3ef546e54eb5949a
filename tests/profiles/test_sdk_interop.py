"""Our profiles against the providers' official Python SDKs, both ways where the SDK can sign:
what we sign, the SDK accepts; what the SDK signs, we accept (and a wrong secret is refused
both ways). Bodies carry unicode, escaped slashes, a trailing newline, and 1 MB.

SDKs (dev dependencies): standardwebhooks and svix (Standard Webhooks, Svix, OpenAI, Resend,
Lithic, Clerk, Brex…), stripe, slack_sdk, twilio, squareup (verify only: it has no signer),
paddle-python-sdk, razorpay (verify only).
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import stripe
from paddle_billing.Notifications import Secret, Verifier
from razorpay.utility.utility import Utility
from slack_sdk.signature import SignatureVerifier
from square.utils.webhooks_helper import verify_signature as square_verify
from standardwebhooks.webhooks import Webhook as StandardWebhook
from svix.webhooks import Webhook as SvixWebhook
from twilio.request_validator import RequestValidator

from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.profile_library import ProfileLibrary

LIBRARY = ProfileLibrary.load(Path("/nonexistent-user-dir"))
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MEGABYTE = json.dumps({"type": "bulk.export", "data": "x" * (1024 * 1024)}).encode()
BODIES = {
    "unicode": '{"name":"Zoë ✓ 日本語 🎉","amount":1999}'.encode(),
    "escaped slashes": b'{"url":"https:\\/\\/example.com\\/a\\/b","note":"caf\\u00e9"}',
    "trailing newline": b'{\n  "id": "evt_1",\n  "type": "ping"\n}\n',
    "1 MB": MEGABYTE,
}
IDS = list(BODIES)


def ours(profile: str, body: bytes, secret: str, *, msg_id: str = "msg_ours",
         url: str | None = None) -> dict[str, str]:
    return LIBRARY.get(profile).make_scheme().sign(
        secret, SignInput(body, msg_id, int(time.time()), url))


def we_accept(profile: str, body: bytes, headers: dict[str, str], secret: str,
              url: str | None = None, params: tuple[tuple[str, str], ...] | None = None) -> bool:
    p = LIBRARY.get(profile)
    verdict = p.make_scheme().verify(IncomingRequest(body, tuple(headers.items()), url=url,
                                                     params=params),
                                     [secret], now=time.time(), tolerance=p.default_tolerance)
    return verdict.valid


# -- Standard Webhooks and Svix (and the providers that deliver through them) -------------------
STANDARD = [("standard-webhooks", StandardWebhook, "webhook"),
            ("openai", StandardWebhook, "webhook"), ("lithic", StandardWebhook, "webhook"),
            ("replicate", StandardWebhook, "webhook"),
            ("brex", StandardWebhook, "webhook"), ("gitlab-signed", StandardWebhook, "webhook"),
            ("svix", SvixWebhook, "svix"), ("resend", SvixWebhook, "svix"),
            ("clerk", SvixWebhook, "svix")]


@pytest.mark.parametrize(("profile", "sdk", "prefix"), STANDARD, ids=[s[0] for s in STANDARD])
@pytest.mark.parametrize("kind", IDS)
def test_standard_webhooks_both_ways(profile: str, sdk: Any, prefix: str, kind: str) -> None:
    body = BODIES[kind]
    headers = ours(profile, body, WHSEC)
    sdk(WHSEC).verify(body, headers)  # raises when it does not verify
    when = datetime.now(UTC).replace(microsecond=0)
    theirs = {f"{prefix}-id": "msg_theirs", f"{prefix}-timestamp": str(int(when.timestamp())),
              f"{prefix}-signature": sdk(WHSEC).sign("msg_theirs", when, body.decode())}
    assert we_accept(profile, body, theirs, WHSEC)
    other = "whsec_" + base64.b64encode(b"another secret of 24 bytes").decode()
    assert not we_accept(profile, body, theirs, other)


def test_a_whsec_secret_without_base64_padding_is_accepted_as_the_libraries_do() -> None:
    unpadded = "whsec_" + base64.b64encode(b"thirty-one bytes of key material").decode().rstrip("=")
    assert not unpadded.endswith("=") and len(unpadded[6:]) % 4
    body = BODIES["unicode"]
    headers = ours("standard-webhooks", body, unpadded)
    StandardWebhook(unpadded).verify(body, headers)
    when = datetime.now(UTC).replace(microsecond=0)
    theirs = {"webhook-id": "m", "webhook-timestamp": str(int(when.timestamp())),
              "webhook-signature": StandardWebhook(unpadded).sign("m", when, body.decode())}
    assert we_accept("standard-webhooks", body, theirs, unpadded)


# -- Stripe ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", IDS)
def test_stripe_both_ways(kind: str) -> None:
    body, secret = BODIES[kind], "whsec_stripe_literal_secret"
    header = ours("stripe", body, secret)["Stripe-Signature"]
    assert stripe.WebhookSignature.verify_header(body, header, secret, tolerance=300)
    theirs = stripe.WebhookSignature.generate_signature_header(body.decode(), secret)
    assert we_accept("stripe", body, {"Stripe-Signature": theirs}, secret)
    assert not we_accept("stripe", body, {"Stripe-Signature": theirs}, secret + "x")


# -- Slack -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", IDS)
def test_slack_both_ways(kind: str) -> None:
    body, secret = BODIES[kind], "8f742231b10e8888abcd99yyyzzz85a5"
    verifier = SignatureVerifier(secret)
    assert verifier.is_valid_request(body, ours("slack", body, secret))
    ts = str(int(time.time()))
    theirs = {"X-Slack-Request-Timestamp": ts,
              "X-Slack-Signature": str(verifier.generate_signature(timestamp=ts, body=body))}
    assert we_accept("slack", body, theirs, secret)
    assert not we_accept("slack", body, theirs, "another-secret")


# -- Twilio ----------------------------------------------------------------------------------------
FORM = (("Body", "Zoë ✓ https://example.com/a"), ("From", "+14158675309"),
        ("MediaUrl0", "https://api.twilio.com/x"), ("To", "+18005551212"))


def form_body(pairs: tuple[tuple[str, str], ...]) -> bytes:
    from urllib.parse import urlencode

    return urlencode(pairs).encode()


@pytest.mark.parametrize("url", ["https://hooks.example.com/sms?x=1",
                                 "https://hooks.example.com:443/sms",
                                 "http://localhost:8000/twilio/sms"])
def test_twilio_form_both_ways(url: str) -> None:
    token = "12345"
    body = form_body(FORM)
    header = ours("twilio", body, token, url=url)["X-Twilio-Signature"]
    assert RequestValidator(token).validate(url, dict(FORM), header)
    theirs = RequestValidator(token).compute_signature(url, dict(FORM))
    assert we_accept("twilio", body, {"X-Twilio-Signature": theirs}, token, url=url)
    assert not we_accept("twilio", body, {"X-Twilio-Signature": theirs}, "54321", url=url)


@pytest.mark.parametrize("kind", IDS)
def test_twilio_json_body_sha256_both_ways(kind: str) -> None:
    import hashlib

    token, body = "12345", BODIES[kind]
    url = "https://hooks.example.com/status?bodySHA256=" + hashlib.sha256(body).hexdigest()
    header = ours("twilio", body, token, url=url)["X-Twilio-Signature"]
    assert RequestValidator(token).validate(url, body.decode(), header)
    theirs = RequestValidator(token).compute_signature(url, {})
    assert we_accept("twilio", body, {"X-Twilio-Signature": theirs}, token, url=url)


def test_twilio_signs_a_repeated_parameter_value_once_as_the_sdk_does() -> None:
    """twilio-python signs the sorted *set* of each parameter's values."""

    class MultiDict(dict[str, str]):
        def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
            super().__init__(pairs)
            self.pairs = pairs

        def getall(self, name: str) -> list[str]:
            return [v for k, v in self.pairs if k == name]

    pairs = (("To", "+18005551212"), ("Tag", "b"), ("Tag", "a"), ("Tag", "b"))
    url = "https://hooks.example.com/sms"
    theirs = RequestValidator("12345").compute_signature(url, MultiDict(pairs))
    assert we_accept("twilio", form_body(pairs), {"X-Twilio-Signature": theirs}, "12345", url=url)
    header = ours("twilio", form_body(pairs), "12345", url=url)["X-Twilio-Signature"]
    assert header == theirs


def test_twilio_tries_the_url_without_its_port_as_the_sdk_does() -> None:
    """A proxy kept a non-default port Twilio did not sign: the SDK strips it; so do we."""
    pairs = FORM
    signed_url = "https://hooks.example.com/sms"
    theirs = RequestValidator("12345").compute_signature(signed_url, dict(pairs))
    seen_url = "https://hooks.example.com:8443/sms"
    assert RequestValidator("12345").validate(seen_url, dict(pairs), theirs)
    assert we_accept("twilio", form_body(pairs), {"X-Twilio-Signature": theirs}, "12345",
                     url=seen_url)


def test_twilio_signature_settings_select_hmac_sha256() -> None:
    shared_key, url = "webhooks_sharedkey_secret", "https://hooks.example.com/sms"
    settings = "key=webhooks_sharedkey_abc,algorithm=HMAC_SHA256"
    theirs = RequestValidator(shared_key).compute_signature(url, dict(FORM), "HMAC_SHA256")
    headers = {"X-Twilio-Signature": theirs, "X-Twilio-Webhooks-Signature-Settings": settings}
    assert we_accept("twilio", form_body(FORM), headers, shared_key, url=url)
    sha1_only = {"X-Twilio-Signature": theirs}  # without the header, it is HMAC-SHA1
    assert not we_accept("twilio", form_body(FORM), sha1_only, shared_key, url=url)
    unknown = {**headers, "X-Twilio-Webhooks-Signature-Settings": "algorithm=HMAC_MD5"}
    verdict = LIBRARY.get("twilio").make_scheme().verify(
        IncomingRequest(form_body(FORM), tuple(unknown.items()), url=url), [shared_key],
        now=time.time())
    assert not verdict.valid and "HMAC_SHA256" in verdict.message


# -- Square (the SDK verifies; it has no signer) ---------------------------------------------------
@pytest.mark.parametrize("kind", IDS)
def test_square_sdk_accepts_what_we_sign(kind: str) -> None:
    body, key, url = BODIES[kind], "Ibxx_5AKakO-3qeNVR61Dw", "https://hooks.example.com/square"
    header = ours("square", body, key, url=url)["x-square-hmacsha256-signature"]
    assert square_verify(request_body=body.decode(), signature_header=header, signature_key=key,
                         notification_url=url)
    assert not square_verify(request_body=body.decode(), signature_header=header,
                             signature_key=key + "x", notification_url=url)


# -- Paddle ----------------------------------------------------------------------------------------
class _Request:
    def __init__(self, body: bytes, headers: dict[str, str]) -> None:
        self.body = body
        self.headers = headers


@pytest.mark.parametrize("kind", IDS)
def test_paddle_both_ways(kind: str) -> None:
    import hashlib
    import hmac

    body = BODIES[kind]
    secret = "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI"
    headers = ours("paddle", body, secret)
    assert Verifier().verify(_Request(body, headers), Secret(secret))
    ts = int(time.time())
    digest = hmac.new(secret.encode(), f"{ts}:".encode() + body, hashlib.sha256).hexdigest()
    theirs = {"Paddle-Signature": f"ts={ts};h1={digest}"}
    assert Verifier().verify(_Request(body, theirs), Secret(secret))  # the SDK agrees it is valid
    assert we_accept("paddle", body, theirs, secret)
    assert not we_accept("paddle", body, theirs, secret + "x")


def test_paddle_refuses_a_timestamp_too_far_in_the_future_as_the_sdk_does() -> None:
    import hashlib
    import hmac

    body, secret = BODIES["unicode"], "pdl_ntfset_secret"
    ts = int(time.time()) + 60
    digest = hmac.new(secret.encode(), f"{ts}:".encode() + body, hashlib.sha256).hexdigest()
    theirs = {"Paddle-Signature": f"ts={ts};h1={digest}"}
    assert not Verifier().verify(_Request(body, theirs), Secret(secret))
    verdict = LIBRARY.get("paddle").make_scheme().verify(
        IncomingRequest(body, tuple(theirs.items())), [secret], now=time.time())
    assert not verdict.valid and "in the future" in verdict.message


# -- Razorpay (the SDK verifies) -------------------------------------------------------------------
@pytest.mark.parametrize("kind", IDS)
def test_razorpay_sdk_accepts_what_we_sign(kind: str) -> None:
    body, secret = BODIES[kind], "razorpay-webhook-secret"
    header = ours("razorpay", body, secret)["X-Razorpay-Signature"]
    utility = Utility(client=None)
    assert utility.verify_webhook_signature(body.decode(), header, secret)
