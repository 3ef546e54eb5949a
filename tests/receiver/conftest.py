from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BACKENDS, backend_url
from webhook_studio.receiver import EndpointConfig, Limits, Receiver
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture
from webhook_studio.store.receiver_queries import get_capture

StartReceiver = Callable[..., Awaitable[Receiver]]


@pytest.fixture
async def start_receiver(store: Store) -> AsyncIterator[StartReceiver]:
    started: list[Receiver] = []

    async def start(endpoint: EndpointConfig | None = None, **kw: Any) -> Receiver:
        receiver = Receiver(store, port=0, default_endpoint=endpoint, **kw)
        await receiver.start()
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        await receiver.stop()


@pytest.fixture
def fetch(store: Store) -> Callable[[int], Capture]:
    def get(capture_id: int) -> Capture:
        with store.session() as session:
            capture = get_capture(session, capture_id)
            session.expunge(capture)
            return capture

    return get


__all__ = ["Limits"]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """Every test here runs on SQLite and on PostgreSQL (tests/conftest.py)."""
    return backend_url(request, db_path)
