"""The dispatcher: a durable queue of deliveries in the store, worked on the running loop.

The queue *is* the ``deliveries`` table: a delivery is due when it is pending and its
``next_attempt_at`` has come. Before each send the delivery is marked in flight in the store;
after the response the attempt and the next due time are written in one transaction. A crash
between the two leaves the in-flight mark, and :meth:`recover` makes such deliveries due again
at start: at-least-once, with at most that one attempt repeated, and always the same delivery
id. Each attempt is signed afresh (new timestamp, new signature) with every secret that is
current at that moment, so a rotated-out secret keeps signing until its expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import func, select, update

from webhook_studio.core.clock import Clock, SystemClock
from webhook_studio.core.envelope import Envelope, default_envelope
from webhook_studio.core.matching import matches
from webhook_studio.core.message import SignInput
from webhook_studio.core.responses import Decision, judge_error, judge_status
from webhook_studio.core.retry import policy_from_dict
from webhook_studio.core.schemes import get_scheme
from webhook_studio.sender.errors import DeliveryStateError, classify_transport_error
from webhook_studio.sender.events import AttemptFinished, DeliveryChanged, SenderEvent
from webhook_studio.sender.transport import make_client
from webhook_studio.store import Store
from webhook_studio.store.sender_models import Attempt, Delivery, Event, Subscription
from webhook_studio.store.sender_queries import get_delivery, new_id, signing_secrets

RESPONSE_BODY_CAP = 64 * 1024
FINAL_STATES = frozenset({"delivered", "failed", "disabled", "cancelled"})
#: ``(profile, event_type, delivery_id, timestamp) -> extra headers`` for provider profiles.
HeaderHook = Callable[[str | None, str, str, int], dict[str, str]]


class Dispatcher:
    def __init__(self, store: Store, clock: Clock | None = None, *,
                 client: httpx.AsyncClient | None = None, rng: random.Random | None = None,
                 envelope_for: Callable[[str | None], Envelope] | None = None,
                 header_hook: HeaderHook | None = None, max_in_flight: int = 64) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self._owns_client = client is None
        self.client = client or make_client()
        self.envelope_for = envelope_for or (lambda _profile: default_envelope)
        self.header_hook = header_hook
        self.listeners: list[Callable[[SenderEvent], None]] = []
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: set[str] = set()
        self._per_sub: dict[str, asyncio.Semaphore] = {}
        self._global = asyncio.Semaphore(max_in_flight)

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        self.recover()
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._loop(), name="sender")

    async def stop(self) -> None:
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._owns_client:
            await self.client.aclose()

    def recover(self) -> int:
        """Deliveries left in flight by a crash become due again (same id, same number)."""
        with self.store.session() as session:
            result = session.execute(
                update(Delivery).where(Delivery.state == "pending",
                                       Delivery.in_flight_since.is_not(None))
                .values(in_flight_since=None))
            return int(getattr(result, "rowcount", 0) or 0)

    def wake(self) -> None:
        self._wake.set()

    def _notify(self, event: SenderEvent) -> None:
        for listener in list(self.listeners):
            listener(event)

    async def _loop(self) -> None:
        while True:
            self._spawn_due()
            delay = self._seconds_until_next_due()
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=min(delay, 30.0))

    def _seconds_until_next_due(self) -> float:
        with self.store.session() as session:
            nxt = session.scalar(select(func.min(Delivery.next_attempt_at)).where(
                Delivery.state == "pending", Delivery.in_flight_since.is_(None)))
        if nxt is None:
            return 30.0
        return max(0.0, float(nxt) - self.clock.now())

    # -- creating deliveries ------------------------------------------------------------------
    def emit(self, event_type: str, data: Any, *, subscription_id: str | None = None,
             source_capture_id: int | None = None) -> list[str]:
        """One delivery per matching active subscription (or for the one given)."""
        now = self.clock.now()
        event_id = new_id("evt")
        delivery_ids: list[str] = []
        with self.store.session() as session:
            if subscription_id is not None:
                subs = [s for s in [session.get(Subscription, subscription_id)] if s]
            else:
                subs = [s for s in session.scalars(select(Subscription).where(
                    Subscription.active.is_(True), Subscription.adhoc.is_(False)))
                    if matches(s.events or [], event_type)]
            # One event row per distinct envelope: subscriptions of one profile share it.
            event_ids: dict[str | None, str] = {}
            for sub in subs:
                if sub.profile not in event_ids:
                    eid = event_id if not event_ids else new_id("evt")
                    body = self.envelope_for(sub.profile)(event_type, data, eid, now)
                    session.add(Event(id=eid, type=event_type, payload=body, created_at=now))
                    session.flush()  # the event row must exist before its deliveries
                    event_ids[sub.profile] = eid
                delivery_ids.append(self._new_delivery(
                    session, sub, event_ids[sub.profile], event_type, now, source_capture_id))
        self.wake()
        return delivery_ids

    def _new_delivery(self, session: Any, sub: Subscription, event_id: str, event_type: str,
                      now: float, source_capture_id: int | None) -> str:
        policy = policy_from_dict(sub.retry_policy)
        delivery_id = new_id("msg")
        session.add(Delivery(
            id=delivery_id, event_id=event_id, subscription_id=sub.id, event_type=event_type,
            target_url=sub.url, state="pending",
            next_attempt_at=now + (policy.delay_before(1, self.rng) or 0.0),
            source_capture_id=source_capture_id, created_at=now, updated_at=now))
        return delivery_id

    def send_test(self, subscription_id: str) -> str:
        """A test event to one subscription, whatever its event filter (seed 004's /test)."""
        ids = self.emit("webhook.test", {"test": True,
                                         "message": "Test event from Webhook Studio"},
                        subscription_id=subscription_id)
        if not ids:
            from webhook_studio.store import NotFound

            raise NotFound(f"No subscription with id {subscription_id}.")
        return ids[0]

    # -- manual control -----------------------------------------------------------------------
    def retry_now(self, delivery_id: str) -> None:
        """Make a pending delivery due now, or bring back a failed/cancelled/disabled one."""
        with self.store.session() as session:
            delivery = get_delivery(session, delivery_id)
            if delivery.state == "delivered":
                raise DeliveryStateError(f"Delivery {delivery_id} was already delivered.")
            delivery.state = "pending"
            delivery.next_attempt_at = self.clock.now()
            delivery.final_reason = None
            delivery.updated_at = self.clock.now()
        self._notify(DeliveryChanged(delivery_id, "pending"))
        self.wake()

    def retry_dead_letter(self, delivery_id: str) -> None:
        with self.store.session() as session:
            state = get_delivery(session, delivery_id).state
        if state != "failed":
            raise DeliveryStateError(
                f"Delivery {delivery_id} is {state}, not a dead letter; use retry now instead.")
        self.retry_now(delivery_id)

    def bulk_retry_dead_letters(self, subscription_id: str) -> int:
        with self.store.session() as session:
            ids = list(session.scalars(select(Delivery.id).where(
                Delivery.subscription_id == subscription_id, Delivery.state == "failed")))
        for delivery_id in ids:
            self.retry_now(delivery_id)
        return len(ids)

    def cancel(self, delivery_id: str) -> None:
        with self.store.session() as session:
            delivery = get_delivery(session, delivery_id)
            if delivery.state != "pending":
                raise DeliveryStateError(
                    f"Delivery {delivery_id} is {delivery.state}; only pending ones can be "
                    "cancelled.")
            delivery.state = "cancelled"
            delivery.next_attempt_at = None
            delivery.final_reason = "cancelled by hand"
            delivery.updated_at = self.clock.now()
        self._notify(DeliveryChanged(delivery_id, "cancelled"))

    async def wait_final(self, delivery_id: str) -> str:
        """Wait until the delivery is delivered, failed, disabled or cancelled."""
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def listener(event: SenderEvent) -> None:
            state = event.state
            if event.delivery_id == delivery_id and state in FINAL_STATES and not done.done():
                done.set_result(state)

        self.listeners.append(listener)
        try:
            with self.store.session() as session:
                state = get_delivery(session, delivery_id).state
            if state in FINAL_STATES:
                return state
            return await done
        finally:
            self.listeners.remove(listener)

    # -- attempts -----------------------------------------------------------------------------
    def _due_ids(self) -> list[str]:
        with self.store.session() as session:
            ids = session.scalars(
                select(Delivery.id).where(Delivery.state == "pending",
                                          Delivery.in_flight_since.is_(None),
                                          Delivery.next_attempt_at <= self.clock.now())
                .order_by(Delivery.next_attempt_at).limit(500)).all()
        return [i for i in ids if i not in self._in_flight]

    def _spawn_due(self) -> list[asyncio.Task[None]]:
        tasks = []
        for delivery_id in self._due_ids():
            self._in_flight.add(delivery_id)
            task = asyncio.get_running_loop().create_task(self._attempt(delivery_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            tasks.append(task)
        return tasks

    async def run_due(self) -> int:
        """Make every attempt due now and wait for them (tests drive time with a clock)."""
        tasks = self._spawn_due()
        if tasks:
            await asyncio.gather(*tasks)
        return len(tasks)

    async def _attempt(self, delivery_id: str) -> None:
        try:
            prepared = self._prepare(delivery_id)
            if prepared is None:
                return
            sub_id, limit = prepared[0], prepared[1]
            semaphore = self._per_sub.setdefault(sub_id, asyncio.Semaphore(limit))
            async with self._global, semaphore:
                await self._send(delivery_id, *prepared[2:])
        finally:
            self._in_flight.discard(delivery_id)
            self.wake()

    def _prepare(self, delivery_id: str) -> tuple[Any, ...] | None:
        """Load, apply the rate limit, mark in flight and sign: all in one transaction."""
        now = self.clock.now()
        with self.store.session() as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is None or delivery.state != "pending":
                return None
            sub = session.get(Subscription, delivery.subscription_id)
            if sub is None or not sub.active:
                delivery.state = "disabled"
                delivery.next_attempt_at = None
                delivery.final_reason = "the subscription is disabled"
                return None
            wait = self._rate_wait(session, sub, now)
            if wait > 0:
                delivery.next_attempt_at = now + wait
                return None
            event = session.get(Event, delivery.event_id)
            body = event.payload if event is not None else b""
            number = delivery.attempt_count + 1
            delivery.in_flight_since = now
            secrets = signing_secrets(session, sub.id, now)
            scheme = get_scheme(sub.scheme, sub.scheme_options)
            timestamp = int(now)
            headers = {"Content-Type": "application/json", **(sub.headers or {})}
            if self.header_hook is not None:
                headers.update(self.header_hook(sub.profile, delivery.event_type, delivery.id,
                                                timestamp))
            headers.update(scheme.sign(secrets, SignInput(body, delivery.id, timestamp,
                                                          delivery.target_url)))
            return (sub.id, max(1, sub.max_concurrency), number, delivery.target_url, body,
                    headers, sub.timeout_seconds, sub.retry_policy)

    def _rate_wait(self, session: Any, sub: Subscription, now: float) -> float:
        """Seconds to wait before this subscription may be sent to again (0: now).

        Counts attempts in a sliding window from the store, in-flight ones included (as
        started at their in-flight mark), so limits hold across concurrency and restarts.
        """
        for limit, window in ((sub.rate_per_minute, 60.0), (sub.rate_per_hour, 3600.0)):
            if not limit:
                continue
            since = now - window
            started = list(session.scalars(
                select(Attempt.started_at).join(Delivery, Attempt.delivery_id == Delivery.id)
                .where(Delivery.subscription_id == sub.id, Attempt.started_at > since)))
            started += session.scalars(select(Delivery.in_flight_since).where(
                Delivery.subscription_id == sub.id, Delivery.in_flight_since > since))
            if len(started) >= limit:
                started.sort(reverse=True)
                return max(0.001, float(started[limit - 1]) + window - now)
        return 0.0

    async def _send(self, delivery_id: str, number: int, url: str, body: bytes,
                    headers: dict[str, str], timeout_s: float, policy_data: Any) -> None:
        started_at = self.clock.now()
        started = time.perf_counter()
        status: int | None = None
        response_headers: list[list[str]] = []
        response_body = b""
        try:
            response = await self.client.post(url, content=body, headers=headers,
                                              timeout=timeout_s)
            status = response.status_code
            response_headers = [[k, v] for k, v in response.headers.multi_items()]
            response_body = response.content[:RESPONSE_BODY_CAP]
            judgement = judge_status(status, response.headers.get("Retry-After"),
                                     self.clock.now())
            error_class = None
        except httpx.HTTPError as exc:
            outcome, sentence = classify_transport_error(exc, timeout_s)
            judgement = judge_error(outcome, sentence)
            error_class = type(exc).__name__
        duration_ms = (time.perf_counter() - started) * 1000
        self._record(delivery_id, number, started_at, duration_ms, headers, body, status,
                     response_headers, response_body, judgement, error_class, policy_data)

    def _record(self, delivery_id: str, number: int, started_at: float, duration_ms: float,
                headers: dict[str, str], body: bytes, status: int | None,
                response_headers: list[list[str]], response_body: bytes, judgement: Any,
                error_class: str | None, policy_data: Any) -> None:
        now = self.clock.now()
        next_at: float | None = None
        state = "pending"
        reason = judgement.reason
        if judgement.decision is Decision.DELIVERED:
            state = "delivered"
        elif judgement.decision is Decision.DISABLE:
            state = "disabled"
        elif judgement.decision is Decision.GIVE_UP:
            state = "failed"
        else:
            delay = policy_from_dict(policy_data).delay_before(number + 1, self.rng)
            if delay is None:
                state = "failed"
                reason = f"Gave up after {number} attempt(s); last: {judgement.reason}"
            else:
                if judgement.retry_after is not None:
                    delay = max(delay, judgement.retry_after)
                next_at = now + delay
        with self.store.session() as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is None:
                return
            session.add(Attempt(
                delivery_id=delivery_id, number=number, started_at=started_at, finished_at=now,
                request_headers=[[k, v] for k, v in headers.items()], request_body=body,
                response_status=status, response_headers=response_headers,
                response_body=response_body, duration_ms=duration_ms,
                outcome=judgement.outcome, error_class=error_class,
                error_message=None if state == "delivered" else judgement.reason,
                next_attempt_at=next_at))
            delivery.attempt_count = number
            delivery.in_flight_since = None
            delivery.updated_at = now
            if delivery.state == "pending":  # not cancelled meanwhile
                delivery.state = state
                delivery.next_attempt_at = next_at
                delivery.final_reason = None if state in ("pending", "delivered") else reason
            sub = session.get(Subscription, delivery.subscription_id)
            if sub is not None:
                sub.last_called_at = now
                if state == "disabled":
                    sub.active = False
                    sub.disabled_reason = reason
            final_state = delivery.state
        self._notify(AttemptFinished(delivery_id, number, status, judgement.outcome,
                                     final_state, next_at))
