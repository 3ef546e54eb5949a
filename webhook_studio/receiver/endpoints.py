"""Endpoint rules as the server uses them: immutable, routed by the longest path prefix.

Built from store rows (or from the CLI's flags for the default endpoint); the scheme object is
built once here, not per request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from webhook_studio.core.schemes import Scheme, get_scheme
from webhook_studio.store.receiver_models import DEFAULT_MAX_BODY, Endpoint


@dataclass(frozen=True)
class EndpointConfig:
    """One receiver endpoint. ``id`` None is the default endpoint of a ``listen`` run."""

    path: str = "/"
    id: int | None = None
    name: str = "default"
    scheme_name: str | None = None
    scheme_options: dict[str, Any] | None = None
    profile: str | None = None
    secrets: tuple[str, ...] = ()
    tolerance: int | None = None
    public_url: str | None = None
    response_status: int = 200
    response_headers: tuple[tuple[str, str], ...] = ()
    response_body: bytes = b""
    response_delay_ms: int = 0
    reject_invalid: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY
    forward_to: tuple[str, ...] = ()
    forward_mode: str = "async"
    ip_allowlist: tuple[str, ...] = ()
    scheme: Scheme | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.scheme is None and self.scheme_name:
            object.__setattr__(self, "scheme", get_scheme(self.scheme_name, self.scheme_options))

    @classmethod
    def from_row(cls, row: Endpoint) -> EndpointConfig:
        return cls(
            path=row.path, id=row.id, name=row.name, scheme_name=row.scheme,
            scheme_options=row.scheme_options, profile=row.profile,
            secrets=tuple(row.secrets or ()), tolerance=row.tolerance,
            public_url=row.public_url, response_status=row.response_status,
            response_headers=tuple((str(k), str(v)) for k, v in row.response_headers or ()),
            response_body=row.response_body or b"", response_delay_ms=row.response_delay_ms,
            reject_invalid=row.reject_invalid, max_body_bytes=row.max_body_bytes,
            forward_to=tuple(row.forward_to or ()), forward_mode=row.forward_mode,
            ip_allowlist=tuple(row.ip_allowlist or ()),
        )

    def claims(self, path: str) -> bool:
        prefix = self.path.rstrip("/")
        return path == prefix or path.startswith(prefix + "/") or prefix == ""

    def allows(self, remote: str | None) -> bool:
        """Whether the client address passes the endpoint's IP allowlist (empty: everyone)."""
        if not self.ip_allowlist:
            return True
        if remote is None:
            return False
        try:
            address = ipaddress.ip_address(remote)
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(net, strict=False)
                   for net in self.ip_allowlist)


class Router:
    """Finds the endpoint for a path: longest matching prefix, else the default endpoint."""

    def __init__(self, endpoints: Sequence[EndpointConfig], default: EndpointConfig) -> None:
        self.default = default
        self.endpoints = sorted(endpoints, key=lambda e: len(e.path), reverse=True)

    def route(self, path: str) -> EndpointConfig:
        for endpoint in self.endpoints:
            if endpoint.claims(path):
                return endpoint
        return self.default
