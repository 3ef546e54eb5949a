"""Endpoint handshakes some providers require before (or while) they send events, answered by
the receiver when the endpoint's profile names one.

===============================  ============================================================
handshake                        what the receiver answers
===============================  ============================================================
slack_url_verification           signed ``url_verification``: the challenge as JSON
zoom_url_validation              ``plainToken`` and hex HMAC-SHA256(secret, plainToken)
twitch_callback_verification     signed verification message: the challenge, text/plain
meta_hub_challenge               GET ``hub.mode=subscribe``: ``hub.challenge`` when
                                 ``hub.verify_token`` is one of the endpoint's secrets, else 403
twitter_crc                      GET ``crc_token``: ``{"response_token": "sha256=" +
                                 b64(HMAC-SHA256(consumer secret, token))}``
dropbox_challenge                GET ``challenge``: echoed as text/plain with ``nosniff``
nylas_challenge                  GET ``challenge``: echoed as text/plain
microsoft_graph_validation       ``?validationToken``: the URL-decoded token as text/plain
xero_intent_to_receive           every POST: 200 when signed right, 401 (empty) otherwise
discord_ping                     bad signature: 401; signed interactions PING (type 1):
                                 ``{"type":1}``; webhook events PING (type 0): 204
google_push_sync                 ``X-Goog-Resource-State: sync``: 200
okta_verification                GET ``X-Okta-Verification-Challenge``: ``{"verification": v}``
ringcentral_validation           ``Validation-Token`` header echoed in the response headers
asana_hook_secret                ``X-Hook-Secret`` header echoed (it becomes the secret)
notion_verification              unsigned ``{"verification_token": …}``: 200 (the token is
                                 the secret; paste it in Notion to confirm the subscription)
monday_challenge                 ``{"challenge": c}``: the same JSON back
linkedin_challenge               GET ``challengeCode``: code and hex HMAC-SHA256(secret, code)
smartcar_verify                  ``eventName: verify``: hex HMAC-SHA256(token, challenge)
worldline_verification           GET ``X-GCS-Webhooks-Endpoint-Verification``: echoed as body
head_get_ok                      HEAD or GET (Trello, Mailchimp, Mandrill check the URL): 200
ebay_challenge                   GET ``challenge_code``: ``{"challengeResponse": hex SHA-256(
                                 code + verification token + endpoint URL)}``; the token is
                                 the endpoint's secret that is not a public key
===============================  ============================================================

Asana's and Notion's handshakes hand over the signing secret: ``learned_secret`` reads it, and
the receiver stores it on an endpoint that has no secret yet (``profile_library``).

Box, Stripe, GitHub and most others need none. Handshakes that only check the URL answer even
when the endpoint has no secret; those that sign or compare need one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.profiles import Profile

Answer = tuple[int, dict[str, str], bytes]
_TEXT = {"Content-Type": "text/plain; charset=utf-8"}
_JSON = {"Content-Type": "application/json"}


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def query(request: IncomingRequest) -> dict[str, str]:
    """The request's query parameters (first value of each, URL-decoded)."""
    raw = urlsplit(request.url or "").query
    return {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def hex_hmac(secret: str, text: str) -> str:
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def twitter_response_token(secret: str, token: str) -> str:
    raw = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(raw).decode("ascii")


def _dump(data: Any) -> bytes:
    return json.dumps(data).encode()


def _valid(profile: Profile, request: IncomingRequest, secrets: Sequence[str],
           now: float) -> bool:
    return bool(secrets) and profile.make_scheme().verify(request, secrets, now=now).valid


Handler = Callable[[Profile, IncomingRequest, Sequence[str], float], Answer | None]


def _slack(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    data = _json(r.body)
    if not isinstance(data, dict) or data.get("type") != "url_verification":
        return None
    if not _valid(p, r, s, now):
        return None
    return 200, _JSON, _dump({"challenge": data.get("challenge", "")})


def _zoom(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    data = _json(r.body)
    if not s or not isinstance(data, dict) or data.get("event") != "endpoint.url_validation":
        return None
    payload = data.get("payload")
    plain = str(payload.get("plainToken", "")) if isinstance(payload, dict) else ""
    return 200, _JSON, _dump({"plainToken": plain, "encryptedToken": hex_hmac(s[0], plain)})


def _twitch(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    if r.header("Twitch-Eventsub-Message-Type") != "webhook_callback_verification":
        return None
    data = _json(r.body)
    if not isinstance(data, dict) or "challenge" not in data or not _valid(p, r, s, now):
        return None
    return 200, {"Content-Type": "text/plain"}, str(data["challenge"]).encode()


def _meta(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    q = query(r)
    if r.method != "GET" or q.get("hub.mode") != "subscribe" or "hub.challenge" not in q:
        return None
    token = q.get("hub.verify_token", "")
    if not any(hmac.compare_digest(token.encode(), secret.encode()) for secret in s):
        return 403, _TEXT, (b"hub.verify_token does not match this endpoint's verify token "
                            b"(add it as one of the endpoint's secrets).")
    return 200, _TEXT, q["hub.challenge"].encode()


def _twitter(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    token = query(r).get("crc_token")
    if r.method != "GET" or token is None or not s:
        return None
    return 200, _JSON, _dump({"response_token": twitter_response_token(s[0], token)})


def _echo_query(name: str, extra: dict[str, str]) -> Handler:
    def handler(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
        value = query(r).get(name)
        if r.method != "GET" or value is None:
            return None
        return 200, {**_TEXT, **extra}, value.encode()
    return handler


def _graph(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    token = query(r).get("validationToken")
    return None if token is None else (200, _TEXT, token.encode())


def _xero(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    if r.method != "POST":
        return None
    return (200, {}, b"") if _valid(p, r, s, now) else (401, {}, b"")


def _discord(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    if r.method != "POST":
        return None
    if not _valid(p, r, s, now):
        return 401, _TEXT, b"invalid request signature"
    data = _json(r.body)
    if not isinstance(data, dict):
        return None
    if data.get("type") == 1 and "event" not in data:  # interactions PING
        return 200, _JSON, _dump({"type": 1})
    if data.get("type") == 0:  # webhook events PING: 204, no body
        return 204, {}, b""
    return None


def _google(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    return (200, {}, b"") if r.header("X-Goog-Resource-State") == "sync" else None


def _okta(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    value = r.header("X-Okta-Verification-Challenge")
    if r.method != "GET" or value is None:
        return None
    return 200, _JSON, _dump({"verification": value})


def _echo_header(name: str) -> Handler:
    def handler(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
        value = r.header(name)
        return None if value is None else (200, {name: value}, b"")
    return handler


def _notion(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    data = _json(r.body)
    if not isinstance(data, dict) or set(data) != {"verification_token"}:
        return None
    return 200, {}, b""


def _monday(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    data = _json(r.body)
    if not isinstance(data, dict) or set(data) != {"challenge"}:
        return None
    return 200, _JSON, _dump({"challenge": data["challenge"]})


def _linkedin(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    code = query(r).get("challengeCode")
    if r.method != "GET" or code is None or not s:
        return None
    return 200, _JSON, _dump({"challengeCode": code, "challengeResponse": hex_hmac(s[0], code)})


def _smartcar(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    data = _json(r.body)
    if not s or not isinstance(data, dict) or data.get("eventName") != "verify":
        return None
    payload = data.get("payload")
    challenge = payload.get("challenge") if isinstance(payload, dict) else None
    if not isinstance(challenge, str):
        return None
    return 200, _JSON, _dump({"challenge": hex_hmac(s[0], challenge)})


def _worldline(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    value = r.header("X-GCS-Webhooks-Endpoint-Verification")
    if r.method != "GET" or value is None:
        return None
    return 200, _TEXT, value.encode()


def ebay_challenge_response(code: str, verification_token: str, endpoint: str) -> str:
    return hashlib.sha256((code + verification_token + endpoint).encode()).hexdigest()


def _ebay(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    code = query(r).get("challenge_code")
    if r.method != "GET" or code is None:
        return None
    from webhook_studio.core import keys
    from webhook_studio.core.errors import SecretError

    tokens = []
    for secret in s:
        try:
            keys.load_public(secret)
        except SecretError:
            tokens.append(secret)
    if not tokens:
        return None
    endpoint = (r.url or "").partition("?")[0]
    return 200, _JSON, _dump({"challengeResponse":
                              ebay_challenge_response(code, tokens[0], endpoint)})


def _head_get(p: Profile, r: IncomingRequest, s: Sequence[str], now: float) -> Answer | None:
    return (200, {}, b"") if r.method in ("HEAD", "GET") else None


HANDLERS: dict[str, Handler] = {
    "slack_url_verification": _slack,
    "zoom_url_validation": _zoom,
    "twitch_callback_verification": _twitch,
    "meta_hub_challenge": _meta,
    "twitter_crc": _twitter,
    "dropbox_challenge": _echo_query("challenge", {"X-Content-Type-Options": "nosniff"}),
    "nylas_challenge": _echo_query("challenge", {}),
    "microsoft_graph_validation": _graph,
    "xero_intent_to_receive": _xero,
    "discord_ping": _discord,
    "google_push_sync": _google,
    "okta_verification": _okta,
    "ringcentral_validation": _echo_header("Validation-Token"),
    "asana_hook_secret": _echo_header("X-Hook-Secret"),
    "notion_verification": _notion,
    "monday_challenge": _monday,
    "linkedin_challenge": _linkedin,
    "smartcar_verify": _smartcar,
    "worldline_verification": _worldline,
    "head_get_ok": _head_get,
    "ebay_challenge": _ebay,
}


def learned_secret(profile: Profile, request: IncomingRequest) -> str | None:
    """The secret a handshake hands over (Asana's ``X-Hook-Secret``, Notion's
    ``verification_token``): later events are signed with it."""
    if profile.handshake == "asana_hook_secret":
        value = request.header("X-Hook-Secret")
        return value.strip() if value and value.strip() else None
    if profile.handshake == "notion_verification":
        data = _json(request.body)
        token = data.get("verification_token") if isinstance(data, dict) else None
        return token if isinstance(token, str) and token else None
    return None


def answer_handshake(profile: Profile, request: IncomingRequest, secrets: Sequence[str],
                     now: float) -> Answer | None:
    """The response to a handshake request, or None when this is not one."""
    handler = HANDLERS.get(profile.handshake)
    return None if handler is None else handler(profile, request, list(secrets), now)
