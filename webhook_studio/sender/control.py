"""Manual control of deliveries, on a store session: retry now, dead-letter retry, cancel.

Plain functions so the CLI can use them without a running dispatcher: a dispatcher in another
process notices the new ``next_attempt_at`` on its next look at the queue (at most 30 s; on a
team database at once, through the NOTIFY these send).
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.sender.errors import DeliveryStateError
from webhook_studio.store import NotFound
from webhook_studio.store.live import notify
from webhook_studio.store.sender_models import Delivery, Subscription
from webhook_studio.store.sender_queries import IS_DEAD_LETTER, dead_letter_filter, get_delivery

#: Ids a statement names at most (SQLite's default limit of bound values is far above).
_CHUNK = 500
#: Where a retried delivery goes: its subscription's URL now, not the one it failed at (the
#: claim takes the URL from the subscription; the row says the same).
_CURRENT_URL = (select(Subscription.url).where(Subscription.id == Delivery.subscription_id)
                .scalar_subquery())


def reschedule_now(session: Session, delivery_id: str, now: float, *,
                   dead_letter_only: bool = False) -> None:
    """Make a delivery due at ``now``, to its subscription's current URL; a delivered one
    stays delivered.

    A delivery whose subscription was disabled (410) can be retried by hand: that re-activates
    nothing, so the attempt is made only if the subscription is active again.
    """
    delivery = get_delivery(session, delivery_id)
    if delivery.source_capture_id is not None:  # no subscription would send it: replay again
        raise DeliveryStateError(
            f"Delivery {delivery_id} is a one-off replay of capture #{delivery.source_capture_id}"
            ", not a subscription's delivery: it is never retried; replay the capture again.")
    if delivery.state == DeliveryState.DELIVERED:
        raise DeliveryStateError(f"Delivery {delivery_id} was already delivered.")
    if dead_letter_only and delivery.state != DeliveryState.FAILED:
        raise DeliveryStateError(
            f"Delivery {delivery_id} is {delivery.state}, not a dead letter; use retry now "
            "instead.")
    delivery.state = DeliveryState.PENDING
    delivery.next_attempt_at = now
    delivery.final_reason = None
    delivery.updated_at = now
    sub = session.get(Subscription, delivery.subscription_id)
    if sub is not None:  # its next attempt goes where the subscription points now
        delivery.target_url = sub.url
    notify(session, "deliveries", [delivery_id])


def retry_dead_letters(session: Session, subscription_id: str | None, now: float, *,
                       since: float | None = None) -> list[str]:
    """Every dead letter of a subscription (of every subscription with ``None``), created at
    ``since`` or later, becomes due now, as "retry a dead letter" makes one; their ids, oldest
    first. Svix calls this recovering an endpoint's failed messages.

    One UPDATE per 500 ids, not a read and write per delivery: a target that was down for a
    day can leave thousands. A delivery another process retried or cancelled meanwhile is
    left as it is (the UPDATE asks again that it is a dead letter; RETURNING says which
    rows it changed)."""
    if subscription_id is not None and session.get(Subscription, subscription_id) is None:
        raise NotFound(f"No subscription with id {subscription_id}.")
    ids = list(session.scalars(select(Delivery.id).where(
        *dead_letter_filter(subscription_id, since)).order_by(Delivery.created_at, Delivery.id)))
    done: list[str] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        changed = set(session.scalars(
            update(Delivery).where(Delivery.id.in_(chunk), IS_DEAD_LETTER)
            .values(state=DeliveryState.PENDING, next_attempt_at=now, final_reason=None,
                    updated_at=now, target_url=_CURRENT_URL)
            .returning(Delivery.id), execution_options={"synchronize_session": False}))
        done.extend(i for i in chunk if i in changed)
    notify(session, "deliveries", done)
    return done


def cancel_delivery(session: Session, delivery_id: str, now: float) -> None:
    delivery = get_delivery(session, delivery_id)
    if delivery.state != DeliveryState.PENDING:
        raise DeliveryStateError(
            f"Delivery {delivery_id} is {delivery.state}; only pending ones can be cancelled.")
    delivery.state = DeliveryState.CANCELLED
    delivery.next_attempt_at = None
    delivery.final_reason = "cancelled by hand"
    delivery.updated_at = now
    notify(session, "deliveries", [delivery_id])
