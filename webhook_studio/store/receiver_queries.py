"""Reading captures and editing endpoints: the queries the CLI, the API and the UI share."""

from __future__ import annotations

import base64
import contextlib
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session, undefer

from webhook_studio.store.base import apply_fields, bytes_contain
from webhook_studio.store.database import Store
from webhook_studio.store.errors import DuplicateRecord, NotFound
from webhook_studio.store.receiver_models import Capture, Endpoint


def iso(ts: float | None) -> str | None:
    """Unix seconds as ISO 8601 UTC with milliseconds, e.g. ``2026-11-24T12:00:00.123Z``.

    None for a time no calendar can show (a row imported before dates were checked may say
    year 10000, or infinity): reading a stored row never fails."""
    if ts is None:
        return None
    try:
        moment = datetime.fromtimestamp(ts, UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def finite(value: float | None) -> float | None:
    """A stored float as JSON can carry it: infinity and NaN (from an old import) become None."""
    return value if value is not None and math.isfinite(value) else None


@dataclass(frozen=True)
class CaptureFilter:
    endpoint_id: int | None = None
    method: str | None = None
    valid: bool | None = None
    unverified: bool = False
    duplicates_only: bool = False
    state: str | None = None
    text: str | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.endpoint_id is not None:
            query = query.where(Capture.endpoint_id == self.endpoint_id)
        if self.method:
            query = query.where(Capture.method == self.method.upper())
        if self.valid is not None:
            query = query.where(Capture.verify_valid.is_(self.valid))
        if self.unverified:
            query = query.where(Capture.verify_valid.is_(None))
        if self.duplicates_only:
            query = query.where(Capture.duplicate_of.is_not(None))
        if self.state:
            query = query.where(Capture.state == self.state)
        if self.text:
            needle = self.text.encode("utf-8")
            query = query.where(or_(Capture.path.contains(self.text),
                                    bytes_contain(Capture.body, needle)))
        return query


def count_captures(session: Session, flt: CaptureFilter | None = None) -> int:
    query = select(func.count(Capture.id))
    return int(session.scalar((flt or CaptureFilter()).apply(query)) or 0)


def list_captures(session: Session, *, limit: int = 50, offset: int = 0,
                  flt: CaptureFilter | None = None, with_body: bool = False) -> list[Capture]:
    """Newest first."""
    query = (flt or CaptureFilter()).apply(select(Capture)).order_by(Capture.id.desc())
    if with_body:
        query = query.options(undefer(Capture.body), undefer(Capture.response_body))
    return list(session.scalars(query.limit(limit).offset(offset)))


@dataclass(frozen=True)
class CaptureWalk:
    """A fixed set of captures to read in pages, oldest first: what an export walks.

    The set is fixed when the walk is made (``upto`` = the newest id then), and pages follow
    the primary key (``id > last seen``), so captures arriving meanwhile are neither included
    nor able to shift a page: each capture appears exactly once, however busy the inbox.
    """

    store: Store
    flt: CaptureFilter
    upto: int
    after: int = 0  # exclusive lower bound (0: from the first)
    ids: tuple[int, ...] | None = None

    @classmethod
    def of(cls, store: Store, flt: CaptureFilter | None = None, *, newest: int | None = None,
           ids: Sequence[int] | None = None) -> CaptureWalk:
        """All captures matching ``flt`` (or the ``newest`` N of them, or exactly ``ids``)."""
        flt = flt or CaptureFilter()
        with store.session() as session:
            upto = int(session.scalar(select(func.max(Capture.id))) or 0)
            after = 0
            if newest is not None and ids is None:
                if newest <= 0:
                    after = upto
                else:
                    nth = session.scalar(flt.apply(select(Capture.id))
                                         .where(Capture.id <= upto).order_by(Capture.id.desc())
                                         .offset(newest - 1).limit(1))
                    after = int(nth) - 1 if nth is not None else 0
        return cls(store, flt, upto, after, tuple(sorted(set(ids))) if ids is not None else None)

    def count(self) -> int:
        if self.ids is not None:
            return len(self.ids)
        with self.store.session() as session:
            return int(session.scalar(
                self.flt.apply(select(func.count(Capture.id)))
                .where(Capture.id > self.after, Capture.id <= self.upto)) or 0)

    def pages(self, size: int = 200) -> Iterator[list[Capture]]:
        """Pages of captures with their bodies, each read in its own short transaction."""
        last = self.after
        while True:
            query = self.flt.apply(select(Capture)).where(Capture.id > last,
                                                          Capture.id <= self.upto)
            if self.ids is not None:
                chunk = [i for i in self.ids if i > last][:size]
                if not chunk:
                    return
                query = query.where(Capture.id.in_(chunk))
            query = query.options(undefer(Capture.body), undefer(Capture.response_body))
            with self.store.session() as session:
                rows = list(session.scalars(query.order_by(Capture.id).limit(size)))
            if self.ids is not None:
                last = chunk[-1]
                if rows:
                    yield rows
                continue
            if not rows:
                return
            last = rows[-1].id
            yield rows

    def __iter__(self) -> Iterator[Capture]:
        for page in self.pages():
            yield from page


def get_capture(session: Session, capture_id: int) -> Capture:
    capture = session.get(Capture, capture_id,
                          options=[undefer(Capture.body), undefer(Capture.response_body)])
    if capture is None:
        raise NotFound(f"No capture with id {capture_id}.")
    return capture


#: Ids per DELETE statement: well under SQLite's bound-variable limit on every build.
_DELETE_CHUNK = 500


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def delete_captures(store: Store, ids: Sequence[int] | None) -> int:
    """Delete the captures with these ids (None: every capture); returns how many went.

    One transaction: all of them or none. Nothing else is touched: deliveries replayed from a
    capture keep their ``source_capture_id``, and captures that name a deleted one as
    ``duplicate_of``/``edited_from`` keep the number; readers say "capture deleted" when it
    points nowhere (see :func:`existing_capture_ids`). Ids that do not exist are not an error
    (deleting twice is harmless); the count says what was actually removed.
    """
    with store.session() as session:
        if ids is None:
            return _rowcount(session.execute(delete(Capture)))
        unique = sorted(set(int(i) for i in ids))
        deleted = 0
        for start in range(0, len(unique), _DELETE_CHUNK):
            chunk = unique[start:start + _DELETE_CHUNK]
            deleted += _rowcount(session.execute(
                delete(Capture).where(Capture.id.in_(chunk))))
        return deleted


def existing_capture_ids(session: Session, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` still exist: a reader of ``source_capture_id`` or ``duplicate_of``
    shows "capture deleted" for the others."""
    unique = sorted(set(int(i) for i in ids))
    found: set[int] = set()
    for start in range(0, len(unique), _DELETE_CHUNK):
        chunk = unique[start:start + _DELETE_CHUNK]
        found.update(session.scalars(select(Capture.id).where(Capture.id.in_(chunk))))
    return found


def capture_to_dict(c: Capture, *, with_body: bool = True) -> dict[str, Any]:
    """The JSON shape of ``captures list --json`` (a stable contract)."""
    verification = c.verification or {}
    out: dict[str, Any] = {
        "id": c.id,
        "received_at": iso(c.received_at),
        "endpoint_id": c.endpoint_id,
        "method": c.method,
        "path": c.path,
        "query": c.query,
        "headers": [list(h) for h in c.headers or []],
        "body_size": c.body_size,
        "state": c.state,
        "error": c.error,
        "remote_addr": c.remote_addr,
        "response_status": c.response_status,
        "duration_ms": finite(c.duration_ms),
        "verification": {
            "valid": c.verify_valid,
            "scheme": verification.get("scheme"),
            "reason": verification.get("reason"),
            "message": verification.get("message"),
            "mistake": verification.get("mistake"),
        },
        "duplicate_of": c.duplicate_of,
        "forwards": c.forwards or [],
        "source": c.source, "edited_from": c.edited_from,
    }
    if with_body:
        out["body_base64"] = base64.b64encode(c.body or b"").decode("ascii")
    return out


# -- endpoints -------------------------------------------------------------------------------

ENDPOINT_FIELDS = ("name", "path", "scheme", "scheme_options", "profile", "secrets", "tolerance",
                   "public_url", "response_status", "response_headers", "response_body",
                   "response_delay_ms", "reject_invalid", "max_body_bytes", "active",
                   "forward_to", "forward_mode", "ip_allowlist")


@contextlib.contextmanager
def _path_taken(path: Any) -> Iterator[None]:
    """A unique violation on endpoints can only be the path: say so in the user's words."""
    try:
        yield
    except DuplicateRecord as exc:
        shown = f" {path}" if isinstance(path, str) and path else ""
        raise DuplicateRecord(f"Another endpoint already has the path{shown}; choose another "
                              "path.") from exc


def create_endpoint(store: Store, **fields: Any) -> int:
    """Raises :class:`DuplicateRecord` when another endpoint has the path."""
    now = time.time()
    unknown = set(fields) - set(ENDPOINT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown endpoint field {sorted(unknown)[0]!r}.")
    fields.setdefault("name", fields.get("path", "endpoint"))
    with _path_taken(fields.get("path")), store.session() as session:
        row = Endpoint(**fields, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        return row.id


def update_endpoint(store: Store, endpoint_id: int, **fields: Any) -> None:
    """Raises :class:`DuplicateRecord` when another endpoint has the new path."""
    with _path_taken(fields.get("path")), store.session() as session:
        row = session.get(Endpoint, endpoint_id)
        if row is None:
            raise NotFound(f"No endpoint with id {endpoint_id}.")
        apply_fields(row, fields, ENDPOINT_FIELDS, "endpoint")


def delete_endpoint(store: Store, endpoint_id: int) -> None:
    with store.session() as session:
        row = session.get(Endpoint, endpoint_id)
        if row is None:
            raise NotFound(f"No endpoint with id {endpoint_id}.")
        session.delete(row)


def list_endpoints(store: Store) -> Sequence[Endpoint]:
    with store.session() as session:
        return list(session.scalars(select(Endpoint).order_by(Endpoint.path)))


def accepted_headers_since(store: Store, endpoint_id: int | None, since: float
                           ) -> list[tuple[int, float, list[tuple[str, str]]]]:
    """``(id, received_at, headers)`` of the endpoint's captures with a valid verdict received
    at or after ``since`` (newest last): what a restarted receiver must still remember."""
    owner = (Capture.endpoint_id.is_(None) if endpoint_id is None
             else Capture.endpoint_id == endpoint_id)
    with store.session() as session:
        rows = session.execute(
            select(Capture.id, Capture.received_at, Capture.headers)
            .where(owner, Capture.received_at >= since, Capture.verify_valid.is_(True))
            .order_by(Capture.id)).all()
    return [(int(i), float(at), [(str(k), str(v)) for k, v in headers or ()])
            for i, at, headers in rows]
