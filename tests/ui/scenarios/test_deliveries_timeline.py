"""The retry timeline keeps markers apart: three quick failures before a retry ten minutes
later are three markers a person can point at, not one blot."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPointF
from pytestqt.qtbot import QtBot

from webhook_studio.core.timeline import AttemptPoint
from webhook_studio.ui.widgets.retry_timeline import RADIUS, RetryTimeline


class Clock:
    def __init__(self, now: float) -> None:
        self.value = now

    def now(self) -> float:
        return self.value


def test_close_attempts_are_drawn_apart_and_each_answers_its_tooltip(qtbot: QtBot) -> None:
    timeline = RetryTimeline()
    qtbot.addWidget(timeline)
    timeline.resize(360, 84)
    timeline.set_clock(Clock(1000.0))
    attempts = [AttemptPoint(n, 999.0 + n * 0.3, 503, 5.0) for n in (1, 2, 3)]
    timeline.set_delivery(attempts, [1600.0, 4600.0])
    markers = timeline.current_layout().markers
    centres = timeline._centres(markers)
    xs = [c.x() for c in centres]
    assert xs == sorted(xs)
    assert all(b - a >= 2 * RADIUS for a, b in itertools.pairwise(xs))
    assert xs[0] >= 0 and xs[-1] <= timeline.width()
    for marker, centre in zip(markers, centres, strict=True):
        assert timeline.marker_at(QPointF(centre)) == marker
    assert timeline.countdown_text() == "next attempt in 10 min"
    timeline.grab()  # paints without error at this width
