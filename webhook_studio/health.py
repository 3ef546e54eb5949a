"""How the engines are doing: receiver, sender and store, each ``ok``, ``degraded`` or ``down``.

Why a model of its own: a sender that stopped after the store was locked kept the receiver and
the API answering while deliveries stayed pending for good, and nothing said so until shutdown.
Engines now report here; the window's status bar, ``GET /health`` and the log read it.

* ``ok``: working.
* ``degraded``: working around a fault and retrying (the store is locked, writes back off).
* ``down``: not running, or failing with no retry in sight.

A state change is logged once (warning when worse, info when better) and told to listeners;
a new sentence for the same state (the next backoff delay) is kept but neither logged nor
announced, so a fault that lasts an hour is one log line, not thousands.

Plain Python, no Qt: ``ui/widgets/health_indicator.py`` turns listener calls into a label.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("webhook_studio.health")

COMPONENTS = ("receiver", "sender", "store")
BACKOFF_MIN_S, BACKOFF_MAX_S = 0.5, 10.0
LEVELS = {"ok": 0, "degraded": 1, "down": 2}


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    state: str  # ok, degraded, down
    sentence: str
    since: float

    def to_dict(self) -> dict[str, Any]:
        from datetime import UTC, datetime

        return {"state": self.state, "sentence": self.sentence,
                "since": datetime.fromtimestamp(self.since, UTC).isoformat()}


class Health:
    """Signals (plain callbacks in ``listeners``): called with the :class:`ComponentHealth`
    of a component whose state changed."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        start = now()
        self._parts = {name: ComponentHealth(name, "down", "not started", start)
                       for name in ("receiver", "sender")}
        # Whoever builds this has opened the store; the first failed write says otherwise.
        self._parts["store"] = ComponentHealth("store", "ok", "open", start)
        self.listeners: list[Callable[[ComponentHealth], None]] = []
        #: Extra fields per component for the detailed answer (the receiver's counters).
        self.details: dict[str, dict[str, Any]] = {}

    def set(self, name: str, state: str, sentence: str, *, expected: bool = False) -> None:
        """Record a component's state; ``expected`` changes (start, stop) log at info."""
        if state not in LEVELS or name not in self._parts:
            raise ValueError(f"Unknown health {name}={state}.")
        old = self._parts[name]
        if old.state == state:
            if old.sentence != sentence:
                self._parts[name] = ComponentHealth(name, state, sentence, old.since)
            return
        new = ComponentHealth(name, state, sentence, self._now())
        self._parts[name] = new
        worse = LEVELS[state] > LEVELS[old.state]
        log.log(logging.WARNING if worse and not expected else logging.INFO,
                "%s %s: %s", name, state, sentence)
        for listener in list(self.listeners):
            listener(new)

    def get(self, name: str) -> ComponentHealth:
        """A component's state as others see it: a running receiver cannot store captures
        (it answers 503) while the store cannot be written, so it shows as degraded then."""
        part = self._parts[name]
        store = self._parts["store"]
        if name == "receiver" and part.state == "ok" and store.state != "ok":
            return ComponentHealth(name, "degraded",
                                   "Requests are answered 503 (not stored) while the store "
                                   "cannot be written.", max(part.since, store.since))
        return part

    def snapshot(self) -> dict[str, ComponentHealth]:
        return {name: self.get(name) for name in COMPONENTS}

    @property
    def status(self) -> str:
        """The worst state of the three."""
        return max((p.state for p in self.snapshot().values()), key=LEVELS.__getitem__)

    def to_dict(self) -> dict[str, Any]:
        parts = self.snapshot()
        return {"status": self.status, **{name: {**p.to_dict(), **self.details.get(name, {})}
                                          for name, p in parts.items()}}

    async def check_store(self, store: Any, wait_s: float = 1.0) -> None:
        """Look at the store now (a write lock taken and given back at once, on a worker
        thread) so ``/health`` is true even when no engine has written for a while."""
        try:
            await asyncio.wait_for(asyncio.to_thread(probe_store, store, wait_s),
                                   wait_s + 1.0)
        except TimeoutError:
            self.set("store", "degraded", f"The store did not answer within {wait_s:g} s.")
        except Exception as exc:
            self.store_failed(exc)
        else:
            self.set("store", "ok", "writable")

    def store_failed(self, exc: BaseException) -> None:
        """A write failed: a lock held by another writer or a lost connection is passing
        trouble (degraded), the rest (disk full, read-only, damaged) is down. Decided by the
        failure's code (``store.db_errors``), not by the sentence's wording."""
        from webhook_studio.store.database import describe_db_error
        from webhook_studio.store.db_errors import classify, is_transient
        from webhook_studio.store.errors import StoreError

        sentence = str(exc) if isinstance(exc, StoreError) else describe_db_error(exc)
        self.set("store", "degraded" if is_transient(classify(exc)) else "down", sentence)


