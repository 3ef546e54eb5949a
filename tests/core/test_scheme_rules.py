"""Tolerance rules, rotation, secret validation, Ed25519, Twilio's URL rules, GitHub legacy."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.core.schemes_support import NOW, SECRETS, check, scheme_for, signed
from webhook_studio.core.errors import SchemeError, SecretError
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes import SCHEME_NAMES, get_scheme
from webhook_studio.core.verdict import Reason

BODY = b'{"type":"ping"}'


@pytest.mark.parametrize(
    ("name", "default", "rejects_future"),
    [("standard-webhooks", 300, True), ("slack", 300, True), ("zoom", 300, True),
     ("stripe", 300, False), ("paddle", 5, True), ("twitch", 600, False)],
)
def test_each_scheme_has_its_own_tolerance_rule(name: str, default: int,
                                                rejects_future: bool) -> None:
    scheme, request = signed(name, BODY, ts=NOW)
    assert check(scheme, request, now=NOW + default).valid
    old = check(scheme, request, now=NOW + default + 412)
    assert old.reason is Reason.TIMESTAMP_TOO_OLD
    assert f"{default + 412} s old; the tolerance is {default} s" in old.message
    assert old.details["signature_ok"] is True and "re-sign" in old.message
    future = check(scheme, request, now=NOW - default - 60)
    if rejects_future:
        assert future.reason is Reason.TIMESTAMP_TOO_NEW
        assert "in the future" in future.message
    else:
        assert future.valid


def test_tolerance_can_be_overridden_or_disabled() -> None:
    scheme, request = signed("stripe", BODY, ts=NOW)
    assert not check(scheme, request, now=NOW + 100, tolerance=60).valid
    assert check(scheme, request, now=NOW + 10**6, tolerance=-1).valid


def test_rotation_reports_which_secret_matched() -> None:
    for name in ("github", "stripe", "standard-webhooks", "hmac"):
        scheme, request = signed(name, BODY)
        other = "whsec_" + base64.b64encode(b"x" * 32).decode()
        verdict = check(scheme, request, secrets=[other, SECRETS[name]])
        assert verdict.valid and verdict.matched_secret == 1
        assert "matched secret #2 of 2" in verdict.message


def test_multi_signature_schemes_sign_with_every_secret_during_rotation() -> None:
    new = "whsec_" + base64.b64encode(b"n" * 32).decode()
    old = SECRETS["standard-webhooks"]
    headers = get_scheme("standard-webhooks").sign([new, old], SignInput(BODY, "m", NOW))
    assert len(headers["webhook-signature"].split()) == 2
    for only in (new, old):
        request = IncomingRequest(BODY, tuple(headers.items()))
        assert get_scheme("standard-webhooks").verify(request, [only], now=NOW).valid
    stripe = get_scheme("stripe").sign(["a-new", "b-old"], SignInput(BODY, timestamp=NOW))
    assert stripe["Stripe-Signature"].count("v1=") == 2


@pytest.mark.parametrize("bad", [
    "whsec_!!notbase64",
    "whsec_" + base64.b64encode(b"short").decode(),
    "whsec_" + base64.b64encode(b"x" * 65).decode(),
])
def test_whsec_secrets_are_validated_strictly(bad: str) -> None:
    with pytest.raises(SecretError, match=r"base64|24 to 64 bytes"):
        get_scheme("standard-webhooks").sign(bad, SignInput(BODY, "m", NOW))
    _, request = signed("standard-webhooks", BODY)
    verdict = check(scheme_for("standard-webhooks"), request, secrets=[bad])
    assert verdict.reason is Reason.INVALID_SECRET


def test_svix_headers_are_accepted_and_can_be_emitted() -> None:
    svix = get_scheme("standard-webhooks", {"header_prefix": "svix"})
    headers = svix.sign(SECRETS["standard-webhooks"], SignInput(BODY, "msg_s", NOW))
    assert set(headers) == {"svix-id", "svix-timestamp", "svix-signature"}
    request = IncomingRequest(BODY, tuple(headers.items()))
    assert check(scheme_for("standard-webhooks"), request).valid


def test_ed25519_v1a_with_whsk_and_whpk_keys() -> None:
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes_raw()
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    whsk = "whsk_" + base64.b64encode(seed).decode()
    whpk = "whpk_" + base64.b64encode(public).decode()
    scheme = get_scheme("standard-webhooks")
    headers = scheme.sign(whsk, SignInput(BODY, "msg_ed", NOW))
    assert headers["webhook-signature"].startswith("v1a,")
    request = IncomingRequest(BODY, tuple(headers.items()))
    verdict = scheme.verify(request, [whpk], now=NOW)
    assert verdict.valid and "Ed25519" in verdict.message
    tampered = scheme.verify(replace(request, body=BODY + b" "), [whpk], now=NOW)
    assert tampered.reason is Reason.NO_SIGNATURE_MATCHED
    with pytest.raises(SecretError, match="public"):
        scheme.sign(whpk, SignInput(BODY, "m", NOW))


def test_twilio_accepts_the_url_with_and_without_the_default_port() -> None:
    params = (("CallSid", "CA1"), ("From", "+14158675309"))
    scheme = get_scheme("twilio")
    headers = scheme.sign("12345", SignInput(b"", url="https://example.com:443/voice",
                                             params=params))
    for url in ("https://example.com/voice", "https://example.com:443/voice"):
        request = IncomingRequest(b"", tuple(headers.items()), url=url, params=params)
        assert scheme.verify(request, ["12345"], now=NOW).valid, url


def test_twilio_json_bodies_are_checked_with_body_sha256() -> None:
    body = b'{"ApiVersion":"2010-04-01"}'
    url = f"https://example.com/hook?bodySHA256={hashlib.sha256(body).hexdigest()}"
    scheme = get_scheme("twilio")
    headers = scheme.sign("12345", SignInput(body, url=url))
    assert scheme.verify(IncomingRequest(body, tuple(headers.items()), url=url), ["12345"],
                         now=NOW).valid
    changed = scheme.verify(IncomingRequest(body + b" ", tuple(headers.items()), url=url),
                            ["12345"], now=NOW)
    assert changed.reason is Reason.MALFORMED_BODY and "bodySHA256" in changed.message


def test_twilio_form_bodies_are_parsed_when_no_params_are_given() -> None:
    body = b"Digits=1234&CallSid=CA1"
    scheme = get_scheme("twilio")
    headers = scheme.sign("12345", SignInput(body, url="https://example.com/t"))
    request = IncomingRequest(body, tuple(headers.items()), url="https://example.com/t")
    assert scheme.verify(request, ["12345"], now=NOW).valid
    no_url = scheme.verify(replace(request, url=None), ["12345"], now=NOW)
    assert no_url.reason is Reason.MISSING_URL


def test_github_legacy_sha1_header_alone_is_accepted_with_a_note() -> None:
    sig = hmac.new(b"s3cret", BODY, hashlib.sha1).hexdigest()
    request = IncomingRequest(BODY, (("X-Hub-Signature", f"sha1={sig}"),))
    verdict = get_scheme("github").verify(request, ["s3cret"], now=NOW)
    assert verdict.valid and "legacy SHA-1" in verdict.message


def test_missing_and_malformed_headers_are_named() -> None:
    verdict = get_scheme("stripe").verify(IncomingRequest(BODY), ["s"], now=NOW)
    assert verdict.reason is Reason.MISSING_HEADER and "Stripe-Signature" in verdict.message
    verdict = get_scheme("stripe").verify(
        IncomingRequest(BODY, (("Stripe-Signature", "v1=abc"),)), ["s"], now=NOW)
    assert verdict.reason is Reason.MALFORMED_HEADER and "t= timestamp" in verdict.message


def test_no_secret_configured_is_its_own_reason() -> None:
    scheme, request = signed("github", BODY)
    assert scheme.verify(request, [], now=NOW).reason is Reason.NO_SECRET


def test_generic_scheme_options_are_validated() -> None:
    with pytest.raises(SchemeError, match="header=NAME"):
        get_scheme("hmac", {})
    with pytest.raises(SchemeError, match="Unknown option 'colour'"):
        get_scheme("hmac", {"header": "X-S", "colour": "red"})
    with pytest.raises(SchemeError, match="md5, sha1, sha256, sha512"):
        get_scheme("hmac", {"header": "X-S", "algorithm": "sha384"})
    with pytest.raises(SchemeError, match="timestamp_header"):
        get_scheme("hmac", {"header": "X-S", "template": "{timestamp}.{body}"})
    with pytest.raises(SchemeError, match="allowed fields"):
        get_scheme("hmac", {"header": "X-S", "template": "{nonce}{body}"})
    with pytest.raises(SchemeError, match="Unknown scheme"):
        get_scheme("nope")
    with pytest.raises(SchemeError, match="takes no options"):
        get_scheme("github", {"x": 1})
    assert {"hmac", "token", "stripe", "github", "slack", "discord", "telnyx",
            "sendgrid"} <= set(SCHEME_NAMES)
    assert "jwt" not in SCHEME_NAMES  # configured by profiles only


def test_generic_canonical_json_rejects_non_json_bodies() -> None:
    scheme, request = signed("hmac", b'{"b":1,"a":2}')
    verdict = check(scheme, replace(request, body=b"not json"))
    assert verdict.reason is Reason.MALFORMED_BODY
    reordered = check(scheme, replace(request, body=b'{"a": 2, "b": 1}'))
    assert reordered.valid, "canonical JSON ignores key order and spacing by design"
