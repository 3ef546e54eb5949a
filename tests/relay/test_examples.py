"""Load examples and the first-run test webhook, through a real receiver on a real port."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from webhook_studio.core.copy_as import to_curl
from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.receiver import Receiver
from webhook_studio.relay.examples import (
    EXAMPLE_ENDPOINTS,
    endpoint_test_request,
    load_examples,
)
from webhook_studio.store import Store
from webhook_studio.store.receiver_models import Capture, Endpoint
from webhook_studio.store.receiver_queries import create_endpoint
from webhook_studio.store.sender_models import Delivery
from webhook_studio.store.stats import attempt_latency, capture_traffic


@pytest.fixture(scope="module")
def library() -> ProfileLibrary:
    return ProfileLibrary.load(Path("/nonexistent-user-profiles"))


async def _receiver(store: Store, library: ProfileLibrary) -> Receiver:
    receiver = Receiver(store, port=0)
    receiver.profile_lookup = library.profiles.get
    await receiver.start()
    return receiver


async def _captures(store: Store, count: int) -> list[Capture]:
    deadline = time.monotonic() + 30
    while True:
        with store.session() as session:
            rows = list(session.scalars(select(Capture).options(undefer(Capture.body))
                                        .order_by(Capture.id)))
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        await asyncio.sleep(0.05)


async def test_examples_fill_every_section_with_real_verdicts(store: Store,
                                                              library: ProfileLibrary) -> None:
    receiver = await _receiver(store, library)
    try:
        now = time.time()
        report = await load_examples(store, library.profiles.get, receiver_url=receiver.url or "",
                                     now=now, reload_endpoints=receiver.reload_endpoints)
        rows = await _captures(store, report.captures_sent)
    finally:
        await receiver.stop()
    assert len(report.endpoints) == len(EXAMPLE_ENDPOINTS)
    assert report.captures_sent == len(rows) == 11
    invalid = [c for c in rows if c.verify_valid is False]
    assert len(invalid) == 1 and invalid[0].path == "/examples/github"
    assert "re-serialized" in (invalid[0].verification or {}).get("message", "") or \
        (invalid[0].verification or {}).get("mistake")
    assert all(c.verify_valid is True for c in rows if c is not invalid[0]), [
        (c.path, (c.verification or {}).get("message")) for c in rows if not c.verify_valid]
    assert {c.path for c in rows} == {p for _, p in EXAMPLE_ENDPOINTS}
    with store.session() as session:
        states = sorted(d.state for d in session.scalars(select(Delivery)))
    assert states == ["delivered", "delivered", "delivered", "failed", "pending"]
    assert report.sentence().startswith("Loaded examples: 5 endpoints, 11 captures")
    # the pictures have something to show
    assert sum(b.total for b in capture_traffic(store, until=now + 1, minutes=5)) == 11
    series = attempt_latency(store, until=now, minutes=60)
    assert len(series) == 2 and any(b.failed for s in series.values() for b in s)


async def test_loading_twice_reuses_the_endpoints(store: Store, library: ProfileLibrary) -> None:
    receiver = await _receiver(store, library)
    try:
        for _ in range(2):
            await load_examples(store, library.profiles.get, receiver_url=receiver.url or "",
                                now=time.time(), reload_endpoints=receiver.reload_endpoints)
        rows = await _captures(store, 22)
    finally:
        await receiver.stop()
    with store.session() as session:
        assert len(list(session.scalars(select(Endpoint)))) == len(EXAMPLE_ENDPOINTS)
    assert sum(1 for c in rows if c.verify_valid is False) == 2


@pytest.mark.parametrize(("profile", "scheme"), [
    ("github", None), ("stripe", None), (None, "standard-webhooks"), (None, None)])
async def test_the_first_run_curl_line_makes_a_valid_capture(
        store: Store, library: ProfileLibrary, tmp_path: Path, profile: str | None,
        scheme: str | None) -> None:
    """The line the empty Inbox shows, run in a shell: the capture arrives valid."""
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    endpoint_id = create_endpoint(
        store, path="/hooks/mine", profile=profile,
        scheme=scheme or (library.get(profile).scheme if profile else None),
        secrets=[secret] if (profile or scheme) else [])
    receiver = await _receiver(store, library)
    try:
        with store.session() as session:
            endpoint = session.get(Endpoint, endpoint_id)
            assert endpoint is not None
            session.expunge(endpoint)
        request = endpoint_test_request(endpoint, receiver.url or "", time.time(),
                                        library.profiles.get)
        process = await asyncio.create_subprocess_exec(
            shutil.which("bash") or "/bin/bash", "-c", to_curl(request) + " --silent",
            cwd=tmp_path)
        assert await asyncio.wait_for(process.wait(), 60) == 0
        (capture,) = await _captures(store, 1)
    finally:
        await receiver.stop()
    assert capture.path == "/hooks/mine" and capture.body == request.body
    expected = True if (profile or scheme) else None
    assert capture.verify_valid is expected, capture.verification
