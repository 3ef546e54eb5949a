"""The Inbox's and Deliveries' data tools: the filter language's store side (counts off the GUI
thread, completion values), Copy as, the traffic pictures, the first-run request and the
sample workspace. Every store read runs on a worker thread (``ui/query_op.py``).

Signals:
    traffic(list[TrafficBucket]): captures per minute, after :meth:`refresh_traffic`.
    latency(dict[str, list[LatencyBucket]], tuple[float, float], dict[str, str]): attempts per
        subscription, their time span and labels, after :meth:`refresh_latency`.
    first_run(FirstRun): what the empty Inbox shows, after :meth:`prepare_first_run`.
    said(str): a sentence for the person (a test webhook sent, examples loaded, a failure).
    examples_loaded(): the sample workspace is in the store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from webhook_studio.core.copy_as import RequestCopy, to_curl
from webhook_studio.core.filter_syntax import FilterKind
from webhook_studio.store import Store, copy_reads, stats
from webhook_studio.store.filters import known_values
from webhook_studio.store.receiver_queries import list_endpoints
from webhook_studio.ui.controllers.traffic_minutes import TrafficMinutes
from webhook_studio.ui.query_op import Queries
from webhook_studio.ui.tasks import TaskRunner

#: Minutes the traffic strip and the latency chart show.
MINUTES = 60


@dataclass(frozen=True)
class FirstRun:
    url: str
    curl: str
    note: str
    endpoints: list[tuple[str, int | None]]
    endpoint_id: int | None


def _profiles() -> Callable[[str], Any]:
    from webhook_studio.profile_library import ProfileLibrary

    library = ProfileLibrary.load()
    return library.profiles.get


class DataTools(QObject):
    traffic = Signal(object)
    latency = Signal(object, object, object)
    first_run = Signal(object)
    said = Signal(str)
    examples_loaded = Signal()

    def __init__(self, store: Store, runner: TaskRunner, parent: QObject | None = None,
                 *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self.store = store
        self.runner = runner
        self.clock = clock
        self.queries = Queries(runner)
        self.known: dict[FilterKind, dict[str, tuple[str, ...]]] = {k: {} for k in FilterKind}
        self._profiles: Callable[[str], Any] | None = None
        self._traffic_reading = self._traffic_again = False
        self._traffic = TrafficMinutes(MINUTES)
        #: Where the last traffic read started (None: the whole hour).
        self.traffic_since: float | None = None
        #: Seconds the last read of changed minutes took (the Inbox reads less often when it
        #: is slow). The whole hour's read, at least once a minute, is not counted: at 120,000
        #: captures in the hour it takes ~35x longer, and counted it held the strip back for
        #: 10x its own time after every one (1.4 s; ~15 s at a million).
        self.traffic_cost = 0.0

    def profiles(self) -> Callable[[str], Any]:
        if self._profiles is None:
            self._profiles = _profiles()
        return self._profiles

    # -- filters --------------------------------------------------------------------------------
    def load_known(self, kind: FilterKind) -> None:
        """Refresh the completion values (header names, endpoints, events…) in the background;
        the field uses what was read last."""
        def keep(values: dict[str, tuple[str, ...]]) -> None:
            self.known[kind] = values

        self.queries.run(f"known-{kind}", lambda: known_values(self.store, kind), keep)

    # -- copy as ------------------------------------------------------------------------------
    def capture_request(self, capture_id: int, base_url: str,
                        then: Callable[[RequestCopy], None]) -> None:
        self.queries.run(f"copy-capture-{capture_id}",
                         lambda: copy_reads.capture_request(self.store, capture_id, base_url),
                         then)

    def attempt_request(self, delivery_id: str, then: Callable[[RequestCopy], None],
                        number: int | None = None) -> None:
        """Attempt ``number`` of the delivery (the latest when None) as it was sent."""
        self.queries.run(f"copy-attempt-{delivery_id}-{number}",
                         lambda: copy_reads.attempt_request(self.store, delivery_id, number),
                         then)

    # -- pictures -----------------------------------------------------------------------------
    def refresh_traffic(self, full: bool = False) -> None:
        """One read of the strip's minutes at a time: asked again while one runs, it reads
        once more when that is done. (A read per second each superseding the last would pile
        up on the worker threads.) ``full`` after the window changed past minutes itself
        (deleted, imported, loaded examples): the next read is of the whole hour."""
        if full:
            self._traffic.invalidate()
        if self._traffic_reading:
            self._traffic_again = True
            return
        self._traffic_reading, self._traffic_again = True, False
        now = self.clock()
        since, changes = self._traffic.since(now), self._traffic.changes
        self.traffic_since = since

        def read() -> list[stats.TrafficBucket]:
            started = time.perf_counter()
            try:
                return stats.capture_traffic(self.store, until=now, minutes=MINUTES,
                                             since=since)
            finally:
                if since is not None:
                    self.traffic_cost = time.perf_counter() - started

        self.queries.run("traffic", read,
                         lambda found: self.traffic.emit(
                             self._traffic.merge(now, since, changes, found)),
                         self._traffic_read)

    def _traffic_read(self) -> None:
        self._traffic_reading = False
        if self._traffic_again:
            self.refresh_traffic()

    def refresh_latency(self) -> None:
        now = self.clock()
        span = ((int(now // 60) - MINUTES + 1) * 60.0, (int(now // 60) + 1) * 60.0)

        def read() -> tuple[dict[str, list[stats.LatencyBucket]], dict[str, str]]:
            series = stats.attempt_latency(self.store, until=now, minutes=MINUTES)
            from webhook_studio.store.window_reads import subscriptions

            labels = {s.id: (s.description or s.url)[:40] for s in subscriptions(self.store)
                      if s.id in series}
            return series, labels

        self.queries.run("latency", read,
                         lambda found: self.latency.emit(found[0], span, found[1]))

    # -- first run ----------------------------------------------------------------------------
    def prepare_first_run(self, base_url: str, endpoint_id: int | None,
                          auto: bool = False) -> None:
        """The URL, the curl line (signed with the chosen endpoint's secret, now) and the
        endpoint choices for the empty Inbox; ``auto`` picks the first endpoint."""
        profiles = self.profiles()
        now = self.clock()

        def read() -> FirstRun:
            from webhook_studio.relay.examples import endpoint_test_request, signed_request

            endpoints = list(list_endpoints(self.store))
            choices: list[tuple[str, int | None]] = [
                (f"{e.name} ({e.path})", e.id) for e in endpoints]
            choices.append(("Any other path (not verified)", None))
            chosen = next((e for e in endpoints if e.id == endpoint_id), None)
            if auto and chosen is None and endpoints:
                chosen = endpoints[0]
            if chosen is not None:
                request = endpoint_test_request(chosen, base_url, now, profiles)
                signed = bool(chosen.secrets) and bool(chosen.scheme or chosen.profile)
                note = (f"Signed with {chosen.name}'s secret at {time.strftime('%H:%M:%S')}: "
                        "valid while the timestamp is within the scheme's tolerance "
                        "(usually 5 minutes); the command is renewed when you come back."
                        if signed else "This endpoint has no secret: the capture will be "
                        "listed as not verified.")
            else:
                request = signed_request(base_url.rstrip("/") + "/hooks/test", profile=None,
                                         scheme=None, scheme_options=None, secret=None,
                                         now=now)
                note = "No endpoint verifies this path: the capture will be not verified."
            return FirstRun(request.url, to_curl(request), note, choices,
                            chosen.id if chosen else None)

        self.queries.run("first-run", read, self.first_run.emit)

    def send_test(self, base_url: str, endpoint_id: int | None) -> None:
        """Post the first-run request to the receiver (what the curl line does)."""
        profiles = self.profiles()

        async def send() -> str:
            import asyncio

            import httpx

            from webhook_studio.relay.examples import (
                endpoint_test_request,
                post,
                signed_request,
            )
            from webhook_studio.store.window_reads import endpoint as read_endpoint

            chosen = (await asyncio.to_thread(read_endpoint, self.store, endpoint_id)
                      if endpoint_id is not None else None)
            now = self.clock()
            request = (endpoint_test_request(chosen, base_url, now, profiles) if chosen
                       else signed_request(base_url.rstrip("/") + "/hooks/test", profile=None,
                                           scheme=None, scheme_options=None, secret=None,
                                           now=now))
            async with httpx.AsyncClient(timeout=15.0, trust_env=False) as client:
                status = await post(client, request, base_url)
            return f"Test webhook sent to {request.url}: the receiver answered {status}."

        self.runner.run(send(), on_success=self.said.emit)

    def load_examples(self, base_url: str, reload_endpoints: Callable[[], None]) -> None:
        profiles = self.profiles()

        async def load() -> str:
            from webhook_studio.relay.examples import load_examples

            report = await load_examples(self.store, profiles, receiver_url=base_url,
                                         now=self.clock(), reload_endpoints=reload_endpoints)
            return report.sentence()

        def done(sentence: str) -> None:
            self.said.emit(sentence)
            self.examples_loaded.emit()

        self.runner.run(load(), on_success=done)
