from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BACKENDS, backend_url
from webhook_studio.core.clock import FixedClock
from webhook_studio.core.retry import parse_policy
from webhook_studio.sender import Dispatcher
from webhook_studio.store import Store
from webhook_studio.store.sender_queries import create_subscription

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
async def dispatcher(store: Store, clock: FixedClock) -> AsyncIterator[Dispatcher]:
    d = Dispatcher(store, clock, rng=random.Random(1))
    yield d
    await d.stop()


def subscribe(store: Store, url: str, *, retry: str = "0,1m,5m", events: list[str] | None = None,
              secret: str = SECRET, now: float = 1_700_000_000.0, **kw: Any) -> str:
    return create_subscription(
        store, secret=secret, now=now, url=url, events=events or ["*"],
        retry_policy=parse_policy(retry).to_dict(), timeout_seconds=kw.pop("timeout", 2.0), **kw)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """Every test here runs on SQLite and on PostgreSQL (tests/conftest.py)."""
    return backend_url(request, db_path)
