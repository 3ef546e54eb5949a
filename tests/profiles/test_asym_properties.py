"""Properties of the JWT and public-key families, through every bundled profile that uses
them: what we sign verifies with the public key we hand out, one changed byte fails, and
nothing in a request makes a verifier raise."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webhook_studio.core import keys
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.profiles import Profile
from webhook_studio.profile_library import ProfileLibrary

LIBRARY = ProfileLibrary.load(Path("/nonexistent-user-profiles"))
NAMES = sorted(p.name for p in LIBRARY.profiles.values() if p.family in ("jwt", "asymmetric"))
NOW = 1_709_288_100
URL = "https://hooks.example.com/in?b=2&a=1"
SETTINGS = settings(max_examples=12, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@cache
def secret_for(name: str) -> str:
    return LIBRARY.get(name).make_scheme().generate_secret()


def verification_key(profile: Profile, secret: str) -> str:
    """What the consumer is told to paste: the public key in the provider's format."""
    scheme = profile.make_scheme()
    form = getattr(scheme, "public_key_format", None)
    if form is None:
        return secret
    webhook_id, found, material = secret.partition("|")
    public = keys.public_forms(keys.load_private(material if found else secret).public_key())
    return f"{webhook_id}|{public[form]}" if found else public[form]


def signed(name: str, body: bytes) -> tuple[Profile, IncomingRequest, str]:
    profile = LIBRARY.get(name)
    secret = secret_for(name)
    headers = profile.make_scheme().sign(secret, SignInput(body, "msg_1", NOW, URL))
    return profile, IncomingRequest(body, tuple(headers.items()), url=URL), \
        verification_key(profile, secret)


def test_these_families_have_the_profiles_of_the_issue() -> None:
    assert set(NAMES) >= {"messagebird", "vonage", "netlify", "plaid", "monday", "livekit",
                          "sendgrid", "discord", "telnyx", "paypal", "wise", "fireblocks",
                          "circle"}


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(body=st.binary(min_size=1, max_size=300), data=st.data())
def test_round_trip_and_one_changed_byte(name: str, body: bytes, data: st.DataObject) -> None:
    profile, request, key = signed(name, body)
    scheme = profile.make_scheme()
    verdict = scheme.verify(request, [key], now=NOW + 1)
    assert verdict.valid, verdict.message
    index = data.draw(st.integers(0, len(body) - 1))
    flipped = body[:index] + bytes([body[index] ^ data.draw(st.integers(1, 255))]) + \
        body[index + 1:]
    tampered = IncomingRequest(flipped, request.headers, url=URL)
    assert scheme.verify(tampered, [key], now=NOW + 1).valid is (name == "monday")


@pytest.mark.parametrize("name", NAMES)
@SETTINGS
@given(values=st.lists(st.text(max_size=120), min_size=1, max_size=4),
       body=st.binary(max_size=64))
def test_garbage_headers_never_raise(name: str, values: list[str], body: bytes) -> None:
    profile, good, key = signed(name, b'{"ok":true}')
    scheme = profile.make_scheme()
    names = [k for k, _ in good.headers]
    headers = tuple(zip(names, values + [""] * len(names), strict=False))
    verdict = scheme.verify(IncomingRequest(body, headers, url=URL), [key], now=NOW)
    assert verdict.message
    for garbage_key in ["", "not a key", "{}", "-----BEGIN PUBLIC KEY-----\nxx", "00" * 32]:
        assert scheme.verify(good, [garbage_key], now=NOW).message


@pytest.mark.parametrize("name", NAMES)
def test_old_tokens_and_timestamps_are_refused_where_the_provider_checks(name: str) -> None:
    profile, request, key = signed(name, b'{"late":1}')
    scheme = profile.make_scheme()
    verdict = scheme.verify(request, [key], now=NOW + 86_400)
    checks_time = name in ("messagebird", "plaid", "monday", "livekit", "telnyx")
    assert verdict.valid is not checks_time, verdict.message
    if checks_time:
        assert str(verdict.reason) == "timestamp_too_old"


def test_a_raw_r_s_ecdsa_signature_is_explained() -> None:
    from base64 import b64decode, b64encode

    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    profile, request, key = signed("sendgrid", b"[]\r\n")
    header = "X-Twilio-Email-Event-Webhook-Signature"
    r, s = decode_dss_signature(b64decode(str(request.header(header))))
    raw = b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
    headers = tuple((k, raw if k == header else v) for k, v in request.headers)
    verdict = profile.make_scheme().verify(IncomingRequest(request.body, headers), [key],
                                           now=NOW)
    assert not verdict.valid and "raw r‖s" in verdict.message and "DER" in verdict.message


def test_a_reformatted_body_is_named_for_public_key_and_jwt_profiles() -> None:
    for name in ("discord", "plaid"):
        profile, request, key = signed(name, b'{"a": 1, "b": [1, 2]}')
        compact = IncomingRequest(b'{"a":1,"b":[1,2]}', request.headers, url=URL)
        verdict = profile.make_scheme().verify(compact, [key], now=NOW)
        assert not verdict.valid
        assert verdict.mistake is not None, verdict.message


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                       | st.text(max_size=10),
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.sampled_from(["alg", "iss", "exp", "nbf", "iat",
                                                          "payload_hash", "url_hash", "sha256",
                                                          "request_body_sha256", "kid"]),
                                         inner, max_size=5), max_leaves=8)


@pytest.mark.parametrize("name", ["messagebird", "plaid", "livekit", "vonage"])
@settings(max_examples=60, deadline=None)
@given(head=JSONISH, claims=JSONISH, signature=st.binary(max_size=70),
       alg=st.sampled_from(["HS256", "HS512", "ES256", "RS256", "none", "hs256", ""]))
def test_forged_tokens_of_any_shape_are_refused_with_a_reason(
        name: str, head: object, claims: object, signature: bytes, alg: str) -> None:
    import base64
    import json

    def seg(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    if isinstance(head, dict):
        head = {**head, "alg": alg}
    token = ".".join([seg(head), seg(claims),
                      base64.urlsafe_b64encode(signature).rstrip(b"=").decode()])
    profile = LIBRARY.get(name)
    scheme = profile.make_scheme()
    header = str(getattr(scheme, "header", "Authorization"))
    request = IncomingRequest(b"{}", ((header, token),), url=URL)
    verdict = scheme.verify(request, [verification_key(profile, secret_for(name))], now=NOW)
    assert not verdict.valid and verdict.message
