"""Endpoint rules as the server uses them: immutable, routed by the longest path prefix.

Built from store rows (or from the CLI's flags for the default endpoint); the scheme object is
built once here, not per request. An endpoint that names a provider profile takes the profile's
scheme and options, its tolerance unless the endpoint sets one, its duplicate-id header and its
replay protection.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from webhook_studio.core.profiles import Profile
from webhook_studio.core.schemes import Scheme, get_scheme
from webhook_studio.store.receiver_models import DEFAULT_MAX_BODY, Endpoint

#: Finds a provider profile by name (None when there is no such profile).
ProfileLookup = Callable[[str], Profile | None]


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
    #: Header whose value identifies a delivery for duplicate flagging (profile's choice first).
    duplicate_header: str | None = None
    #: Header carrying a one-time nonce; a nonce seen again within ``nonce_window`` s is refused.
    nonce_header: str | None = None
    nonce_window: float = 600.0
    scheme: Scheme | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.scheme is None and self.scheme_name:
            object.__setattr__(self, "scheme", get_scheme(self.scheme_name, self.scheme_options))

    @classmethod
    def from_row(cls, row: Endpoint, lookup: ProfileLookup | None = None) -> EndpointConfig:
        """The endpoint as it runs: with its profile's rules when it names a known profile
        (the row's own scheme is then only a label)."""
        profile = lookup(row.profile) if lookup is not None and row.profile else None
        config = cls(
            path=row.path, id=row.id, name=row.name,
            scheme_name=row.scheme if profile is None else None,
            scheme_options=row.scheme_options, profile=row.profile,
            secrets=tuple(row.secrets or ()), tolerance=row.tolerance,
            public_url=row.public_url, response_status=row.response_status,
            response_headers=tuple((str(k), str(v)) for k, v in row.response_headers or ()),
            response_body=row.response_body or b"", response_delay_ms=row.response_delay_ms,
            reject_invalid=row.reject_invalid, max_body_bytes=row.max_body_bytes,
            forward_to=tuple(row.forward_to or ()), forward_mode=row.forward_mode,
            ip_allowlist=tuple(row.ip_allowlist or ()),
        )
        return config if profile is None else apply_profile(config, profile)

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


def apply_profile(config: EndpointConfig, profile: Profile) -> EndpointConfig:
    protection = profile.replay_protection
    nonce_header = protection.get("header") if protection.get("kind") == "nonce" else None
    return replace(
        config,
        scheme_name=profile.scheme, scheme_options=profile.scheme_options, scheme=None,
        tolerance=config.tolerance if config.tolerance is not None
        else profile.default_tolerance,
        duplicate_header=config.duplicate_header or profile.duplicate_header,
        nonce_header=config.nonce_header or nonce_header,
        nonce_window=float(protection.get("window", config.nonce_window)),
    )


def resolve(config: EndpointConfig, lookup: ProfileLookup | None) -> EndpointConfig:
    """The endpoint as it runs: with its profile's rules when it names a known profile."""
    if lookup is None or not config.profile:
        return config
    profile = lookup(config.profile)
    return config if profile is None else apply_profile(config, profile)


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
