"""The provider's side of an endpoint handshake: the requests a provider sends to check a
consumer's URL, and what it accepts as an answer. ``webhook-studio handshake URL --profile
NAME`` sends them, so a consumer can be tested before the real provider is pointed at it.

Pure: building a probe and judging a response are here; the CLI does the HTTP.
"""

from __future__ import annotations

import json
import secrets as _secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

from webhook_studio.core.errors import SecretError
from webhook_studio.core.handshakes import (
    ebay_challenge_response,
    hex_hmac,
    twitter_response_token,
)
from webhook_studio.core.message import SignInput
from webhook_studio.core.profiles import Profile

#: A judge returns None when the provider would accept the answer, else the reason it would not.
Judge = Callable[[int, dict[str, str], bytes], str | None]


@dataclass(frozen=True)
class Probe:
    """One request a provider sends during its handshake, and how it judges the answer."""

    label: str
    method: str
    url: str
    judge: Judge
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def _header(headers: dict[str, str], name: str) -> str | None:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), None)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _status(want: int | tuple[int, ...]) -> Callable[[int], str | None]:
    allowed = (want,) if isinstance(want, int) else want

    def check(status: int) -> str | None:
        if status in allowed:
            return None
        return f"answered {status}; the provider expects {' or '.join(map(str, allowed))}"
    return check


def echo_body(value: str, status: int | tuple[int, ...] = 200) -> Judge:
    def judge(code: int, headers: dict[str, str], body: bytes) -> str | None:
        problem = _status(status)(code)
        if problem:
            return problem
        got = body.decode("utf-8", "replace").strip()
        return None if got == value else f"answered {got[:80]!r}; expected {value!r}"
    return judge


def json_field(name: str, value: Any) -> Judge:
    def judge(code: int, headers: dict[str, str], body: bytes) -> str | None:
        problem = _status(200)(code)
        if problem:
            return problem
        data = _json(body)
        if not isinstance(data, dict) or name not in data:
            return f"the answer is not JSON with a {name!r} field: {body[:80]!r}"
        got = data[name]
        return None if got == value else f"{name} is {got!r}; expected {value!r}"
    return judge


def status_only(want: int | tuple[int, ...]) -> Judge:
    check = _status(want)
    return lambda code, headers, body: check(code)


def echo_header(name: str, value: str) -> Judge:
    def judge(code: int, headers: dict[str, str], body: bytes) -> str | None:
        problem = _status((200, 204))(code)
        if problem:
            return problem
        got = _header(headers, name)
        return None if got == value else f"the {name} response header is {got!r}; " \
            f"expected {value!r} echoed back"
    return judge


