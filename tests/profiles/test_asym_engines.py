"""The real sender emulates each JWT, public-key and handshake provider (a subscription whose
secret is the private key from ``keys``), and a real receiver endpoint with the same profile and
only the public key verifies what arrives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webhook_studio.context import AppContext
from webhook_studio.core import keys
from webhook_studio.core.retry import parse_policy
from webhook_studio.profile_library import ProfileLibrary
from webhook_studio.receiver import Receiver
from webhook_studio.sender import Dispatcher
from webhook_studio.store.receiver_queries import create_endpoint, list_captures
from webhook_studio.store.sender_queries import create_subscription
from webhook_studio.wiring import attach_receiver_extras, sender_hooks

LIBRARY = ProfileLibrary.load(Path("/nonexistent-user-profiles"))
NAMES = sorted(p.name for p in LIBRARY.profiles.values()
               if p.family in ("jwt", "asymmetric") or p.handshake not in (
                   "none", "slack_url_verification", "zoom_url_validation",
                   "twitch_callback_verification"))


def endpoint_secret(name: str, secret: str) -> str:
    form = getattr(LIBRARY.get(name).make_scheme(), "public_key_format", None)
    if form is None:
        return secret
    webhook_id, found, material = secret.partition("|")
    public = keys.public_forms(keys.load_private(material if found else secret).public_key())
    return f"{webhook_id}|{public[form]}" if found else public[form]


@pytest.mark.parametrize("name", NAMES)
async def test_the_sender_emulates_and_the_receiver_verifies(ctx: AppContext, name: str) -> None:
    profile = LIBRARY.get(name)
    secret = profile.make_scheme().generate_secret()
    receiver = Receiver(ctx.store, port=0)
    extras = attach_receiver_extras(receiver, ctx)
    url = await receiver.start()
    create_endpoint(ctx.store, path=f"/p/{name}", scheme=profile.scheme,
                    scheme_options=profile.scheme_options, profile=name,
                    secrets=[endpoint_secret(name, secret)], reject_invalid=True)
    receiver.reload_endpoints()
    envelope_for, header_hook = sender_hooks(ctx)
    dispatcher = Dispatcher(ctx.store, envelope_for=envelope_for, header_hook=header_hook)
    try:
        create_subscription(ctx.store, secret=secret, url=f"{url}/p/{name}", events=["*"],
                            scheme=profile.scheme, scheme_options=profile.scheme_options,
                            profile=name, retry_policy=parse_policy("0").to_dict())
        event = profile.events[-1]
        assert len(dispatcher.emit(event.type, event.sample)) == 1
        await dispatcher.run_due()
        with ctx.store.session() as session:
            (capture,) = list_captures(session, with_body=True)
        assert capture.verify_valid is True, capture.verification
        assert capture.response_status == 200
        sent = {k.lower() for k, _ in capture.headers}
        assert {h.lower() for h in profile.headers} <= sent
        if profile.body_format == "json":
            assert json.loads(capture.body) is not None
        else:  # a form body (Google push channels send none at all)
            assert capture.body == profile.envelope(event.type, event.sample, "evt", 0.0)
    finally:
        await dispatcher.stop()
        await receiver.stop()
        await extras.close()
