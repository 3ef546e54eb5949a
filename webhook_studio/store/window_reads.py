"""The reads the desktop window makes, as plain functions over the store.

The window's controllers run these on a worker thread (``ui/query_op.py``) and never build a
query themselves, so ``ui/`` does not import SQLAlchemy. Every function opens one short
session and returns detached rows or plain values.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture, Endpoint
from webhook_studio.store.receiver_queries import CaptureFilter, list_captures
from webhook_studio.store.sender_models import Attempt, Delivery, Subscription, SubscriptionSecret
from webhook_studio.store.sender_queries import (
    attempts_of,
    count_by_state,
    count_dead_letters,
    get_delivery,
    signing_secrets,
)


def endpoint(store: Store, endpoint_id: int) -> Endpoint | None:
    with store.session() as session:
        return session.get(Endpoint, endpoint_id)


def subscriptions(store: Store, *, active_only: bool = False) -> list[Subscription]:
    """The people's subscriptions (not the Composer's ad-hoc ones), oldest first."""
    query = select(Subscription).where(Subscription.adhoc.is_(False))
    if active_only:
        query = query.where(Subscription.active.is_(True))
    with store.session() as session:
        return list(session.scalars(query.order_by(Subscription.created_at)))


def subscription(store: Store, sub_id: str) -> Subscription | None:
    with store.session() as session:
        return session.get(Subscription, sub_id)


@dataclass(frozen=True)
class SubscriptionForEditor:
    subscription: Subscription
    #: The secret that signs now (the newest), or "".
    secret: str


def subscription_for_editor(store: Store, sub_id: str) -> SubscriptionForEditor | None:
    with store.session() as session:
        sub = session.get(Subscription, sub_id)
        if sub is None:
            return None
        secrets = signing_secrets(session, sub.id, time.time())
        return SubscriptionForEditor(sub, secrets[0] if secrets else "")


def subscription_and_deliveries(store: Store, sub_id: str) -> tuple[str, int] | None:
    """``(url, how many deliveries)`` of a subscription, for the question before deleting."""
    with store.session() as session:
        sub = session.get(Subscription, sub_id)
        if sub is None:
            return None
        count = session.scalar(select(func.count(Delivery.id)).where(
            Delivery.subscription_id == sub_id)) or 0
        return sub.url, int(count)


def newest_secret(store: Store, sub_id: str) -> str:
    with store.session() as session:
        return str(session.scalar(select(SubscriptionSecret.secret).where(
            SubscriptionSecret.subscription_id == sub_id).order_by(
            SubscriptionSecret.created_at.desc()).limit(1)) or "")


def subscription_of_delivery(store: Store, delivery_id: str) -> Subscription | None:
    with store.session() as session:
        delivery = session.get(Delivery, delivery_id)
        return session.get(Subscription, delivery.subscription_id) if delivery else None


@dataclass(frozen=True)
class DeliveryDetail:
    delivery: Delivery
    subscription: Subscription | None
    attempts: Sequence[Attempt]


def delivery_detail(store: Store, delivery_id: str) -> DeliveryDetail:
    """Raises ``NotFound`` when the delivery is gone."""
    with store.session() as session:
        d = get_delivery(session, delivery_id)
        return DeliveryDetail(d, session.get(Subscription, d.subscription_id),
                              list(attempts_of(session, delivery_id)))


def dead_letter_count(store: Store, subscription_id: str) -> int:
    with store.session() as session:
        return count_dead_letters(session, subscription_id)


@dataclass(frozen=True)
class CaptureForView:
    capture: Capture
    #: The body, or only its first ``head`` bytes when it is bigger and not asked in full.
    body: bytes
    truncated: bool
    edited_copies: list[int]


def capture_for_view(store: Store, capture_id: int, head: int, full: bool) -> CaptureForView:
    """One capture for the inspector; a body over ``head`` bytes is read cut (not 10 MiB)
    unless ``full``. Raises ``NotFound``."""
    from webhook_studio.store import NotFound

    with store.session() as session:
        c = session.get(Capture, capture_id)  # the body stays deferred: it may be 10 MiB
        if c is None:
            raise NotFound(f"No capture with id {capture_id}.")
        truncated = (c.body_size or 0) > head and not full
        if truncated:
            body = bytes(session.scalar(select(func.substr(Capture.body, 1, head)).where(
                Capture.id == capture_id)) or b"")
        else:
            body = c.body or b""
        copies = list(session.scalars(select(Capture.id).where(
            Capture.edited_from == capture_id).order_by(Capture.id)))
        # what the inspector reads must be loaded before the session closes
        _ = (c.headers, c.response_headers, c.response_body, c.forwards, c.verification)
        return CaptureForView(c, body, truncated, copies)


def capture_with_endpoint(store: Store, capture_id: int
                          ) -> tuple[Capture, Endpoint | None] | None:
    with store.session() as session:
        capture = session.get(Capture, capture_id)
        if capture is None:
            return None
        found = session.get(Endpoint, capture.endpoint_id) if capture.endpoint_id else None
        return capture, found


def capture_ids(store: Store, flt: CaptureFilter, limit: int = 10_000) -> list[int]:
    with store.session() as session:
        return [c.id for c in list_captures(session, limit=limit, flt=flt)]


def capture_count(store: Store) -> int:
    from webhook_studio.store.receiver_queries import count_captures

    with store.session() as session:
        return count_captures(session)


def status_counts(store: Store, since: float) -> tuple[int, dict[str, int]]:
    """``(captures since ``since``, deliveries by state)`` for the status bar."""
    with store.session() as session:
        today = session.scalar(select(func.count(Capture.id)).where(
            Capture.received_at >= since)) or 0
        return int(today), dict(count_by_state(session))


def describe_url(url: str) -> str:
    """The store's location for people: a file path, or the URL without its password."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
