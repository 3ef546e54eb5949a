"""Every profile signs every catalog event so that the same profile verifies it; the seeds'
own code agrees; handshakes; malformed files are named and skipped."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.profiles import seed_verifiers as seeds
from webhook_studio.core.errors import ProfileError
from webhook_studio.core.handshakes import answer_handshake
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.profiles import parse_profile
from webhook_studio.core.verdict import Reason
from webhook_studio.profile_library import ProfileLibrary

NOW = 1_764_000_000
LIBRARY = ProfileLibrary.load(Path("/nonexistent-user-dir"))
SECRET = {"standard-webhooks": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
          "svix": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
URL = "https://hooks.example.com/in?x=1"


def deliver(name: str, event_type: str, data: object, secret: str) -> IncomingRequest:
    profile = LIBRARY.get(name)
    body = profile.envelope(event_type, data, "evt_1", NOW)
    headers = {**profile.delivery_headers(event_type, "msg_1", NOW),
               **profile.make_scheme().sign(secret, SignInput(body, "msg_1", NOW, URL))}
    return IncomingRequest(body, tuple(headers.items()), url=URL)


def test_every_bundled_profile_loads_without_errors() -> None:
    assert LIBRARY.errors == []
    assert set(LIBRARY.names()) >= {"paissive", "envoyou", "brainsait", "leads", "ops-center",
                                    "standard-webhooks", "svix", "stripe", "github", "slack",
                                    "shopify", "twilio", "square", "paddle", "zoom", "twitch"}


@pytest.mark.parametrize("name", LIBRARY.names())
def test_every_catalog_event_verifies_and_one_changed_byte_does_not(name: str) -> None:
    profile = LIBRARY.get(name)
    scheme = profile.make_scheme()
    secret = SECRET.get(name, "s3cr3t-" + name)
    if profile.family in ("jwt", "asymmetric"):  # key pairs, API_KEY:SECRET… (core/keys)
        secret = scheme.generate_secret()
    assert profile.events, "a profile has a catalog"
    for event in profile.events:
        request = deliver(name, event.type, event.sample, secret)
        verdict = scheme.verify(request, [secret], now=NOW)
        assert verdict.valid, (event.type, verdict.message)
        body = bytearray(request.body)
        body[len(body) // 2] ^= 0x01
        tampered = scheme.verify(replace(request, body=bytes(body)), [secret], now=NOW)
        if name == "monday":  # its JWT carries no body hash (see the profile)
            continue
        assert not tampered.valid
        if name != "twilio" and name != "envoyou":  # form fields / canonical JSON may not parse
            assert tampered.reason is Reason.NO_SIGNATURE_MATCHED


def test_seed_catalogs_match_their_guides() -> None:
    assert len(LIBRARY.get("paissive").events) == 17
    ops = LIBRARY.get("ops-center").categories()
    assert len(ops) == 6 and sum(len(e) for e in ops.values()) == 30
    assert [e.type for e in LIBRARY.get("leads").events] == ["new_lead", "lead_update"]


def test_seed_guides_own_code_accepts_what_we_send() -> None:
    secret = "whsec_seed_secret_used_literally"
    r = deliver("paissive", "payment.received", {"amount": 19.99}, secret)
    assert seeds.paissive_verify_webhook_signature(
        r.body.decode(), str(r.header("X-Webhook-Signature")), secret)
    assert json.loads(r.body)["type"] == "payment.received"

    r = deliver("envoyou", "user.created", {"id": "user_123"}, secret)
    assert seeds.envoyou_verify_signature(
        json.loads(r.body), str(r.header("X-EnvoyOU-Signature")),
        str(r.header("X-EnvoyOU-Timestamp")), secret.encode(), now=NOW)
    assert r.header("X-EnvoyOU-Event-Type") == "user.created"
    assert json.loads(r.body)["data"] == {"object": {"id": "user_123"}}

    r = deliver("brainsait", "order.created", {"id": "ord_1"}, secret)
    assert seeds.brainsait_verify_webhook_signature(
        r.body, str(r.header("X-BrainSAIT-Signature")), secret)
    assert r.header("X-Tenant-ID") == "company_xyz"

    r = deliver("leads", "new_lead", {"id": "lead_1"}, secret)
    assert seeds.leads_verify(r.body.decode(), str(r.header("X-Webhook-Signature")), secret)
    assert r.header("X-Webhook-Delivery-Id") == "msg_1"

    r = deliver("ops-center", "device.offline", {"device_id": "edge-1"}, secret)
    assert seeds.ops_center_verify_webhook(r.body.decode(), str(r.header("X-Webhook-Signature")),
                                           secret)


def test_what_the_seed_code_signs_verifies_through_our_profiles() -> None:
    secret = "their-secret"
    body = b'{"event":"new_lead","timestamp":"2025-01-01T12:00:00Z","data":{"id":"lead_123"}}'
    hexsig = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    for name, header in (("leads", "X-Webhook-Signature"), ("ops-center", "X-Webhook-Signature"),
                         ("brainsait", "X-BrainSAIT-Signature")):
        request = IncomingRequest(body, ((header, hexsig),))
        assert LIBRARY.get(name).make_scheme().verify(request, [secret], now=NOW).valid
    ts = str(NOW)
    payload = {"type": "auth.login", "id": "evt_9", "data": {"object": {"ip": "1.2.3.4"}}}
    digest = hmac.new(secret.encode(), f"{ts}.".encode()
                      + seeds.envoyou_canonical_json(payload).encode(), hashlib.sha256).hexdigest()
    pretty = json.dumps(payload, indent=2).encode()  # the sender pretty-printed: still valid
    request = IncomingRequest(pretty, (("X-EnvoyOU-Signature", f"v1,{digest}"),
                                       ("X-EnvoyOU-Timestamp", ts)))
    assert LIBRARY.get("envoyou").make_scheme().verify(request, [secret], now=NOW).valid


def test_handshakes_for_slack_zoom_and_twitch() -> None:
    slack = LIBRARY.get("slack")
    body = json.dumps({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge":
                       "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"}).encode()
    headers = slack.make_scheme().sign("sk", SignInput(body, timestamp=NOW))
    answer = answer_handshake(slack, IncomingRequest(body, tuple(headers.items())), ["sk"], NOW)
    assert answer is not None and json.loads(answer[2])["challenge"].startswith("3eZbrw")
    unsigned = answer_handshake(slack, IncomingRequest(body), ["sk"], NOW)
    assert unsigned is None, "an unsigned challenge is not answered"

    zoom = LIBRARY.get("zoom")
    body = json.dumps({"payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
                       "event_ts": 1654503849680, "event": "endpoint.url_validation"}).encode()
    answer = answer_handshake(zoom, IncomingRequest(body), ["zoom-secret"], NOW)
    assert answer is not None
    reply = json.loads(answer[2])
    assert reply["plainToken"] == "qgg8vlvZRS6UYooatFL8Aw"
    assert reply["encryptedToken"] == hmac.new(b"zoom-secret", b"qgg8vlvZRS6UYooatFL8Aw",
                                               hashlib.sha256).hexdigest()

    twitch = LIBRARY.get("twitch")
    body = json.dumps({"challenge": "pogchamp-kappa-360noscope-vohiyo",
                       "subscription": {"type": "channel.follow", "version": "1"}}).encode()
    signed = twitch.make_scheme().sign("tw", SignInput(body, "e76c6bd4", NOW))
    signed["Twitch-Eventsub-Message-Type"] = "webhook_callback_verification"
    answer = answer_handshake(twitch, IncomingRequest(body, tuple(signed.items())), ["tw"], NOW)
    assert answer == (200, {"Content-Type": "text/plain"}, b"pogchamp-kappa-360noscope-vohiyo")
    notification = dict(signed, **{"Twitch-Eventsub-Message-Type": "notification"})
    assert answer_handshake(twitch, IncomingRequest(body, tuple(notification.items())), ["tw"],
                            NOW) is None


def test_a_malformed_user_profile_is_named_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('name = "broken"\nscheme = "hmac"\nretry = "5x"\n'
                                          'envelope = "$data"\nscheme_options = {header="X"}\n')
    (tmp_path / "notoml.toml").write_text("name = [unclosed")
    library = ProfileLibrary.load(tmp_path)
    assert "broken.toml: field 'retry': '5x' is not a delay" in " ".join(library.errors)
    assert any(e.startswith("notoml.toml: not valid TOML") for e in library.errors)
    assert "stripe" in library.names() and "broken" not in library.names()
    with pytest.raises(ProfileError, match="No profile named 'nope'; known profiles: "):
        library.get("nope")


@pytest.mark.parametrize(("value", "field"), [
    ('"yes"', "replay_protection"),
    ('{ kind = "token", header = "X-N" }', "replay_protection.kind"),
    ('{ kind = "nonce" }', "replay_protection.header"),
    ('{ kind = "nonce", header = "X-N", window = 0 }', "replay_protection.window"),
    ('{ kind = "nonce", header = "X-N", window = true }', "replay_protection.window"),
])
def test_replay_protection_is_checked_field_by_field(value: str, field: str) -> None:
    text = ('name = "n"\nscheme = "github"\nenvelope = "$data"\n'
            f"replay_protection = {value}\n")
    with pytest.raises(ProfileError, match=f"n.toml: field '{field}': "):
        parse_profile(text, "n.toml")
    good = parse_profile(text.replace(value, '{ kind = "nonce", header = " X-N " }'), "n.toml")
    assert good.replay_protection == {"kind": "nonce", "header": "X-N", "window": 600.0}


def test_a_user_profile_overrides_and_imports(tmp_path: Path) -> None:
    source = tmp_path / "mine.toml"
    source.write_text('name = "github"\ntitle = "My GitHub"\nscheme = "github"\n'
                      'envelope = "$data"\n')
    library = ProfileLibrary.load(tmp_path / "user")
    library.import_file(source)
    assert ProfileLibrary.load(tmp_path / "user").get("github").title == "My GitHub"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200) | st.dictionaries(
    st.sampled_from(["name", "scheme", "retry", "timeout", "envelope", "events", "headers",
                     "format", "handshake", "scheme_options", "rate_per_minute", "x"]),
    st.none() | st.integers() | st.text(max_size=10) | st.lists(st.integers(), max_size=2),
    max_size=8).map(lambda d: "\n".join(f"{k} = {json.dumps(v)}" for k, v in d.items()
                                        if v is not None)))
def test_the_parser_raises_only_profile_errors(text: str) -> None:
    message = "fuzz.toml: parsed"
    try:
        parse_profile(text, "fuzz.toml")
    except ProfileError as exc:
        message = str(exc)
    assert message.startswith("fuzz.toml:")
