"""Subscriptions, secrets with rotation, deliveries and stats: the sender's reads and writes."""

from __future__ import annotations

import secrets as _secrets
import time
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, func, or_, select, update
from sqlalchemy.orm import Session, undefer

from webhook_studio.core.vocabulary import AttemptOutcome, DeliveryState
from webhook_studio.store.attempt_exchange import response_fields
from webhook_studio.store.base import apply_fields
from webhook_studio.store.database import Store
from webhook_studio.store.errors import NotFound
from webhook_studio.store.receiver_queries import iso
from webhook_studio.store.sender_models import Attempt, Delivery, Subscription, SubscriptionSecret

SUBSCRIPTION_FIELDS = ("url", "description", "events", "headers", "active", "profile", "scheme",
                       "scheme_options", "retry_policy", "timeout_seconds", "rate_per_minute",
                       "rate_per_hour", "max_concurrency", "disabled_reason", "adhoc")
DEFAULT_ROTATION_OVERLAP = 7 * 86400
#: A one-off replay of a capture (relay/replay.py): one attempt, no retries, its own ad-hoc
#: subscription. Not a subscription's delivery, so a failed one is never a dead letter.
IS_REPLAY = Delivery.source_capture_id.is_not(None)
#: A subscription's delivery that failed for good: what "dead letters" counts and lists.
IS_DEAD_LETTER = and_(Delivery.state == DeliveryState.FAILED, Delivery.source_capture_id.is_(None))
#: ``kind`` filters: a subscription's deliveries, or replays.
DELIVERY_KINDS = ("delivery", "replay")
#: A ``state`` filter beyond the stored states: failed subscription deliveries only.
DEAD_LETTER = "dead_letter"


def new_id(prefix: str) -> str:
    return f"{prefix}_{_secrets.token_urlsafe(18).replace('-', 'x').replace('_', 'y')}"


def create_subscription(store: Store, *, secret: str, now: float | None = None,
                        **fields: Any) -> str:
    unknown = set(fields) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown subscription field {sorted(unknown)[0]!r}.")
    now = time.time() if now is None else now
    sub_id = new_id("wh")
    with store.session() as session:
        session.add(Subscription(id=sub_id, created_at=now, updated_at=now, **fields))
        session.flush()  # no relationship() is declared, so parents are flushed first by hand
        session.add(SubscriptionSecret(subscription_id=sub_id, secret=secret, created_at=now))
    return sub_id


def get_subscription(session: Session, sub_id: str) -> Subscription:
    sub = session.get(Subscription, sub_id)
    if sub is None:
        raise NotFound(f"No subscription with id {sub_id}.")
    return sub


def update_subscription(store: Store, sub_id: str, **fields: Any) -> None:
    """A new URL applies to the subscription's pending deliveries too (their next attempt goes
    there, as the claim takes the URL from the subscription), so their rows say so."""
    with store.session() as session:
        sub = get_subscription(session, sub_id)
        apply_fields(sub, fields, SUBSCRIPTION_FIELDS, "subscription")
        if "url" in fields:
            session.execute(update(Delivery).where(
                Delivery.subscription_id == sub_id,
                Delivery.state == DeliveryState.PENDING).values(target_url=sub.url),
                execution_options={"synchronize_session": False})


def delete_subscription(store: Store, sub_id: str) -> None:
    with store.session() as session:
        session.delete(get_subscription(session, sub_id))


def signing_secrets(session: Session, sub_id: str, now: float) -> list[str]:
    """Secrets that sign at ``now``, newest first: the current one and any rotated-out one
    still inside its overlap."""
    rows = session.scalars(
        select(SubscriptionSecret)
        .where(SubscriptionSecret.subscription_id == sub_id)
        .where(or_(SubscriptionSecret.expires_at.is_(None), SubscriptionSecret.expires_at > now))
        .order_by(SubscriptionSecret.created_at.desc(), SubscriptionSecret.id.desc())
    ).all()
    return [r.secret for r in rows]


def rotate_secret(store: Store, sub_id: str, new_secret: str, *, now: float | None = None,
                  overlap: float = DEFAULT_ROTATION_OVERLAP) -> float:
    """Make ``new_secret`` current; older secrets keep signing until the returned expiry."""
    now = time.time() if now is None else now
    expiry = now + overlap
    with store.session() as session:
        get_subscription(session, sub_id)
        for row in session.scalars(select(SubscriptionSecret).where(
                SubscriptionSecret.subscription_id == sub_id,
                SubscriptionSecret.expires_at.is_(None))):
            row.expires_at = expiry
        session.add(SubscriptionSecret(subscription_id=sub_id, secret=new_secret,
                                       created_at=now))
    return expiry


def get_delivery(session: Session, delivery_id: str) -> Delivery:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound(f"No delivery with id {delivery_id}.")
    return delivery


def attempts_of(session: Session, delivery_id: str) -> list[Attempt]:
    return list(session.scalars(
        select(Attempt).where(Attempt.delivery_id == delivery_id).order_by(Attempt.number)
        .options(undefer(Attempt.response_body))))


