"""Interop with the providers' official Python SDKs, installed from PyPI as test dependencies:
sendgrid (EventWebhook), discord-interactions (verify_key), telnyx (verify_webhook_signature)
and messagebird (RequestValidator). We sign, the SDK verifies; and where an SDK cannot sign,
what its own primitive library signs (PyNaCl for Ed25519, PyJWT for MessageBird's JWTs, the
published SendGrid vector) we verify. Bodies: unicode, escaped slashes, a trailing newline and
1 MB."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import jwt
import nacl.signing
import pytest
from discord_interactions import verify_key
from messagebird.error import ValidationError
from messagebird.request_validator import RequestValidator
from sendgrid.helpers.eventwebhook import EventWebhook
from telnyx.lib.webhook_verification import WebhookVerificationError, verify_webhook_signature

from webhook_studio.core import keys
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.profile_library import ProfileLibrary

LIBRARY = ProfileLibrary.load(Path("/nonexistent-user-profiles"))
BODIES = {
    "unicode": '{"text":"Grüße, 世界 🎉","emoji":"✓"}'.encode(),
    "escaped_slashes": b'{"url":"https:\\/\\/example.com\\/a\\/b","u":"\\u00e9"}',
    "trailing_newline": b'[{"event":"delivered"}]\r\n',
    "one_megabyte": json.dumps({"blob": "x" * (1024 * 1024)}).encode(),
}
URL = "https://hooks.example.com/messagebird?b=2&a=1"


def sign(profile: str, secret: str, body: bytes, url: str | None = None) -> dict[str, str]:
    return LIBRARY.get(profile).make_scheme().sign(
        secret, SignInput(body, "msg_1", int(time.time()), url))


def verify(profile: str, key: str, body: bytes, headers: dict[str, str],
           url: str | None = None) -> bool:
    request = IncomingRequest(body, tuple(headers.items()), url=url)
    return LIBRARY.get(profile).make_scheme().verify(request, [key], now=time.time()).valid


@pytest.fixture(scope="module")
def ed25519() -> keys.KeyPair:
    return keys.generate("ed25519")


@pytest.mark.parametrize("kind", BODIES)
def test_sendgrid_sdk_verifies_what_we_sign(kind: str) -> None:
    pair = keys.generate("ec-p256")
    body = BODIES[kind]
    headers = sign("sendgrid", pair.private, body)
    sdk = EventWebhook(pair.public["der_base64"])
    signature = headers["X-Twilio-Email-Event-Webhook-Signature"]
    stamp = headers["X-Twilio-Email-Event-Webhook-Timestamp"]
    assert sdk.verify_signature(body.decode("utf-8"), signature, stamp) is True
    assert sdk.verify_signature(body.decode("utf-8") + " ", signature, stamp) is False


def test_we_verify_what_the_sendgrid_sdk_accepts() -> None:
    vector = next(v for v in json.loads((Path(__file__).parent / "fixtures" /
                                         "vectors_asym.json").read_text("utf-8"))["vectors"]
                  if v["profile"] == "sendgrid")
    headers = dict(vector["headers"])
    sdk = EventWebhook(vector["key"])
    assert sdk.verify_signature(vector["body"],
                                headers["X-Twilio-Email-Event-Webhook-Signature"],
                                headers["X-Twilio-Email-Event-Webhook-Timestamp"])
    request = IncomingRequest(vector["body"].encode(), tuple(headers.items()))
    assert LIBRARY.get("sendgrid").make_scheme().verify(request, [vector["key"]],
                                                        now=vector["now"]).valid


@pytest.mark.parametrize("kind", BODIES)
def test_discord_interactions_verifies_what_we_sign_and_we_verify_pynacl(
        kind: str, ed25519: keys.KeyPair) -> None:
    body = BODIES[kind]
    headers = sign("discord", ed25519.private, body)
    signature, stamp = headers["X-Signature-Ed25519"], headers["X-Signature-Timestamp"]
    assert verify_key(body, signature, stamp, ed25519.public["hex"]) is True
    assert verify_key(body + b" ", signature, stamp, ed25519.public["hex"]) is False
    signer = nacl.signing.SigningKey.generate()
    their = signer.sign(stamp.encode() + body).signature.hex()
    public = signer.verify_key.encode().hex()
    assert verify_key(body, their, stamp, public) is True
    assert verify("discord", public, body, {"X-Signature-Ed25519": their,
                                            "X-Signature-Timestamp": stamp})


@pytest.mark.parametrize("kind", BODIES)
def test_telnyx_sdk_verifies_what_we_sign_and_we_verify_pynacl(
        kind: str, ed25519: keys.KeyPair) -> None:
    body = BODIES[kind]
    headers = sign("telnyx", ed25519.private, body)
    verify_webhook_signature(body, headers, ed25519.public["base64"])
    with pytest.raises(WebhookVerificationError):
        verify_webhook_signature(body + b" ", headers, ed25519.public["base64"])
    signer = nacl.signing.SigningKey.generate()
    stamp = str(int(time.time()))
    theirs = {"telnyx-signature-ed25519": base64.b64encode(
        signer.sign(f"{stamp}|".encode() + body).signature).decode(), "telnyx-timestamp": stamp}
    public = base64.b64encode(signer.verify_key.encode()).decode()
    verify_webhook_signature(body, theirs, public)
    assert verify("telnyx", public, body, theirs)


@pytest.mark.parametrize("kind", BODIES)
def test_messagebird_sdk_validates_what_we_sign_and_we_verify_pyjwt(kind: str) -> None:
    body = BODIES[kind]
    key = "36efdd1aace2e26cd490f0d951138253bef2f7c6d34d18981da781555cc4cebb"
    token = sign("messagebird", key, body, URL)["MessageBird-Signature-JWT"]
    claims = RequestValidator(key).validate_signature(token, URL, body)
    assert claims["iss"] == "MessageBird"
    with pytest.raises(ValidationError):
        RequestValidator(key).validate_signature(token, URL, body + b" ")
    with pytest.raises(ValidationError):
        RequestValidator(key).validate_signature(token, URL.replace("b=2&a=1", "a=1&b=2"), body)
    import hashlib

    now = int(time.time())
    for alg in ("HS256", "HS384", "HS512"):
        theirs = jwt.encode({"iss": "MessageBird", "nbf": now, "exp": now + 60,
                             "jti": "e5b5c1e0", "url_hash": hashlib.sha256(URL.encode())
                             .hexdigest(), "payload_hash": hashlib.sha256(body).hexdigest()},
                            key, algorithm=alg)
        assert RequestValidator(key).validate_signature(theirs, URL, body)
        assert verify("messagebird", key, body, {"MessageBird-Signature-JWT": theirs}, URL)


def test_rs256_tokens_from_pyjwt_verify_with_a_pasted_pem_or_jwk() -> None:
    """The jwt family also takes RS256 (a public key pasted as PEM or JWK), as Wix-style and
    other RSA-signing providers need."""
    import hashlib

    from webhook_studio.core.schemes import get_scheme

    pair = keys.generate("rsa")
    scheme = get_scheme("jwt", {"header": "X-Token", "algorithms": ["RS256"],
                                "body_hash_claim": "sha256", "max_age": 300})
    body = BODIES["unicode"]
    now = int(time.time())
    private = keys.load_private(pair.private)
    token = jwt.encode({"iat": now, "sha256": hashlib.sha256(body).hexdigest()}, private,
                       algorithm="RS256")
    for form in ("pem", "jwk", "der_base64"):
        request = IncomingRequest(body, (("X-Token", token),))
        assert scheme.verify(request, [pair.public[form]], now=now).valid, form
    ours = scheme.sign(pair.private, SignInput(body, "m", now))["X-Token"]
    claims = jwt.decode(ours, private.public_key(), algorithms=["RS256"])
    assert claims["sha256"] == hashlib.sha256(body).hexdigest()
    hs = jwt.encode({"iat": now}, "secret-with-enough-length-for-hs256-0123456789", "HS256")
    refused = scheme.verify(IncomingRequest(body, (("X-Token", hs),)), [pair.public["pem"]],
                            now=now)
    assert str(refused.reason) == "unsupported_version"  # alg confusion is refused
