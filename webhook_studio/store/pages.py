"""Page sources over the store for the window's lazy table models (one short session per page).

Plain rows out, no Qt: the window reads them on a worker thread (``ui/query_op.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture, Endpoint
from webhook_studio.store.receiver_queries import CaptureFilter
from webhook_studio.store.sender_models import Delivery


@dataclass(frozen=True)
class CaptureRow:
    id: int
    received_at: float
    method: str
    path: str
    query: str
    endpoint_id: int | None
    verify_valid: bool | None
    state: str
    response_status: int | None
    body_size: int
    duplicate_of: int | None
    reason: str | None
    #: The endpoint's name (its path when unnamed); blank for a capture of no endpoint.
    endpoint: str = ""


#: The capture's endpoint as the Inbox names it: its name, else its path. A scalar subquery
#: looked up by primary key for each row of the page, in the page's own statement: the
#: page's plan over ``captures`` stays as it was, no second round trip (a separate lookup of
#: the page's ids cost 0.5-1.4 ms a page), and a renamed endpoint shows on the next read.
ENDPOINT_NAME = (select(func.coalesce(func.nullif(Endpoint.name, ""), Endpoint.path))
                 .where(Endpoint.id == Capture.endpoint_id).correlate(Capture)
                 .scalar_subquery())


class CaptureSource:
    """Newest first; only the columns the list shows (bodies stay on disk)."""

    def __init__(self, store: Store, flt: CaptureFilter | None = None) -> None:
        self.store = store
        self.flt = flt or CaptureFilter()

    #: The newest matching id when :meth:`count` last ran (read in the same statement), so
    #: the inbox knows exactly which rows the count included.
    counted_upto = 0

    def count(self) -> int:
        query = self.flt.apply(select(func.count(Capture.id), func.max(Capture.id)))  # type: ignore[arg-type]
        with self.store.session() as session:
            count, newest = session.execute(query).one()
        self.counted_upto = int(newest or 0)
        return int(count or 0)

    def count_after(self, capture_id: int) -> tuple[int, int]:
        """``(how many, newest id)`` of the matching captures newer than ``capture_id``, in one
        statement (a primary-key range, cheap at 1M). Reading the newest id and the count
        separately counted a group committed between the two reads twice."""
        query = self.flt.apply(select(func.count(Capture.id), func.max(Capture.id)))  # type: ignore[arg-type]
        query = query.where(
            Capture.id > capture_id)
        with self.store.session() as session:
            count, newest = session.execute(query).one()
        return int(count or 0), int(newest or capture_id)

    def count_after_with_rows(self, capture_id: int,
                              limit: int) -> tuple[int, int, Sequence[Any]]:
        """:meth:`count_after` and, when there are at most ``limit`` of them, those rows
        (newest first, up to the newest id counted), so the list can put them on top of
        the rows it already holds instead of reading its first page again."""
        count, newest = self.count_after(capture_id)
        if not 0 < count <= limit:
            return count, newest, ()
        query = self.flt.apply(select(*self._columns())).where(
            Capture.id > capture_id, Capture.id <= newest).order_by(Capture.id.desc())
        with self.store.session() as session:
            rows = self._rows(session.execute(query.limit(limit)).all())
        return count, newest, rows if len(rows) == count else ()

    @staticmethod
    def _columns() -> tuple[Any, ...]:
        return (Capture.id, Capture.received_at, Capture.method, Capture.path, Capture.query,
                Capture.endpoint_id, Capture.verify_valid, Capture.state,
                Capture.response_status, Capture.body_size, Capture.duplicate_of,
                Capture.verification, ENDPOINT_NAME)

    @staticmethod
    def _rows(found: Sequence[Any]) -> list[CaptureRow]:
        return [CaptureRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
                           (r[11] or {}).get("mistake") or (r[11] or {}).get("reason"),
                           r[12] or "")
                for r in found]

    def page(self, offset: int, limit: int, total: int) -> Sequence[Any]:
        """Newest first. Past the middle, the page is read from the oldest end (ascending,
        small offset) and reversed: an OFFSET of a million walks a million index entries,
        5 s with a cold cache, where the mirrored query walks a few."""
        query = self.flt.apply(select(*self._columns()))
        mirrored = offset > total // 2
        if mirrored:
            start = total - offset - limit  # the same rows, counted from the oldest
            count = limit + min(0, start)
            query = query.order_by(Capture.id.asc()).limit(max(0, count)).offset(max(0, start))
        else:
            query = query.order_by(Capture.id.desc()).limit(limit).offset(offset)
        with self.store.session() as session:
            rows = self._rows(session.execute(query).all())
        if mirrored:
            rows.reverse()
        return rows


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    event_type: str
    target_url: str
    state: str
    attempt_count: int
    next_attempt_at: float | None
    created_at: float
    source_capture_id: int | None = None

    @property
    def is_replay(self) -> bool:
        """A one-off replay of a capture, not a subscription's delivery: no retries, no
        dead letter (the store's rule, ``sender_queries.IS_REPLAY``)."""
        return self.source_capture_id is not None


class DeliverySource:
    def __init__(self, store: Store, state: str | None = None) -> None:
        self.store = store
        self.state = state

    def _filtered(self, query: Any) -> Any:
        return query.where(Delivery.state == self.state) if self.state else query

    def count(self) -> int:
        with self.store.session() as session:
            return int(session.scalar(self._filtered(select(func.count(Delivery.id)))) or 0)

    def version(self) -> tuple[int, float, float]:
        """Changes when a delivery is added, removed or updated by anyone (this window's
        dispatcher, the CLI or the API in another process): ``(count, newest created,
        newest update)``, one aggregate query."""
        query = select(func.count(Delivery.id), func.max(Delivery.created_at),
                       func.max(Delivery.updated_at))
        with self.store.session() as session:
            count, created, updated = session.execute(query).one()
        return int(count or 0), float(created or 0.0), float(updated or 0.0)

    def page(self, offset: int, limit: int, total: int) -> Sequence[Any]:
        query = self._filtered(select(
            Delivery.id, Delivery.event_type, Delivery.target_url, Delivery.state,
            Delivery.attempt_count, Delivery.next_attempt_at, Delivery.created_at,
            Delivery.source_capture_id)).order_by(
            Delivery.created_at.desc(), Delivery.id).limit(limit).offset(offset)
        with self.store.session() as session:
            return [DeliveryRow(*row) for row in session.execute(query)]
