"""Sign-then-verify helpers shared by the scheme tests: one place knows each scheme's inputs."""

from __future__ import annotations

from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes import get_scheme
from webhook_studio.core.schemes.base import Scheme
from webhook_studio.core.verdict import Verdict

NOW = 1_700_000_000
URL = "https://hooks.example.com/inbound?source=test"
SECRETS = {
    "standard-webhooks": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "stripe": "whsec_stripe_literal_secret",
    "github": "It's a Secret to Everybody",
    "slack": "8f742231b10e8888abcd99yyyzzz85a5",
    "shopify": "shpss_shared_secret",
    "twilio": "12345",
    "square": "Ibxx_5AKakO-3qeNVR61Dw",
    "paddle": "pdl_ntfset_01gkpjp8bkm3tm53kdgkx6sms7_6h3qd3uFSi9YCD3OLYAShQI90XTI5vEI",
    "zoom": "zoom_secret_token",
    "twitch": "twitch-eventsub-secret",
    "hmac": "whsec_seed_literal",
}
HMAC_OPTIONS = {"header": "X-EnvoyOU-Signature", "prefix": "v1,", "template": "{timestamp}.{body}",
                "canonical_json": True, "timestamp_header": "X-EnvoyOU-Timestamp",
                "id_header": "X-EnvoyOU-Webhook-ID", "tolerance": 300}
ALL = tuple(SECRETS)


def scheme_for(name: str) -> Scheme:
    return get_scheme(name, HMAC_OPTIONS if name == "hmac" else None)


def signed(name: str, body: bytes, *, secret: str | None = None, ts: int = NOW,
           msg_id: str = "msg_2Lx1", url: str = URL) -> tuple[Scheme, IncomingRequest]:
    scheme = scheme_for(name)
    headers = scheme.sign(secret or SECRETS[name], SignInput(body, msg_id, ts, url))
    return scheme, IncomingRequest(body, tuple(headers.items()), url=url)


def check(scheme: Scheme, request: IncomingRequest, secrets: list[str] | None = None,
          now: float = NOW, **kw: object) -> Verdict:
    name = scheme.name
    return scheme.verify(request, secrets or [SECRETS[name]], now=now, **kw)  # type: ignore[arg-type]
