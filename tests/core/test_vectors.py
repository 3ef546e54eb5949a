"""Known-answer vectors from the providers' docs and SDK tests, through the library."""

from __future__ import annotations

from typing import Any

import pytest

from webhook_studio.core.message import Headers, IncomingRequest, SignInput
from webhook_studio.core.schemes import get_scheme


def request_for(v: dict[str, Any], signature: str) -> IncomingRequest:
    body = v.get("body", "").encode("utf-8")
    scheme = v["scheme"]
    headers: Headers
    if scheme == "standard-webhooks":
        headers = (("webhook-id", v["id"]), ("webhook-timestamp", str(v["timestamp"])),
                   ("webhook-signature", signature))
    elif scheme == "github":
        headers = (("X-Hub-Signature-256", signature),)
    elif scheme == "slack":
        headers = (("X-Slack-Signature", signature),
                   ("X-Slack-Request-Timestamp", str(v["timestamp"])))
    elif scheme == "twilio":
        return IncomingRequest(b"", (("X-Twilio-Signature", signature),), url=v["url"],
                               params=tuple((k, val) for k, val in v["params"]))
    elif scheme == "square":
        headers = (("x-square-hmacsha256-signature", signature),)
    else:  # pragma: no cover - a new vector kind must be wired here
        raise AssertionError(f"no request shape for {scheme}")
    return IncomingRequest(body, headers, url=v.get("url"))


def test_every_vector_verifies(vectors: list[dict[str, Any]]) -> None:
    for v in vectors:
        verdict = get_scheme(v["scheme"]).verify(
            request_for(v, v["signature"]), [v["secret"]], now=v.get("timestamp", 0))
        assert verdict.valid, (v["source"], verdict.message)


def test_every_vector_is_reproduced_by_signing(vectors: list[dict[str, Any]]) -> None:
    for v in vectors:
        scheme = get_scheme(v["scheme"])
        data = SignInput(v.get("body", "").encode(), v.get("id"), v.get("timestamp"),
                         v.get("url"), tuple((k, val) for k, val in v.get("params", [])))
        headers = scheme.sign(v["secret"], data)
        assert v["signature"] in headers.values(), v["source"]


def test_must_fail_and_must_pass_lists(vectors: list[dict[str, Any]]) -> None:
    checked = 0
    for v in vectors:
        scheme = get_scheme(v["scheme"])
        for bad in v.get("must_fail", []):
            verdict = scheme.verify(request_for(v, bad), [v["secret"]], now=v["timestamp"])
            assert not verdict.valid and verdict.reason == "no_signature_matched"
            checked += 1
        for good in v.get("must_pass_headers", []):
            assert scheme.verify(request_for(v, good), [v["secret"]], now=v["timestamp"]).valid
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("flip", [0, 10, -2])
def test_a_vector_with_one_changed_character_fails(vectors: list[dict[str, Any]],
                                                   flip: int) -> None:
    for v in vectors:
        sig = v["signature"]
        i = flip % len(sig)
        changed = sig[:i] + ("A" if sig[i] != "A" else "B") + sig[i + 1:]
        verdict = get_scheme(v["scheme"]).verify(request_for(v, changed), [v["secret"]],
                                                 now=v.get("timestamp", 0))
        assert not verdict.valid, v["source"]
