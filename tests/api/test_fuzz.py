"""Property: random JSON bodies against every POST/PATCH route never give a 5xx, and every
answer is JSON of the documented shape.

The API runs in a thread with its own loop so hypothesis can drive it synchronously (with
shrinking) over real HTTP.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webhook_studio.api import ApiServer, ApiServices, all_routes, load_or_create_token
from webhook_studio.context import AppContext
from webhook_studio.sender import Dispatcher

PLAUSIBLE = [
    "https://example.com/hook", "http://127.0.0.1:9/x", "ftp://x", "", "/path", "user.created",
    "user.*", "*", ["user.created"], ["*", "a.b"], [], {"X-A": "b"}, {"bad name": 1}, "0,1m,5m",
    "svix", "standard-webhooks", "github", 0, 1, -1, 599, 10**20, 1.5, True, False, None,
    ["10.0.0.0/8"], {"scheme": "github", "secret": "s"}, "whsec_" + "A" * 44,
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=10)


class Server:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> str:
        self.thread.start()
        return asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    async def _start(self) -> str:
        self.dispatcher = Dispatcher(self.ctx.store, self.ctx.clock)  # not started: no sends
        token = load_or_create_token(self.ctx.data_dir)
        self.server = ApiServer(ApiServices(self.ctx.store, self.ctx.clock, self.dispatcher),
                                token)
        return await self.server.start("127.0.0.1", 0)

    async def _stop(self) -> None:
        await self.server.stop()
        await self.dispatcher.stop()

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    folder = tmp_path_factory.mktemp("fuzz")
    ctx = AppContext.open(folder / "fuzz.sqlite3", data_dir=folder)
    server = Server(ctx)
    base = server.start()
    token = load_or_create_token(folder)
    with httpx.Client(base_url=base + "/api/v1",
                      headers={"Authorization": f"Bearer {token}"}) as http:
        sub = http.post("/webhooks", json={"url": "https://example.com/", "events": ["*"]})
        ep = http.post("/endpoints", json={"path": "/fuzz"})
        http.headers["X-Sub"] = sub.json()["id"]
        http.headers["X-Ep"] = str(ep.json()["id"])
        yield http
    server.stop()
    ctx.close()


TARGETS = [r for r in all_routes() if r.body is not None]


def check_shape(resp: httpx.Response) -> None:
    assert resp.status_code < 500, resp.text
    if resp.status_code == 204:
        return
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    if resp.status_code >= 400:
        assert isinstance(body["error"], str) and "detail" in body
    if resp.status_code == 422:
        assert body["fields"] and all(isinstance(k, str) and isinstance(v, str)
                                      for k, v in body["fields"].items())
    else:
        assert "fields" not in body


@pytest.mark.parametrize("route", TARGETS, ids=lambda r: f"{r.method} {r.path}")
@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_bodies_never_5xx(client: httpx.Client, route: Any, data: st.DataObject) -> None:
    assert route.body is not None
    known = [f.name for f in route.body.fields] + list(route.body.aliases)
    values = st.one_of(json_values, st.sampled_from(PLAUSIBLE))
    body = data.draw(st.one_of(
        st.dictionaries(st.sampled_from(known) | st.text(max_size=8), values, max_size=8),
        json_values), label="body")
    path = (route.path.replace("{id}", client.headers["X-Ep"])
            if route.path.startswith("/endpoints") else
            route.path.replace("{id}", "999999") if route.path.startswith("/captures") else
            route.path.replace("{id}", client.headers["X-Sub"]))
    resp = client.request(route.method, path, content=json.dumps(body),
                          headers={"Content-Type": "application/json"})
    check_shape(resp)