class Backoff:
    """Capped doubling delays for retrying store work: 0.5, 1, 2, 4, 8, 10, 10 ... s."""

    def __init__(self) -> None:
        self.delay = 0.0

    def next(self) -> float:
        self.delay = min(BACKOFF_MAX_S, max(BACKOFF_MIN_S, self.delay * 2))
        return self.delay

    def reset(self) -> None:
        self.delay = 0.0


async def watch_store(health: Health, store: Any, receiver: Any = None,
                      every: float = 10.0) -> None:
    """Look at the store (and the receiver's own report) every ``every`` seconds until
    cancelled, so the status bar and the log learn of a locked or full store, or a receiver in
    trouble, even while no engine writes and nobody asks ``/health``."""
    while True:
        sync_receiver(health, receiver)
        await health.check_store(store)
        await asyncio.sleep(every)


def watching(health: Health, store: Any, receiver: Any = None) -> Callable[[], Awaitable[None]]:
    """Start :func:`watch_store` on the running loop; returns the coroutine function that
    stops it, for an exit stack."""
    task = asyncio.get_running_loop().create_task(watch_store(health, store, receiver),
                                                  name="store-health")

    async def stop() -> None:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    return stop


def sync_receiver(health: Health, receiver: Any) -> None:
    """Bring the receiver's state in line with what it says of itself: its ``health()``
    report (``{"state", "sentence", "counters"}``: connection cap reached, captures refused)
    where it has one, else whether it listens (it may be started or stopped by a part of the
    app that does not report here, like the window's Settings)."""
    if receiver is None:
        return
    report = getattr(receiver, "health", None)
    if callable(report):
        data = report()
        state = str(data.get("state", "down"))
        health.set("receiver", state, str(data.get("sentence", "")), expected=state == "down")
        health.details["receiver"] = {"counters": data.get("counters") or {}}
        return
    url = getattr(receiver, "url", None)
    if url and health.get("receiver").state == "down":
        health.set("receiver", "ok", f"receiving on {url}", expected=True)
    elif not url:
        health.set("receiver", "down", "not listening", expected=True)


def probe_store(store: Any, timeout: float) -> None:
    """Take the write lock and give it back (SQLite), or run a trivial query (others)."""
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        if store.engine.dialect.name == "sqlite":
            old = cur.execute("PRAGMA busy_timeout").fetchone()[0]
            cur.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            try:
                raw.rollback()
                cur.execute("BEGIN IMMEDIATE")
                cur.execute("ROLLBACK")
            finally:
                cur.execute(f"PRAGMA busy_timeout={int(old)}")
        elif store.engine.dialect.name == "postgresql":
            # What an insert needs: ROW EXCLUSIVE on the tables we write, waited for at most
            # ``timeout`` (another session's table lock shows here as it does on SQLite).
            cur.execute(f"SET LOCAL lock_timeout = {max(1, int(timeout * 1000))}")
            cur.execute("LOCK TABLE captures, deliveries, attempts IN ROW EXCLUSIVE MODE")
            raw.rollback()
        else:
            cur.execute("SELECT 1")
            raw.rollback()
        cur.close()
    finally:
        raw.close()
