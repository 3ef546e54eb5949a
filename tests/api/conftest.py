"""A real API over real HTTP: receiver, dispatcher and API server on port 0 in the test loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.conftest import BACKENDS, backend_url
from webhook_studio.api import ApiServer, ApiServices, load_or_create_token
from webhook_studio.context import AppContext
from webhook_studio.receiver import EndpointConfig, Receiver
from webhook_studio.sender import Dispatcher


@dataclass
class Api:
    base: str
    token: str
    receiver_url: str
    http: aiohttp.ClientSession
    ctx: AppContext
    dispatcher: Dispatcher

    def url(self, path: str) -> str:
        return f"{self.base}/api/v1{path}"

    async def call(self, method: str, path: str, json: Any = None, *, token: str | None = "",
                   **kwargs: Any) -> tuple[int, Any]:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token or self.token}"
        async with self.http.request(method, self.url(path), json=json, headers=headers,
                                     **kwargs) as resp:
            if resp.status == 204:
                return 204, None
            assert resp.content_type == "application/json", await resp.text()
            return resp.status, await resp.json()


@pytest.fixture
async def api(ctx: AppContext) -> AsyncIterator[Api]:
    receiver = Receiver(ctx.store, ctx.clock, host="127.0.0.1", port=0,
                        default_endpoint=EndpointConfig(path="/", name="test"))
    dispatcher = Dispatcher(ctx.store, ctx.clock)
    token = load_or_create_token(ctx.data_dir)
    server = ApiServer(ApiServices(ctx.store, ctx.clock, dispatcher, receiver,
                                   profiles=ctx.profiles), token)
    receiver_url = await receiver.start()
    await dispatcher.start()
    base = await server.start("127.0.0.1", 0)
    async with aiohttp.ClientSession() as http:
        yield Api(base, token, receiver_url, http, ctx, dispatcher)
    await server.stop()
    await receiver.stop()
    await dispatcher.stop()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, db_path: Path) -> str:
    """Every test here runs on SQLite and on PostgreSQL (tests/conftest.py)."""
    return backend_url(request, db_path)
