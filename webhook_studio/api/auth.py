"""The bearer token: made once per data folder, kept in ``<data_dir>/api-token`` (mode 0600).

Every request needs ``Authorization: Bearer <token>``, compared in constant time; the token is
never logged, and the file is created with restrictive permissions from the start (no window in
which another user could read it).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from pathlib import Path

from aiohttp import web

from webhook_studio.api.errors import ApiError, Handler

TOKEN_FILE = "api-token"
TOKEN_KEY: web.AppKey[str] = web.AppKey("api_token")


def token_path(data_dir: Path) -> Path:
    return data_dir / TOKEN_FILE


def load_or_create_token(data_dir: Path) -> str:
    """The stored token, or a new ``secrets.token_urlsafe(32)`` written with mode 0600."""
    path = token_path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text(encoding="ascii").strip()
        if token:
            if os.name == "posix" and path.stat().st_mode & 0o077:
                path.chmod(0o600)
            return token
        path.unlink()
        return load_or_create_token(data_dir)
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    return token


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
