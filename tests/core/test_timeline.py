from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from webhook_studio.core.timeline import (
    AttemptPoint,
    Outcome,
    classify,
    format_duration,
    layout,
)


def test_outcomes_follow_status_classes_and_error_kinds() -> None:
    assert classify(204) is Outcome.SUCCESS
    assert classify(301) is Outcome.REDIRECT
    assert classify(429) is Outcome.CLIENT_ERROR
    assert classify(503) is Outcome.SERVER_ERROR
    assert classify(None, "timeout") is Outcome.TIMEOUT
    assert classify(None, "connection_error") is Outcome.CONNECTION
    assert classify(None, "tls_error") is Outcome.CONNECTION


def test_past_attempts_are_solid_scheduled_ones_hollow_with_a_countdown() -> None:
    attempts = [AttemptPoint(1, 1000.0, status=500, duration_ms=12),
                AttemptPoint(2, 1005.0, error_kind="timeout", error="timed out after 10 s")]
    plan = layout(attempts, scheduled=[1305.0, 3105.0], now=1010.0)
    kinds = [(m.label, m.outcome, m.hollow) for m in plan.markers]
    assert kinds == [("1", Outcome.SERVER_ERROR, False), ("2", Outcome.TIMEOUT, False),
                     ("3", Outcome.SCHEDULED, True), ("4", Outcome.SCHEDULED, True)]
    assert plan.countdown == "next attempt in 4 min 55 s"
    assert plan.markers[0].tooltip == "Attempt 1 · HTTP 500 · 12 ms"
    assert "timed out after 10 s" in plan.markers[1].tooltip
    xs = [m.x for m in plan.markers]
    assert xs == sorted(xs) and xs[0] > 0 and xs[-1] < 1


def test_a_finished_delivery_has_no_countdown() -> None:
    plan = layout([AttemptPoint(1, 50.0, status=200)], scheduled=[], now=99.0)
    assert plan.countdown is None
    assert len(plan.markers) == 1


def test_an_empty_delivery_lays_out_nothing() -> None:
    assert layout([], [], now=5.0).markers == ()


def test_durations_read_naturally() -> None:
    assert [format_duration(s) for s in (4, 60, 245, 3600, 7500, 90000)] == [
        "4 s", "1 min", "4 min 5 s", "1 h", "2 h 5 min", "1 d 1 h"]


@given(
    st.lists(st.floats(0, 1e6), max_size=8),
    st.lists(st.floats(0, 1e6), max_size=8),
    st.floats(0, 1e6),
)
def test_every_marker_lands_inside_the_axis(past: list[float], future: list[float],
                                            now: float) -> None:
    attempts = [AttemptPoint(i + 1, t, status=500) for i, t in enumerate(sorted(past))]
    plan = layout(attempts, future, now)
    assert len(plan.markers) == len(past) + len(future)
    assert all(0.0 <= m.x <= 1.0 for m in plan.markers)
