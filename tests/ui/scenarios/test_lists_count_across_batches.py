"""Captures and deliveries that arrive while a list is being read are shown without another
webhook: a batch that comes while a count runs is counted once more after it, and a read
that fails is read again, whatever order the reads and batches come in.

Each test holds a real read (its worker thread waits on an event) or makes one fail the way
a locked store does, at the moment that used to lose a batch, then lets it go."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from tests.ui.scenarios.helpers import LEFT, OFFSCREEN_POPUPS, go_to, post, pump, reads_done
from webhook_studio.context import AppContext
from webhook_studio.core.retry import parse_policy
from webhook_studio.sender import Dispatcher
from webhook_studio.store.filtered_pages import FilteredDeliverySource
from webhook_studio.store.pages import CaptureSource
from webhook_studio.store.sender_queries import create_subscription

pytestmark = OFFSCREEN_POPUPS
LOCKED = "database is locked"


def pick(qtbot: QtBot, combo: Any, text: str) -> None:
    """Click ``text`` in the combo's list, without waiting for the reads it starts (one is
    held on purpose here)."""
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith(text))
    combo.showPopup()
    view = combo.view()
    view.scrollTo(combo.model().index(index, 0))
    qtbot.mouseClick(view.viewport(), LEFT,
                     pos=view.visualRect(combo.model().index(index, 0)).center())
    assert combo.currentIndex() == index, f"could not pick {text!r}"


class Reads:
    """The inbox's two store reads, counted; the first ``hold`` of a kind wait for their
    event, the next ``fail`` of a kind raise as a locked store does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = {"count": 0, "count_after": 0}
        self.hold = {"count": 0, "count_after": 0}
        self.fail = {"count": 0, "count_after": 0}
        self.release = {"count": threading.Event(), "count_after": threading.Event()}
        self._lock = threading.Lock()
        real_count, real_after = CaptureSource.count, CaptureSource.count_after

        def count(source: CaptureSource) -> int:
            self._enter("count")
            return real_count(source)

        def count_after(source: CaptureSource, capture_id: int) -> tuple[int, int]:
            self._enter("count_after")
            return real_after(source, capture_id)

        monkeypatch.setattr(CaptureSource, "count", count)
        monkeypatch.setattr(CaptureSource, "count_after", count_after)

    def _enter(self, kind: str) -> None:
        with self._lock:
            self.calls[kind] += 1
            held = self.hold[kind] > 0
            self.hold[kind] -= held
        if held:
            assert self.release[kind].wait(30)
        with self._lock:
            failing = self.fail[kind] > 0
            self.fail[kind] -= failing
        if failing:
            raise OSError(LOCKED)

    def total(self) -> int:
        return sum(self.calls.values())


def paths(inbox: Any, rows: int) -> list[str]:
    """The Path column of the top rows ("…" while their page is being read)."""
    return [inbox.model.data(inbox.model.index(row, 3)) for row in range(rows)]


async def quiet(window: Any, reads: Reads) -> None:
    """Nothing arrives: after the reads end, no more are started for longer than the
    first retry's second, so an idle inbox costs nothing."""
    await reads_done(window.inbox)
    before = reads.total()
    later = time.monotonic() + 2.5
    await pump(lambda: time.monotonic() > later)  # Qt's timers (a retry) run meanwhile
    await reads_done(window.inbox)
    assert reads.total() == before, "the inbox kept reading with nothing new"


