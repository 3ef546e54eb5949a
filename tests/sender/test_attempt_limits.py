"""An attempt's deadline covers connect to last byte, its answer is read within a bound, and a
Retry-After it cannot read falls back to the schedule (issue 14, items 3, 4 and 6)."""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.sender.conftest import subscribe
from tests.sender.targets import RawTarget, dripping, fixed, huge
from webhook_studio.core.clock import FixedClock
from webhook_studio.core.responses import Decision, judge_status, parse_retry_after
from webhook_studio.sender import Dispatcher
from webhook_studio.sender.attempt import RESPONSE_BODY_CAP
from webhook_studio.store import Store
from webhook_studio.store.sender_models import Attempt
from webhook_studio.store.sender_queries import delivery_to_dict, get_delivery


def only_attempt(store: Store, delivery_id: str) -> tuple[dict[str, object], Attempt]:
    with store.session() as session:
        data = delivery_to_dict(session, get_delivery(session, delivery_id))
        row = session.query(Attempt).filter_by(delivery_id=delivery_id).one()
        row.response_body  # noqa: B018  (load the deferred column inside the session)
    return data, row


async def test_headers_dripping_past_the_deadline_are_a_timeout_that_retries(
        store: Store, dispatcher: Dispatcher) -> None:
    """Guards: a target dripping its status line and headers held an attempt for 248 s with
    --timeout 5; now the deadline ends it and the schedule retries it."""
    answer = dripping(b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"y" * 120, every=0.5)
    async with RawTarget(answer) as target:
        subscribe(store, target.url, timeout=1.0, retry="0,1m")
        (delivery_id,) = dispatcher.emit("a.b", {})
        started = time.monotonic()
        await dispatcher.run_due()
        elapsed = time.monotonic() - started
        assert target.finished == 0, "the attempt ended while the target was still dripping"
    data, row = only_attempt(store, delivery_id)
    assert data["state"] == "pending" and data["next_attempt_at"] is not None
    assert row.outcome == "timeout" and row.response_status is None
    assert "No response within 1 s" in str(row.error_message)
    assert elapsed < 50, "bounded by the deadline, not by the 60 s the drip would take"


async def test_a_body_dripping_past_the_deadline_is_not_delivered(
        store: Store, dispatcher: Dispatcher) -> None:
    """Guards: a 200 whose body dripped for 299 s with --timeout 5 was recorded as delivered."""
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nok"
    async with RawTarget(dripping(head, b"z" * 98, every=0.5)) as target:
        subscribe(store, target.url, timeout=1.0, retry="0,1m")
        (delivery_id,) = dispatcher.emit("a.b", {})
        await dispatcher.run_due()
        assert target.finished == 0
    data, row = only_attempt(store, delivery_id)
    assert data["state"] == "pending"
    assert row.outcome == "timeout" and row.response_status == 200
    assert "did not finish within 1 s" in str(row.error_message)
    attempt = data["attempts"][0]  # type: ignore[index]
    assert "did not finish" in attempt["error"], "the summary says why, not just 'HTTP 200'"


async def test_a_huge_answer_keeps_the_first_64_kib_and_counts_the_rest(
        store: Store, dispatcher: Dispatcher) -> None:
    """Guards: a 1 GiB answer took the sender to 2.1 GiB (the whole body was buffered)."""
    size = 24 * 1024 * 1024 + 7
    async with RawTarget(huge(size)) as target:
        subscribe(store, target.url, timeout=60.0)
        (delivery_id,) = dispatcher.emit("a.b", {})
        await dispatcher.run_due()
    data, row = only_attempt(store, delivery_id)
    assert data["state"] == "delivered"
    assert len(row.response_body) == RESPONSE_BODY_CAP
    assert row.response_size == size
    assert data["attempts"][0]["response_size"] == size  # type: ignore[index]


async def test_retry_after_latin1_garbage_retries_on_the_schedule(
        store: Store, dispatcher: Dispatcher, clock: FixedClock) -> None:
    """Guards: ``Retry-After: \\xb2`` turned a retryable 503 into ``failed`` with a false
    "could not sign the request" reason."""
    raw = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: \xb2\r\nContent-Length: 0\r\n\r\n"
    async with RawTarget(fixed(raw)) as target:
        subscribe(store, target.url, retry="0,1m,5m")
        (delivery_id,) = dispatcher.emit("a.b", {})
        await dispatcher.run_due()
        assert target.requests == 1
    data, row = only_attempt(store, delivery_id)
    assert data["state"] == "pending"
    assert data["next_attempt_at"] is not None
    assert row.next_attempt_at == clock.now() + 60, "the schedule's 1 m, no hint taken"
    assert row.response_status == 503 and row.outcome == "http_error"
    assert "Retry-After" in str(row.error_message) and "sign" not in str(row.error_message)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=40), status=st.sampled_from([429, 503]))
def test_any_retry_after_bytes_leave_a_retryable_status_retryable(raw: bytes,
                                                                  status: int) -> None:
    """Whatever bytes a target puts in Retry-After (read as Latin-1, as HTTP clients do), the
    answer is a retry with a clamped hint or none at all, never an error."""
    value = raw.decode("latin-1")
    judgement = judge_status(status, value, 1_700_000_000.0)
    assert judgement.decision is Decision.RETRY
    hint = parse_retry_after(value, 1_700_000_000.0)
    assert hint is None or 1.0 <= hint <= 3600.0
    if hint is None and value.strip(" \t"):
        assert "Retry-After" in judgement.reason


def test_retry_after_digits_and_dates_still_count() -> None:
    assert parse_retry_after("120", 0) == 120.0
    assert parse_retry_after(" 7 ", 0) == 7.0
    assert parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", 0) == 60.0
    assert parse_retry_after("²", 0) is None
    assert parse_retry_after("١٢", 0) is None  # Arabic-Indic digits are not HTTP digits