def probes(profile: Profile, url: str, secret: str, now: int, *, verify_token: str = ""
           ) -> list[Probe]:
    """The requests ``profile``'s provider sends to check ``url``. Raises SecretError when
    the handshake needs a value that was not given."""
    kind = profile.handshake
    challenge = _secrets.token_urlsafe(16)
    sep = "&" if "?" in url else "?"

    def signed(body: bytes, key: str = secret, extra: dict[str, str] | None = None
               ) -> dict[str, str]:
        if not key:
            raise SecretError(f"The {profile.name} handshake is signed: give --secret.")
        headers = {"Content-Type": "application/json", **(extra or {})}
        headers.update(profile.make_scheme().sign(
            key, SignInput(body, f"hs_{challenge[:8]}", now, url)))
        headers.update(extra or {})
        return headers

    def need_secret() -> str:
        if not secret:
            raise SecretError(f"The {profile.name} handshake answer is an HMAC of the "
                              "challenge: give --secret.")
        return secret

    if kind == "slack_url_verification":
        body = json.dumps({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge,
                           "type": "url_verification"}).encode()

        def slack(code: int, headers: dict[str, str], reply: bytes) -> str | None:
            data = _json(reply)
            if isinstance(data, dict) and data.get("challenge") == challenge:
                return _status(200)(code)
            return echo_body(challenge)(code, headers, reply)
        return [Probe("url_verification", "POST", url, slack, signed(body), body)]
    if kind == "zoom_url_validation":
        body = json.dumps({"payload": {"plainToken": challenge}, "event_ts": now * 1000,
                           "event": "endpoint.url_validation"}).encode()
        return [Probe("endpoint.url_validation", "POST", url,
                      json_field("encryptedToken", hex_hmac(need_secret(), challenge)),
                      signed(body), body)]
    if kind == "twitch_callback_verification":
        body = json.dumps({"challenge": challenge, "subscription": {
            "id": "f1c2a387-161a-49f9-a165-0f21d7a4e1c4", "status":
            "webhook_callback_verification_pending", "type": "channel.follow", "version": "2",
            "condition": {"broadcaster_user_id": "12826"}}}).encode()
        return [Probe("webhook_callback_verification", "POST", url, echo_body(challenge),
                      signed(body, extra={"Twitch-Eventsub-Message-Type":
                                          "webhook_callback_verification"}), body)]
    if kind == "meta_hub_challenge":
        if not verify_token:
            raise SecretError("Meta sends your verify token: give --verify-token.")
        number = str(_secrets.randbelow(10**10))
        query = urlencode({"hub.mode": "subscribe", "hub.verify_token": verify_token,
                           "hub.challenge": number})
        return [Probe("hub.challenge", "GET", url + sep + query, echo_body(number))]
    if kind == "twitter_crc":
        token = twitter_response_token(need_secret(), challenge)
        return [Probe("CRC check", "GET", url + sep + urlencode({"crc_token": challenge}),
                      json_field("response_token", token))]
    if kind in ("dropbox_challenge", "nylas_challenge"):
        return [Probe("challenge", "GET", url + sep + urlencode({"challenge": challenge}),
                      echo_body(challenge))]
    if kind == "microsoft_graph_validation":
        text = f"Validation: Testing client application reachability {challenge}"
        return [Probe("validationToken", "POST", f"{url}{sep}validationToken="
                      f"{quote_plus(text)}", echo_body(text))]
    if kind == "xero_intent_to_receive":
        body = json.dumps({"events": [], "firstEventSequence": 0, "lastEventSequence": 0,
                           "entropy": challenge}).encode()
        return [Probe("correctly signed", "POST", url, status_only(200), signed(body), body),
                Probe("incorrectly signed", "POST", url, status_only(401),
                      signed(body, key=need_secret() + "-wrong"), body)]
    if kind == "discord_ping":
        body = json.dumps({"type": 1, "id": "1215000000000000001", "version": 1,
                           "application_id": "1214999999999999999",
                           "token": challenge}).encode()
        bad = signed(body)
        bad["X-Signature-Ed25519"] = "00" * 64
        return [Probe("signed PING", "POST", url, json_field("type", 1), signed(body), body),
                Probe("badly signed PING", "POST", url, status_only(401), bad, body)]
    if kind == "google_push_sync":
        headers = {"X-Goog-Channel-ID": f"channel-{challenge[:8]}", "X-Goog-Message-Number":
                   "1", "X-Goog-Resource-ID": "ret08u3rv24htgh289g", "X-Goog-Resource-State":
                   "sync", "X-Goog-Resource-URI": "https://www.googleapis.com/calendar/v3/"
                   "calendars/primary/events"}
        if secret:
            headers["X-Goog-Channel-Token"] = secret
        return [Probe("sync", "POST", url, status_only((200, 201, 202, 204)), headers)]
    if kind == "okta_verification":
        return [Probe("verification", "GET", url, json_field("verification", challenge),
                      {"X-Okta-Verification-Challenge": challenge})]
    if kind == "ringcentral_validation":
        return [Probe("Validation-Token", "POST", url,
                      echo_header("Validation-Token", challenge),
                      {"Validation-Token": challenge, "Content-Type": "application/json"})]
    if kind == "asana_hook_secret":
        handed = secret or _secrets.token_hex(32)
        return [Probe("X-Hook-Secret", "POST", url, echo_header("X-Hook-Secret", handed),
                      {"X-Hook-Secret": handed, "Content-Type": "application/json"})]
    if kind == "notion_verification":
        token = secret or f"secret_{_secrets.token_urlsafe(24)}"
        body = json.dumps({"verification_token": token}).encode()
        return [Probe("verification_token", "POST", url, status_only((200, 201, 202, 204)),
                      {"Content-Type": "application/json"}, body)]
    if kind == "monday_challenge":
        body = json.dumps({"challenge": challenge}).encode()
        return [Probe("challenge", "POST", url, json_field("challenge", challenge),
                      {"Content-Type": "application/json"}, body)]
    if kind == "linkedin_challenge":
        return [Probe("challengeCode", "GET", url + sep + urlencode({"challengeCode": challenge}),
                      json_field("challengeResponse", hex_hmac(need_secret(), challenge)))]
    if kind == "smartcar_verify":
        body = json.dumps({"version": "2.0", "webhookId": "5a8e5e38", "eventName": "verify",
                           "payload": {"challenge": challenge}}).encode()
        return [Probe("verify", "POST", url, json_field("challenge",
                                                        hex_hmac(need_secret(), challenge)),
                      signed(body), body)]
    if kind == "worldline_verification":
        return [Probe("endpoint verification", "GET", url, echo_body(challenge),
                      {"X-GCS-Webhooks-Endpoint-Verification": challenge})]
    if kind == "ebay_challenge":
        if not verify_token:
            raise SecretError("eBay hashes your verification token into the challenge: give "
                              "--verify-token.")
        expected = ebay_challenge_response(challenge, verify_token, url.partition("?")[0])
        return [Probe("challenge_code", "GET", url + sep + urlencode({"challenge_code":
                                                                      challenge}),
                      json_field("challengeResponse", expected))]
    if kind == "head_get_ok":
        return [Probe("URL check", "HEAD", url, status_only(200))]
    raise SecretError(f"The {profile.name} profile has no handshake to send.")