def delivery_to_dict(session: Session, delivery: Delivery) -> dict[str, Any]:
    """The JSON shape of ``send --json``, ``deliveries show|list --json`` and the API's
    deliveries; each attempt carries the handler's answer (:func:`response_fields`)."""
    return {
        "id": delivery.id,
        "state": delivery.state,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "subscription_id": delivery.subscription_id,
        "target_url": delivery.target_url,
        "created_at": iso(delivery.created_at),
        "next_attempt_at": iso(delivery.next_attempt_at),
        "reason": delivery.final_reason,
        "source_capture_id": delivery.source_capture_id,
        "kind": "replay" if delivery.source_capture_id is not None else "delivery",
        "attempts": [
            {
                "number": a.number,
                "started_at": iso(a.started_at),
                "status": a.response_status,
                "duration_ms": round(a.duration_ms, 2) if a.duration_ms is not None else None,
                # Whatever the error says beyond "HTTP 503": a timeout after the status line
                # (a body that never ended), an unreadable Retry-After, a final 4xx.
                "error": a.error_message if a.outcome != AttemptOutcome.SUCCESS and a.error_message
                and a.error_message != f"HTTP {a.response_status}" else None,
                "outcome": a.outcome,
                "response_size": a.response_size,
                "request_headers": {k: v for k, v in a.request_headers},
                "next_attempt_at": iso(a.next_attempt_at),
                # the handler's answer: headers, body (64 KiB kept), error class
                **response_fields(a),
            }
            for a in attempts_of(session, delivery.id)
        ],
    }


def delivery_conditions(*, state: str | None = None, kind: str | None = None
                        ) -> list[ColumnElement[bool]]:
    """Conditions for a state (or :data:`DEAD_LETTER`) and a kind ("delivery" for a
    subscription's, "replay"): the one filter the CLI, the API and the window share, as
    ``select(...).where(*delivery_conditions(state=..., kind=...))``."""
    out: list[ColumnElement[bool]] = []
    if state == DEAD_LETTER:
        out.append(IS_DEAD_LETTER)
    elif state:
        out.append(Delivery.state == state)
    if kind == "replay":
        out.append(IS_REPLAY)
    elif kind == "delivery":
        out.append(Delivery.source_capture_id.is_(None))
    return out


def list_deliveries(session: Session, *, subscription_id: str | None = None,
                    state: str | None = None, kind: str | None = None, limit: int = 50,
                    offset: int = 0) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id)
    if subscription_id:
        query = query.where(Delivery.subscription_id == subscription_id)
    query = query.where(*delivery_conditions(state=state, kind=kind))
    return list(session.scalars(query.limit(limit).offset(offset)))


def count_by_state(session: Session, *, kind: str | None = "delivery") -> dict[str, int]:
    """Deliveries per state; by default a subscription's only, so "failed" counts dead letters
    and failed one-off replays are left out (``kind=None`` counts everything)."""
    rows = session.execute(select(Delivery.state, func.count())
                           .where(*delivery_conditions(kind=kind))
                           .group_by(Delivery.state)).all()
    return {str(state): int(n) for state, n in rows}


def dead_letter_filter(subscription_id: str | None = None, since: float | None = None
                       ) -> list[ColumnElement[bool]]:
    """Dead letters, of one subscription (or all) and created at ``since`` or later."""
    where: list[ColumnElement[bool]] = [IS_DEAD_LETTER]
    if subscription_id is not None:
        where.append(Delivery.subscription_id == subscription_id)
    if since is not None:
        where.append(Delivery.created_at >= since)
    return where


def count_dead_letters(session: Session, subscription_id: str | None = None,
                       since: float | None = None) -> int:
    return int(session.scalar(select(func.count(Delivery.id)).where(
        *dead_letter_filter(subscription_id, since))) or 0)


def event_type_stats(session: Session, since: float = 0.0) -> list[dict[str, Any]]:
    """Per event type: deliveries, delivered, average attempts, attempt latency percentiles
    (the monitoring query of seed 004, plus latency). A subscription's deliveries only: a
    replay of a capture is not an event's delivery."""
    where = [Delivery.created_at >= since, *delivery_conditions(kind="delivery")]
    rows = session.execute(
        select(Delivery.event_type, func.count(),
               func.sum((Delivery.state == DeliveryState.DELIVERED).cast(Integer)),
               func.avg(Delivery.attempt_count))
        .where(*where).group_by(Delivery.event_type)
        .order_by(Delivery.event_type)).all()
    stats = []
    for event_type, total, delivered, avg_attempts in rows:
        durations = sorted(d for d in session.scalars(
            select(Attempt.duration_ms).join(Delivery, Attempt.delivery_id == Delivery.id)
            .where(Delivery.event_type == event_type, *where,
                   Attempt.duration_ms.is_not(None))) if d is not None)
        stats.append({
            "event_type": event_type, "total": int(total), "succeeded": int(delivered or 0),
            "average_attempts": round(float(avg_attempts or 0), 2),
            "latency_ms": {p: _percentile(durations, q) for p, q in
                           (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))},
        })
    return stats


def delivery_stats(session: Session, now: float, window: float | None) -> dict[str, Any]:
    """:func:`event_type_stats` of the last ``window`` seconds (all when None) under seed
    004's column names (``event``, ``total_deliveries``, ``successful``, ``avg_attempts``):
    ``{"since": ISO or null, "items": [...]}``, as the CLI, the API and the window show it."""
    since = 0.0 if window is None else now - window
    items = [{"event": s["event_type"], "total_deliveries": s["total"],
              "successful": s["succeeded"], "avg_attempts": s["average_attempts"],
              "latency_ms": s["latency_ms"]} for s in event_type_stats(session, since)]
    return {"since": None if window is None else iso(since), "items": items}


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)
