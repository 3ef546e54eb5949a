"""Deleted captures kept whole for Edit ▸ Undo in the window (``ui/undo.py``), and put back
with their own ids, so links to them ("duplicate of #12", "edited from #7", a delivery's
source capture) point at them again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, insert, select

from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture, Endpoint

CAPTURES = cast(Table, Capture.__table__)


def read_captures(store: Store, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Every column of these captures (bodies included), as plain rows."""
    with store.session() as session:
        rows = session.execute(select(CAPTURES).where(CAPTURES.c.id.in_(list(ids)))).mappings()
        return [dict(row) for row in rows]


def write_captures(store: Store, rows: list[dict[str, Any]]) -> int:
    """Put deleted captures back with their ids; an endpoint deleted meanwhile is unset (as
    deleting it would have done). Returns how many were written."""
    if not rows:
        return 0
    with store.session() as session:
        endpoints = set(session.scalars(select(Endpoint.id)))
        restored = [{**row, "endpoint_id": row["endpoint_id"]
                     if row["endpoint_id"] in endpoints else None} for row in rows]
        session.execute(insert(CAPTURES), restored)
    return len(restored)


def capture_exists(store: Store, capture_id: int) -> bool:
    with store.session() as session:
        return session.get(Capture, capture_id) is not None
