"""Every option of the data-driven schemes, as properties: what we sign verifies, one changed
byte does not, several secrets sign together and any of them verifies, and garbage in the
headers or the body never raises. Then the rules each option exists for."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webhook_studio.core.errors import SchemeError, SecretError
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.schemes._parts import timestamp_seconds, timestamp_text
from webhook_studio.core.verdict import Reason

NOW = 1_700_000_000
URL = "https://hooks.example.com/in?x=1"
FAST = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

#: One configuration per option (scheme, options, two secrets in the format it needs).
CONFIGS: dict[str, tuple[str, dict[str, Any], tuple[str, str]]] = {
    "kv header (Mux)": ("hmac", {"header": "mux-signature", "header_format": "kv",
                                 "template": "{timestamp}.{body}", "tolerance": 300}, ("a", "b")),
    "kv ms with ', ' (WorkOS)": ("hmac", {"header": "WorkOS-Signature", "header_format": "kv",
                                          "kv_separator": ", ", "timestamp_format": "unix_ms",
                                          "template": "{timestamp}.{body}", "tolerance": 180},
                                 ("a", "b")),
    "kv base64url (Sanity)": ("hmac", {"header": "sanity-webhook-signature",
                                       "header_format": "kv", "encoding": "base64url",
                                       "timestamp_format": "unix_ms",
                                       "template": "{timestamp}.{body}"}, ("a", "b")),
    "separator list (Orb)": ("hmac", {"header": "X-Orb-Signature", "prefix": "v1=",
                                      "signature_separator": " ",
                                      "template": "v1:{timestamp}:{body}",
                                      "timestamp_header": "X-Orb-Timestamp",
                                      "timestamp_format": "iso8601_local", "tolerance": 300},
                             ("a", "b")),
    "numbered headers (DocuSign)": ("hmac", {"header": "X-DocuSign-Signature",
                                             "encoding": "base64", "numbered_headers": True},
                                    ("k1", "k2")),
    "primary/secondary (Box)": ("hmac", {"header": "box-signature-primary",
                                         "secondary_header": "box-signature-secondary",
                                         "encoding": "base64", "template": "{body}{timestamp}",
                                         "timestamp_header": "box-delivery-timestamp",
                                         "timestamp_format": "iso8601", "tolerance": 600,
                                         "tolerance_rule": "old_only"}, ("p", "s")),
    "HTTP-date, body first (Klaviyo)": ("hmac", {"header": "Klaviyo-Signature",
                                                 "template": "{body}{timestamp}",
                                                 "timestamp_header": "Klaviyo-Timestamp",
                                                 "timestamp_format": "http_date",
                                                 "tolerance": 300}, ("a", "b")),
    "id+ts+body, id header": ("hmac", {"header": "X-Sig", "template": "{id}{timestamp}{body}",
                                       "id_header": "X-Id", "timestamp_header": "X-Ts"},
                              ("a", "b")),
    "md5 (Patreon)": ("hmac", {"header": "X-Patreon-Signature", "algorithm": "md5"}, ("a", "b")),
    "sha512 (Paystack)": ("hmac", {"header": "x-paystack-signature", "algorithm": "sha512"},
                          ("a", "b")),
    "plain hash (Recharge)": ("hmac", {"header": "X-Recharge-Hmac-Sha256", "mode": "hash"},
                              ("a", "b")),
    "upper-case hex (Authorize.Net)": ("hmac", {"header": "X-ANET-Signature",
                                                "prefix": "sha512=", "algorithm": "sha512",
                                                "encoding": "hex-upper"}, ("a", "b")),
    "hex key (Squarespace)": ("hmac", {"header": "Squarespace-Signature",
                                       "secret_encoding": "hex"}, ("00ff" * 8, "ab" * 16)),
    "base64 key (Teams)": ("hmac", {"header": "Authorization", "prefix": "HMAC ",
                                    "encoding": "base64", "secret_encoding": "base64"},
                           ("c2VjcmV0IG9uZQ==", "c2VjcmV0IHR3bw==")),
    "NFKD key (EasyPost)": ("hmac", {"header": "X-Hmac-Signature",
                                     "prefix": "hmac-sha256-hex=", "secret_encoding": "nfkd"},
                            ("s\u00e9cret", "\ufb01sh")),
    "SHA-1 of the key (Braintree-style)": ("hmac", {"header": "X-Sig", "algorithm": "sha1",
                                                    "secret_encoding": "sha1"}, ("pk", "pk2")),
    "URL and method bound": ("hmac", {"header": "X-Sig", "encoding": "base64",
                                      "template": "{method}{url}{body}"}, ("a", "b")),
    "URL + nonce (Plivo V2)": ("hmac", {"header": "X-Plivo-Signature-V2", "encoding": "base64",
                                        "template": "{url_base}{id}",
                                        "id_header": "X-Plivo-Signature-V2-Nonce"}, ("a", "b")),
    "timestamp in the body (Linear)": ("hmac", {"header": "Linear-Signature",
                                                "timestamp_field": "webhookTimestamp",
                                                "timestamp_format": "unix_ms",
                                                "tolerance": 60}, ("a", "b")),
    "static token": ("token", {"header": "X-Gitlab-Token"}, ("tok-1", "tok-2")),
    "Basic auth": ("token", {"basic": True}, ("u:p", "u:q")),
}
NAMES = sorted(CONFIGS)


def scheme_of(name: str) -> Any:
    scheme_name, options, _ = CONFIGS[name]
    return get_scheme(scheme_name, options)


def sign(name: str, body: bytes, secrets: list[str] | None = None) -> IncomingRequest:
    scheme = scheme_of(name)
    chosen = secrets or [CONFIGS[name][2][0]]
    headers = scheme.sign(chosen, SignInput(body, "msg_1", NOW, URL))
    return IncomingRequest(body, tuple(headers.items()), url=URL)


@pytest.mark.parametrize("name", NAMES)
def test_round_trip(name: str) -> None:
    @FAST
    @given(body=st.binary(max_size=300))
    def run(body: bytes) -> None:
        request = sign(name, body)
        verdict = scheme_of(name).verify(request, [CONFIGS[name][2][0]], now=NOW)
        assert verdict.valid, verdict.message

    run()


@pytest.mark.parametrize("name", [n for n in NAMES if scheme_of(n).signs_body])
def test_one_changed_byte_of_the_body_fails(name: str) -> None:
    @FAST
    @given(body=st.binary(min_size=1, max_size=200), data=st.data())
    def run(body: bytes, data: st.DataObject) -> None:
        request = sign(name, body)
        i = data.draw(st.integers(0, len(body) - 1))
        changed = body[:i] + bytes([body[i] ^ data.draw(st.integers(1, 255))]) + body[i + 1:]
        verdict = scheme_of(name).verify(replace(request, body=changed),
                                         [CONFIGS[name][2][0]], now=NOW)
        assert not verdict.valid

    run()


#: Box sends the same body signed twice (primary and secondary key): either one is enough by
#: design, so changing one leaves the delivery valid (the rule is tested below).
EITHER_HEADER = {"primary/secondary (Box)"}


@pytest.mark.parametrize("name", [n for n in NAMES if n not in EITHER_HEADER])
def test_one_changed_character_of_a_sent_header_fails(name: str) -> None:
    @FAST
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        request = sign(name, b'{"id":"evt_1"}')
        index = data.draw(st.integers(0, len(request.headers) - 1))
        key, value = request.headers[index]
        pos = data.draw(st.integers(0, len(value) - 1))
        changed = value[:pos] + chr(ord(value[pos]) ^ 1) + value[pos + 1:]
        headers = list(request.headers)
        headers[index] = (key, changed)
        verdict = scheme_of(name).verify(replace(request, headers=tuple(headers)),
                                         [CONFIGS[name][2][0]], now=NOW)
        assert not verdict.valid, (key, value, changed)

    run()


MULTI = [n for n in NAMES if getattr(scheme_of(n), "multi_signature", False)]


@pytest.mark.parametrize("name", MULTI)
def test_rotation_signs_with_every_secret_and_any_one_verifies(name: str) -> None:
    first, second = CONFIGS[name][2]
    request = sign(name, b'{"id":"evt_1"}', [first, second])
    scheme = scheme_of(name)
    assert scheme.verify(request, [first], now=NOW).valid
    verdict = scheme.verify(request, [second], now=NOW)
    assert verdict.valid, verdict.message
    assert not scheme.verify(request, ["neither"], now=NOW).valid


@pytest.mark.parametrize("name", NAMES)
def test_garbage_never_raises(name: str) -> None:
    scheme = scheme_of(name)
    header_names = [k for k, _ in sign(name, b"{}").headers]

    @FAST
    @given(values=st.lists(st.text(max_size=60), min_size=len(header_names),
                           max_size=len(header_names)),
           body=st.binary(max_size=100), secret=st.text(max_size=20))
    def run(values: list[str], body: bytes, secret: str) -> None:
        request = IncomingRequest(body, tuple(zip(header_names, values, strict=True)), url=URL)
        scheme.verify(request, [secret], now=NOW)
        scheme.verify(request, [], now=NOW)

    run()


# -- the rules each option exists for -----------------------------------------------------------
BOX_BODY = (b'{"type":"webhook_event","webhook":{"id":"1234567890"},"trigger":"FILE.UPLOADED",'
            b'"source":{"id":"1234567890","type":"file","name":"Test.txt"}}')
BOX_HEADERS = (("box-delivery-timestamp", "2020-01-01T00:00:00-07:00"),
               ("box-signature-primary", "6TfeAW3A1PASkgboxxA5yqHNKOwFyMWuEXny/FPD5hI="),
               ("box-signature-secondary", "v+1CD1Jdo3muIcbpv5lxxgPglOqMfsNHPV899xWYydo="))


def test_box_accepts_either_key_and_refuses_old_deliveries_only() -> None:
    """box/box-node-sdk@7dcf9c2b tests/lib/managers/webhooks-test.js: valid with both keys,
    with only the primary or only the secondary right; a 10-minute maximum age; a clock far
    behind the delivery is fine."""
    scheme = scheme_of("primary/secondary (Box)")
    request = IncomingRequest(BOX_BODY, BOX_HEADERS)
    sent = 1577862000
    for keys in (["SamplePrimaryKey", "SampleSecondaryKey"], ["SamplePrimaryKey", "IncorrectKey"],
                 ["IncorrectKey", "SampleSecondaryKey"]):
        assert scheme.verify(request, keys, now=sent).valid, keys
    assert not scheme.verify(request, ["IncorrectKey", "IncorrectKey"], now=sent).valid
    assert scheme.verify(request, ["SamplePrimaryKey"], now=sent - 10 * 365 * 86400).valid
    late = scheme.verify(request, ["SamplePrimaryKey"], now=sent + 15 * 60)
    assert late.reason is Reason.TIMESTAMP_TOO_OLD


@pytest.mark.parametrize(("fmt", "text", "seconds"), [
    ("unix", "1700000000", 1_700_000_000),
    ("unix_ms", "1700000000123", 1_700_000_000),
    ("iso8601", "2020-01-01T00:00:00-07:00", 1_577_862_000),
    ("iso8601", "2023-11-14T22:13:20.123456789Z", 1_700_000_000),
    ("iso8601_local", "2024-03-27T15:42:29.551", 1_711_554_149),
    ("http_date", "Tue, 14 Nov 2023 22:13:20 GMT", 1_700_000_000),
])
def test_timestamps_are_read_as_sent(fmt: str, text: str, seconds: int) -> None:
    assert timestamp_seconds(text, fmt) == seconds
    assert timestamp_seconds(timestamp_text(seconds, fmt), fmt) == seconds


@pytest.mark.parametrize("fmt", ["unix", "unix_ms", "iso8601", "iso8601_local", "http_date"])
def test_unreadable_timestamps_are_none_never_an_error(fmt: str) -> None:
    assert timestamp_seconds("\u00b2", fmt) is None  # a superscript is a "digit" to Python
    @FAST
    @given(text=st.text(max_size=40))
    def run(text: str) -> None:
        value = timestamp_seconds(text, fmt)
        assert value is None or isinstance(value, int)

    run()


def test_a_stale_millisecond_timestamp_is_refused_with_its_age_in_seconds() -> None:
    scheme = scheme_of("kv ms with ', ' (WorkOS)")
    request = sign("kv ms with ', ' (WorkOS)", b"{}")
    verdict = scheme.verify(request, ["a"], now=NOW + 181)
    assert verdict.reason is Reason.TIMESTAMP_TOO_OLD and "181 s old" in verdict.message
    assert scheme.verify(request, ["a"], now=NOW + 179).valid


def test_upper_case_hex_is_compared_ignoring_case_but_other_hex_is_not() -> None:
    body = b'{"a":1}'
    digest = hmac.new(b"k", body, hashlib.sha512).hexdigest()
    anet = scheme_of("upper-case hex (Authorize.Net)")
    for value in (digest.upper(), digest):
        request = IncomingRequest(body, (("X-ANET-Signature", "sha512=" + value),))
        assert anet.verify(request, ["k"], now=NOW).valid
    sent = sign("sha512 (Paystack)", body, ["k"])
    upper = ((k, v.upper()) for k, v in sent.headers)
    assert not scheme_of("sha512 (Paystack)").verify(replace(sent, headers=tuple(upper)), ["k"],
                                                      now=NOW).valid


def test_plain_hash_mode_is_sha256_of_secret_then_body() -> None:
    body = b'{"id":1}'
    expected = hashlib.sha256(b"shh" + body).hexdigest()
    assert sign("plain hash (Recharge)", body, ["shh"]).header(
        "X-Recharge-Hmac-Sha256") == expected


def test_key_transforms_name_a_malformed_secret() -> None:
    for name, bad in (("hex key (Squarespace)", "zz-not-hex"),
                      ("base64 key (Teams)", "not base64!")):
        request = sign(name, b"{}")
        verdict = scheme_of(name).verify(request, [bad], now=NOW)
        assert verdict.reason is Reason.INVALID_SECRET and "copy it again" in verdict.message
        with pytest.raises(SecretError):
            scheme_of(name).sign(bad, SignInput(b"{}", "m", NOW, URL))
    composed = "e\u0301"  # é as e + combining accent: NFKD makes both spellings one key
    request = sign("NFKD key (EasyPost)", b"{}", ["\u00e9"])
    assert scheme_of("NFKD key (EasyPost)").verify(request, [composed], now=NOW).valid


def test_signature_inside_the_body_verifies_and_names_a_missing_field() -> None:
    """Mailgun: signature.signature = HMAC(key, signature.timestamp + signature.token)."""
    options = {"signature_field": "signature.signature",
               "template": "{field:signature.timestamp}{field:signature.token}",
               "timestamp_field": "signature.timestamp", "tolerance": 300}
    scheme = get_scheme("hmac", options)
    token = "50f7bd1c9fa6af1ac2b9c8c7b5d3b8e2"
    sig = hmac.new(b"key-1", f"{NOW}{token}".encode(), hashlib.sha256).hexdigest()
    body = json.dumps({"signature": {"timestamp": str(NOW), "token": token, "signature": sig},
                       "event-data": {"event": "delivered"}}).encode()
    assert scheme.verify(IncomingRequest(body), ["key-1"], now=NOW).valid
    assert scheme.verify(IncomingRequest(body), ["key-1"], now=NOW + 301).reason is (
        Reason.TIMESTAMP_TOO_OLD)
    verdict = scheme.verify(IncomingRequest(b'{"event-data":{}}'), ["key-1"], now=NOW)
    assert verdict.reason is Reason.MALFORMED_BODY and "signature.signature" in verdict.message
    assert not scheme.can_emulate
    with pytest.raises(SecretError, match="inside the body"):
        scheme.sign("key-1", SignInput(body, "m", NOW))


def test_a_token_in_the_body_and_basic_auth_explain_a_mismatch() -> None:
    figma = get_scheme("token", {"field": "passcode"})
    assert figma.verify(IncomingRequest(b'{"passcode":"pw"}'), ["pw"], now=NOW).valid
    assert not figma.verify(IncomingRequest(b'{"passcode":"pX"}'), ["pw"], now=NOW).valid
    basic = get_scheme("token", {"basic": True})
    wrong = "Basic " + base64.b64encode(b"user:nope").decode()
    verdict = basic.verify(IncomingRequest(b"", (("Authorization", wrong),)), ["user:pw"], now=NOW)
    assert not verdict.valid and "password differs" in verdict.message
    with pytest.raises(SecretError, match="user:password"):
        basic.sign("no-colon", SignInput(b""))


@pytest.mark.parametrize(("options", "problem"), [
    ({"header": "X", "header_format": "json"}, "header_format"),
    ({"header": "X", "encoding": "base32"}, "encoding"),
    ({"header": "X", "timestamp_format": "ns"}, "timestamp_format"),
    ({"header": "X", "secret_encoding": "rot13"}, "secret_encoding"),
    ({"header": "X", "mode": "rsa"}, "mode"),
    ({"header": "X", "template": "{field}{body}"}, "allowed fields"),
    ({"header": "X", "numbered_headers": "maybe"}, "numbered_headers"),
])
def test_bad_options_are_named(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(SchemeError, match=problem):
        get_scheme("hmac", options)


@FAST
@given(token=st.text(alphabet="0123456789abcdef", min_size=8, max_size=50),
       ts=st.integers(NOW - 200, NOW + 200), data=st.data())
def test_signature_in_the_body_round_trips_and_any_change_to_its_inputs_fails(
        token: str, ts: int, data: st.DataObject) -> None:
    options = {"signature_field": "signature.signature",
               "template": "{field:signature.timestamp}{field:signature.token}",
               "timestamp_field": "signature.timestamp", "tolerance": 300}
    scheme = get_scheme("hmac", options)
    sig = hmac.new(b"k", f"{ts}{token}".encode(), hashlib.sha256).hexdigest()

    def body(t: str, tok: str, s: str) -> bytes:
        return json.dumps({"signature": {"timestamp": t, "token": tok, "signature": s}}).encode()

    assert scheme.verify(IncomingRequest(body(str(ts), token, sig)), ["k"], now=NOW).valid
    i = data.draw(st.integers(0, len(token) - 1))
    other = token[:i] + ("0" if token[i] != "0" else "1") + token[i + 1:]
    assert not scheme.verify(IncomingRequest(body(str(ts), other, sig)), ["k"], now=NOW).valid
    assert not scheme.verify(IncomingRequest(body(str(ts + 1), token, sig)), ["k"],
                             now=NOW).valid
    garbage = data.draw(st.binary(max_size=80))
    assert not scheme.verify(IncomingRequest(garbage), ["k"], now=NOW).valid


def test_plivo_signs_the_url_without_its_query() -> None:
    scheme = scheme_of("URL + nonce (Plivo V2)")
    headers = scheme.sign("tok", SignInput(b"", "nonce-1", NOW, "https://answer.url/cb?a=1"))
    request = IncomingRequest(b"CallUUID=1", tuple(headers.items()), url="https://answer.url/cb")
    assert scheme.verify(request, ["tok"], now=NOW).valid
    moved = replace(request, url="https://answer.url/other")
    assert not scheme.verify(moved, ["tok"], now=NOW).valid
