"""How an exported contract test re-signs a capture: a recipe (plain data) per endpoint.

The recipe is what :func:`webhook_studio.relay.contract_signer.sign_request` follows. It is
derived from the endpoint's profile (or scheme and options) at export time, so the generated
test needs no Webhook Studio code. Families that need more than the standard library to sign
(public keys, JWTs) or that sign data inside the body cannot be re-signed by the test: the
request then goes out with its recorded headers, and :class:`Signing` says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from webhook_studio.core.profiles import Profile
from webhook_studio.relay.replay import PER_DELIVERY_TEMPLATES


@dataclass(frozen=True)
class Signing:
    """How one endpoint's captures are signed at test time; ``recipe`` None: not re-signed."""

    label: str
    recipe: dict[str, Any] | None
    #: Headers replaced by the signature (removed from the recorded headers before sending).
    replaces: tuple[str, ...] = ()
    #: Per-delivery id headers given a fresh value each run.
    renew: tuple[str, ...] = ()
    why_not: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _lit(text: str) -> str:
    """Literal text inside a header template (the signer formats with ``str.format``)."""
    return text.replace("{", "{{").replace("}", "}}")


def _hmac(template: str, headers: list[tuple[str, str]], **options: Any) -> dict[str, Any]:
    return {"family": "hmac", "template": template, "headers": [list(h) for h in headers],
            **options}


def _builtin(name: str, options: Mapping[str, Any]) -> dict[str, Any] | str:
    if name == "stripe":
        return _hmac("{timestamp}.{body}", [("Stripe-Signature", "t={timestamp},v1={signature}")])
    if name == "paddle":
        return _hmac("{timestamp}:{body}", [("Paddle-Signature", "ts={timestamp};h1={signature}")])
    if name == "github":
        return _hmac("{body}", [("X-Hub-Signature-256", "sha256={signature}"),
                                ("X-Hub-Signature", "sha1={signature_sha1}")],
                     extra_algorithms=["sha1"])
    if name in ("slack", "zoom"):
        sig, ts = (("X-Slack-Signature", "X-Slack-Request-Timestamp") if name == "slack"
                   else ("x-zm-signature", "x-zm-request-timestamp"))
        return _hmac("v0:{timestamp}:{body}", [(ts, "{timestamp}"), (sig, "v0={signature}")])
    if name == "shopify":
        return _hmac("{body}", [("X-Shopify-Hmac-Sha256", "{signature}")], encoding="base64")
    if name == "square":
        return _hmac("{url}{body}", [("x-square-hmacsha256-signature", "{signature}")],
                     encoding="base64")
    if name == "twitch":
        return _hmac("{id}{timestamp}{body}", [
            ("Twitch-Eventsub-Message-Id", "{id}"),
            ("Twitch-Eventsub-Message-Timestamp", "{timestamp}"),
            ("Twitch-Eventsub-Message-Signature", "sha256={signature}")],
            timestamp_format="rfc3339_nano")
    if name == "standard-webhooks":
        p = str(options.get("header_prefix", "webhook"))
        return _hmac("{id}.{timestamp}.{body}", [(f"{p}-id", "{id}"),
                                                 (f"{p}-timestamp", "{timestamp}"),
                                                 (f"{p}-signature", "v1,{signature}")],
                     encoding="base64", key="whsec")
    if name == "token":
        if options.get("field"):
            return "the token travels inside the body"
        basic = options.get("basic") is True
        return {"family": "token", "header": str(options.get("header", "Authorization")),
                "prefix": "Basic " if basic else str(options.get("prefix", "")), "basic": basic}
    if name == "hmac":
        return _generic(options)
    return f"the {name} scheme signs with keys or tokens the standard library cannot make"


def _generic(o: Mapping[str, Any]) -> dict[str, Any] | str:
    template = str(o.get("template", "{body}"))
    if not o.get("header") and not o.get("signature_field"):
        return "the capture does not say how its endpoint's HMAC is configured (give --profile)"
    if o.get("signature_field") or o.get("timestamp_field") or "{field:" in template:
        return "the signature data lives inside the body"
    header = str(o["header"])
    prefix = _lit(str(o.get("prefix", "")))
    if o.get("header_format") == "kv":
        sep = _lit(str(o.get("kv_separator", ",")))
        value = (f"{_lit(str(o.get('timestamp_key', 't')))}={{timestamp}}{sep}"
                 f"{_lit(str(o.get('signature_key', 'v1')))}={{signature}}")
        headers = [(header, value)]
    elif o.get("numbered_headers"):
        headers = [(f"{header}-1", prefix + "{signature}")]
    else:
        headers = [(header, prefix + "{signature}")]
    if o.get("timestamp_header"):
        headers.append((str(o["timestamp_header"]), "{timestamp}"))
    if o.get("id_header"):
        headers.append((str(o["id_header"]), "{id}"))
    return _hmac(template, headers, algorithm=str(o.get("algorithm", "sha256")),
                 mode=str(o.get("mode", "hmac")), encoding=str(o.get("encoding", "hex")),
                 key=str(o.get("secret_encoding", "utf8")),
                 timestamp_format=str(o.get("timestamp_format", "unix")),
                 canonical_json=bool(o.get("canonical_json", False)))


#: Headers a scheme may have sent that a fresh signature replaces.
_SCHEME_HEADERS = {
    "standard-webhooks": ("webhook-id", "webhook-timestamp", "webhook-signature", "svix-id",
                          "svix-timestamp", "svix-signature"),
    "github": ("X-Hub-Signature-256", "X-Hub-Signature"),
}


def signing_for(scheme: str | None, options: Mapping[str, Any] | None,
                profile: Profile | None, label: str) -> Signing:
    """The recipe for an endpoint under ``profile`` (its scheme wins) or ``scheme``."""
    if profile is not None:
        scheme, options = profile.scheme, profile.scheme_options
    if not scheme:
        return Signing(label, None, why_not="the endpoint verifies no signature")
    made = _builtin(scheme, options or {})
    if isinstance(made, str):
        return Signing(label, None, why_not=made)
    replaces = {name for name, _ in made.get("headers", [])} | {made.get("header", "")}
    replaces |= set(_SCHEME_HEADERS.get(scheme, ()))
    replaces.discard("")
    renew: set[str] = set()
    if profile is not None:
        renew = {k for k, v in profile.headers.items() if v in PER_DELIVERY_TEMPLATES}
        if profile.duplicate_header:
            renew.add(profile.duplicate_header)
        renew -= {name for name in renew if name.lower() in {r.lower() for r in replaces}}
    return Signing(label, made, tuple(sorted(replaces, key=str.lower)),
                   tuple(sorted(renew, key=str.lower)))
