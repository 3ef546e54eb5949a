"""Edit and resend starts from what a delivery attempt really sent."""

from __future__ import annotations

import pytest

from webhook_studio.relay.resend_attempt import (
    capture_for_draft,
    draft_from_attempt,
    draft_from_capture,
)
from webhook_studio.store import NotFound, Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.sender_models import Attempt, Delivery, Event, Subscription


def delivery(store: Store, attempts: int) -> str:
    with store.session() as session:
        session.add(Subscription(id="wh_1", url="http://localhost:9/hook?x=1", events=["*"],
                                 headers={}, created_at=1.0, updated_at=1.0))
        session.add(Event(id="evt_1", type="user.created", payload=b"{}", created_at=1.0))
        session.flush()
        session.add(Delivery(id="msg_1", event_id="evt_1", subscription_id="wh_1",
                             event_type="user.created", target_url="http://localhost:9/hook?x=1",
                             state="failed", attempt_count=attempts, created_at=1.0,
                             updated_at=1.0))
        session.flush()
        for number in range(1, attempts + 1):
            session.add(Attempt(delivery_id="msg_1", number=number, started_at=float(number),
                                request_headers=[["webhook-id", f"msg_1-{number}"],
                                                 ["Content-Type", "application/json"]],
                                request_body=f'{{"try":{number}}}'.encode(), outcome="http_error"))
    return "msg_1"


def test_a_delivery_draft_is_its_last_attempt_and_becomes_a_capture(store: Store) -> None:
    draft = draft_from_attempt(store, delivery(store, 2))
    assert (draft.method, draft.url, draft.body) == ("POST", "http://localhost:9/hook?x=1",
                                                     b'{"try":2}')
    assert draft.headers[0] == ("webhook-id", "msg_1-2") and draft.origin == "delivery msg_1"
    capture_id = capture_for_draft(store, draft, 5.0)
    with store.session() as session:
        c = session.get(Capture, capture_id)
        assert c is not None
        assert (c.path, c.query, c.source, c.body) == ("/hook", "x=1", "delivery", b'{"try":2}')
        assert c.content_type == "application/json"
    again = draft_from_capture(store, capture_id)
    assert capture_for_draft(store, again, 6.0) == capture_id  # a capture is its own original


def test_a_delivery_without_attempts_says_so(store: Store) -> None:
    with pytest.raises(NotFound, match="has no attempt yet"):
        draft_from_attempt(store, delivery(store, 0))
    with pytest.raises(NotFound, match="No delivery"):
        draft_from_attempt(store, "msg_missing")
