"""A known-answer vector for every provider profile, verified through the profile itself (its
scheme, options and default tolerance), and tampering any byte of the body, the signed headers
or the secret fails.

Official vectors are copied from a provider's docs or official SDK tests (repo@commit and path
in ``source``); the others were computed with hashlib from the documented construction
(``construction``), independently of the scheme code. See the fixture's ``profile_about``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.verdict import Verdict
from webhook_studio.profile_library import ProfileLibrary

FIXTURE = Path(__file__).parents[1] / "core" / "fixtures" / "provider_vectors.json"
ASYM_FIXTURE = Path(__file__).parent / "fixtures" / "vectors_asym.json"
VECTORS: list[dict[str, Any]] = json.loads(FIXTURE.read_text("utf-8"))["profile_vectors"]
LIBRARY = ProfileLibrary.load(Path("/nonexistent-user-dir"))
#: Every body position is flipped for bodies up to this size; larger ones are sampled.
FULL_SCAN = 2048


def ident(v: dict[str, Any]) -> str:
    return f"{v['profile']}{'*' if v['official'] else ''}"


def verify(v: dict[str, Any], *, body: bytes | None = None,
           headers: dict[str, str] | None = None, secret: str | None = None) -> Verdict:
    profile = LIBRARY.get(v["profile"])
    request = IncomingRequest(body if body is not None else v["body"].encode("utf-8"),
                              tuple((headers if headers is not None else v["headers"]).items()),
                              url=v.get("url"), method=v.get("method", "POST"))
    return profile.make_scheme().verify(request, [secret if secret is not None else v["secret"]],
                                        now=float(v["now"]), tolerance=profile.default_tolerance)


def flipped(text: str, index: int) -> str:
    """One character changed, keeping its case (so a case-insensitive compare still sees it)."""
    char = text[index]
    other = chr(ord(char) ^ 0x01)
    return text[:index] + other + text[index + 1:]


@pytest.mark.parametrize("v", VECTORS, ids=ident)
def test_the_vector_verifies_through_its_profile(v: dict[str, Any]) -> None:
    verdict = verify(v)
    assert verdict.valid, (v["source"], verdict.message)


@pytest.mark.parametrize("v", VECTORS, ids=ident)
def test_tampering_any_byte_of_body_headers_or_secret_fails(v: dict[str, Any]) -> None:
    body = v["body"].encode("utf-8")
    if v.get("signed_body_parts"):
        text = v["body"]
        positions = [text.index(part) + i for part in v["signed_body_parts"]
                     for i in range(len(part))]
        for pos in positions:
            assert not verify(v, body=flipped(text, pos).encode("utf-8")).valid, pos
    elif v.get("body_signed", True):
        step = max(1, len(body) // FULL_SCAN)
        for pos in [*range(0, len(body), step), len(body) - 1]:
            changed = body[:pos] + bytes([body[pos] ^ 0x01]) + body[pos + 1:]
            assert not verify(v, body=changed).valid, pos
        if not v.get("canonical_json"):  # EnvoyOU signs the re-serialised JSON
            assert not verify(v, body=body + b"\n").valid
    for name in v.get("tamper_headers", list(v["headers"])):
        value = v["headers"][name]
        for pos in range(len(value)):
            headers = {**v["headers"], name: flipped(value, pos)}
            assert not verify(v, headers=headers).valid, (name, pos)
    for pos in range(len(v["secret"])):
        assert not verify(v, secret=flipped(v["secret"], pos)).valid, pos


def test_every_profile_has_a_vector() -> None:
    """Every bundled profile has a known-answer vector, here or in the asymmetric family's
    file (tests/profiles/fixtures/vectors_asym.json, when that branch is merged)."""
    covered = {v["profile"] for v in VECTORS} | _profiles_named_in(ASYM_FIXTURE)
    missing = sorted(set(LIBRARY.names()) - covered)
    assert not missing, f"profiles without a known-answer vector: {missing}"


def test_profiles_claiming_an_official_vector_have_one() -> None:
    official = {v["profile"] for v in VECTORS if v["official"]} | _profiles_named_in(
        ASYM_FIXTURE, official_only=True)
    claimed = {n for n in LIBRARY.names() if LIBRARY.get(n).proof == "official-vector"}
    assert claimed <= official, sorted(claimed - official)
    for v in VECTORS:
        assert v["source"], v["profile"]
        if not v["official"]:
            assert v.get("construction"), f"{v['profile']}: say which construction was used"


def test_at_least_twenty_five_profiles_have_official_vectors() -> None:
    assert len({v["profile"] for v in VECTORS if v["official"]}) >= 25


def _profiles_named_in(path: Path, official_only: bool = False) -> set[str]:
    """Profile names in the other vectors file, whatever its layout: any object with a
    "profile" key (and, when asked, "official": true)."""
    if not path.is_file():
        return set()
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("profile"), str) and (
                    not official_only or node.get("official") is True):
                found.add(node["profile"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(path.read_text("utf-8")))
    return found


@pytest.mark.parametrize("name", LIBRARY.names())
def test_garbage_in_a_profiles_headers_or_body_never_raises(name: str) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    profile = LIBRARY.get(name)
    scheme = profile.make_scheme()
    names = sorted({k for v in VECTORS if v["profile"] == name for k in v["headers"]})

    @settings(max_examples=15, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(values=st.lists(st.text(max_size=80), min_size=len(names), max_size=len(names)),
           body=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
           secret=st.text(min_size=1, max_size=30))
    def run(values: list[str], body: bytes, secret: str) -> None:
        request = IncomingRequest(body, tuple(zip(names, values, strict=True)),
                                  url="https://hooks.example.com/in")
        verdict = scheme.verify(request, [secret], now=1_700_000_000.0)
        assert isinstance(verdict.message, str) and verdict.message

    run()


def _untimed(v: dict[str, Any]) -> bool:
    scheme = LIBRARY.get(v["profile"]).make_scheme()
    return scheme.can_emulate and not scheme.needs_timestamp and not scheme.needs_id


@pytest.mark.parametrize("v", [v for v in VECTORS if _untimed(v)], ids=ident)
def test_emulating_the_provider_reproduces_the_vector(v: dict[str, Any]) -> None:
    """What we send as this provider carries exactly the published signature (for schemes
    that sign no timestamp or id, whose inputs are all in the vector)."""
    from webhook_studio.core.message import SignInput

    scheme = LIBRARY.get(v["profile"]).make_scheme()
    sent = scheme.sign(v["secret"], SignInput(v["body"].encode("utf-8"), url=v.get("url")))
    for name in v.get("tamper_headers", list(v["headers"])):
        assert sent.get(name) == v["headers"][name], (name, sent)


#: Their vectors' timestamps carry fractions of a second or a UTC offset; we send whole seconds
#: in UTC, so signing cannot reproduce those exact bytes (verifying them is tested above).
FRACTIONAL_TIMESTAMPS = {"twitch", "sanity", "box", "orb"}


def _timed(v: dict[str, Any]) -> bool:
    scheme = LIBRARY.get(v["profile"]).make_scheme()
    return (scheme.can_emulate and (scheme.needs_timestamp or scheme.needs_id)
            and v["profile"] not in FRACTIONAL_TIMESTAMPS)


@pytest.mark.parametrize("v", [v for v in VECTORS if _timed(v)], ids=ident)
def test_emulating_a_timed_provider_reproduces_the_vector(v: dict[str, Any]) -> None:
    """Signing the vector's body with its id (or nonce) and timestamp gives the same headers."""
    from webhook_studio.core.message import SignInput

    msg_id = next((value for name, value in v["headers"].items()
                   if name.lower().endswith(("-id", "nonce"))), None)
    sent = LIBRARY.get(v["profile"]).make_scheme().sign(
        v["secret"], SignInput(v["body"].encode("utf-8"), msg_id, int(v["now"]), v.get("url")))
    for name in v.get("tamper_headers", list(v["headers"])):
        assert sent.get(name) == v["headers"][name], (name, sent)
