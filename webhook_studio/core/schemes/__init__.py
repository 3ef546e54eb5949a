"""Signature schemes by name: ``get_scheme("stripe")``, ``get_scheme("hmac", options)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from webhook_studio.core.errors import SchemeError
from webhook_studio.core.schemes.base import Scheme, ToleranceRule

__all__ = ["SCHEME_NAMES", "Scheme", "ToleranceRule", "get_scheme"]

#: Filled by the registry module; the names accepted by ``--scheme``.
SCHEME_NAMES: tuple[str, ...] = ()


def get_scheme(name: str, options: Mapping[str, Any] | None = None) -> Scheme:
    """Build the scheme called ``name``; ``options`` configure the generic ``hmac`` scheme."""
    raise SchemeError(f"Unknown scheme {name!r}.")
