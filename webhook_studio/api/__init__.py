"""The local management API: REST under ``/api/v1``, bearer token, loopback by default.

Public API::

    token = load_or_create_token(ctx.data_dir)           # <data_dir>/api-token, mode 0600
    server = ApiServer(ApiServices(store, clock, dispatcher, receiver), token)
    url = await server.start("127.0.0.1", 8001)
    await server.stop()

Routes are declared in ``routes_webhooks`` and ``routes_captures``; ``/api/v1/openapi.json`` is
generated from the same tables.
"""

from webhook_studio.api.app import ApiServer, ApiServices, all_routes, build_app
from webhook_studio.api.auth import is_loopback, load_or_create_token, token_path

__all__ = ["ApiServer", "ApiServices", "all_routes", "build_app", "is_loopback",
           "load_or_create_token", "token_path"]
