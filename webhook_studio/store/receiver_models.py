"""Receiver endpoints and captures.

Times are Unix seconds as floats: portable across SQLite and PostgreSQL, cheap to index and
sort, and exact enough for the millisecond timings the inspector shows. Headers are stored as
lists of ``[name, value]`` pairs so order, case and duplicates survive exactly as they arrived.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from webhook_studio.core.vocabulary import CaptureState
from webhook_studio.store.base import Base, JSONText

DEFAULT_MAX_BODY = 10 * 1024 * 1024


class Endpoint(Base):
    """A path on the receiver with its scheme, secrets and response rule."""

    __tablename__ = "endpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(500), unique=True)
    scheme: Mapped[str | None] = mapped_column(String(64))
    scheme_options: Mapped[dict[str, Any] | None] = mapped_column(JSONText)
    profile: Mapped[str | None] = mapped_column(String(64))
    secrets: Mapped[list[str]] = mapped_column(JSONText, default=list)
    tolerance: Mapped[int | None] = mapped_column(Integer)
    public_url: Mapped[str | None] = mapped_column(String(2000))
    response_status: Mapped[int] = mapped_column(Integer, default=200)
    response_headers: Mapped[list[list[str]]] = mapped_column(JSONText, default=list)
    response_body: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    response_delay_ms: Mapped[int] = mapped_column(Integer, default=0)
    reject_invalid: Mapped[bool] = mapped_column(Boolean, default=False)
    max_body_bytes: Mapped[int] = mapped_column(Integer, default=DEFAULT_MAX_BODY)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    forward_to: Mapped[list[str]] = mapped_column(JSONText, default=list)
    forward_mode: Mapped[str] = mapped_column(String(16), default="async")
    ip_allowlist: Mapped[list[str]] = mapped_column(JSONText, default=list)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)


class Capture(Base):
    """One request exactly as it arrived, its verdict and the response it got."""

    __tablename__ = "captures"
    # Every index is paid for by every capture the receiver writes (schema 5 dropped two no
    # query needed: docs/benchmarks.md, "Receiver, third pass"). ``endpoint_id`` alone is
    # served by the pair below (also for the foreign key), and the verdict filters by
    # ``(verify_valid, id)``. The delivery-id index holds only captures that have one: its
    # one reader, the writer's duplicate lookup, asks for given ids, and a request without
    # one no longer writes a NULL key into it.
    __table_args__ = (
        Index("ix_captures_delivery_id", "delivery_id",
              sqlite_where=text("delivery_id IS NOT NULL"),
              postgresql_where=text("delivery_id IS NOT NULL")),
        Index("ix_captures_endpoint_received", "endpoint_id", "received_at"),
        # verdict filters list newest first: this order needs no sort (store/filters.py)
        Index("ix_captures_verdict_id", "verify_valid", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("endpoints.id", ondelete="SET NULL"))
    received_at: Mapped[float] = mapped_column(Float, index=True)
    method: Mapped[str] = mapped_column(String(16), index=True)
    path: Mapped[str] = mapped_column(Text)
    query: Mapped[str] = mapped_column(Text, default="")
    http_version: Mapped[str] = mapped_column(String(8), default="1.1")
    headers: Mapped[list[list[str]]] = mapped_column(JSONText, default=list)
    body: Mapped[bytes] = deferred(mapped_column(LargeBinary, default=b""))
    body_size: Mapped[int] = mapped_column(Integer, default=0)
    content_type: Mapped[str | None] = mapped_column(String(200))
    content_encoding: Mapped[str | None] = mapped_column(String(64))
    remote_addr: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default=CaptureState.CAPTURED.value)
    error: Mapped[str | None] = mapped_column(Text)
    verification: Mapped[dict[str, Any] | None] = mapped_column(JSONText)
    verify_valid: Mapped[bool | None] = mapped_column(Boolean)
    delivery_id: Mapped[str | None] = mapped_column(String(200))
    duplicate_of: Mapped[int | None] = mapped_column(Integer)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[list[list[str]]] = mapped_column(JSONText, default=list)
    response_body: Mapped[bytes] = deferred(mapped_column(LargeBinary, default=b""))
    duration_ms: Mapped[float | None] = mapped_column(Float)
    forwards: Mapped[list[dict[str, Any]]] = mapped_column(JSONText, default=list)
    source: Mapped[str] = mapped_column(String(16), default="receiver")
    edited_from: Mapped[int | None] = mapped_column(Integer)
