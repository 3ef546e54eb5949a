"""Subscriptions, their secrets, events, deliveries and attempts.

A delivery keeps one id (sent as the scheme's message-id header) across all its attempts. Due
work is found by ``deliveries.next_attempt_at``: the queue *is* the table, so a crash loses
nothing and a restart resumes where the store says.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from webhook_studio.core.vocabulary import DeliveryState
from webhook_studio.store.base import Base, JSONText


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(Text, default="")
    events: Mapped[list[str]] = mapped_column(JSONText, default=list)
    headers: Mapped[dict[str, str]] = mapped_column(JSONText, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    profile: Mapped[str | None] = mapped_column(String(64))
    scheme: Mapped[str] = mapped_column(String(64), default="standard-webhooks")
    scheme_options: Mapped[dict[str, Any] | None] = mapped_column(JSONText)
    retry_policy: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    timeout_seconds: Mapped[float] = mapped_column(Float, default=15.0)
    rate_per_minute: Mapped[int | None] = mapped_column(Integer)
    rate_per_hour: Mapped[int | None] = mapped_column(Integer)
    max_concurrency: Mapped[int] = mapped_column(Integer, default=4)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    adhoc: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    last_called_at: Mapped[float | None] = mapped_column(Float)


class SubscriptionSecret(Base):
    """A signing secret; a rotated-out one keeps signing until ``expires_at``."""

    __tablename__ = "subscription_secrets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float | None] = mapped_column(Float)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(200), index=True)
    payload: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[float] = mapped_column(Float)


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_state_next", "state", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[str] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(200))
    target_url: Mapped[str] = mapped_column(String(2000))
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING.value)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[float | None] = mapped_column(Float)
    #: A lease: set when a sender claims the delivery, renewed while its attempt runs, cleared
    #: when the attempt is recorded. Only an expired lease (or one whose owner process is gone)
    #: may be claimed again, so two senders never make the same attempt at once.
    in_flight_since: Mapped[float | None] = mapped_column(Float)
    in_flight_until: Mapped[float | None] = mapped_column(Float)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    source_capture_id: Mapped[int | None] = mapped_column(Integer, index=True)
    final_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[float] = mapped_column(Float, index=True)
    updated_at: Mapped[float] = mapped_column(Float)


class Attempt(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[float] = mapped_column(Float)
    finished_at: Mapped[float | None] = mapped_column(Float)
    request_headers: Mapped[list[list[str]]] = mapped_column(JSONText, default=list)
    request_body: Mapped[bytes] = deferred(mapped_column(LargeBinary, default=b""))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[list[list[str]]] = mapped_column(JSONText, default=list)
    response_body: Mapped[bytes] = deferred(mapped_column(LargeBinary, default=b""))
    #: Bytes the target sent in its body; only the first 64 KiB are kept in response_body.
    response_size: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str] = mapped_column(String(32))
    error_class: Mapped[str | None] = mapped_column(String(100))
    error_message: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[float | None] = mapped_column(Float)