async def test_a_filter_whose_count_fails_while_arrivals_are_read_keeps_the_inbox_live(
        window: Any, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """Arrivals were being read when the person changed the filter, and the new filter's
    count failed (a locked store). The read's end was then ignored and the inbox waited for
    it for good: no webhook showed any more, however many came."""
    inbox = window.inbox
    for i in range(2):
        await post(f"{window.base_url}/first/{i}", b"{}")
    await pump(lambda: inbox.model.rowCount() == 2)
    await reads_done(inbox)
    reads = Reads(monkeypatch)
    reads.hold["count_after"] = 1
    await post(f"{window.base_url}/held", b"{}")
    await pump(lambda: reads.calls["count_after"] == 1, what="the arrivals were not read")
    reads.fail["count"] = 1
    pick(qtbot, inbox.method, "POST")  # the list is counted for the new filter: that fails
    await pump(lambda: reads.calls["count"] == 1 and not inbox.model.counting)
    assert LOCKED in window.statusBar().currentMessage()
    reads.release["count_after"].set()  # the old filter's read of arrivals ends
    await post(f"{window.base_url}/after", b"{}")
    await pump(lambda: inbox.model.rowCount() == 4, what="the inbox stopped showing captures")
    await pump(lambda: paths(inbox, 4) == ["/after", "/held", "/first/1", "/first/0"])
    await quiet(window, reads)


async def test_a_batch_held_back_by_a_count_that_fails_is_shown_without_another_webhook(
        window: Any, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch came while the list was being counted (held back until the count is in) and
    that count failed: the batch waited for the next webhook, which may never come."""
    inbox = window.inbox
    await post(f"{window.base_url}/first", b"{}")
    await pump(lambda: inbox.model.rowCount() == 1)
    await reads_done(inbox)
    reads = Reads(monkeypatch)
    reads.hold["count"], reads.fail["count"] = 1, 1
    pick(qtbot, inbox.method, "POST")
    await pump(lambda: reads.calls["count"] == 1)
    await post(f"{window.base_url}/during-the-count", b"{}")
    await pump(lambda: window.bridge._new_captures == 0)  # its batch went out
    assert reads.calls["count_after"] == 0, "no arrivals read while the list is counted"
    reads.release["count"].set()
    await pump(lambda: inbox.model.rowCount() == 2, what="the held batch never showed")
    await pump(lambda: paths(inbox, 2) == ["/during-the-count", "/first"])
    await quiet(window, reads)


async def test_a_batch_whose_read_fails_is_read_again_without_another_webhook(
        window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The read of a batch failed (a locked store, said in the status bar): the capture
    stayed out of the list until the next webhook came."""
    inbox = window.inbox
    await post(f"{window.base_url}/first", b"{}")
    await pump(lambda: inbox.model.rowCount() == 1)
    await reads_done(inbox)
    reads = Reads(monkeypatch)
    reads.fail["count_after"] = 2  # twice in a row: read again, a little later each time
    await post(f"{window.base_url}/lost", b"{}")
    await pump(lambda: reads.calls["count_after"] >= 1)
    await pump(lambda: inbox.model.rowCount() == 2, what="the failed batch never showed")
    assert reads.calls["count_after"] == 3
    await pump(lambda: paths(inbox, 2) == ["/lost", "/first"])
    await quiet(window, reads)


@pytest.fixture
async def elsewhere(ctx: AppContext) -> AsyncIterator[Dispatcher]:
    """Deliveries made by another process's dispatcher (due in an hour: nobody sends them)."""
    other = Dispatcher(ctx.store)
    yield other
    await other.stop()


async def test_deliveries_show_a_count_that_ran_while_the_next_batch_came(
        window: Any, ctx: AppContext, qtbot: QtBot, elsewhere: Dispatcher,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each batch of sender events started a new count of the Deliveries list and dropped
    the one running: while batches came faster than a count took (sending over a big
    store) no count was ever shown and the list stayed as it was."""
    sub = create_subscription(ctx.store, secret="s", url="http://localhost:9/none",
                              events=["*"], retry_policy=parse_policy("1h").to_dict())
    await go_to(qtbot, window, "Deliveries")
    section = window.deliveries
    for n in range(2):
        elsewhere.emit(f"order.{n}", {"n": n}, subscription_id=sub)
    await pump(lambda: section.model.rowCount() == 2)
    await reads_done(section)
    gates: list[threading.Event] = []
    lock, opened = threading.Lock(), threading.Event()
    real_count = FilteredDeliverySource.count

    def count(source: FilteredDeliverySource) -> int:  # each waits for its gate
        gate = threading.Event()
        with lock:
            gates.append(gate)
        if not opened.is_set():
            assert gate.wait(30)
        return real_count(source)

    monkeypatch.setattr(FilteredDeliverySource, "count", count)
    for n in range(3):
        elsewhere.emit(f"user.{n}", {"n": n}, subscription_id=sub)
    window.bridge.deliveries_changed.emit()  # a batch: the list is counted (held)
    await pump(lambda: len(gates) == 1)
    for _ in range(3):  # more batches while that count runs
        window.bridge.deliveries_changed.emit()
        await asyncio.sleep(0.05)
    gates[0].set()  # the first count ends, the others (if any) are still running
    await pump(lambda: section.model.rowCount() == 5, what="the count that ran was dropped")
    await pump(lambda: len(gates) == 2)  # one more count for the batches that came meanwhile
    assert len(gates) == 2, "the batches were not folded into one count"
    opened.set()
    for gate in gates:
        gate.set()
    await reads_done(section)
    assert section.model.rowCount() == 5
