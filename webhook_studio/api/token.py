"""The API's bearer token on disk: made once per data folder, kept in ``<data_dir>/api-token``
(mode 0600 from the start, so no other user can ever read it).

Apart from the server (no aiohttp here): the window's Settings page shows the token without
loading the API server.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

TOKEN_FILE = "api-token"


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
