"""The traffic strip and the latency chart draw what the store's aggregates say, say it in
words too (summary, tooltips), and skip work when nothing changed."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from webhook_studio.store import Store
from webhook_studio.store.stats import LatencyBucket, TrafficBucket
from webhook_studio.ui import format as fmt
from webhook_studio.ui.widgets.latency_chart import LatencyChart, nice_ceiling
from webhook_studio.ui.widgets.traffic_strip import TrafficStrip

T0 = 1_700_000_040.0


def _colours(widget: TrafficStrip | LatencyChart) -> set[str]:
    image = widget.grab().toImage()
    return {QColor(image.pixel(x, y)).name() for x in range(image.width())
            for y in range(0, image.height(), 2)}


def test_strip_draws_valid_and_invalid_bars_and_says_so(qtbot: QtBot) -> None:
    strip = TrafficStrip()
    qtbot.addWidget(strip)
    strip.resize(300, 46)
    strip.show()
    assert TrafficStrip().accessibleDescription() == ""
    buckets = [TrafficBucket(T0 + 60 * i, valid=i, invalid=1 if i == 3 else 0, other=0)
               for i in range(10)]
    strip.set_buckets(buckets)
    colours = _colours(strip)
    assert fmt.VALID in colours and fmt.INVALID in colours
    assert strip.accessibleDescription() == (
        "Last 10 min: 46 captures · 45 valid · 1 invalid · 0 other")
    bar = strip.bucket_at(2 + 3.5 * (296 / 10))
    assert bar == buckets[3]
    from webhook_studio.ui.widgets.traffic_strip import bucket_text

    assert bucket_text(bar).endswith("4 captures: 3 valid, 1 invalid, 0 other")


def test_strip_repaints_only_when_the_numbers_change(qtbot: QtBot) -> None:
    strip = TrafficStrip()
    qtbot.addWidget(strip)
    strip.show()
    buckets = [TrafficBucket(T0, 1, 0, 0)]
    strip.set_buckets(buckets)
    qtbot.waitUntil(lambda: strip.paints > 0)
    painted = strip.paints
    strip.set_buckets(list(buckets))
    qtbot.wait(50)
    assert strip.paints == painted
    strip.set_buckets([TrafficBucket(T0, 2, 0, 0)])
    qtbot.waitUntil(lambda: strip.paints > painted)


def _bucket(sub: str, minute: int, ok: int, fail: int, ms: float) -> LatencyBucket:
    return LatencyBucket(sub, T0 + 60 * minute, ok + fail, ms, ms * 2, ok, 0, fail, 0)


def test_latency_chart_marks_failures_with_a_cross_and_explains_on_hover(qtbot: QtBot) -> None:
    chart = LatencyChart()
    qtbot.addWidget(chart)
    chart.resize(400, 120)
    chart.show()
    series = {"wh_a": [_bucket("wh_a", 0, 3, 0, 40.0), _bucket("wh_a", 1, 1, 2, 80.0)],
              "wh_b": [_bucket("wh_b", 1, 2, 0, 20.0)]}
    chart.set_series(series, (T0, T0 + 120), {"wh_a": "orders"})
    assert chart.top_ms == 200.0
    assert chart.accessibleDescription() == "8 attempts · 2 failed · 2 subscriptions"
    failed = [m for m in chart._markers if m[1]]
    assert len(failed) == 1
    text = chart.marker_at(QPointF(failed[0][0]))
    assert text is not None and text.startswith("orders ") and "2 × 5xx" in text
    assert fmt.INVALID in _colours(chart)


def test_axis_ceiling_is_a_readable_number() -> None:
    assert [nice_ceiling(v) for v in (7, 10, 11, 180, 420, 999)] == [10, 10, 20, 200, 500, 1000]


async def test_the_strip_reads_its_minutes_once_at_a_time_however_often_asked(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """While captures arrive the Inbox asks for the strip's minutes again and again; a read
    of the last hour can take seconds on a busy store, so asks made meanwhile become one more
    read when it is done, never a pile of reads scanning the same hour."""
    import threading

    from tests.ui.scenarios.helpers import pump
    from webhook_studio.store import stats
    from webhook_studio.ui.controllers.data_tools import DataTools
    from webhook_studio.ui.tasks import TaskRunner

    gate = threading.Event()
    reads: list[float] = []
    real = stats.capture_traffic

    def held(*args: Any, **kwargs: Any) -> list[TrafficBucket]:
        reads.append(kwargs["until"])
        assert gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(stats, "capture_traffic", held)
    errors: list[str] = []
    tools = DataTools(store, TaskRunner(errors.append))
    shown: list[list[TrafficBucket]] = []
    tools.traffic.connect(shown.append)
    for _ in range(5):
        tools.refresh_traffic()
    await pump(lambda: len(reads) == 1)
    gate.set()
    await pump(lambda: len(shown) == 2)  # the held read, then one for the four asks
    await pump(lambda: not tools.queries.busy())
    assert len(reads) == 2 and errors == []


async def test_the_strip_s_pace_follows_its_small_reads_not_the_hourly_full_one(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Inbox waits 10x the strip's last read before the next (a tenth of a core at most).
    The whole hour's read, once a minute, is far slower than the reads of changed minutes
    between them: paced by it, the strip stood still for 10x that after every full read
    (~15 s at a million captures in the hour) while captures kept arriving."""
    import time as clock_time

    from tests.ui.scenarios.helpers import pump
    from webhook_studio.store import stats
    from webhook_studio.ui.controllers.data_tools import DataTools
    from webhook_studio.ui.tasks import TaskRunner

    real = stats.capture_traffic

    def slow_when_whole(*args: Any, **kwargs: Any) -> list[TrafficBucket]:
        if kwargs.get("since") is None:
            clock_time.sleep(0.4)  # the hour of a busy store
        return real(*args, **kwargs)

    monkeypatch.setattr(stats, "capture_traffic", slow_when_whole)
    errors: list[str] = []
    clock = Clock(T0)
    tools = DataTools(store, TaskRunner(errors.append), clock=clock)
    tools.refresh_traffic()  # the first read is of the whole hour
    await pump(lambda: not tools.queries.busy())
    assert tools.traffic_since is None
    assert tools.traffic_cost < 0.4  # the full read does not set the pace
    clock.t += 5
    tools.refresh_traffic()  # changed minutes only
    await pump(lambda: not tools.queries.busy())
    assert tools.traffic_since is not None
    assert 0 < tools.traffic_cost < 0.4 and errors == []


