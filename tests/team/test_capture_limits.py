"""What SQLite stores, PostgreSQL stores too: derived VARCHAR columns never make a capture
fail (a 503 the provider retries for ever), and the headers stay exactly as received."""

from __future__ import annotations

import aiohttp

from webhook_studio.receiver import EndpointConfig, Receiver
from webhook_studio.store import open_store
from webhook_studio.store.receiver_queries import list_captures


async def test_overlong_derived_values_are_stored_with_the_headers_intact(
        pg_database: str) -> None:
    store = open_store(pg_database)
    receiver = Receiver(store, port=0, default_endpoint=EndpointConfig(path="/", name="t"))
    await receiver.start()
    content_type = "application/json; profile=" + "x" * 400
    delivery = "d" * 300
    try:
        async with aiohttp.ClientSession() as http, http.post(
                f"{receiver.url}/in", data=b"{}",
                headers={"Content-Type": content_type, "X-Request-Id": delivery,
                         "Webhook-Id": delivery}) as resp:
            assert resp.status == 200, await resp.text()
        with store.session() as session:
            (capture,) = list_captures(session, with_body=True)
        sent = {k.lower(): v for k, v in capture.headers}
        assert sent["content-type"] == content_type, "headers keep every byte"
        assert capture.content_type == content_type[:200]
        assert capture.body == b"{}"
    finally:
        await receiver.stop()
        store.dispose()
