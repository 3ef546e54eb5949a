"""Signature schemes by name: ``get_scheme("stripe")``, ``get_scheme("hmac", options)``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from webhook_studio.core.errors import SchemeError
from webhook_studio.core.schemes.asymmetric import Asymmetric, preset
from webhook_studio.core.schemes.base import Scheme, ToleranceRule
from webhook_studio.core.schemes.generic import GenericHmac
from webhook_studio.core.schemes.jwt import Jwt
from webhook_studio.core.schemes.providers import (
    GitHub,
    Paddle,
    Shopify,
    Slack,
    Square,
    Stripe,
    Twitch,
    Zoom,
)
from webhook_studio.core.schemes.standard import StandardWebhooks
from webhook_studio.core.schemes.token import StaticToken
from webhook_studio.core.schemes.twilio import Twilio

__all__ = ["ALL_SCHEMES", "SCHEME_NAMES", "Scheme", "ToleranceRule", "get_scheme"]

_FACTORIES: dict[str, Callable[[Mapping[str, Any]], Scheme]] = {
    "standard-webhooks": lambda o: StandardWebhooks(str(o.get("header_prefix", "webhook"))),
    "stripe": lambda o: Stripe(),
    "github": lambda o: GitHub(),
    "slack": lambda o: Slack(),
    "shopify": lambda o: Shopify(),
    "twilio": lambda o: Twilio(),
    "square": lambda o: Square(),
    "paddle": lambda o: Paddle(),
    "zoom": lambda o: Zoom(),
    "twitch": lambda o: Twitch(),
    "hmac": GenericHmac,
    "token": StaticToken,
    # public-key and JWT families (schemes/asymmetric.py, schemes/jwt.py)
    "asymmetric": Asymmetric,
    "jwt": Jwt,
    "discord": lambda o: preset("discord"),
    "telnyx": lambda o: preset("telnyx"),
    "sendgrid": lambda o: preset("sendgrid"),
}
#: Schemes configured by options (the rest take none).
_CONFIGURABLE = ("hmac", "standard-webhooks", "token", "asymmetric", "jwt")

#: Families only a profile configures (from its scheme_options); not offered bare.
PROFILE_ONLY = ("asymmetric", "jwt")
#: The names accepted by ``--scheme``.
SCHEME_NAMES: tuple[str, ...] = tuple(n for n in _FACTORIES if n not in PROFILE_ONLY)
#: Every scheme a profile may name.
ALL_SCHEMES: tuple[str, ...] = tuple(_FACTORIES)


def get_scheme(name: str, options: Mapping[str, Any] | None = None) -> Scheme:
    """Build the scheme called ``name``; ``options`` configure the generic ``hmac`` scheme."""
    factory = _FACTORIES.get(name)
    if factory is None:
        raise SchemeError(f"Unknown scheme {name!r}; choose one of: {', '.join(ALL_SCHEMES)}.")
    if options and name not in _CONFIGURABLE:
        raise SchemeError(f"The {name} scheme takes no options; options are for "
                          f"{', '.join(_CONFIGURABLE)}.")
    return factory(options or {})
