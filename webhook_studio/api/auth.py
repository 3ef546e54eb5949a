"""The bearer token: made once per data folder, kept in ``<data_dir>/api-token`` (mode 0600).

Every request needs ``Authorization: Bearer <token>``, compared in constant time; the token is
never logged, and the file is created with restrictive permissions from the start (no window in
which another user could read it).
"""

from __future__ import annotations

import hmac

from aiohttp import web

from webhook_studio.api.errors import ApiError, Handler
from webhook_studio.api.token import TOKEN_FILE, is_loopback, load_or_create_token, token_path

__all__ = ["TOKEN_FILE", "TOKEN_KEY", "auth_middleware", "is_loopback", "load_or_create_token",
           "token_path"]

TOKEN_KEY: web.AppKey[str] = web.AppKey("api_token")


_UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="webhook-studio"'}


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    expected = request.app[TOKEN_KEY].encode("ascii")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(401, "missing bearer token",
                       "Send 'Authorization: Bearer <token>'; "
                       "print the token with: webhook-studio token", _UNAUTHORIZED)
    if not hmac.compare_digest(given.strip().encode("utf-8", "replace"), expected):
        raise ApiError(401, "wrong bearer token",
                       "Print the token with: webhook-studio token", _UNAUTHORIZED)
    return await handler(request)
