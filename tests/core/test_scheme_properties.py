"""Properties every scheme must have: round trip, any one-byte change rejected, garbage in
headers never raises."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.schemes_support import ALL, NOW, SECRETS, check, scheme_for, signed
from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.verdict import Reason

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
json_bodies = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                  max_size=4),
    max_leaves=10,
).map(lambda obj: __import__("json").dumps({"data": obj}).encode())
any_bodies = st.binary(max_size=300)


def bodies_for(name: str) -> st.SearchStrategy[bytes]:
    return json_bodies if name == "hmac" else any_bodies


@pytest.mark.parametrize("name", ALL)
def test_sign_then_verify_round_trips(name: str) -> None:
    @FAST
    @given(body=bodies_for(name), msg_id=st.from_regex(r"msg_[A-Za-z0-9]{1,20}", fullmatch=True))
    def run(body: bytes, msg_id: str) -> None:
        scheme, request = signed(name, body, msg_id=msg_id)
        verdict = check(scheme, request)
        assert verdict.valid, verdict.message
        assert verdict.reason is Reason.VALID and verdict.matched_secret == 0

    run()


@pytest.mark.parametrize("name", [n for n in ALL if n != "hmac"])
def test_any_one_byte_change_to_the_body_is_rejected(name: str) -> None:
    @FAST
    @given(body=st.binary(min_size=1, max_size=200), data=st.data())
    def run(body: bytes, data: st.DataObject) -> None:
        scheme, request = signed(name, body)
        if name == "twilio" and request.params is None:
            pass
        i = data.draw(st.integers(0, len(body) - 1))
        delta = data.draw(st.integers(1, 255))
        changed = body[:i] + bytes([(body[i] + delta) % 256]) + body[i + 1:]
        if name == "twilio" and _same_form(body, changed):
            return  # Twilio signs parsed form fields, not bytes: equal fields are equal
        verdict = check(scheme, replace(request, body=changed))
        assert not verdict.valid

    run()


def _same_form(a: bytes, b: bytes) -> bool:
    """Twilio signs the sorted ``name + value`` concatenation of the form fields, not bytes:
    bodies whose fields concatenate the same (``=`` is one empty pair, i.e. nothing) are the
    same to Twilio by definition."""
    from webhook_studio.core.schemes.twilio import form_params

    def signed(body: bytes) -> str:
        return "".join(k + v for k, v in sorted(form_params(body)))

    return signed(a) == signed(b)


@pytest.mark.parametrize("name", ALL)
def test_any_change_to_a_signature_header_value_is_rejected(name: str) -> None:
    @FAST
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        scheme, request = signed(name, b'{"id":"evt_1","type":"user.created"}')
        index = data.draw(st.integers(0, len(request.headers) - 1))
        key, value = request.headers[index]
        if key.lower() in UNSIGNED:
            return
        pos = data.draw(st.integers(0, len(value) - 1))
        new_char = data.draw(st.sampled_from("0A9z+/=,.-:"))
        if value[pos] == new_char:
            return
        changed = value[:pos] + new_char + value[pos + 1:]
        if name == "stripe" and key == "Stripe-Signature" and _stripe_equivalent(value, changed):
            return
        headers = list(request.headers)
        headers[index] = (key, changed)
        verdict = check(scheme, replace(request, headers=tuple(headers)))
        assert not verdict.valid, (key, value, changed)

    run()


#: Headers a scheme sends but does not sign or consult, by design: Twitch's message type only
#: names the kind of message; GitHub's legacy SHA-1 header is ignored while
#: X-Hub-Signature-256 is present (see test_scheme_rules.py); EnvoyOU signs
#: ``{timestamp}.{body}``, not its webhook id.
UNSIGNED = {"twitch-eventsub-message-type", "x-hub-signature", "x-envoyou-webhook-id"}


def _stripe_equivalent(old: str, new: str) -> bool:
    """Stripe ignores unknown ``k=v`` items; a change that only renames a key to an unknown one
    while keeping the t= and one valid v1= leaves the header valid by design."""
    keep = [p for p in new.split(",") if p.startswith(("t=", "v1="))]
    return sorted(keep) == sorted(p for p in old.split(",") if p.startswith(("t=", "v1=")))


@pytest.mark.parametrize("name", ALL)
def test_changing_the_signed_timestamp_or_id_is_rejected(name: str) -> None:
    scheme, request = signed(name, b'{"k":1}', ts=NOW, msg_id="msg_a")
    _, other = signed(name, b'{"k":1}', ts=NOW + 1, msg_id="msg_b")
    mixed = []
    sig_names = {k.lower() for k, _ in request.headers}
    for key, value in request.headers:
        lower = key.lower()
        if "signature" in lower or "hmac" in lower:
            mixed.append((key, value))
        else:
            mixed.append((key, dict((k.lower(), v) for k, v in other.headers)[lower]))
    if mixed == list(request.headers) or not sig_names:
        return  # the scheme signs neither a timestamp nor an id
    verdict = check(scheme, replace(request, headers=tuple(mixed)), now=NOW)
    assert not verdict.valid


header_names = st.sampled_from([
    "webhook-id", "webhook-timestamp", "webhook-signature", "svix-signature", "Stripe-Signature",
    "X-Hub-Signature-256", "X-Hub-Signature", "X-Slack-Signature", "X-Slack-Request-Timestamp",
    "X-Shopify-Hmac-Sha256", "X-Twilio-Signature", "x-square-hmacsha256-signature",
    "Paddle-Signature", "x-zm-signature", "x-zm-request-timestamp", "Twitch-Eventsub-Message-Id",
    "Twitch-Eventsub-Message-Timestamp", "Twitch-Eventsub-Message-Signature",
    "X-EnvoyOU-Signature", "X-EnvoyOU-Timestamp", "X-EnvoyOU-Webhook-ID",
]) | st.text(max_size=12)
garbage = st.text(max_size=60) | st.sampled_from(
    ["v1,", "t=,v1=", "sha256=", "v0=", "ts=;h1=", "v1a,!!!", "99999999999999999999", " ",
     "t=1700000000", "sha256=zz", "v1," + "A" * 44, "1e9", "-5"])


@pytest.mark.parametrize("name", ALL)
def test_garbage_headers_give_an_invalid_verdict_with_a_reason(name: str) -> None:
    @FAST
    @given(headers=st.lists(st.tuples(header_names, garbage), max_size=6),
           body=st.binary(max_size=64), url=st.none() | st.text(max_size=30),
           secret=st.sampled_from([SECRETS[name], "", "whsec_", "whpk_AAAA", "whsk_!!"]))
    def run(headers: list[tuple[str, str]], body: bytes, url: str | None, secret: str) -> None:
        verdict = scheme_for(name).verify(IncomingRequest(body, tuple(headers), url=url),
                                          [secret], now=NOW)
        assert not verdict.valid
        assert verdict.reason is not Reason.VALID and verdict.message

    run()
