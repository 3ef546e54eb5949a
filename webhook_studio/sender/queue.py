"""The durable queue's hot path: claim due deliveries and record attempts, in groups.

Why groups: one SQLite transaction per attempt (claim, then record) held the sender near
300 deliveries/s; claiming every due delivery in one transaction and recording finished
attempts in group commits (like the receiver's writer) removes most of that cost. Core
statements instead of ORM objects for the same reason.

Claiming takes a lease (``in_flight_until``, ``lease_owner``; see ``sender/lease.py``) in one
``UPDATE ... WHERE id IN (SELECT ...) RETURNING``: the statement that picks due rows is the one
that marks them, so two senders on one store never claim the same delivery. Recording clears
the lease. A crash between the two leaves the lease, which is taken back when it expires (or at
once when its owner process is gone): the one attempt in flight may be made twice
(at-least-once), never any other, and never while its owner still works on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.orm import Session

from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.sender.jobs import Job, Result
from webhook_studio.sender.payload_cache import PayloadCache
from webhook_studio.sender.record_sqlite import record_results_sqlite
from webhook_studio.sender.subscription_cache import SubscriptionCache
from webhook_studio.store.live import notify
from webhook_studio.store.sender_models import (
    Attempt,
    Delivery,
    Event,
    Subscription,
)

CLAIM_BATCH = 500
NO_LEASE: dict[str, Any] = {"in_flight_since": None, "in_flight_until": None,
                            "lease_owner": None}
#: Core tables for executemany statements (ORM bulk mode would want whole primary-key rows).
DELIVERIES = cast(Table, Delivery.__table__)
ATTEMPTS = cast(Table, Attempt.__table__)


def lease_free(now: float) -> Any:
    """Nobody holds the delivery: never leased, released, or the lease has run out."""
    return or_(Delivery.in_flight_until.is_(None), Delivery.in_flight_until < now)


def pending_filter(only: Collection[str] | None) -> list[Any]:
    """Pending deliveries, optionally among ``only`` (leased or not)."""
    clauses: list[Any] = [Delivery.state == DeliveryState.PENDING]
    if only is not None:
        clauses.append(Delivery.id.in_(list(only)))
    return clauses


def _recent_attempts(session: Session, sub_id: str, since: float, limit: int) -> list[float]:
    return [float(t) for t in session.scalars(
        select(Attempt.started_at).join(Delivery, Attempt.delivery_id == Delivery.id)
        .where(Delivery.subscription_id == sub_id, Attempt.started_at > since)
        .order_by(Attempt.started_at.desc()).limit(limit))]


def _rate_allowance(session: Session, sub: Any, now: float) -> tuple[int | None, float]:
    """``(how many may start now (None: no limit), seconds until one more may)``.

    Sliding windows over the attempts recorded in the store, so limits hold across restarts;
    attempts still in flight are not counted yet, so a burst can exceed a limit by the
    concurrency limit at most.
    """
    allowed: int | None = None
    wait = 0.0
    for limit, window in ((sub.rate_per_minute, 60.0), (sub.rate_per_hour, 3600.0)):
        if not limit:
            continue
        recent = _recent_attempts(session, sub.id, now - window, limit)
        left = limit - len(recent)
        allowed = left if allowed is None else min(allowed, left)
        next_slot = recent[-1] + window - now if left <= 0 else window / limit
        wait = max(wait, next_slot)
    return (None if allowed is None else max(0, allowed)), max(0.001, wait)


def _payloads(session: Session, event_ids: set[str],
              bodies: PayloadCache | None) -> dict[str, bytes]:
    found = bodies.get(event_ids) if bodies is not None else {}
    missing = event_ids.difference(found)
    if missing:
        read = dict(session.execute(select(Event.id, Event.payload)
                                    .where(Event.id.in_(missing))).all())
        if bodies is not None:
            bodies.add(read.items())
        found.update(read)
    return found


def _due(now: float, only: Collection[str] | None, exclude: Collection[str]) -> list[Any]:
    due = [*pending_filter(only), Delivery.next_attempt_at <= now, lease_free(now)]
    if exclude:
        due.append(Delivery.id.not_in(list(exclude)))
    return due


def any_due(session: Session, now: float, only: Collection[str] | None = None,
            exclude: Collection[str] = ()) -> bool:
    """Whether :func:`claim_due` would find anything (a read, no lock taken)."""
    return session.execute(select(Delivery.id).where(*_due(now, only, exclude))
                           .limit(1)).first() is not None


def claim_due(session: Session, now: float, only: Collection[str] | None = None,
              exclude: Collection[str] = (), *, owner: str = "", lease_s: float = 30.0,
              limit: int = CLAIM_BATCH, cache: SubscriptionCache | None = None,
              bodies: PayloadCache | None = None) -> list[Job]:
    """Due deliveries become jobs leased to ``owner`` in one transaction; rate-limited ones are
    pushed back and ones whose subscription is gone or inactive end as ``disabled`` (both
    released at once). ``exclude``: deliveries this process is still working on; ``limit``: at
    most this many (what the caller has room for); ``cache``: the caller's subscriptions kept
    between claims (``sender/subscription_cache.py``), else they are read afresh; ``bodies``:
    event bodies the caller keeps (``sender/payload_cache.py``), the others are read."""
    due = _due(now, only, exclude)
    # The subquery picks, the UPDATE marks, in one statement: the first statement of the
    # transaction takes SQLite's write lock, so no other sender can claim between the two.
    size = max(1, min(limit, CLAIM_BATCH))
    marks = {"in_flight_since": now, "in_flight_until": now + lease_s, "lease_owner": owner}
    returned = (Delivery.id, Delivery.subscription_id, Delivery.attempt_count,
                Delivery.event_type, Delivery.event_id,
                Delivery.next_attempt_at)
    if session.get_bind().dialect.name == "postgresql":
        # Team mode: a MATERIALIZED CTE locks the rows it picks and skips rows another worker
        # has locked, so concurrent workers take disjoint batches without waiting on each
        # other. A CTE, not ``IN (subquery)``: the planner may run a subquery more than once,
        # and with SKIP LOCKED each run can pick other rows (more than ``size`` claimed).
        picked = (select(Delivery.id).where(*due).order_by(Delivery.next_attempt_at)
                  .limit(size).with_for_update(skip_locked=True)
                  .cte("picked").prefix_with("MATERIALIZED"))
        statement = update(Delivery).where(Delivery.id == picked.c.id, *due)
    else:
        picked_ids = (select(Delivery.id).where(*due).order_by(Delivery.next_attempt_at)
                      .limit(size))
        statement = update(Delivery).where(Delivery.id.in_(picked_ids.scalar_subquery()), *due)
    rows = session.execute(statement.values(**marks).returning(*returned),
                           execution_options={"synchronize_session": False}).all()
    if not rows:
        return []
    rows = sorted(rows, key=lambda r: (r.next_attempt_at or 0.0, r.id))
    subs = (cache or SubscriptionCache()).get(session, {r.subscription_id for r in rows})
    allowance = {s.id: _rate_allowance(session, s, now) for s in subs.values()
                 if s.rate_per_minute or s.rate_per_hour}
    disabled, postponed, claimed = [], [], []
    for r in rows:
        sub = subs.get(r.subscription_id)
        if sub is None or not sub.active:
            disabled.append(r.id)
            continue
        if sub.id in allowance:
            left, wait = allowance[sub.id]
            if left is not None and left <= 0:
                postponed.append({"b_id": r.id, "b_next": now + wait})
                continue
            if left is not None:
                allowance[sub.id] = (left - 1, wait)
        claimed.append(r)
    if disabled:
        session.execute(update(Delivery).where(Delivery.id.in_(disabled)).values(
            state=DeliveryState.DISABLED, next_attempt_at=None, updated_at=now, **NO_LEASE,
            final_reason="the subscription is disabled or was deleted"),
            execution_options={"synchronize_session": False})
    if postponed:
        session.connection().execute(
            update(DELIVERIES).where(DELIVERIES.c.id == bindparam("b_id"))
            .values(next_attempt_at=bindparam("b_next"), **NO_LEASE), postponed)
    if not claimed:
        return []
    payloads = _payloads(session, {r.event_id for r in claimed}, bodies)
    jobs = []
    for r in claimed:
        sub = subs[r.subscription_id]
        jobs.append(Job(
            delivery_id=r.id, subscription_id=sub.id, number=r.attempt_count + 1,
            url=sub.url, event_type=r.event_type, body=payloads.get(r.event_id, b""),
            secrets=sub.secrets_at(now), scheme=sub.scheme,
            scheme_options=sub.scheme_options, headers=dict(sub.headers),
            profile=sub.profile, timeout=sub.timeout_seconds,
            retry_policy=dict(sub.retry_policy), max_concurrency=max(1, sub.max_concurrency)))
    return jobs


def record_results(session: Session, results: Sequence[Result], now: float,
                   owner: str = "") -> dict[str, str]:
    """Write a group of finished attempts; returns each delivery's state after the write
    (a delivery cancelled while its attempt was in flight stays cancelled). The lease is
    cleared only where ``owner`` still holds it. SQLite goes through the driver's connection
    (``sender/record_sqlite.py``); anything else through these Core statements."""
    if not results:
        return {}
    if session.get_bind().dialect.name == "sqlite":
        return record_results_sqlite(session, results, now, owner)
    return record_results_core(session, results, now, owner)


def record_results_core(session: Session, results: Sequence[Result], now: float,
                        owner: str = "") -> dict[str, str]:
    """:func:`record_results` in portable SQLAlchemy Core (PostgreSQL, and the reference the
    SQLite path is checked against)."""
    conn = session.connection()
    conn.execute(insert(ATTEMPTS), [{
        "delivery_id": r.job.delivery_id, "number": r.job.number, "started_at": r.started_at,
        "finished_at": r.finished_at, "request_headers": r.request_headers,
        "request_body": r.job.body, "response_status": r.status,
        "response_headers": r.response_headers, "response_body": r.response_body,
        "response_size": r.response_size,
        "duration_ms": r.duration_ms, "outcome": r.outcome, "error_class": r.error_class,
        "error_message": r.error_message, "next_attempt_at": r.next_attempt_at,
    } for r in results])
    # One statement per delivery for what were three (count, lease, state): every CASE reads
    # the row as it was, so the lease is cleared only where ``owner`` held it and the state
    # set only where it was still pending (a delivery cancelled meanwhile stays cancelled).
    c = DELIVERIES.c
    held = c.lease_owner == owner
    pending = c.state == DeliveryState.PENDING
    conn.execute(
        update(DELIVERIES).where(c.id == bindparam("b_id")).values(
            attempt_count=bindparam("b_number"), updated_at=now,
            in_flight_since=case((held, None), else_=c.in_flight_since),
            in_flight_until=case((held, None), else_=c.in_flight_until),
            lease_owner=case((held, None), else_=c.lease_owner),
            state=case((pending, bindparam("b_state")), else_=c.state),
            next_attempt_at=case((pending, bindparam("b_next")), else_=c.next_attempt_at),
            final_reason=case((pending, bindparam("b_reason")), else_=c.final_reason)),
        [{"b_id": r.job.delivery_id, "b_number": r.job.number, "b_state": r.state,
          "b_next": r.next_attempt_at, "b_reason": r.reason} for r in results])
    notify(session, "attempts", [r.job.delivery_id for r in results])
    subs = {r.job.subscription_id for r in results}
    session.execute(update(Subscription).where(Subscription.id.in_(subs))
                    .values(last_called_at=now))
    for r in results:
        if r.state == DeliveryState.DISABLED:
            session.execute(update(Subscription).where(Subscription.id == r.job.subscription_id)
                            .values(active=False, disabled_reason=r.reason, updated_at=now))
    return dict(session.execute(select(Delivery.id, Delivery.state).where(
        Delivery.id.in_([r.job.delivery_id for r in results]))).all())


def next_due(session: Session, only: Collection[str] | None = None, *, now: float,
             exclude: Collection[str] = ()) -> tuple[float | None, int]:
    """``(when the next delivery may be claimed, how many are pending)``.

    The time is the earliest ``next_attempt_at`` (or lease expiry, when later) among pending
    deliveries not in ``exclude``; the count includes deliveries in flight anywhere, so a
    waiter does not stop while another sender still works on one of them.
    """
    when = case((and_(Delivery.in_flight_until.is_not(None),
                      Delivery.in_flight_until >= now,
                      Delivery.in_flight_until > Delivery.next_attempt_at),
                 Delivery.in_flight_until), else_=Delivery.next_attempt_at)
    claimable = [*pending_filter(only)]
    if exclude:
        claimable.append(Delivery.id.not_in(list(exclude)))
    first = session.execute(select(func.min(when)).where(*claimable)).scalar()
    count = session.execute(select(func.count()).select_from(Delivery)
                            .where(*pending_filter(only))).scalar()
    return (None if first is None else float(first)), int(count or 0)


def renew_leases(session: Session, owner: str, ids: Collection[str], until: float) -> None:
    """Push back the expiry of ``owner``'s leases on ``ids`` (the attempts still running)."""
    wanted = list(ids)
    for i in range(0, len(wanted), 500):
        session.execute(update(Delivery).where(Delivery.id.in_(wanted[i:i + 500]),
                                               Delivery.lease_owner == owner)
                        .values(in_flight_until=until),
                        execution_options={"synchronize_session": False})


