"""Subscriptions kept between claims, checked against the store's change counter.

Why: every claim read the claimed deliveries' subscriptions and secrets again (two more
statements and ORM objects per claim, for rows that change a few times a day). Now a claim reads
one number, the ``subscriptions`` change counter (``store/change_counters.py``), which triggers
bump in the same transaction as any subscription or secret change from any process. While it
has not moved, the subscriptions read before are still what is committed; when it has, all of
them are dropped and read again. The counter is read before the rows, so a change committed
between the two reads makes the next claim read again rather than keep stale rows under a new
number. Secrets are kept with their expiry and filtered by the claim's own time, so a
rotated-out secret stops signing at its expiry without any change to count.

A database without the counter (neither SQLite nor PostgreSQL) keeps nothing: every claim reads.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from webhook_studio.store.change_counters import read_counter
from webhook_studio.store.sender_models import Subscription, SubscriptionSecret


@dataclass(frozen=True)
class SubscriptionInfo:
    """What a claim needs of a subscription: its sending settings and secrets."""

    id: str
    url: str
    active: bool
    scheme: str
    scheme_options: dict[str, Any] | None
    headers: dict[str, str]
    profile: str | None
    timeout_seconds: float
    retry_policy: dict[str, Any]
    rate_per_minute: int | None
    rate_per_hour: int | None
    max_concurrency: int
    #: ``(secret, expires_at)``, newest first, as :func:`signing_secrets` orders them.
    secrets: tuple[tuple[str, float | None], ...]

    def secrets_at(self, now: float) -> list[str]:
        return [s for s, expires in self.secrets if expires is None or expires > now]


_COLUMNS = (Subscription.id, Subscription.url, Subscription.active, Subscription.scheme,
            Subscription.scheme_options, Subscription.headers, Subscription.profile,
            Subscription.timeout_seconds, Subscription.retry_policy,
            Subscription.rate_per_minute, Subscription.rate_per_hour,
            Subscription.max_concurrency)


def load_subscriptions(session: Session, ids: Collection[str]) -> dict[str, SubscriptionInfo]:
    """The subscriptions among ``ids`` that exist, with all their secrets (expired ones too:
    which sign is decided at each claim's own time, see :meth:`SubscriptionInfo.secrets_at`)."""
    wanted = list(ids)
    secrets: dict[str, list[tuple[str, float | None]]] = {}
    for sub_id, secret, expires in session.execute(
            select(SubscriptionSecret.subscription_id, SubscriptionSecret.secret,
                   SubscriptionSecret.expires_at)
            .where(SubscriptionSecret.subscription_id.in_(wanted))
            .order_by(SubscriptionSecret.created_at.desc(), SubscriptionSecret.id.desc())):
        secrets.setdefault(sub_id, []).append((secret, expires))
    return {row.id: SubscriptionInfo(
        id=row.id, url=row.url, active=bool(row.active), scheme=row.scheme,
        scheme_options=row.scheme_options, headers=dict(row.headers or {}),
        profile=row.profile, timeout_seconds=float(row.timeout_seconds),
        retry_policy=dict(row.retry_policy or {}), rate_per_minute=row.rate_per_minute,
        rate_per_hour=row.rate_per_hour, max_concurrency=int(row.max_concurrency),
        secrets=tuple(secrets.get(row.id, ())))
        for row in session.execute(select(*_COLUMNS).where(Subscription.id.in_(wanted)))}


class SubscriptionCache:
    """One sender's subscriptions, valid while the store's counter stays at :attr:`version`.
    Thread-safe: claims run on worker threads, and ``run_until_final`` may claim while the
    dispatcher's own loop does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.version: int | None = None
        #: ``None`` for an id that did not exist at :attr:`version` (deleted: its deliveries
        #: end as disabled; a new subscription with that id would move the counter).
        self._known: dict[str, SubscriptionInfo | None] = {}
        self.reads = 0  # how many times rows were read (tests check the cache is used)

    def get(self, session: Session, ids: Collection[str]) -> dict[str, SubscriptionInfo]:
        """The existing subscriptions among ``ids``, as committed when ``session`` read the
        counter (read here, first)."""
        version = read_counter(session)
        with self._lock:
            if version is None or version != self.version:
                self._known.clear()
                self.version = version
            missing = {i for i in ids if i not in self._known}
        if not missing:
            loaded: dict[str, SubscriptionInfo] = {}
        else:
            loaded = load_subscriptions(session, missing)
            if version is None:
                return {i: loaded[i] for i in ids if i in loaded}
        with self._lock:
            if missing:
                self.reads += 1
                if version == self.version:  # another claim may have seen a newer counter
                    for sub_id in missing:
                        self._known[sub_id] = loaded.get(sub_id)
            found = {}
            for sub_id in ids:
                info = loaded.get(sub_id) if sub_id in missing else self._known.get(sub_id)
                if info is not None:
                    found[sub_id] = info
        return found
