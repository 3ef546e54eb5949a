"""Endpoint handshakes some providers require before they send events, answered by the
receiver when the endpoint's profile asks for it.

* Slack ``url_verification``: reply with the challenge (the request is signed: verified first).
* Zoom ``endpoint.url_validation``: reply ``plainToken`` and ``encryptedToken`` =
  hex HMAC-SHA256(secret token, plainToken).
* Twitch ``webhook_callback_verification`` (``Twitch-Eventsub-Message-Type`` header): reply
  the challenge as text/plain (signed: verified first).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from webhook_studio.core.message import IncomingRequest
from webhook_studio.core.profiles import Profile

Answer = tuple[int, dict[str, str], bytes]


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def answer_handshake(profile: Profile, request: IncomingRequest, secrets: Sequence[str],
                     now: float) -> Answer | None:
    """The response to a handshake request, or None when this is not one."""
    kind = profile.handshake
    if kind == "none" or not secrets:
        return None
    data = _json(request.body)
    if kind == "slack_url_verification":
        if not isinstance(data, dict) or data.get("type") != "url_verification":
            return None
        if not profile.make_scheme().verify(request, secrets, now=now).valid:
            return None
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"challenge": data.get("challenge", "")}).encode()
    if kind == "zoom_url_validation":
        if not isinstance(data, dict) or data.get("event") != "endpoint.url_validation":
            return None
        plain = str((data.get("payload") or {}).get("plainToken", ""))
        encrypted = hmac.new(secrets[0].encode(), plain.encode(), hashlib.sha256).hexdigest()
        return 200, {"Content-Type": "application/json"}, json.dumps(
            {"plainToken": plain, "encryptedToken": encrypted}).encode()
    if kind == "twitch_callback_verification":
        if request.header("Twitch-Eventsub-Message-Type") != "webhook_callback_verification":
            return None
        if not isinstance(data, dict) or "challenge" not in data:
            return None
        if not profile.make_scheme().verify(request, secrets, now=now).valid:
            return None
        return 200, {"Content-Type": "text/plain"}, str(data["challenge"]).encode()
    return None
