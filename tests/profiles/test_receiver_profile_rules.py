"""A receiver endpoint that names a profile follows it: the profile's scheme and tolerance, its
duplicate-id header, and (EnvoyOU) one-time nonces, kept across a restart."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from webhook_studio.context import AppContext
from webhook_studio.core.message import SignInput
from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.receiver import Receiver
from webhook_studio.store.receiver_queries import create_endpoint, get_capture
from webhook_studio.wiring import Extras, attach_receiver_extras

SECRET = "envoyou-secret"


@pytest.fixture
async def receiver(ctx: AppContext) -> AsyncIterator[tuple[Receiver, str]]:
    create_endpoint(ctx.store, path="/envoyou", scheme="hmac", profile="envoyou",
                    secrets=[SECRET], reject_invalid=True)
    running: list[tuple[Receiver, Extras]] = []

    async def start() -> tuple[Receiver, str]:
        r = Receiver(ctx.store, ctx.clock, port=0)
        extras = attach_receiver_extras(r, ctx)
        url = await r.start()
        running.append((r, extras))
        return r, url

    first = await start()
    first[0].restart = start  # type: ignore[attr-defined]
    yield first
    for r, extras in running:
        await r.stop()
        await extras.close()


def envoyou_request(nonce: str, *, timestamp: int | None = None,
                    body: bytes = b'{"id":"evt_1","type":"user.created","data":{}}'
                    ) -> tuple[bytes, dict[str, str]]:
    profile = ProfileLibrary.load().get("envoyou")
    ts = int(time.time()) if timestamp is None else timestamp
    headers = profile.make_scheme().sign(SECRET, SignInput(body, "evt_1", ts))
    headers |= {"X-EnvoyOU-Nonce": nonce, "X-EnvoyOU-Event-Type": "user.created",
                "X-EnvoyOU-Webhook-ID": "wh_1", "Content-Type": "application/json"}
    return body, headers


async def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    async with aiohttp.ClientSession() as session, session.post(
            url, data=body, headers=headers) as resp:
        return resp.status, json.loads(await resp.read())


async def test_a_replayed_nonce_is_refused_with_a_reason(
        ctx: AppContext, receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    body, headers = envoyou_request("nonce-1")
    status, first = await post(f"{url}/envoyou", body, headers)
    assert status == 200
    status, again = await post(f"{url}/envoyou", body, headers)
    assert status == 401 and again["reason"] == "replayed_nonce"
    assert "nonce-1" in again["message"] and f"capture #{first['capture']}" in again["message"]
    # A fresh nonce with a fresh signature is fine; so is the same body re-signed.
    status, _ = await post(f"{url}/envoyou", *envoyou_request("nonce-2"))
    assert status == 200
    with ctx.store.session() as session:
        replayed = get_capture(session, first["capture"] + 1)
        assert replayed.verify_valid is False
        assert replayed.verification is not None
        assert replayed.verification["reason"] == "replayed_nonce"
        assert replayed.duplicate_of == first["capture"]


async def test_a_nonce_on_a_bad_signature_is_not_burnt(
        receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    body, headers = envoyou_request("nonce-x")
    forged = dict(headers, **{"X-EnvoyOU-Signature": "v1," + "0" * 64})
    status, reply = await post(f"{url}/envoyou", body, forged)
    assert status == 401 and reply["reason"] == "no_signature_matched"
    status, _ = await post(f"{url}/envoyou", body, headers)
    assert status == 200


async def test_a_signed_request_without_a_nonce_is_valid_with_a_note(
        ctx: AppContext, receiver: tuple[Receiver, str]) -> None:
    """The seed makes the nonce optional; a nonce, when sent, is still one-time."""
    _, url = receiver
    body, headers = envoyou_request("unused")
    del headers["X-EnvoyOU-Nonce"]
    status, reply = await post(f"{url}/envoyou", body, headers)
    assert status == 200
    with ctx.store.session() as session:
        verdict = get_capture(session, reply["capture"]).verification
    assert verdict is not None
    assert verdict["valid"] and "No X-EnvoyOU-Nonce header" in verdict["message"]
    assert "nonce is optional" in verdict["message"]


async def test_a_json_body_with_a_byte_order_mark_verifies_as_the_seed_code_does(
        receiver: tuple[Receiver, str]) -> None:
    """Seed 001's Python code reads the body with request.json(), which accepts a UTF-8 BOM,
    and signs the canonical JSON; so the BOM does not change the signature."""
    _, url = receiver
    body, headers = envoyou_request("nonce-bom")
    status, reply = await post(f"{url}/envoyou", b"\xef\xbb\xbf" + body, headers)
    assert status == 200, reply


async def test_nonces_stay_refused_after_a_restart(receiver: tuple[Receiver, str]) -> None:
    first, url = receiver
    body, headers = envoyou_request("nonce-r")
    assert (await post(f"{url}/envoyou", body, headers))[0] == 200
    await first.stop()
    _, url2 = await first.restart()  # type: ignore[attr-defined]
    status, reply = await post(f"{url2}/envoyou", body, headers)
    assert status == 401 and reply["reason"] == "replayed_nonce"


async def test_the_profile_tolerance_applies_when_the_endpoint_sets_none(
        receiver: tuple[Receiver, str]) -> None:
    _, url = receiver
    stale = int(time.time()) - 301  # EnvoyOU allows 5 minutes of drift
    status, reply = await post(f"{url}/envoyou", *envoyou_request("n-old", timestamp=stale))
    assert status == 401 and reply["reason"] == "timestamp_too_old"
    fresh = int(time.time()) - 240
    status, _ = await post(f"{url}/envoyou", *envoyou_request("n-ok", timestamp=fresh))
    assert status == 200


async def test_the_profile_duplicate_header_is_read_first(ctx: AppContext) -> None:
    """Twilio marks deliveries with I-Twilio-Idempotency-Token, a header no generic list has."""
    create_endpoint(ctx.store, path="/twilio", profile="twilio", scheme="twilio")
    receiver = Receiver(ctx.store, ctx.clock, port=0)
    extras = attach_receiver_extras(receiver, ctx)
    url = await receiver.start()
    try:
        ids = []
        for _ in range(2):
            async with aiohttp.ClientSession() as session, session.post(
                    f"{url}/twilio", data=b"CallSid=CA1",
                    headers={"I-Twilio-Idempotency-Token": "tok-1"}) as resp:
                ids.append((await resp.json())["capture"])
        with ctx.store.session() as db:
            assert get_capture(db, ids[1]).duplicate_of == ids[0]
    finally:
        await receiver.stop()
        await extras.close()


async def test_every_retry_of_an_envoyou_delivery_carries_a_fresh_nonce(ctx: AppContext) -> None:
    """The sender side of the rule: a retry is not a replay, so the receiver accepts each one."""
    from webhook_studio.core.retry import parse_policy
    from webhook_studio.sender import Dispatcher
    from webhook_studio.store.receiver_queries import list_captures
    from webhook_studio.store.sender_queries import create_subscription
    from webhook_studio.wiring import sender_hooks

    profile = ProfileLibrary.load().get("envoyou")
    create_endpoint(ctx.store, path="/flaky", profile="envoyou", scheme="hmac",
                    secrets=[SECRET], response_status=503)
    receiver = Receiver(ctx.store, ctx.clock, port=0)
    extras = attach_receiver_extras(receiver, ctx)
    url = await receiver.start()
    envelope_for, header_hook = sender_hooks(ctx)
    dispatcher = Dispatcher(ctx.store, envelope_for=envelope_for, header_hook=header_hook)
    try:
        create_subscription(ctx.store, secret=SECRET, url=f"{url}/flaky", events=["*"],
                            scheme=profile.scheme, scheme_options=profile.scheme_options,
                            profile="envoyou", retry_policy=parse_policy("0,0,0").to_dict())
        dispatcher.emit("user.created", {"id": "user_1"})
        for _ in range(3):
            await dispatcher.run_due()
        with ctx.store.session() as session:
            captures = list_captures(session)
        assert len(captures) == 3
        assert all(c.verify_valid for c in captures), [c.verification for c in captures]
        nonces = {dict((k.lower(), v) for k, v in c.headers)["x-envoyou-nonce"]
                  for c in captures}
        assert len(nonces) == 3
        # …and all three carry the same X-EnvoyOU-Webhook-ID: retries, flagged as duplicates.
        ordered = sorted(captures, key=lambda c: c.id)
        assert ordered[0].duplicate_of is None
        assert [c.duplicate_of for c in ordered[1:]] == [ordered[0].id] * 2
    finally:
        await dispatcher.stop()
        await receiver.stop()
        await extras.close()