def release_leases(session: Session, owner: str, ids: Collection[str] | None = None) -> int:
    """Clear ``owner``'s leases (on ``ids``, or all of them); returns how many."""
    total = 0
    wanted = None if ids is None else list(ids)
    chunks = [None] if wanted is None else [wanted[i:i + 500]
                                            for i in range(0, len(wanted), 500)]
    for chunk in chunks:
        query = update(Delivery).where(Delivery.lease_owner == owner)
        if chunk is not None:
            query = query.where(Delivery.id.in_(chunk))
        result = session.execute(query.values(**NO_LEASE),
                                 execution_options={"synchronize_session": False})
        total += int(getattr(result, "rowcount", 0) or 0)
    return total


def reclaim_abandoned(session: Session, now: float, gone: Callable[[str], bool]) -> int:
    """Release expired leases and those of owners ``gone`` says have ended; returns how many
    pending deliveries that makes available again."""
    leased = session.execute(select(Delivery.id, Delivery.lease_owner, Delivery.in_flight_until)
                             .where(Delivery.state == DeliveryState.PENDING,
                                    Delivery.in_flight_until.is_not(None))).all()
    owners: dict[str, bool] = {}
    freed = []
    for row in leased:
        owner = row.lease_owner or ""
        if owner not in owners:
            owners[owner] = not owner or gone(owner)
        if row.in_flight_until < now or owners[owner]:
            freed.append(row.id)
    for i in range(0, len(freed), 500):
        session.execute(update(Delivery).where(Delivery.id.in_(freed[i:i + 500]))
                        .values(**NO_LEASE), execution_options={"synchronize_session": False})
    return len(freed)


def options_key(options: dict[str, Any] | None) -> str:
    """A scheme's options as a cache key; most subscriptions have none, and encoding ``{}``
    per attempt was 1.7 % of the dispatcher's samples."""
    return json.dumps(options, sort_keys=True) if options else "{}"
