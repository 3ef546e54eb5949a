"""Both ways with the standardwebhooks reference library."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes import get_scheme

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = '{"type":"invoice.paid","data":{"amount":1999,"note":"caf\u00e9"}}'


def test_what_we_sign_the_reference_verifies() -> None:
    ts = int(datetime.now(UTC).timestamp())
    headers = get_scheme("standard-webhooks").sign(
        SECRET, SignInput(BODY.encode(), "msg_ours", ts))
    assert Webhook(SECRET).verify(BODY, headers) == {
        "type": "invoice.paid", "data": {"amount": 1999, "note": "café"}}


def test_what_the_reference_signs_we_verify() -> None:
    when = datetime.now(UTC).replace(microsecond=0)
    signature = Webhook(SECRET).sign("msg_theirs", when, BODY)
    request = IncomingRequest(BODY.encode(), (
        ("webhook-id", "msg_theirs"), ("webhook-timestamp", str(int(when.timestamp()))),
        ("webhook-signature", signature)))
    verdict = get_scheme("standard-webhooks").verify(request, [SECRET], now=when.timestamp())
    assert verdict.valid, verdict.message


def test_the_reference_rejects_what_we_sign_with_another_secret() -> None:
    ts = int(datetime.now(UTC).timestamp())
    other = get_scheme("standard-webhooks").generate_secret()
    headers = get_scheme("standard-webhooks").sign(other, SignInput(BODY.encode(), "m", ts))
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY, headers)
