"""Every limit of every record spec at its edges: the last accepted value passes, one step
beyond is refused with a message naming the allowed range (core/limits.py holds the numbers)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from webhook_studio.core import limits
from webhook_studio.core.specs import Schema, SpecError
from webhook_studio.core.specs_records import (
    ENDPOINT,
    EVENT,
    EVENT_BATCH,
    REPLAY,
    RESEND,
    ROTATE,
    SUBSCRIPTION,
    check_event_batch,
    check_subscription,
)

SUB = {"url": "http://localhost:3000/hook", "events": ["*"]}
EP = {"path": "/hooks"}
RE = {"url": "http://localhost:3000/hook"}

RANGES = [
    (SUBSCRIPTION, SUB, "timeout", limits.TIMEOUT_SECONDS, "of seconds"),
    (SUBSCRIPTION, SUB, "rate_per_minute", limits.RATE_PER_MINUTE, ""),
    (SUBSCRIPTION, SUB, "rate_per_hour", limits.RATE_PER_HOUR, ""),
    (SUBSCRIPTION, SUB, "max_concurrency", limits.MAX_CONCURRENCY, ""),
    (ROTATE, {}, "overlap_seconds", limits.OVERLAP_SECONDS, "of seconds"),
    (ENDPOINT, EP, "tolerance", limits.TOLERANCE_SECONDS, "of seconds"),
    (ENDPOINT, EP, "response_status", limits.RESPONSE_STATUS, ""),
    (ENDPOINT, EP, "response_delay_ms", limits.RESPONSE_DELAY_MS, "of milliseconds"),
    (ENDPOINT, EP, "max_body_bytes", limits.ENDPOINT_BODY_BYTES, "of bytes"),
    (REPLAY, RE, "timeout", limits.TIMEOUT_SECONDS, "of seconds"),
    (RESEND, RE, "timeout", limits.TIMEOUT_SECONDS, "of seconds"),
]


def _refused(schema: Schema, record: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(SpecError) as caught:
        schema.validate(record)
    return caught.value.fields


@pytest.mark.parametrize(("schema", "base", "name", "rng", "unit"), RANGES,
                         ids=[f"{s.name}.{n}" for s, _, n, _, _ in RANGES])
def test_every_range_at_its_edges(schema: Schema, base: dict[str, Any], name: str,
                                  rng: limits.Range, unit: str) -> None:
    step = 1 if rng.whole else 0.01
    low, high = (int(rng.low), int(rng.high)) if rng.whole else (rng.low, rng.high)
    for inside in (low, high):
        assert schema.validate({**base, name: inside})[name] == inside
    for outside in (low - step, high + step):
        message = _refused(schema, {**base, name: outside})[name]
        assert rng.text() in message and message.startswith("must be a")
        if unit:
            assert unit in message
    if rng.whole:  # a fraction is not a count
        assert name in _refused(schema, {**base, name: low + 0.5})


LENGTHS = [
    (SUBSCRIPTION, SUB, "url", lambda n: "http://h/" + "a" * (n - 9), limits.URL_CHARS),
    (SUBSCRIPTION, SUB, "description", lambda n: "d" * n, limits.DESCRIPTION_CHARS),
    (SUBSCRIPTION, SUB, "secret", lambda n: "s" * n, limits.SECRET_CHARS),
    (SUBSCRIPTION, SUB, "events", lambda n: ["e" * n], limits.EVENT_TYPE_CHARS),
    (SUBSCRIPTION, SUB, "events", lambda n: [f"e{i}" for i in range(n)],
     limits.MAX_EVENT_PATTERNS),
    (SUBSCRIPTION, SUB, "headers", lambda n: {"h" * n: "v"}, limits.HEADER_NAME_CHARS),
    (SUBSCRIPTION, SUB, "headers", lambda n: {"X-V": "v" * n}, limits.HEADER_VALUE_CHARS),
    (SUBSCRIPTION, SUB, "headers", lambda n: {f"X-{i}": "v" for i in range(n)},
     limits.MAX_HEADERS),
    (EVENT, {"data": None}, "type", lambda n: "t" * n, limits.EVENT_TYPE_CHARS),
    (ENDPOINT, EP, "path", lambda n: "/" + "p" * (n - 1), limits.PATH_CHARS),
    (ENDPOINT, EP, "name", lambda n: "n" * n, limits.NAME_CHARS),
    (ENDPOINT, EP, "secrets", lambda n: ["s" * n], limits.SECRET_CHARS),
    (ENDPOINT, EP, "secrets", lambda n: [f"s{i}" for i in range(n)],
     limits.MAX_ENDPOINT_SECRETS),
    (ENDPOINT, EP, "forward_to", lambda n: [f"http://h/{i}" for i in range(n)],
     limits.MAX_FORWARD_TARGETS),
    (ENDPOINT, EP, "ip_allowlist", lambda n: [f"10.0.{i}.0/24" for i in range(n)],
     limits.MAX_ALLOWLIST),
    (ENDPOINT, EP, "response_headers", lambda n: {f"X-{i}": "v" for i in range(n)},
     limits.MAX_HEADERS),
    (ROTATE, {}, "secret", lambda n: "s" * n, limits.SECRET_CHARS),
    (RESEND, RE, "headers", lambda n: [{"name": f"X-{i}", "value": "v"} for i in range(n)],
     limits.MAX_EDITED_HEADERS),
    (RESEND, RE, "method", lambda n: "M" * n, limits.METHOD_CHARS),
    (RESEND, RE, "body", lambda n: "b" * n, limits.EDITED_BODY_BYTES),
    (RESEND, RE, "body_base64", lambda n: base64.b64encode(b"\0" * n).decode(),
     limits.EDITED_BODY_BYTES),
]


@pytest.mark.parametrize(("schema", "base", "name", "make", "most"), LENGTHS,
                         ids=[f"{s.name}.{n}-{m}" for s, _, n, _, m in LENGTHS])
def test_every_length_at_its_edge(schema: Schema, base: dict[str, Any], name: str,
                                  make: Any, most: int) -> None:
    schema.validate({**base, name: make(most)})
    message = _refused(schema, {**base, name: make(most + 1)})[name]
    assert f"{most:,}" in message or str(most) in message, message


def test_a_4096_bit_rsa_pem_fits_the_secret_limit() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode().strip()
    options = {"algorithm": "rsa-sha256", "header": "X-Signature-SHA256"}
    record = {**SUB, "secret": pem}
    assert check_subscription(record, scheme="asymmetric", options=options)["secret"] == pem
    with pytest.raises(SpecError, match="private key cannot be read"):
        check_subscription({**SUB, "secret": pem[:-40]}, scheme="asymmetric", options=options)


def test_every_message_names_the_field_in_an_editor_sentence() -> None:
    fields = _refused(SUBSCRIPTION, {**SUB, "timeout": 0, "max_concurrency": 65,
                                     "events": ["ok", "bad."]})
    sentences = {k: SUBSCRIPTION.sentence(k, m) for k, m in fields.items()}
    assert sentences["timeout"] == "The timeout must be a number of seconds from 0.1 to 300."
    assert sentences["max_concurrency"] == "Concurrency must be a whole number from 1 to 64."
    assert sentences["events"].startswith("The event list, item 2: 'bad.' is not an event")


def test_an_event_batch_at_its_count_edges_and_each_bad_item_named() -> None:
    one = {"type": "a.b", "data": None}
    at_limit = {"events": [one] * limits.MAX_BATCH_EVENTS}
    assert check_event_batch(at_limit) == EVENT_BATCH.validate(at_limit) == at_limit
    over = _refused(EVENT_BATCH, {"events": [one] * (limits.MAX_BATCH_EVENTS + 1)})
    assert over["events"].endswith("at most 1,000 fit in one request, so split the batch "
                                   "into smaller ones")
    bad = {"events": [one, {"type": "a.*", "data": 1}, 3, {**one, "subscription_id": ""}]}
    with pytest.raises(SpecError) as caught:
        check_event_batch(bad)
    assert caught.value.fields == {
        "events[1].type": "must be an exact event type, not a pattern",
        "events[2]": "must be a JSON object",
        "events[3].subscription_id": "must be from 1 to 64 characters long (this one is 0)"}
    # the schema's own check refuses the same batch in one message (not each item apart)
    message = _refused(EVENT_BATCH, bad)["events"]
    assert "events[1].type" in message and "events[3].subscription_id" in message
