"""Writing events and their deliveries: the store side of ``Dispatcher.emit``.

Apart from the delivery loop because it touches no loop object: the API runs a big batch
through it on a worker thread, the dispatcher's thin ``emit``/``emit_many``/``store_events``
methods call it and then wake the loop. What is written here is what the loop later claims:
one ``pending`` delivery per subscription, due after its retry policy's first delay.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import insert, select

from webhook_studio.core.clock import Clock
from webhook_studio.core.envelope import Envelope
from webhook_studio.core.matching import matches
from webhook_studio.core.retry import Policy, policy_from_dict
from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.sender.errors import UnknownSubscriptions
from webhook_studio.store import Store
from webhook_studio.store.live import notify
from webhook_studio.store.sender_models import Delivery, Event, Subscription
from webhook_studio.store.sender_queries import new_id


def store_events(store: Store, clock: Clock, rng: random.Random,
                 envelope_for: Callable[[str | None], Envelope],
                 items: Sequence[tuple[str, Any, str | None]], *,
                 source_capture_id: int | None = None, refuse_unknown: bool = False,
                 written: Callable[[list[tuple[str, bytes]]], None] | None = None,
                 ) -> list[list[str]]:
    """One ``(event_type, data, subscription_id)`` each (None: every matching active
    subscription), all written in ONE transaction and answered as one list of delivery ids
    per item. An event aimed at a subscription that does not exist gets no delivery, or with
    ``refuse_unknown`` nothing at all is stored and :class:`UnknownSubscriptions` names them
    (checked in the same transaction). ``envelope_for`` shapes each subscription profile's
    body; ``rng`` jitters the first delay as the retry policy says. ``written`` gets each
    event's ``(id, body)`` once they are committed (the dispatcher keeps them for its claims).
    """
    now = clock.now()
    events: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    grouped: list[list[str]] = []
    with store.session() as session:
        active: list[Subscription] | None = None
        targets: dict[str, Subscription | None] = {}
        policies: dict[str, Policy] = {}
        unknown: dict[str, list[int]] = {}
        for position, (event_type, data, subscription_id) in enumerate(items):
            if subscription_id is not None:
                if subscription_id not in targets:
                    targets[subscription_id] = session.get(Subscription, subscription_id)
                target = targets[subscription_id]
                wanted = [target] if target is not None else []
                if target is None:
                    unknown.setdefault(subscription_id, []).append(position)
            else:
                if active is None:
                    active = list(session.scalars(select(Subscription).where(
                        Subscription.active.is_(True), Subscription.adhoc.is_(False))))
                wanted = [s for s in active if matches(s.events or [], event_type)]
            # One event row per distinct envelope: subscriptions of one profile share it.
            event_ids: dict[str | None, str] = {}
            ids: list[str] = []
            for sub in wanted:
                if sub.profile not in event_ids:
                    eid = new_id("evt")
                    body = envelope_for(sub.profile)(event_type, data, eid, now)
                    events.append({"id": eid, "type": event_type, "payload": body,
                                   "created_at": now})
                    event_ids[sub.profile] = eid
                if sub.id not in policies:
                    policies[sub.id] = policy_from_dict(sub.retry_policy)
                first = policies[sub.id].delay_before(1, rng) or 0.0
                ids.append(new_id("msg"))
                deliveries.append({
                    "id": ids[-1], "event_id": event_ids[sub.profile],
                    "subscription_id": sub.id, "event_type": event_type,
                    "target_url": sub.url, "state": DeliveryState.PENDING, "attempt_count": 0,
                    "next_attempt_at": now + first, "source_capture_id": source_capture_id,
                    "created_at": now, "updated_at": now})
            grouped.append(ids)
        if unknown and refuse_unknown:
            raise UnknownSubscriptions(unknown)
        if events:
            session.execute(insert(Event), events)
            session.execute(insert(Delivery), deliveries)
            notify(session, "deliveries", [d["id"] for d in deliveries])
    if events and written is not None:
        written([(e["id"], e["payload"]) for e in events])
    return grouped
