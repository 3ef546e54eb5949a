"""Aggregates for the traffic pictures: captures per minute (valid vs invalid) over the Inbox,
attempt latency and status per subscription over time in Deliveries.

Computed in SQL (GROUP BY a time bucket), so a picture of a million captures reads a few
dozen rows; the window draws them and never counts rows itself. The bucket of a time is
``floor(t / width)``, compiled per dialect because SQLite and PostgreSQL disagree on casting a
float to an integer (SQLite truncates, PostgreSQL rounds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, and_, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from webhook_studio.store.database import Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.sender_models import Attempt, Delivery


class time_bucket(FunctionElement[int]):
    """``floor(t / width)`` as an integer, for non-negative times."""

    type = BigInteger()
    inherit_cache = True
    name = "time_bucket"


@compiles(time_bucket)
def _truncate(element: time_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    t, width = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({t}) / ({width}) AS INTEGER)"


@compiles(time_bucket, "postgresql")
def _floor(element: time_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    t, width = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(FLOOR(({t}) / ({width})) AS BIGINT)"


@dataclass(frozen=True)
class TrafficBucket:
    """Captures received in ``[start, start + width)``."""

    start: float
    valid: int
    invalid: int
    other: int  # not verified, rejected, malformed

    @property
    def total(self) -> int:
        return self.valid + self.invalid + self.other


def capture_traffic(store: Store, *, until: float, minutes: int = 60, width: float = 60.0,
                    endpoint_id: int | None = None,
                    since: float | None = None) -> list[TrafficBucket]:
    """One bucket per ``width`` seconds over the last ``minutes`` before ``until``, oldest
    first, empty minutes included (a strip shows quiet time too).

    With ``since``, only the buckets from the one holding ``since`` on (still within the
    last ``minutes``): a strip that keeps the closed minutes it read re-reads just the ones
    a late commit may still change, a few thousand rows instead of the whole hour."""
    last = int(until // width)
    first = last - minutes + 1
    if since is not None:
        first = min(max(first, int(since // width)), last)
        minutes = last - first + 1
    since = first * width
    bucket = time_bucket(Capture.received_at, width)
    query = (select(bucket,
                    func.sum(case((Capture.verify_valid.is_(True), 1), else_=0)),
                    func.sum(case((Capture.verify_valid.is_(False), 1), else_=0)),
                    func.count(Capture.id))
             .where(Capture.received_at >= since, Capture.received_at < (first + minutes) * width)
             .group_by(bucket))
    if endpoint_id is not None:
        query = query.where(Capture.endpoint_id == endpoint_id)
    with store.session() as session:
        found = {int(b): (int(v or 0), int(i or 0), int(n or 0))
                 for b, v, i, n in session.execute(query)}
    out = []
    for number in range(first, first + minutes):
        valid, invalid, total = found.get(number, (0, 0, 0))
        out.append(TrafficBucket(number * width, valid, invalid, total - valid - invalid))
    return out


@dataclass(frozen=True)
class LatencyBucket:
    """A subscription's attempts that started in ``[start, start + width)``."""

    subscription_id: str
    start: float
    attempts: int
    mean_ms: float | None
    max_ms: float | None
    ok: int  # 2xx
    client_errors: int  # 4xx
    server_errors: int  # 5xx
    no_answer: int  # timeouts, connection errors: no status at all

    @property
    def failed(self) -> int:
        return self.attempts - self.ok


def attempt_latency(store: Store, *, until: float, minutes: int = 60, width: float = 60.0,
                    replays: bool = False) -> dict[str, list[LatencyBucket]]:
    """Per subscription (its id), the buckets that had attempts, oldest first. Replays (an
    ad-hoc subscription each) are left out unless asked for."""
    first = int(until // width) - minutes + 1
    since = first * width
    bucket = time_bucket(Attempt.started_at, width)
    status = Attempt.response_status

    def between(low: int, high: int) -> Any:
        return func.sum(case((and_(status >= low, status <= high), 1), else_=0))

    query = (select(Delivery.subscription_id, bucket, func.count(Attempt.id),
                    func.avg(Attempt.duration_ms), func.max(Attempt.duration_ms),
                    between(200, 299), between(400, 499), between(500, 599),
                    func.sum(case((status.is_(None), 1), else_=0)))
             .join(Delivery, Delivery.id == Attempt.delivery_id)
             .where(Attempt.started_at >= since,
                    Attempt.started_at < (first + minutes) * width)
             .group_by(Delivery.subscription_id, bucket)
             .order_by(Delivery.subscription_id, bucket))
    if not replays:
        query = query.where(Delivery.source_capture_id.is_(None))
    out: dict[str, list[LatencyBucket]] = {}
    with store.session() as session:
        for sub, b, n, mean, peak, ok, c4, c5, none in session.execute(query):
            out.setdefault(str(sub), []).append(LatencyBucket(
                str(sub), int(b) * width, int(n), None if mean is None else float(mean),
                None if peak is None else float(peak), int(ok or 0), int(c4 or 0),
                int(c5 or 0), int(none or 0)))
    return out
