"""The headers of an outgoing webhook request, assembled in one place.

The dispatcher signs each attempt through :func:`signed_headers`, and the Composer's preview
calls the same function with the same inputs, so what the preview shows is what goes out:
the content type, the subscription's own headers, the provider profile's headers, then the
signature headers (later ones win on a clash).
"""

from __future__ import annotations

from collections.abc import Mapping

from webhook_studio.core.message import SignInput
from webhook_studio.core.schemes import Scheme


def signed_headers(scheme: Scheme, secrets: str | list[str], body: bytes, *, message_id: str,
                   timestamp: int, url: str | None,
                   headers: Mapping[str, str] | None = None,
                   profile_headers: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every header of the request that carries ``body`` to ``url``. Raises what the scheme
    raises for a bad secret (the caller records it as a signing error)."""
    out = {"Content-Type": "application/json", **(headers or {})}
    out.update(profile_headers or {})
    out.update(scheme.sign(secrets, SignInput(body, message_id, timestamp, url)))
    return out
