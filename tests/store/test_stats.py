"""The traffic pictures' numbers come from SQL aggregates over a real store."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.sender_models import Attempt, Delivery, Event, Subscription
from webhook_studio.store.stats import (
    TrafficBucket,
    attempt_latency,
    capture_traffic,
    time_bucket,
)

T0 = 1_700_000_040.0  # a minute boundary: 1_700_000_040 / 60 = 28_333_334


def test_captures_per_minute_valid_vs_invalid(store: Store) -> None:
    with store.session() as s:
        for offset, valid in ((0.0, True), (59.9, False), (60.0, True), (61.0, None),
                              (185.0, True), (-1.0, True)):
            s.add(Capture(received_at=T0 + offset, method="POST", path="/h", headers=[],
                          body=b"", body_size=0, verify_valid=valid))
    buckets = capture_traffic(store, until=T0 + 200, minutes=4)
    assert [b.start for b in buckets] == [T0, T0 + 60, T0 + 120, T0 + 180]
    assert buckets == [TrafficBucket(T0, 1, 1, 0), TrafficBucket(T0 + 60, 1, 0, 1),
                       TrafficBucket(T0 + 120, 0, 0, 0), TrafficBucket(T0 + 180, 1, 0, 0)]
    assert sum(b.total for b in capture_traffic(store, until=T0 + 200, minutes=5)) == 6


def test_attempt_latency_and_status_per_subscription(store: Store) -> None:
    with store.session() as s:
        for sub in ("wh_a", "wh_b", "wh_replay"):
            s.add(Subscription(id=sub, url="http://127.0.0.1:1/", created_at=0.0,
                               updated_at=0.0))
        s.add(Event(id="ev", type="user.created", payload=b"{}", created_at=0.0))
        s.flush()
        for d, sub, source in (("d1", "wh_a", None), ("d2", "wh_b", None),
                               ("d3", "wh_replay", 5)):
            s.add(Delivery(id=d, event_id="ev", subscription_id=sub, event_type="user.created",
                           target_url="http://127.0.0.1:1/", created_at=T0, updated_at=T0,
                           source_capture_id=source))
        s.flush()
        rows = [("d1", 1, 0.0, 200, 10.0), ("d1", 2, 10.0, 503, 30.0), ("d1", 3, 70.0, None, None),
                ("d2", 1, 5.0, 404, 5.0), ("d3", 1, 5.0, 200, 1.0)]
        for delivery, number, at, status, ms in rows:
            s.add(Attempt(delivery_id=delivery, number=number, started_at=T0 + at,
                          response_status=status, duration_ms=ms, outcome="x"))
    series = attempt_latency(store, until=T0 + 100, minutes=2)
    assert set(series) == {"wh_a", "wh_b"}
    first, second = series["wh_a"]
    assert (first.start, first.attempts, first.mean_ms, first.max_ms) == (T0, 2, 20.0, 30.0)
    assert (first.ok, first.server_errors, first.failed) == (1, 1, 1)
    assert (second.start, second.no_answer, second.mean_ms) == (T0 + 60, 1, None)
    assert series["wh_b"][0].client_errors == 1
    assert "wh_replay" in attempt_latency(store, until=T0 + 100, minutes=2, replays=True)


def test_bucket_sql_floors_on_postgresql_too() -> None:
    sql = str(select(time_bucket(Capture.received_at, 60))
              .compile(dialect=postgresql.dialect()))
    assert "FLOOR(" in sql


def test_a_read_since_a_minute_is_the_tail_of_the_full_read(store: Store) -> None:
    """The strip merges reads ``since`` a recent minute into the minutes it kept: each must
    equal the same minutes of a full read, at every cut, including one before the window
    (clamped to it) and one in the current minute."""
    with store.session() as s:
        for n in range(300):
            s.add(Capture(received_at=T0 + n * 0.83, method="POST", path="/h", headers=[],
                          body=b"", body_size=0, verify_valid=(None, True, False)[n % 3]))
    until = T0 + 250
    full = capture_traffic(store, until=until, minutes=5)
    assert sum(b.total for b in full) == 300
    for since in (T0 - 600, T0 - 60, T0, T0 + 59.9, T0 + 60, T0 + 130, until, until + 500):
        part = capture_traffic(store, until=until, minutes=5, since=since)
        assert part == full[len(full) - len(part):], since
        assert part[0].start == max(full[0].start, min((since // 60) * 60, full[-1].start))
