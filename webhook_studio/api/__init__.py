"""The local management API: REST under ``/api/v1``, bearer token, loopback by default.

Public API::

    token = load_or_create_token(ctx.data_dir)           # <data_dir>/api-token, mode 0600
    server = ApiServer(ApiServices(store, clock, dispatcher, receiver), token)
    url = await server.start("127.0.0.1", 8001)
    await server.stop()

Routes are declared in ``routes_webhooks``, ``routes_events`` and ``routes_captures``;
``/api/v1/openapi.json`` is generated from the same tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from webhook_studio.api.app import ApiServer, ApiServices, all_routes, build_app
    from webhook_studio.api.token import is_loopback, load_or_create_token, token_path

_HOME = {"ApiServer": "app", "ApiServices": "app", "all_routes": "app", "build_app": "app",
         "is_loopback": "token", "load_or_create_token": "token", "token_path": "token"}


def __getattr__(name: str) -> Any:
    """Lazy: the window's Settings page reads the token without loading the whole server."""
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)


__all__ = ["ApiServer", "ApiServices", "all_routes", "build_app", "is_loopback",
           "load_or_create_token", "token_path"]
