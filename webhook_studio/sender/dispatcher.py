"""The dispatcher: a durable queue of deliveries in the store, worked on the running loop.

The queue *is* the ``deliveries`` table: a delivery is due when it is pending and its
``next_attempt_at`` has come. Due deliveries are claimed (marked in flight) in one transaction,
sent concurrently, and their attempts recorded in group commits (``sender/queue.py``). A claim
is a lease renewed while the attempt runs (``sender/lease.py``): another ``serve`` or
``deliveries resume`` on the same store leaves it alone, and a crash between claim and record
makes the delivery due again once the lease is given up: at-least-once, with at most that one
attempt repeated, always with the same delivery id. Each attempt is signed afresh (new
timestamp, new signature) with every secret current at that moment, so a rotated-out secret
keeps signing until its expiry.

Faults do not stop it: a store that cannot be read or written (locked, full) puts the sender in
``degraded`` health and it tries again with a capped backoff (0.5 s doubling to 10 s); a
finished attempt whose record cannot be written is kept and written later, never dropped with
its lease left set (``sender/recording.py``). Store work runs on worker threads, so a locked
store does not freeze the loop the receiver and the API share.

Time comes from the injected clock; the loop sleeps until the next due time or until
:meth:`wake` (an ``asyncio.Event``). Tests call :meth:`run_due` with a ``FixedClock`` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from webhook_studio.core.clock import Clock, SystemClock
from webhook_studio.core.envelope import Envelope, default_envelope
from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.health import Backoff, Health
from webhook_studio.sender.attempt import RESPONSE_BODY_CAP, AttemptMaker, HeaderHook
from webhook_studio.sender.control import cancel_delivery, reschedule_now, retry_dead_letters
from webhook_studio.sender.emitting import store_events as _store_events
from webhook_studio.sender.events import DeliveryChanged, SenderEvent
from webhook_studio.sender.faults import report_fault
from webhook_studio.sender.jobs import Job
from webhook_studio.sender.lease import (
    LEASE_S,
    RENEW_S,
    keep_renewed,
    make_owner_id,
    owner_is_gone,
)
from webhook_studio.sender.payload_cache import PayloadCache
from webhook_studio.sender.queue import (
    any_due,
    claim_due,
    next_due,
    reclaim_abandoned,
    release_leases,
    renew_leases,
)
from webhook_studio.sender.recording import GroupWriter
from webhook_studio.sender.subscription_cache import SubscriptionCache
from webhook_studio.sender.transport import SenderClient, make_client
from webhook_studio.store import NotFound, Store, StoreUnavailable
from webhook_studio.store.live import LiveListener, is_team_url
from webhook_studio.store.sender_queries import get_delivery

__all__ = ["RESPONSE_BODY_CAP", "Dispatcher", "HeaderHook"]
FINAL_STATES = frozenset(set(DeliveryState) - {DeliveryState.PENDING})
IDLE_RECHECK_S = 30.0  # another process (the CLI) may add work without waking us
WAIT_POLL_S = 2.0  # run_until_final: how often to look for work another sender finished
CLAIM_MIN = 100  # run_due's "short batch" test counts on claims of at least 100
log = logging.getLogger(__name__)


class Dispatcher:
    """Signals (plain callbacks in ``listeners``): :class:`AttemptFinished` after each
    recorded attempt, :class:`DeliveryChanged` after a manual retry or cancel. Its state
    (``ok``, ``degraded``, ``down``) goes to ``health`` (``webhook_studio/health.py``)."""

    def __init__(self, store: Store, clock: Clock | None = None, *,
                 client: SenderClient | None = None, rng: random.Random | None = None,
                 envelope_for: Callable[[str | None], Envelope] | None = None,
                 header_hook: HeaderHook | None = None, max_in_flight: int = 64,
                 on_event: Callable[[SenderEvent], None] | None = None,
                 health: Health | None = None, lease_s: float = LEASE_S,
                 renew_s: float = RENEW_S) -> None:
        self.store = store
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self._owns_client = client is None
        self.client = client or make_client()
        self.envelope_for = envelope_for or (lambda _profile: default_envelope)
        self.header_hook = header_hook
        self._maker = AttemptMaker(self.client, self.clock, self.rng, header_hook)
        self.listeners: list[Callable[[SenderEvent], None]] = [on_event] if on_event else []
        self._wake = asyncio.Event()
        self._loop_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight: set[str] = set()
        self._per_sub: dict[str, asyncio.Semaphore] = {}
        self._global = asyncio.Semaphore(max_in_flight)
        #: At most this many deliveries claimed and not yet recorded: what this process can
        #: work on soon. Claiming more would hold leases other workers on a shared queue
        #: could be using (team mode), and renew them for nothing.
        self.max_claimed = max(CLAIM_MIN, 2 * max_in_flight)
        self._renewer: asyncio.Task[None] | None = None
        self._stopping = False
        self.health = health or Health(self.clock.now)
        self.owner = make_owner_id()
        self._writer = GroupWriter(store, self.clock, self.owner, trouble=self._trouble,
                                   healthy=self._healthy, notify=self._notify,
                                   wake=self.wake)
        self.lease_s, self.renew_s = lease_s, renew_s
        self._live: LiveListener | None = None
        #: Subscriptions kept between claims while the store's change counter stays put.
        self._subs = SubscriptionCache()
        #: Bodies of the events this sender wrote or read, so claims need not read them.
        self._bodies = PayloadCache()

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        self._stopping = False
        self._writer.open()
        if self._loop_task is None:
            self._loop_task = asyncio.get_running_loop().create_task(self._loop(), name="sender")
            self.health.set("sender", "ok", "running", expected=True)
        if self._live is None and is_team_url(self.store.url):
            # Team database: deliveries another process enqueues (or retries) wake this
            # sender at once instead of at its next idle look (store/live.py).
            self._live = LiveListener(self.store.url, lambda _change: self.wake(),
                                      kinds=("deliveries",))
            self._live.start()

    async def stop(self) -> None:
        """Stop claiming, let running attempts finish and be recorded (unrecorded ones keep
        trying for a few seconds), give back this sender's leases, close the client. Never
        raises for a store fault: the caller still has other engines to stop."""
        self._stopping = True
        self._writer.begin_stop()
        if self._live is not None:
            await self._live.stop()
            self._live = None
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._writer.drain()
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
            self._renewer = None
        try:
            await asyncio.to_thread(self._release_all)
        except Exception as exc:  # the leases expire by themselves
            log.warning("Could not give back the sender's leases (%s); they expire within "
                        "%g s.", exc, self.lease_s)
        if self._owns_client:
            await self.client.aclose()
        self.health.set("sender", "down", "stopped", expected=True)

    def _release_all(self) -> None:
        with self.store.session() as session:
            release_leases(session, self.owner)

    def recover(self) -> int:
        """Deliveries whose lease expired or whose sender process is gone become claimable
        again (same id, same number); live leases of other senders are left alone."""
        with self.store.session() as session:
            return reclaim_abandoned(session, self.clock.now(), owner_is_gone)

    def wake(self) -> None:
        self._wake.set()

    def _notify(self, event: SenderEvent) -> None:
        for listener in list(self.listeners):
            listener(event)

    async def _loop(self) -> None:
        backoff = Backoff()
        recovered = False
        while not self._stopping:
            self._wake.clear()
            try:
                if not recovered:
                    await asyncio.to_thread(self.recover)
                    recovered = True
                await self._spawn_due()
                nxt, _ = await asyncio.to_thread(self._next_due, None)
            except Exception as exc:  # a store fault (or a bug): report, back off, go on
                await asyncio.sleep(self._trouble(exc, backoff, "claiming due deliveries"))
                continue
            backoff.reset()
            self._healthy()
            delay = IDLE_RECHECK_S if nxt is None else max(0.0, nxt - self.clock.now())
            if len(self._in_flight) >= self.max_claimed:
                delay = IDLE_RECHECK_S  # full: the next recorded group wakes the loop
            await self._sleep(delay)

    def _next_due(self, only: Collection[str] | None) -> tuple[float | None, int]:
        with self.store.session() as session:
            return next_due(session, only, now=self.clock.now(), exclude=set(self._in_flight))

    def _trouble(self, exc: BaseException, backoff: Backoff, doing: str) -> float:
        return report_fault(self.health, exc, backoff, doing)  # sender/faults.py

    def _healthy(self) -> None:
        self.health.set("store", "ok", "writable")
        if self._loop_task is not None and not self._stopping:
            self.health.set("sender", "ok", "running")

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
        return self.emit_many([(event_type, data)], subscription_id=subscription_id,
                              source_capture_id=source_capture_id)

    def emit_many(self, items: Iterable[tuple[str, Any]], *,
                  subscription_id: str | None = None,
                  source_capture_id: int | None = None) -> list[str]:
        """:meth:`emit` for many ``(event_type, data)`` at once: the subscriptions are read
        once and every event and delivery is written in ONE transaction (one commit instead of
        one per event: ~1 ms each through the ORM before). All or nothing."""
        grouped = self.store_events([(t, d, subscription_id) for t, d in items],
                                    source_capture_id=source_capture_id)
        self.wake()
        return [i for ids in grouped for i in ids]

    def store_events(self, items: Sequence[tuple[str, Any, str | None]], *,
                     source_capture_id: int | None = None,
                     refuse_unknown: bool = False) -> list[list[str]]:
        """The store work of :meth:`emit_many` (``sender/emitting.py``), one
        ``(event_type, data, subscription_id)`` each, answered as one list of delivery ids per
        item. Touches no loop object, so the API runs a big batch in a worker thread and then
        calls :meth:`wake` on the loop itself."""
        return _store_events(self.store, self.clock, self.rng, self.envelope_for, items,
                             source_capture_id=source_capture_id,
                             refuse_unknown=refuse_unknown, written=self._bodies.add)

    def send_test(self, subscription_id: str) -> str:
        """A test event to one subscription, whatever its event filter (seed 004's /test)."""
        delivery_id = self.store_test(subscription_id)
        self.wake()
        return delivery_id

    def store_test(self, subscription_id: str) -> str:
        """The store work of :meth:`send_test`; touches no loop object (the API runs it in a
        worker thread, then calls :meth:`wake`)."""
        (ids,) = self.store_events([("webhook.test", {
            "test": True, "message": "Test event from Webhook Studio"}, subscription_id)])
        if not ids:
            raise NotFound(f"No subscription with id {subscription_id}.")
        return ids[0]

    # -- manual control (the store functions do the work; the CLI uses them directly) ------
    # Each is a store part, which touches no loop object (the API runs it in a worker thread,
    # so a store another program holds locked stalls that request only), and a loop part,
    # :meth:`changed`, which tells the listeners and wakes the sender.
    def retry_now(self, delivery_id: str) -> None:
        """Make a pending delivery due now, or bring back a failed/cancelled/disabled one."""
        self.store_retry(delivery_id)
        self.changed(delivery_id, DeliveryState.PENDING)

    def retry_dead_letter(self, delivery_id: str) -> None:
        self.store_retry(delivery_id, dead_letter_only=True)
        self.changed(delivery_id, DeliveryState.PENDING)

    def store_retry(self, delivery_id: str, *, dead_letter_only: bool = False) -> None:
        with self.store.session() as session:
            reschedule_now(session, delivery_id, self.clock.now(),
                           dead_letter_only=dead_letter_only)

    def changed(self, delivery_id: str, state: DeliveryState) -> None:
        """On the loop, after a store part: listeners hear of it, the sender looks again."""
        self.changed_many([delivery_id], state)

    def bulk_retry_dead_letters(self, subscription_id: str | None, *,
                                since: float | None = None) -> list[str]:
        """Every dead letter of a subscription (all, with None) created at ``since`` or later
        is due now; the ids. On the loop: the API and the window use the two parts below."""
        ids = self.store_retry_dead_letters(subscription_id, since=since)
        self.changed_many(ids, DeliveryState.PENDING)
        return ids

    def store_retry_dead_letters(self, subscription_id: str | None, *,
                                 since: float | None = None) -> list[str]:
        with self.store.session() as session:
            return retry_dead_letters(session, subscription_id, self.clock.now(), since=since)

    def changed_many(self, delivery_ids: Sequence[str], state: DeliveryState) -> None:
        for delivery_id in delivery_ids:
            self._notify(DeliveryChanged(delivery_id, state))
        self.wake()

    def cancel(self, delivery_id: str) -> None:
        self.store_cancel(delivery_id)
        self.changed(delivery_id, DeliveryState.CANCELLED)

    def store_cancel(self, delivery_id: str) -> None:
        with self.store.session() as session:
            cancel_delivery(session, delivery_id, self.clock.now())

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
    def _claim(self, now: float, only: Collection[str] | None,
               exclude: Collection[str]) -> list[Job]:
        room = self.max_claimed - len(exclude)
        if room <= 0:
            return []
        # A read first, in its own transaction: an idle queue then takes no write lock (and
        # is not held up by another program's), and the claim's transaction starts with its
        # UPDATE, never upgrading a read snapshot that another writer may have made stale.
        with self.store.session() as session:
            if not any_due(session, now, only, exclude):
                return []
        with self.store.session() as session:
            return claim_due(session, now, only, exclude, owner=self.owner,
                             lease_s=self.lease_s, limit=room, cache=self._subs,
                             bodies=self._bodies)

    async def _spawn_due(self, only: Collection[str] | None = None) -> list[asyncio.Task[None]]:
        jobs = await asyncio.to_thread(self._claim, self.clock.now(), only, set(self._in_flight))
        tasks = []
        for job in jobs:
            self._in_flight.add(job.delivery_id)
            task = asyncio.get_running_loop().create_task(self._attempt(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            tasks.append(task)
        if jobs and (self._renewer is None or self._renewer.done()):
            self._renewer = asyncio.get_running_loop().create_task(
                keep_renewed(self._in_flight, self.renew_s, self._renew, self._trouble))
        return tasks

    def _renew(self, ids: Collection[str]) -> None:
        with self.store.session() as session:
            renew_leases(session, self.owner, ids, self.clock.now() + self.lease_s)

    async def run_due(self, only: Collection[str] | None = None) -> int:
        """Make every attempt due now and wait until each is recorded (tests drive time with
        a clock). Returns how many attempts were made.

        Claims again only once the previous claim is recorded. Claiming as soon as a batch's
        worth of room was free (connections never idle between claims) was tried: no gain
        in deliveries/s measurable on the 2-core machine, and the claim's share of py-spy's
        samples rose from 6 % to 24 % with the many smaller claims (docs/benchmarks.md)."""
        total = 0
        while tasks := await self._spawn_due(only):
            total += len(tasks)
            await asyncio.gather(*tasks)
            if len(tasks) < 100:  # a short batch: nothing more was waiting
                break
        return total

    async def run_until_final(self, only: Collection[str] | None = None) -> None:
        """Work the queue (all of it, or just ``only``) until nothing in it is pending.

        For the CLI's ``--wait`` and ``resume``: sleeps on the real loop until the next due
        time, so it is meant for a wall clock (tests use :meth:`run_due` with a fixed one).
        A delivery another sender holds counts as pending: this waits for its outcome (looking
        every few seconds) instead of returning early. Store faults are waited out with
        backoff; bound the whole wait with ``asyncio.timeout`` if it must end.
        """
        backoff = Backoff()
        due_now = True
        while True:
            self._wake.clear()
            try:
                if due_now:
                    await self.run_due(only)
                nxt, left = await asyncio.to_thread(self._next_due, only)
            except StoreUnavailable as exc:
                await asyncio.sleep(self._trouble(exc, backoff, "working the queue"))
                continue
            backoff.reset()
            if not left:
                return
            wait = WAIT_POLL_S if nxt is None else max(0.0, nxt - self.clock.now())
            due_now = wait <= WAIT_POLL_S
            await self._sleep(min(wait, WAIT_POLL_S))

    async def _attempt(self, job: Job) -> None:
        try:
            semaphore = self._per_sub.setdefault(job.subscription_id,
                                                 asyncio.Semaphore(job.max_concurrency))
            async with self._global, semaphore:
                result = await self._maker.make(job)
            await self._writer.persist(result)
        except StoreUnavailable:
            pass  # given up at stop (logged by the writer); the lease expires
        finally:
            self._in_flight.discard(job.delivery_id)