class Clock:
    """The strip's clock, moved by the test: minutes pass without sleeping."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def _receive(store: Store, *captures: tuple[float, bool | None]) -> None:
    """Commit captures as the receiver would, each with its ``received_at`` and verdict."""
    from webhook_studio.store.receiver_models import Capture

    with store.session() as s:
        for received_at, valid in captures:
            s.add(Capture(received_at=received_at, method="POST", path="/h", headers=[],
                          body=b"", body_size=0, verify_valid=valid))


def _tools(store: Store, clock: Clock) -> tuple[Any, list[list[TrafficBucket]], list[str]]:
    """The Inbox's DataTools on ``store``; without a running loop each read runs at once."""
    from webhook_studio.ui.controllers.data_tools import DataTools
    from webhook_studio.ui.tasks import TaskRunner

    errors: list[str] = []
    tools = DataTools(store, TaskRunner(errors.append), clock=clock)
    shown: list[list[TrafficBucket]] = []
    tools.traffic.connect(shown.append)
    return tools, shown, errors


def test_while_captures_arrive_the_strip_is_a_full_read_reading_two_minutes(
        store: Store, qapp: Any) -> None:
    """Minute after minute for more than an hour (so the hour moves: minutes drop off the
    old end), with arrivals committed up to 14 s after their ``received_at`` (some in the
    minute before the read): after every read the strip equals a full read of the store at
    that moment, and a read between the full ones (at least one a minute) asks only from the
    minute before the current one."""
    from webhook_studio.store.stats import capture_traffic
    from webhook_studio.ui.controllers.data_tools import MINUTES

    clock = Clock(T0 + 7.0)
    _receive(store, *((T0 - 3600 + n * 37.0, (True, False, None)[n % 3]) for n in range(100)))
    tools, shown, errors = _tools(store, clock)
    tools.refresh_traffic()
    assert tools.traffic_since is None  # the first read is of the whole hour
    full_reads = [clock.t]
    for step in range(200):  # 200 reads 23 s apart: 77 minutes
        before = clock.t
        _receive(store, (before - 0.5, True), (before - 1.5 - step % 13, (False, None)[step % 2]))
        clock.t += 23.0
        tools.refresh_traffic()
        assert shown[-1] == capture_traffic(store, until=clock.t, minutes=MINUTES), step
        if tools.traffic_since is None:
            assert clock.t - full_reads[-1] >= 60.0  # none sooner than a minute
            full_reads.append(clock.t)
        else:
            assert tools.traffic_since == (clock.t // 60 - 1) * 60, step
    assert all(b - a <= 60.0 + 23.0 for a, b in itertools.pairwise(full_reads))
    assert len(full_reads) < 80  # two reads in three were incremental
    assert sum(b.total for b in shown[-1]) > 0 and errors == []


def test_a_late_commit_in_the_previous_minute_is_counted(store: Store, qapp: Any) -> None:
    """A capture received a few seconds into the minute before, or just before the minute
    turned, and committed after a read of the new minute, is in the next read."""
    from webhook_studio.store.stats import capture_traffic

    minute = T0 + 600  # a minute boundary
    clock = Clock(minute + 2.0)
    tools, shown, _ = _tools(store, clock)
    tools.refresh_traffic()
    clock.t += 1.0
    tools.refresh_traffic()
    assert tools.traffic_since == minute - 60  # incremental: the previous minute on
    _receive(store, (minute - 57.0, False), (minute - 4.0, True))  # committed just now
    clock.t += 1.0
    tools.refresh_traffic()
    assert tools.traffic_since == minute - 60
    previous = next(b for b in shown[-1] if b.start == minute - 60)
    assert (previous.valid, previous.invalid) == (1, 1)
    assert shown[-1] == capture_traffic(store, until=clock.t)


def test_older_minutes_changed_elsewhere_show_on_the_next_full_read(
        store: Store, db_url: str, qapp: Any) -> None:
    """Another window or process on the same SQLite file deletes older captures: the strip
    shows it within a minute (its next full read); the window's own delete or import asks
    for a full read at once."""
    from webhook_studio.store import open_store
    from webhook_studio.store.receiver_models import Capture
    from webhook_studio.store.stats import capture_traffic

    clock = Clock(T0 + 30.0)
    _receive(store, *((T0 - 1200 + n, True) for n in range(5)),
             *((T0 - 600 + n, False) for n in range(3)))
    tools, shown, _ = _tools(store, clock)
    tools.refresh_traffic()
    assert sum(b.total for b in shown[-1]) == 8
    other = open_store(db_url)  # a second app on the same file
    try:
        with other.session() as s:
            s.query(Capture).filter(Capture.received_at < T0 - 900).delete()
        for _ in range(6):  # incremental reads, 10 s apart, then the full one
            clock.t += 10.0
            tools.refresh_traffic()
        assert tools.traffic_since is None
        assert shown[-1] == capture_traffic(store, until=clock.t)
        assert sum(b.total for b in shown[-1]) == 3
        clock.t += 1.0
        tools.refresh_traffic()
        assert tools.traffic_since is not None  # incremental again
        with other.session() as s:
            s.query(Capture).delete()
        clock.t += 1.0
        tools.refresh_traffic(full=True)  # what the window's own Clear all asks for
        assert tools.traffic_since is None
        assert sum(b.total for b in shown[-1]) == 0
    finally:
        other.dispose()


def test_a_full_read_begun_before_a_delete_does_not_count_as_after_it() -> None:
    """The window deletes while a full read is on a worker thread: that read may have
    counted the deleted captures, so the next read is a full one too."""
    from webhook_studio.ui.controllers.traffic_minutes import TrafficMinutes

    kept = TrafficMinutes(60)
    now = T0 + 5.0
    assert kept.since(now) is None
    changes = kept.changes
    kept.invalidate()  # Delete, while the read runs
    kept.merge(now, None, changes, [TrafficBucket(T0, 3, 0, 0)])
    assert kept.since(now + 1.0) is None
    kept.merge(now + 1.0, None, kept.changes, [])
    assert kept.since(now + 2.0) == T0 - 60
