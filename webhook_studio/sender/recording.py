"""Recording finished attempts in group commits, and never losing one to a store fault.

Apart from the delivery loop because it has its own state and rules: results wait in a list,
one writer task commits whatever gathered in a loop turn in one transaction
(``sender/queue.py``), and a group that cannot be written (store locked, disk full) is kept and
tried again with backoff: the attempt was made, so dropping its record would send it again.
Only at stop, after ``STOP_PATIENCE_S``, are the waiters told it failed; their deliveries are
then attempted again once their leases expire. The dispatcher gives it its health reporting,
its listeners and its wake-up as callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from webhook_studio.core.clock import Clock
from webhook_studio.health import Backoff
from webhook_studio.sender.events import AttemptFinished, SenderEvent
from webhook_studio.sender.jobs import Result
from webhook_studio.sender.queue import record_results
from webhook_studio.store import Store, StoreUnavailable

STOP_PATIENCE_S = 5.0  # at stop, how long unrecorded attempts keep trying to be written
log = logging.getLogger(__name__)


class GroupWriter:
    """``trouble(exc, backoff, doing)`` reports a failed write and answers how long to wait;
    ``healthy()`` after each written group; ``notify`` gets an :class:`AttemptFinished` for
    each attempt once written; ``wake()`` after each group (the loop may claim again)."""

    def __init__(self, store: Store, clock: Clock, owner: str, *,
                 trouble: Callable[[BaseException, Backoff, str], float],
                 healthy: Callable[[], None], notify: Callable[[SenderEvent], None],
                 wake: Callable[[], None]) -> None:
        self.store, self.clock, self.owner = store, clock, owner
        self._trouble, self._healthy, self._notify, self._wake = trouble, healthy, notify, wake
        self._results: list[tuple[Result, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._stopping = False
        self._stopped = asyncio.Event()  # cuts the writer's backoff short at stop
        self._stop_deadline = 0.0

    def open(self) -> None:
        self._stopping = False
        self._stopped.clear()

    def begin_stop(self) -> None:
        """From now on a group that cannot be written is given up ``STOP_PATIENCE_S`` later."""
        self._stopping = True
        self._stop_deadline = time.monotonic() + STOP_PATIENCE_S
        self._stopped.set()

    async def drain(self) -> None:
        """Until every queued result is written or given up."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

    async def persist(self, result: Result) -> None:
        """Queue the result for the next group commit and wait until it is written."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._results.append((result, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_groups())
        await done

    async def _write_groups(self) -> None:
        await asyncio.sleep(0)  # let attempts finishing in the same loop turn join the group
        backoff = Backoff()
        while self._results:
            group, self._results = self._results, []
            try:
                states = await asyncio.to_thread(self._record, [r for r, _ in group])
            except Exception as exc:
                self._results = group + self._results
                delay = self._trouble(exc, backoff, "recording attempts")
                if self._stopping:
                    delay = min(delay, self._stop_deadline - time.monotonic())
                    if delay <= 0:
                        self._give_up(exc)
                        return
                with contextlib.suppress(TimeoutError):  # stop() shortens the wait
                    async with asyncio.timeout(delay):
                        await (asyncio.sleep(delay) if self._stopping else self._stopped.wait())
                continue
            backoff.reset()
            self._healthy()
            for result, done in group:
                if not done.done():
                    done.set_result(None)
                self._notify(AttemptFinished(
                    result.job.delivery_id, result.job.number, result.status, result.outcome,
                    states.get(result.job.delivery_id, result.state), result.next_attempt_at))
            self._wake()
            await asyncio.sleep(0)

    def _record(self, results: list[Result]) -> dict[str, str]:
        with self.store.session() as session:
            return record_results(session, results, self.clock.now(), self.owner)

    def _give_up(self, exc: BaseException) -> None:
        waiting, self._results = self._results, []
        log.error("%d finished attempt(s) could not be recorded (%s); their deliveries will "
                  "be attempted again once their leases expire.", len(waiting), exc)
        error = exc if isinstance(exc, StoreUnavailable) else StoreUnavailable(str(exc))
        for _, done in waiting:
            if not done.done():
                done.set_exception(error)
