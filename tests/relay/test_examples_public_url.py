"""An endpoint's public URL is the whole URL the provider calls (the receiver verifies against
exactly it), so "Send a test webhook" signs against exactly it and posts to the endpoint's own
path: a URL-signing provider's test capture is valid, and lands on the endpoint."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from sqlalchemy import select
from sqlalchemy.orm import undefer

from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.receiver import Receiver
from webhook_studio.relay.examples import endpoint_test_request, post
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture, Endpoint
from webhook_studio.store.receiver_queries import create_endpoint

PUBLIC = "https://hooks.example.com/hooks/twilio"


async def test_a_test_webhook_signs_the_public_url_and_verifies(store: Store) -> None:
    library = ProfileLibrary.load(Path("/nonexistent-user-profiles"))
    twilio = library.get("twilio")
    assert twilio is not None
    endpoint_id = create_endpoint(store, path="/hooks/twilio", profile="twilio",
                                  scheme=twilio.scheme, scheme_options=twilio.scheme_options,
                                  secrets=["12345678901234567890123456789012"],
                                  public_url=PUBLIC)
    receiver = Receiver(store, port=0)
    receiver.profile_lookup = library.profiles.get
    url = await receiver.start()
    try:
        with store.session() as session:
            endpoint = session.get(Endpoint, endpoint_id)
            assert endpoint is not None
            session.expunge(endpoint)
        request = endpoint_test_request(endpoint, url, time.time(), library.profiles.get)
        assert request.url == PUBLIC
        async with httpx.AsyncClient(timeout=15.0, trust_env=False) as client:
            await post(client, request, url)
        deadline = time.monotonic() + 30
        while True:
            with store.session() as session:
                rows = list(session.scalars(select(Capture).options(undefer(Capture.body))))
            if rows or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
    finally:
        await receiver.stop()
    (capture,) = rows
    assert (capture.endpoint_id, capture.path) == (endpoint_id, "/hooks/twilio")
    assert capture.verify_valid is True, capture.verification
