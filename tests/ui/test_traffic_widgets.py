"""The traffic strip and the latency chart draw what the store's aggregates say, say it in
words too (summary, tooltips), and skip work when nothing changed."""

from __future__ import annotations

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
    assert tools.traffic_cost > 0
