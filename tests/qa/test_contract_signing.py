"""The signer an exported test carries signs what our own verifier accepts, for every profile
whose family the standard library can sign; the others are named, never silently wrong."""

from __future__ import annotations

import time

import pytest

from webhook_studio.core.message import IncomingRequest
from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.relay.contract_recipes import signing_for
from webhook_studio.relay.contract_signer import sign_request

LIBRARY = ProfileLibrary.load()
BODY = b'{"id":"evt_1","type":"payment.succeeded","data":{"amount":1200,"note":"caf\xc3\xa9"}}'
URL = "http://127.0.0.1:8123/hooks/test?x=1"


def _secret(profile) -> str:  # type: ignore[no-untyped-def]
    scheme = profile.make_scheme()
    return str(scheme.generate_secret())


@pytest.mark.parametrize("name", LIBRARY.names())
def test_every_profile_is_re_signed_correctly_or_named_as_not(name: str) -> None:
    profile = LIBRARY.get(name)
    signing = signing_for(None, None, profile, name.upper())
    if signing.recipe is None:
        assert signing.why_not, name
        assert profile.scheme in ("asymmetric", "jwt", "twilio", "discord", "telnyx",
                                  "sendgrid", "token", "hmac"), name
        return
    secret = _secret(profile)
    now = int(time.time())
    headers = sign_request(signing.recipe, secret, BODY, URL, "POST", now)
    scheme = profile.make_scheme()
    verdict = scheme.verify(IncomingRequest(BODY, tuple(headers.items()), URL, "POST"),
                            [secret], now=now)
    assert verdict.valid, f"{name}: {verdict.message} (headers {headers})"


def test_most_profiles_can_be_re_signed() -> None:
    signed = [n for n in LIBRARY.names()
              if signing_for(None, None, LIBRARY.get(n), n).recipe is not None]
    assert len(signed) >= 100, len(signed)
