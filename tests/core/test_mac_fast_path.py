"""The receiver's per-request verification shortcuts give the answers the plain code gave.

The loop verifies every request inline (docs/benchmarks.md "Receiver, third pass"), so the
comparison takes ASCII text as is, and the valid verdict and its stored form are made once;
none of that may change a verdict or let one caller's dict leak into another's."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.schemes._mac import ALGORITHMS, mac, same


@given(st.sampled_from(sorted(ALGORITHMS)), st.binary(max_size=64), st.binary(max_size=512))
def test_the_mac_is_the_hmac_module_s(algorithm: str, key: bytes, body: bytes) -> None:
    assert mac(algorithm, key, body) == hmac.new(key, body, getattr(hashlib, algorithm)).digest()


def test_an_unknown_algorithm_is_refused_as_before() -> None:
    try:
        mac("sha3_999", b"k", b"b")
    except KeyError:
        return
    raise AssertionError("an unknown algorithm was accepted")


@given(st.text(max_size=80), st.text(max_size=80))
def test_same_is_equality_for_any_text_and_never_raises(a: str, b: str) -> None:
    assert same(a, b) is (a == b)
    assert same(a, a)


def test_a_signature_with_non_ascii_text_is_a_mismatch_not_an_error() -> None:
    github = get_scheme("github")
    body = b'{"zen": "Keep it logically awesome."}'
    request = IncomingRequest(body, (("X-Hub-Signature-256", "sha256=\u00e9\u00e9"),))
    verdict = github.verify(request, ["s"], now=0)
    assert not verdict.valid
    assert verdict.reason.value == "no_signature_matched"


def test_valid_verdicts_are_shared_but_every_caller_gets_its_own_dict() -> None:
    github = get_scheme("github")
    body = b'{"zen": "Design for failure."}'
    headers = tuple(github.sign("s3cret", SignInput(body)).items())
    first = github.verify(IncomingRequest(body, headers), ["s3cret"], now=0)
    second = github.verify(IncomingRequest(body, headers), ["s3cret"], now=0)
    assert first.valid and first is second  # one shared verdict
    assert first.stored == first.to_dict()
    mine = first.to_dict()
    mine["message"] = "changed"
    mine["details"]["secrets_tried"] = 99
    assert second.to_dict()["message"] == "Signature is valid."
    assert second.stored["details"] == {"secrets_tried": 1}
