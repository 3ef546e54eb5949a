"""Profiles drive the real engines: the sender shapes and signs as the provider, a receiver
endpoint with the same profile verifies it, and handshakes are answered."""

from __future__ import annotations

import json

import aiohttp
import pytest

from webhook_studio.context import AppContext
from webhook_studio.core.retry import parse_policy
from webhook_studio.receiver import Receiver
from webhook_studio.sender import Dispatcher
from webhook_studio.store.receiver_queries import create_endpoint, list_captures
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.wiring import attach_receiver_extras, sender_hooks

PROFILES = ["envoyou", "paissive", "github", "stripe", "twilio", "zoom", "svix"]


@pytest.mark.parametrize("name", PROFILES)
async def test_sender_and_receiver_agree_under_a_profile(ctx: AppContext, name: str) -> None:
    from webhook_studio.profile_library import ProfileLibrary

    profile = ProfileLibrary.load().get(name)
    secret = (profile.make_scheme().generate_secret() if profile.secret_format == "whsec"
              else f"secret-for-{name}")
    receiver = Receiver(ctx.store, port=0)
    extras = attach_receiver_extras(receiver, ctx)
    url = await receiver.start()
    create_endpoint(ctx.store, path=f"/p/{name}", scheme=profile.scheme,
                    scheme_options=profile.scheme_options, profile=name, secrets=[secret])
    receiver.reload_endpoints()
    envelope_for, header_hook = sender_hooks(ctx)
    dispatcher = Dispatcher(ctx.store, envelope_for=envelope_for, header_hook=header_hook)
    try:
        create_subscription(ctx.store, secret=secret, url=f"{url}/p/{name}", events=["*"],
                            scheme=profile.scheme, scheme_options=profile.scheme_options,
                            profile=name, retry_policy=parse_policy("0").to_dict())
        event = profile.events[0]
        assert len(dispatcher.emit(event.type, event.sample)) == 1
        await dispatcher.run_due()
        with ctx.store.session() as session:
            (capture,) = list_captures(session, with_body=True)
        assert capture.verify_valid is True, capture.verification
        for header in profile.headers:
            assert header.lower() in {k.lower() for k, _ in capture.headers}
        if profile.body_format == "json":
            assert json.loads(capture.body) == json.loads(
                profile.envelope(event.type, event.sample, "x", 0)) | _volatile(capture.body)
    finally:
        await dispatcher.stop()
        await receiver.stop()
        await extras.close()


def _volatile(body: bytes) -> dict[str, object]:
    """Ids and times differ per delivery; everything else must be the profile's shape."""
    data = json.loads(body)
    return {k: data[k] for k in ("id", "created", "created_at", "timestamp", "event_id",
                                 "event_time", "event_ts", "occurred_at", "notification_id")
            if k in data}


async def test_the_receiver_answers_a_zoom_url_validation(ctx: AppContext) -> None:
    receiver = Receiver(ctx.store, port=0)
    extras = attach_receiver_extras(receiver, ctx)
    url = await receiver.start()
    create_endpoint(ctx.store, path="/zoom", scheme="zoom", profile="zoom", secrets=["tok"])
    receiver.reload_endpoints()
    body = {"payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
            "event": "endpoint.url_validation"}
    try:
        async with aiohttp.ClientSession() as session, session.post(
                f"{url}/zoom", json=body) as resp:
            reply = await resp.json()
        assert reply["plainToken"] == "qgg8vlvZRS6UYooatFL8Aw"
        assert len(reply["encryptedToken"]) == 64
    finally:
        await receiver.stop()
        await extras.close()


def test_profiles_cli(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    from pathlib import Path

    from webhook_studio.cli import main

    assert main(["profiles", "list", "--json"]) == 0
    names = {p["name"] for p in json.loads(capsys.readouterr().out)}
    assert {"stripe", "envoyou", "ops-center"} <= names
    assert main(["profiles", "show", "ops-center", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown["categories"]) == 6
    out = Path(str(tmp_path)) / "stripe.toml"
    assert main(["profiles", "export", "stripe", "--out", str(out)]) == 0
    assert 'scheme = "stripe"' in out.read_text()
    assert main(["profiles", "show", "nope"]) == 2
    assert "No profile named 'nope'" in capsys.readouterr().err


def test_sign_and_verify_take_a_profile(capsys: pytest.CaptureFixture[str],
                                        tmp_path: object) -> None:
    from pathlib import Path

    from webhook_studio.cli import main

    body = Path(str(tmp_path)) / "b.json"
    body.write_bytes(b'{"b":1,"a":2}')
    assert main(["sign", "--profile", "envoyou", "--secret", "k", "--timestamp", "1700000000",
                 "--body-file", str(body)]) == 0
    headers = json.loads(capsys.readouterr().out)
    args = ["verify", "--profile", "envoyou", "--secret", "k", "--now", "1700000000",
            "--body-file", str(body)]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("Signature is valid")
