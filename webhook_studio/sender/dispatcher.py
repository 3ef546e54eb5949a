"""The dispatcher: a durable queue of deliveries in the store, worked on the running loop.

The queue *is* the ``deliveries`` table: a delivery is due when it is pending and its
``next_attempt_at`` has come. Due deliveries are claimed (marked in flight) in one transaction,
sent concurrently, and their attempts recorded in group commits (``sender/queue.py``). A crash
between claim and record leaves the in-flight mark, and :meth:`recover` makes such deliveries
due again at start: at-least-once, with at most that one attempt repeated, always with the
same delivery id. Each attempt is signed afresh (new timestamp, new signature) with every
secret current at that moment, so a rotated-out secret keeps signing until its expiry.

Time comes from the injected clock; the loop sleeps until the next due time or until
:meth:`wake` (an ``asyncio.Event``). Tests call :meth:`run_due` with a ``FixedClock`` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Collection
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from webhook_studio.core.clock import Clock, SystemClock
from webhook_studio.core.envelope import Envelope, default_envelope
from webhook_studio.core.matching import matches
from webhook_studio.core.message import SignInput
from webhook_studio.core.responses import Decision, Judgement, judge_error, judge_status
from webhook_studio.core.retry import policy_from_dict
from webhook_studio.core.schemes import Scheme, get_scheme
from webhook_studio.sender.control import cancel_delivery, reschedule_now, retry_dead_letters
from webhook_studio.sender.errors import classify_transport_error
from webhook_studio.sender.events import AttemptFinished, DeliveryChanged, SenderEvent
from webhook_studio.sender.queue import Job, Result, claim_due, next_due, options_key
from webhook_studio.sender.queue import record_results as _record_results
from webhook_studio.sender.transport import make_client
from webhook_studio.store import NotFound, Store
from webhook_studio.store.sender_models import Delivery, Event, Subscription
from webhook_studio.store.sender_queries import get_delivery, new_id

RESPONSE_BODY_CAP = 64 * 1024
FINAL_STATES = frozenset({"delivered", "failed", "disabled", "cancelled"})
IDLE_RECHECK_S = 30.0  # another process (the CLI) may add work without waking us
#: ``(profile, event_type, delivery_id, timestamp) -> extra headers`` for provider profiles.
HeaderHook = Callable[[str | None, str, str, int], dict[str, str]]


class Dispatcher:
    """Signals (plain callbacks in ``listeners``): :class:`AttemptFinished` after each
    recorded attempt, :class:`DeliveryChanged` after a manual retry or cancel."""

    def __init__(self, store: Store, clock: Clock | None = None, *,
                 client: httpx.AsyncClient | None = None, rng: random.Random | None = None,
                 envelope_for: Callable[[str | None], Envelope] | None = None,
                 header_hook: HeaderHook | None = None, max_in_flight: int = 64,
                 on_event: Callable[[SenderEvent], None] | None = None) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self._owns_client = client is None
        self.client = client or make_client()
        self.envelope_for = envelope_for or (lambda _profile: default_envelope)
        self.header_hook = header_hook
        self.listeners: list[Callable[[SenderEvent], None]] = [on_event] if on_event else []
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: set[str] = set()
        self._per_sub: dict[str, asyncio.Semaphore] = {}
        self._global = asyncio.Semaphore(max_in_flight)
        self._schemes: dict[tuple[str, str], Scheme] = {}
        self._results: list[tuple[Result, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._stopping = False

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping = False
        self.recover()
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._loop(), name="sender")

    async def stop(self) -> None:
        self._stopping = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)
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
        while not self._stopping:
            self._wake.clear()
            self._spawn_due()
            with self.store.session() as session:
                nxt, _ = next_due(session)
            delay = IDLE_RECHECK_S if nxt is None else max(0.0, nxt - self.clock.now())
            await self._sleep(delay)

    async def _sleep(self, delay: float) -> None:
        """Until ``delay`` passes or :meth:`wake`. ``asyncio.timeout``, not ``wait_for``: on
        3.11 ``wait_for`` swallows a cancel that lands as the event fires (stop() hung)."""
        if delay <= 0:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(delay, IDLE_RECHECK_S)):
                await self._wake.wait()

    # -- creating deliveries ------------------------------------------------------------------
    def emit(self, event_type: str, data: Any, *, subscription_id: str | None = None,
             source_capture_id: int | None = None) -> list[str]:
        """One delivery per matching active subscription (or for the one given, whatever its
        filter and flags), all written in one transaction before this returns."""
        now = self.clock.now()
        events: list[dict[str, Any]] = []
        deliveries: list[dict[str, Any]] = []
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
                    eid = new_id("evt")
                    body = self.envelope_for(sub.profile)(event_type, data, eid, now)
                    events.append({"id": eid, "type": event_type, "payload": body,
                                   "created_at": now})
                    event_ids[sub.profile] = eid
                first = policy_from_dict(sub.retry_policy).delay_before(1, self.rng) or 0.0
                deliveries.append({
                    "id": new_id("msg"), "event_id": event_ids[sub.profile],
                    "subscription_id": sub.id, "event_type": event_type,
                    "target_url": sub.url, "state": "pending", "attempt_count": 0,
                    "next_attempt_at": now + first, "source_capture_id": source_capture_id,
                    "created_at": now, "updated_at": now})
            if events:
                session.execute(insert(Event), events)
                session.execute(insert(Delivery), deliveries)
        self.wake()
        return [d["id"] for d in deliveries]

    def send_test(self, subscription_id: str) -> str:
        """A test event to one subscription, whatever its event filter (seed 004's /test)."""
        ids = self.emit("webhook.test", {"test": True,
                                         "message": "Test event from Webhook Studio"},
                        subscription_id=subscription_id)
        if not ids:
            raise NotFound(f"No subscription with id {subscription_id}.")
        return ids[0]

    # -- manual control (the store functions do the work; the CLI uses them directly) ------
    def retry_now(self, delivery_id: str) -> None:
        """Make a pending delivery due now, or bring back a failed/cancelled/disabled one."""
        with self.store.session() as session:
            reschedule_now(session, delivery_id, self.clock.now())
        self._notify(DeliveryChanged(delivery_id, "pending"))
        self.wake()

    def retry_dead_letter(self, delivery_id: str) -> None:
        with self.store.session() as session:
            reschedule_now(session, delivery_id, self.clock.now(), dead_letter_only=True)
        self._notify(DeliveryChanged(delivery_id, "pending"))
        self.wake()

    def bulk_retry_dead_letters(self, subscription_id: str) -> int:
        with self.store.session() as session:
            ids = retry_dead_letters(session, subscription_id, self.clock.now())
        for delivery_id in ids:
            self._notify(DeliveryChanged(delivery_id, "pending"))
        self.wake()
        return len(ids)

    def cancel(self, delivery_id: str) -> None:
        with self.store.session() as session:
            cancel_delivery(session, delivery_id, self.clock.now())
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

    # -- working the queue --------------------------------------------------------------------
    def _spawn_due(self, only: Collection[str] | None = None) -> list[asyncio.Task[None]]:
        with self.store.session() as session:
            jobs = claim_due(session, self.clock.now(), only, exclude=self._in_flight)
        tasks = []
        for job in jobs:
            self._in_flight.add(job.delivery_id)
            task = asyncio.get_running_loop().create_task(self._attempt(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            tasks.append(task)
        return tasks

    async def run_due(self, only: Collection[str] | None = None) -> int:
        """Make every attempt due now and wait until each is recorded (tests drive time with
        a clock). Returns how many attempts were made."""
        total = 0
        while tasks := self._spawn_due(only):
            total += len(tasks)
            await asyncio.gather(*tasks)
            if len(tasks) < 100:  # a short batch: nothing more was waiting
                break
        return total

    async def run_until_final(self, only: Collection[str] | None = None) -> None:
        """Work the queue (all of it, or just ``only``) until nothing in it is pending.

        For the CLI's ``--wait`` and ``resume``: sleeps on the real loop until the next due
        time, so it is meant for a wall clock (tests use :meth:`run_due` with a fixed one).
        """
        while True:
            self._wake.clear()
            await self.run_due(only)
            with self.store.session() as session:
                nxt, left = next_due(session, only)
            if not left:
                return
            await self._sleep(0.0 if nxt is None else nxt - self.clock.now())

    def _scheme(self, job: Job) -> Scheme:
        key = (job.scheme, options_key(job.scheme_options))
        if key not in self._schemes:
            self._schemes[key] = get_scheme(job.scheme, job.scheme_options)
        return self._schemes[key]

    def _sign(self, job: Job) -> dict[str, str]:
        timestamp = int(self.clock.now())
        headers = {"Content-Type": "application/json", **job.headers}
        if self.header_hook is not None:
            headers.update(self.header_hook(job.profile, job.event_type, job.delivery_id,
                                            timestamp))
        headers.update(self._scheme(job).sign(
            job.secrets, SignInput(job.body, job.delivery_id, timestamp, job.url)))
        return headers

    async def _attempt(self, job: Job) -> None:
        try:
            semaphore = self._per_sub.setdefault(job.subscription_id,
                                                 asyncio.Semaphore(job.max_concurrency))
            async with self._global, semaphore:
                result = await self._send(job)
            await self._persist(result)
        finally:
            self._in_flight.discard(job.delivery_id)

    async def _send(self, job: Job) -> Result:
        started_at = self.clock.now()
        started = time.perf_counter()
        status: int | None = None
        response_headers: list[list[str]] = []
        response_body = b""
        error_class: str | None = None
        headers: dict[str, str] = {}
        try:
            headers = self._sign(job)
            response = await self.client.post(job.url, content=job.body, headers=headers,
                                              timeout=job.timeout)
            status = response.status_code
            response_headers = [[k, v] for k, v in response.headers.multi_items()]
            response_body = response.content[:RESPONSE_BODY_CAP]
            judgement = judge_status(status, response.headers.get("Retry-After"),
                                     self.clock.now())
        except httpx.HTTPError as exc:
            judgement = judge_error(*classify_transport_error(exc, job.timeout))
            error_class = type(exc).__name__
        except Exception as exc:  # a bad secret or scheme: record it, do not kill the loop
            judgement = Judgement(Decision.GIVE_UP, "signing_error",
                                  f"Could not sign the request: {exc}")
            error_class = type(exc).__name__
        duration_ms = (time.perf_counter() - started) * 1000
        state, next_at, reason = self._decide(job, judgement)
        return Result(job, started_at, self.clock.now(), [[k, v] for k, v in headers.items()],
                      status, response_headers, response_body, duration_ms, judgement.outcome,
                      error_class, None if state == "delivered" else judgement.reason, state,
                      next_at, reason)

    def _decide(self, job: Job, judgement: Judgement) -> tuple[str, float | None, str | None]:
        """``(state, next attempt time, reason)`` after this attempt."""
        if judgement.decision is Decision.DELIVERED:
            return "delivered", None, None
        if judgement.decision is Decision.DISABLE:
            return "disabled", None, judgement.reason
        if judgement.decision is Decision.GIVE_UP:
            return "failed", None, judgement.reason
        delay = policy_from_dict(job.retry_policy).delay_before(job.number + 1, self.rng)
        if delay is None:
            return "failed", None, (f"Gave up after {job.number} attempt(s); last: "
                                    f"{judgement.reason}")
        if judgement.retry_after is not None:
            delay = max(delay, judgement.retry_after)
        return "pending", self.clock.now() + delay, None

    async def _persist(self, result: Result) -> None:
        """Queue the result for the next group commit and wait until it is written."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._results.append((result, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_groups())
        await done

    async def _write_groups(self) -> None:
        await asyncio.sleep(0)  # let attempts finishing in the same loop turn join the group
        while self._results:
            group, self._results = self._results, []
            try:
                with self.store.session() as session:
                    states = _record_results(session, [r for r, _ in group], self.clock.now())
            except Exception as exc:
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for result, done in group:
                done.set_result(None)
                self._notify(AttemptFinished(
                    result.job.delivery_id, result.job.number, result.status, result.outcome,
                    states.get(result.job.delivery_id, result.state), result.next_attempt_at))
            self.wake()
            await asyncio.sleep(0)
