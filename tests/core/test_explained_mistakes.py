"""Each mistake people make is reproduced here and must be named in the verdict."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import replace

import pytest

from tests.core.schemes_support import NOW, SECRETS, check, scheme_for, signed
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.verdict import Mistake, Reason

SENT = b'{"id": "evt_1", "type": "user.created", "name": "Zo\xc3\xab"}'


def sent_after_signing(name: str, signed_body: bytes, sent_body: bytes,
                       **kw: object) -> IncomingRequest:
    """Sign one body and deliver another: what a re-serializing middleware does."""
    _, request = signed(name, signed_body, **kw)  # type: ignore[arg-type]
    return replace(request, body=sent_body)


@pytest.mark.parametrize(
    ("signed_body", "mistake", "words"),
    [
        (json.dumps(json.loads(SENT), separators=(",", ":"), ensure_ascii=False).encode(),
         Mistake.BODY_REFORMATTED_COMPACT, "compact JSON"),
        (json.dumps(json.loads(SENT), indent=2, ensure_ascii=False).encode(),
         Mistake.BODY_REFORMATTED_PRETTY, "pretty-printed"),
        (SENT + b"\n", Mistake.TRAILING_NEWLINE_ADDED, "trailing newline added"),
        (SENT.replace("\u00eb".encode(), b"\\u00eb"), Mistake.UNICODE_ESCAPED, "\\u escapes"),
    ],
)
@pytest.mark.parametrize("name", ["github", "stripe", "standard-webhooks", "slack"])
def test_body_mistakes_are_named(name: str, signed_body: bytes, mistake: Mistake,
                                 words: str) -> None:
    request = sent_after_signing(name, signed_body, SENT)
    verdict = check(scheme_for(name), request)
    assert not verdict.valid
    assert verdict.reason is Reason.NO_SIGNATURE_MATCHED
    assert verdict.mistake is mistake, verdict.message
    assert words in verdict.message


def test_trailing_newline_removed_crlf_and_escape_case() -> None:
    cases = [
        (b'{"a":1}', b'{"a":1}\n', Mistake.TRAILING_NEWLINE_REMOVED, "without its trailing"),
        (b'{\r\n "a": 1\r\n}', b'{\n "a": 1\n}', Mistake.CRLF_LINE_ENDINGS, "CRLF"),
        (b'{\n "a": 1\n}', b'{\r\n "a": 1\r\n}', Mistake.LF_LINE_ENDINGS, "LF line endings"),
        (b'{"esc":"\\u001B"}', b'{"esc":"\\u001b"}', Mistake.UNICODE_ESCAPE_CASE, "\\u001B"),
        (b'{"n":"Zo\xc3\xab"}', b'{"n":"Zo\\u00eb"}', Mistake.UNICODE_UNESCAPED, "raw UTF-8"),
    ]
    for signed_body, sent, mistake, words in cases:
        verdict = check(scheme_for("github"), sent_after_signing("github", signed_body, sent))
        assert verdict.mistake is mistake, (mistake, verdict.message)
        assert words in verdict.message


def test_whsec_secret_used_literally_is_named() -> None:
    secret = SECRETS["standard-webhooks"]
    content = f"msg_1.{NOW}.".encode() + SENT
    literal = base64.b64encode(hmac.new(secret.encode(), content, hashlib.sha256).digest())
    request = IncomingRequest(SENT, (("webhook-id", "msg_1"), ("webhook-timestamp", str(NOW)),
                                     ("webhook-signature", "v1," + literal.decode())))
    verdict = check(scheme_for("standard-webhooks"), request)
    assert verdict.mistake is Mistake.SECRET_USED_LITERALLY
    assert "used literally" in verdict.message


def test_whsec_secret_decoded_when_the_scheme_uses_it_literally_is_named() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    key = base64.b64decode(secret[6:])
    sig = hmac.new(key, f"{NOW}.".encode() + SENT, hashlib.sha256).hexdigest()
    request = IncomingRequest(SENT, (("Stripe-Signature", f"t={NOW},v1={sig}"),))
    verdict = scheme_for("stripe").verify(request, [secret], now=NOW)
    assert verdict.mistake is Mistake.SECRET_DECODED_WRONGLY
    assert "base64-decoded" in verdict.message


def test_hex_instead_of_base64_and_the_reverse() -> None:
    key = SECRETS["shopify"].encode()
    hex_sig = hmac.new(key, SENT, hashlib.sha256).hexdigest()
    verdict = check(scheme_for("shopify"), IncomingRequest(
        SENT, (("X-Shopify-Hmac-Sha256", hex_sig),)))
    assert verdict.mistake is Mistake.HEX_INSTEAD_OF_BASE64
    assert "hex instead of base64" in verdict.message

    gh_key = SECRETS["github"].encode()
    b64 = base64.b64encode(hmac.new(gh_key, SENT, hashlib.sha256).digest()).decode()
    verdict = check(scheme_for("github"), IncomingRequest(
        SENT, (("X-Hub-Signature-256", f"sha256={b64}"),)))
    assert verdict.mistake is Mistake.BASE64_INSTEAD_OF_HEX


def test_timestamp_in_milliseconds_in_the_header() -> None:
    _, request = signed("slack", SENT, ts=NOW * 1000)
    verdict = check(scheme_for("slack"), request)
    assert verdict.mistake is Mistake.TIMESTAMP_IN_MILLISECONDS
    assert "looks like milliseconds" in verdict.message


def test_timestamp_signed_in_milliseconds_while_the_header_says_seconds() -> None:
    _, request = signed("slack", SENT, ts=NOW * 1000)
    headers = tuple((k, str(NOW) if k == "X-Slack-Request-Timestamp" else v)
                    for k, v in request.headers)
    verdict = check(scheme_for("slack"), replace(request, headers=headers))
    assert verdict.mistake is Mistake.TIMESTAMP_IN_MILLISECONDS
    assert "in milliseconds" in verdict.message


def test_signed_with_the_previous_secret() -> None:
    old, new = "old-secret-2025", "new-secret-2026"
    _, request = signed("github", SENT, secret=old)
    verdict = scheme_for("github").verify(request, [new], now=NOW, previous_secrets=[old])
    assert not verdict.valid
    assert verdict.mistake is Mistake.SIGNED_WITH_PREVIOUS_SECRET
    assert "previous secret #1" in verdict.message


def test_square_signed_over_another_url() -> None:
    scheme = scheme_for("square")
    headers = scheme.sign(SECRETS["square"], SignInput(SENT, url="http://hooks.example.com/sq"))
    request = IncomingRequest(SENT, tuple(headers.items()), url="https://hooks.example.com/sq")
    verdict = scheme.verify(request, [SECRETS["square"]], now=NOW)
    assert verdict.mistake is Mistake.WRONG_URL
    assert "http:// instead of https://" in verdict.message


def test_no_mistake_found_still_says_what_to_check() -> None:
    _, request = signed("github", SENT, secret="something else")
    verdict = check(scheme_for("github"), request)
    assert verdict.mistake is None
    assert "Check the secret" in verdict.message
