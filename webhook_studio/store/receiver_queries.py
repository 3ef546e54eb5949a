"""Reading captures and editing endpoints: the queries the CLI, the API and the UI share."""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, undefer

from webhook_studio.store.base import apply_fields
from webhook_studio.store.database import Store
from webhook_studio.store.errors import NotFound
from webhook_studio.store.receiver_models import Capture, Endpoint


def iso(ts: float | None) -> str | None:
    """Unix seconds as ISO 8601 UTC with milliseconds, e.g. ``2026-11-24T12:00:00.123Z``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


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
                                    func.instr(Capture.body, needle) > 0))
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


def get_capture(session: Session, capture_id: int) -> Capture:
    capture = session.get(Capture, capture_id,
                          options=[undefer(Capture.body), undefer(Capture.response_body)])
    if capture is None:
        raise NotFound(f"No capture with id {capture_id}.")
    return capture


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
        "duration_ms": c.duration_ms,
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


def create_endpoint(store: Store, **fields: Any) -> int:
    now = time.time()
    unknown = set(fields) - set(ENDPOINT_FIELDS)
    if unknown:
        raise ValueError(f"Unknown endpoint field {sorted(unknown)[0]!r}.")
    fields.setdefault("name", fields.get("path", "endpoint"))
    with store.session() as session:
        row = Endpoint(**fields, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        return row.id


def update_endpoint(store: Store, endpoint_id: int, **fields: Any) -> None:
    with store.session() as session:
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
