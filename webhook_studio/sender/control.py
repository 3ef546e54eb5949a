"""Manual control of deliveries, on a store session: retry now, dead-letter retry, cancel.

Plain functions so the CLI can use them without a running dispatcher: a dispatcher in another
process notices the new ``next_attempt_at`` on its next look at the queue (at most 30 s; on a
team database at once, through the NOTIFY these send).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.sender.errors import DeliveryStateError
from webhook_studio.store import NotFound
from webhook_studio.store.live import notify
from webhook_studio.store.sender_models import Delivery, Subscription
from webhook_studio.store.sender_queries import IS_DEAD_LETTER, get_delivery


def reschedule_now(session: Session, delivery_id: str, now: float, *,
                   dead_letter_only: bool = False) -> None:
    """Make a delivery due at ``now``; a delivered one stays delivered.

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
    notify(session, "deliveries", [delivery_id])


def retry_dead_letters(session: Session, subscription_id: str, now: float) -> list[str]:
    """Every failed delivery of a subscription becomes due now; returns their ids."""
    if session.get(Subscription, subscription_id) is None:
        raise NotFound(f"No subscription with id {subscription_id}.")
    ids = list(session.scalars(select(Delivery.id).where(
        Delivery.subscription_id == subscription_id, IS_DEAD_LETTER)))
    for delivery_id in ids:
        reschedule_now(session, delivery_id, now)
    return ids


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
