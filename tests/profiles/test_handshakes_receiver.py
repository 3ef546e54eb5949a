"""Endpoint handshakes answered by a real receiver on a real port, for endpoints whose profile
names them, with the requests the providers send. Endpoints reject invalid signatures, so each
test also shows the handshake is answered before that rule."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from webhook_studio.context import AppContext
from webhook_studio.core import keys
from webhook_studio.core.message import SignInput
from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.receiver import Receiver
from webhook_studio.store.receiver_queries import create_endpoint, list_captures, list_endpoints
from webhook_studio.wiring import attach_receiver_extras

#: Providers whose handshake is all there is to check here (no signature family of ours):
#: user profiles stand in for them.
USER_PROFILES = {
    "okta-hook": "okta_verification", "ringcentral-hook": "ringcentral_validation",
    "graph-hook": "microsoft_graph_validation", "google-push-hook": "google_push_sync",
    "mailchimp-hook": "head_get_ok",
}

Endpoint = Callable[..., str]


@asynccontextmanager
async def running(ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                  ) -> AsyncIterator[tuple[Receiver, Endpoint]]:
    folder = tmp_path / "profiles"  # the ctx fixture's data folder is tmp_path
    folder.mkdir(parents=True)
    for name, kind in USER_PROFILES.items():
        (folder / f"{name}.toml").write_text(
            f'name = "{name}"\nscheme = "hmac"\nscheme_options = {{ header = "X-Token" }}\n'
            f'handshake = "{kind}"\nenvelope = "$data"\n', encoding="utf-8")
    monkeypatch.setenv("WEBHOOK_STUDIO_DATA_DIR", str(tmp_path))
    receiver = Receiver(ctx.store, port=0)
    extras = attach_receiver_extras(receiver, ctx)
    url = await receiver.start()

    def endpoint(profile: str, *secrets: str) -> str:
        create_endpoint(ctx.store, path=f"/{profile}", scheme="hmac", profile=profile,
                        secrets=list(secrets), reject_invalid=True)
        receiver.reload_endpoints()
        return f"{url}/{profile}"

    try:
        yield receiver, endpoint
    finally:
        await receiver.stop()
        await extras.close()


async def call(method: str, url: str, **kw: Any) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as session, session.request(method, url, **kw) as resp:
        return resp.status, dict(resp.headers), await resp.read()


def signed(profile: str, secret: str, body: bytes, url: str = "") -> dict[str, str]:
    scheme = ProfileLibrary.load().get(profile).make_scheme()
    return scheme.sign(secret, SignInput(body, "msg_1", int(time.time()), url or None))


async def test_meta_answers_the_challenge_only_for_its_verify_token(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(ctx, tmp_path, monkeypatch) as (_, endpoint):
        url = endpoint("meta", "app-secret", "my-verify-token")
        query = {"hub.mode": "subscribe", "hub.challenge": "1158201444",
                 "hub.verify_token": "my-verify-token"}
        status, headers, body = await call("GET", url, params=query)
        assert (status, body) == (200, b"1158201444")
        assert headers["Content-Type"].startswith("text/plain")
        status, _, body = await call("GET", url, params={**query, "hub.verify_token": "guess"})
        assert status == 403 and b"verify_token" in body


async def test_twitter_crc_and_linkedin_challenge_are_hmacs_of_the_token(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(ctx, tmp_path, monkeypatch) as (_, endpoint):
        status, _, body = await call("GET", endpoint("twitter", "consumer-secret"),
                                     params={"crc_token": "TOKEN+/="})
        digest = hmac.new(b"consumer-secret", b"TOKEN+/=", hashlib.sha256).digest()
        assert status == 200
        assert json.loads(body) == {
            "response_token": "sha256=" + base64.b64encode(digest).decode()}
        status, _, body = await call("GET", endpoint("linkedin", "client-secret"),
                                     params={"challengeCode": "890e4665-4dfe-4ab1-b689"})
        assert json.loads(body) == {
            "challengeCode": "890e4665-4dfe-4ab1-b689",
            "challengeResponse": hmac.new(b"client-secret", b"890e4665-4dfe-4ab1-b689",
                                          hashlib.sha256).hexdigest()}


async def test_dropbox_nylas_and_worldline_echo_their_challenge(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(ctx, tmp_path, monkeypatch) as (_, endpoint):
        dropbox = endpoint("dropbox", "app-secret")
        status, headers, body = await call("GET", dropbox, params={"challenge": "K2pX9zP"})
        assert (status, body) == (200, b"K2pX9zP")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Content-Type"].startswith("text/plain")
        status, _, body = await call("GET", endpoint("nylas", "s"), params={"challenge": "c1"})
        assert (status, body) == (200, b"c1")
        status, _, body = await call(
            "GET", endpoint("worldline", "s"),
            headers={"X-GCS-Webhooks-Endpoint-Verification": "8a6f2f86"})
        assert (status, body) == (200, b"8a6f2f86")
        # not a handshake: a POST without a signature is still refused
        status, _, _ = await call("POST", dropbox, data=b"{}")
        assert status == 401


async def test_microsoft_graph_gets_its_url_decoded_token_back(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(ctx, tmp_path, monkeypatch) as (_, endpoint):
        url = endpoint("graph-hook")
        token = ("Validation%3a+Testing+client+application+reachability+for+subscription+"
                 "Request-Id%3a+4f1e4b0e")
        status, headers, body = await call("POST", f"{url}?validationToken={token}")
        assert status == 200 and headers["Content-Type"].startswith("text/plain")
        assert body == (b"Validation: Testing client application reachability for "
                        b"subscription Request-Id: 4f1e4b0e")


async def test_xero_intent_to_receive(ctx: AppContext, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(ctx, tmp_path, monkeypatch) as (_, endpoint):
        url = endpoint("xero", "webhook-key")
        body = b'{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"S0"}'
        status, _, reply = await call("POST", url, data=body,
                                      headers=signed("xero", "webhook-key", body))
        assert status == 200  # Xero checks the status; the receiver's usual body is kept
        status, _, reply = await call("POST", url, data=body,
                                      headers=signed("xero", "another-key", body))
        assert (status, reply) == (401, b"")


async def test_discord_pongs_a_signed_ping_and_refuses_bad_signatures(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = keys.generate("ed25519")
    async with running(ctx, tmp_path, monkeypatch) as (_, endpoint):
        url = endpoint("discord", pair.public["hex"])
        ping = b'{"type":1,"id":"1","application_id":"2","token":"t","version":1}'
        status, _, reply = await call("POST", url, data=ping,
                                      headers=signed("discord", pair.private, ping))
        assert (status, json.loads(reply)) == (200, {"type": 1})
        other = keys.generate("ed25519").private
        status, _, _ = await call("POST", url, data=ping, headers=signed("discord", other, ping))
        assert status == 401
        status, _, _ = await call("POST", url, data=ping)
        assert status == 401
        events_ping = b'{"version":1,"application_id":"2","type":0}'
        status, _, reply = await call("POST", url, data=events_ping,
                                      headers=signed("discord", pair.private, events_ping))
        assert (status, reply) == (204, b"")
        command = b'{"type":2,"data":{"name":"roll"}}'
        status, _, reply = await call("POST", url, data=command,
                                      headers=signed("discord", pair.private, command))
        assert status == 200 and json.loads(reply)["received"] is True


async def test_header_challenges_okta_ringcentral_google(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(ctx, tmp_path, monkeypatch) as (_, endpoint):
        status, _, body = await call("GET", endpoint("okta-hook", "tok"),
                                     headers={"X-Okta-Verification-Challenge": "rQfdEQv"})
        assert (status, json.loads(body)) == (200, {"verification": "rQfdEQv"})
        status, headers, _ = await call("POST", endpoint("ringcentral-hook", "tok"),
                                        headers={"Validation-Token": "3b2c1a"})
        assert status == 200 and headers["Validation-Token"] == "3b2c1a"
        status, _, body = await call("POST", endpoint("google-push-hook", "tok"),
                                     headers={"X-Goog-Resource-State": "sync",
                                              "X-Goog-Channel-ID": "ch-1"})
        assert status == 200


async def test_url_checks_by_head_or_get_are_answered(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(ctx, tmp_path, monkeypatch) as (_, endpoint):
        trello = endpoint("trello", "oauth-secret")
        status, _, _ = await call("HEAD", trello)
        assert status == 200
        status, _, _ = await call("GET", endpoint("mailchimp-hook", "x"))
        assert status == 200
        status, _, _ = await call("POST", trello, data=b"{}")
        assert status == 401


async def test_monday_and_smartcar_challenges(ctx: AppContext, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    async with running(ctx, tmp_path, monkeypatch) as (_, endpoint):
        status, _, body = await call("POST", endpoint("monday", "signing-secret"),
                                     json={"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMm"})
        assert (status, json.loads(body)) == (200, {
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMm"})
        status, _, body = await call("POST", endpoint("smartcar", "amt-token"), json={
            "version": "2.0", "eventName": "verify", "payload": {"challenge": "c-123"}})
        assert json.loads(body) == {
            "challenge": hmac.new(b"amt-token", b"c-123", hashlib.sha256).hexdigest()}


@pytest.mark.parametrize(("profile", "how"), [
    ("asana", "header"), ("notion", "body")])
async def test_a_secret_handed_over_by_the_handshake_checks_later_events(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: str,
        how: str) -> None:
    async with running(ctx, tmp_path, monkeypatch) as (_, endpoint):
        url = endpoint(profile)
        handed = "b537207f20cbfa02357cf448134da559e8bd39d61597dcd5631b8012eae53e81"
        if how == "header":
            status, headers, _ = await call("POST", url, data=b"",
                                            headers={"X-Hook-Secret": handed})
            assert status == 200 and headers["X-Hook-Secret"] == handed
        else:
            status, _, _ = await call("POST", url, json={"verification_token": handed})
            assert status == 200
        (row,) = [e for e in list_endpoints(ctx.store) if e.profile == profile]
        assert row.secrets == [handed]
        event = b'{"events":[{"action":"changed"}]}'
        status, _, _ = await call("POST", url, data=event,
                                  headers=signed(profile, handed, event))
        assert status == 200
        status, _, _ = await call("POST", url, data=event,
                                  headers=signed(profile, "forged", event))
        assert status == 401
        with ctx.store.session() as session:
            verdicts = [c.verify_valid for c in list_captures(session)]
        assert verdicts.count(True) == 1


async def test_ebay_challenge_uses_the_verification_token_and_the_public_url(
        ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inputs of the official SDK's own challenge test (eBay/event-notification-nodejs-sdk
    test/test.js): the endpoint as registered, and the token beside the public key."""
    public = keys.generate("ec-p256").public["pem"]
    async with running(ctx, tmp_path, monkeypatch) as (receiver, _):
        create_endpoint(ctx.store, path="/ebay", scheme="hmac", profile="ebay",
                        secrets=[public, "71745723-d031-455c-bfa5-f90d11b4f20a"],
                        public_url="http://www.testendpoint.com/webhook", reject_invalid=True)
        receiver.reload_endpoints()
        code = "71745723-d031-455c-bfa5-f90d11b4f20a"
        status, _, body = await call("GET", f"{receiver.url}/ebay",
                                     params={"challenge_code": code})
        expected = hashlib.sha256((code + "71745723-d031-455c-bfa5-f90d11b4f20a" +
                                   "http://www.testendpoint.com/webhook").encode()).hexdigest()
        assert (status, json.loads(body)) == (200, {"challengeResponse": expected})
