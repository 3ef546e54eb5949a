"""Known-answer tests for the JWT, public-key and handshake-provider profiles: every vector in
fixtures/vectors_asym.json (MessageBird's 44 reference cases and SendGrid's two vectors are
published; the rest are computed from the documented construction, see the fixture's
``about``), checked through the bundled profile, and tampering any byte fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes.providers import rfc3339_seconds
from webhook_studio.profile_library import ProfileLibrary

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "vectors_asym.json")
                     .read_text("utf-8"))
VECTORS: list[dict[str, Any]] = FIXTURE["vectors"]
VALID = [v for v in VECTORS if v["valid"]]
LIBRARY = ProfileLibrary.load(Path("/nonexistent-user-profiles"))
#: Headers a provider sends beside the signature but does not sign.
UNSIGNED = {"x-circle-key-id", "paypal-auth-algo"}
#: monday.com's JWT carries no body hash: its token authenticates the sender, not the body.
BODY_UNBOUND = {"monday"}


def ident(v: dict[str, Any]) -> str:
    return str(v["name"])


def request(v: dict[str, Any], body: bytes | None = None,
            headers: list[list[str]] | None = None) -> IncomingRequest:
    return IncomingRequest(v["body"].encode("utf-8") if body is None else body,
                           tuple((k, val) for k, val in (headers or v["headers"])),
                           url=v["url"] or "https://hooks.example.com/in", method=v["method"])


def verdict(v: dict[str, Any], key: str | None = None, **kw: Any) -> Any:
    scheme = LIBRARY.get(v["profile"]).make_scheme()
    return scheme.verify(request(v, **kw), [key or v["key"]], now=v["now"])


def changed(text: str) -> str:
    """``text`` with one character in its middle replaced (never a separator)."""
    index = len(text) // 2
    while text[index] in ".|=,-: ":
        index += 1
    return text[:index] + ("1" if text[index] != "1" else "2") + text[index + 1:]


MINE = {"messagebird", "vonage", "netlify", "plaid", "monday", "livekit", "sendgrid",
        "discord", "telnyx", "paypal", "wise", "fireblocks", "circle", "ebay", "dropbox", "meta",
        "twitter", "asana", "notion", "xero", "nylas", "smartcar", "linkedin", "worldline",
        "trello"}


def test_the_fixture_covers_every_profile_of_these_families() -> None:
    asym = {p.name for p in LIBRARY.profiles.values() if p.family in ("jwt", "asymmetric")}
    assert asym | MINE <= {v["profile"] for v in VECTORS} and set(LIBRARY.names()) >= MINE
    for v in VECTORS:
        assert v["official"] or v["source"].startswith("computed from the documented")
    official = [v for v in VECTORS if v["official"]]
    assert {v["profile"] for v in official} == {"messagebird", "sendgrid", "ebay"}
    assert all("@" in v["source"] for v in official)  # repo@commit path next to each
    assert len([v for v in VECTORS if v["profile"] == "messagebird"]) == 44


@pytest.mark.parametrize("v", VECTORS, ids=ident)
def test_each_vector_gives_the_published_outcome(v: dict[str, Any]) -> None:
    result = verdict(v)
    assert result.valid is v["valid"], (v["source"], result.message)
    if not v["valid"]:
        assert result.message  # an explained refusal, never a bare "invalid"


@pytest.mark.parametrize("v", VALID, ids=ident)
def test_tampering_any_part_fails(v: dict[str, Any]) -> None:
    body = v["body"].encode("utf-8")
    tampered = body[:-1] + bytes([body[-1] ^ 1]) if body else b"x"
    assert verdict(v, body=tampered).valid is (v["profile"] in BODY_UNBOUND)
    for index, (name, value) in enumerate(v["headers"]):
        if name.lower() in UNSIGNED:
            continue
        headers = [list(h) for h in v["headers"]]
        headers[index][1] = changed(value)
        assert not verdict(v, headers=headers).valid, name
    assert not verdict(v, key=v["wrong_key"]).valid


@pytest.mark.parametrize("v", [v for v in VALID if v["profile"] in
                               ("discord", "telnyx", "wise", "fireblocks", "paypal", "dropbox",
                                "meta", "twitter", "asana", "notion", "xero", "nylas",
                                "smartcar", "linkedin", "worldline", "trello")], ids=ident)
def test_signing_reproduces_the_vector(v: dict[str, Any]) -> None:
    """Deterministic signatures (Ed25519, RSA PKCS#1 v1.5, HMAC) come out byte-identical."""
    scheme = LIBRARY.get(v["profile"]).make_scheme()
    headers = {k.lower(): val for k, val in v["headers"]}
    stamp = next((val for k, val in headers.items() if "timestamp" in k or "time" in k), None)
    seconds = None if stamp is None else (int(stamp) if stamp.isdigit()
                                          else rfc3339_seconds(stamp))
    signed = scheme.sign(v["signing_key"] or v["key"], SignInput(
        v["body"].encode("utf-8"), headers.get("paypal-transmission-id"), seconds,
        v["url"] or None))
    for name, value in signed.items():
        assert headers[name.lower()] == value, name


def test_a_none_alg_token_is_refused_with_its_reason() -> None:
    case = next(v for v in VECTORS if v["name"] == "messagebird: none alg - GET")
    result = verdict(case)
    assert str(result.reason) == "unsupported_version"
    assert "'none'" in result.message


@pytest.mark.parametrize(("name", "claim", "reason"), [
    ("messagebird: Token received after it was expired - GET", "exp", "timestamp_too_old"),
    ("messagebird: Token received before it was issued - GET", "nbf", "timestamp_too_new"),
    ("messagebird: Payload does not match - POST", "payload_hash", "no_signature_matched"),
    ("messagebird: Token received on different URL (parameters were sorted out of order) - GET",
     "url_hash", "no_signature_matched"),
])
def test_the_failed_claim_is_named(name: str, claim: str, reason: str) -> None:
    result = verdict(next(v for v in VECTORS if v["name"] == name))
    assert str(result.reason) == reason
    assert result.details["claim"] == claim
    assert claim in result.message and "signature itself is valid" in result.message


def test_a_wrong_key_is_named_as_such() -> None:
    case = next(v for v in VECTORS if v["profile"] == "messagebird" and v["valid"])
    assert "does not verify with the secret" in verdict(case, key="another-key").message
    sendgrid = next(v for v in VECTORS if v["profile"] == "sendgrid")
    result = verdict(sendgrid, key=sendgrid["wrong_key"])
    assert "key is not the one the sender signs with" in result.message
    discord = next(v for v in VECTORS if v["profile"] == "discord")
    result = verdict(discord, key=FIXTURE["test_keys"]["rsa"])
    assert str(result.reason) == "invalid_secret"
    assert "RSA key" in result.message and "Ed25519" in result.message
