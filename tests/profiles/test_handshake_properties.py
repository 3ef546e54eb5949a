"""Whatever arrives at an endpoint whose profile has a handshake, answering it never raises:
a request is either a handshake (a status, headers and a body) or not (None)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from webhook_studio.core.handshakes import HANDLERS, answer_handshake, learned_secret
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.profiles import HANDSHAKES
from webhook_studio.profile_library import ProfileLibrary

BASE = ProfileLibrary.load(Path("/nonexistent-user-profiles")).get("dropbox")
NAMES = ["challenge", "hub.mode", "hub.challenge", "hub.verify_token", "crc_token",
         "validationToken", "challengeCode", "X-Okta-Verification-Challenge", "X-Hook-Secret",
         "Validation-Token", "X-Goog-Resource-State", "X-GCS-Webhooks-Endpoint-Verification",
         "Twitch-Eventsub-Message-Type", "X-Dropbox-Signature"]
BODIES = st.one_of(st.binary(max_size=80), st.sampled_from([
    b'{"challenge": 1}', b'{"challenge": "c"}', b'{"type": 1}', b'{"type": "url_verification"}',
    b'{"eventName": "verify", "payload": {"challenge": 5}}', b'{"eventName": "verify"}',
    b'{"event": "endpoint.url_validation", "payload": "x"}', b'{"verification_token": null}',
    b"[]", b"null"]))


def test_every_declared_handshake_has_a_handler() -> None:
    assert set(HANDSHAKES) - {"none"} == set(HANDLERS)


@pytest.mark.parametrize("kind", sorted(HANDLERS))
@settings(max_examples=60, deadline=None)
@given(method=st.sampled_from(["GET", "POST", "HEAD", "PUT"]),
       query=st.lists(st.tuples(st.sampled_from(NAMES), st.text(max_size=20)), max_size=4),
       headers=st.lists(st.tuples(st.sampled_from(NAMES), st.text(max_size=20)), max_size=4),
       body=BODIES, secrets=st.lists(st.text(max_size=12), max_size=2))
def test_answering_never_raises(kind: str, method: str, query: list[tuple[str, str]],
                                headers: list[tuple[str, str]], body: bytes,
                                secrets: list[str]) -> None:
    from urllib.parse import urlencode

    profile = replace(BASE, handshake=kind)
    request = IncomingRequest(body, tuple(headers), url="https://h.example/in?" +
                              urlencode(query), method=method)
    answer = answer_handshake(profile, request, secrets, now=1_709_288_100.0)
    if answer is not None:
        status, out_headers, out_body = answer
        assert 200 <= status < 500 and isinstance(out_body, bytes)
        assert all(isinstance(v, str) for v in out_headers.values())
    learned = learned_secret(profile, request)
    assert learned is None or isinstance(learned, str)
