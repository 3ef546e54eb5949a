"""The API's bearer token on disk: made once per data folder, kept in ``<data_dir>/api-token``
(mode 0600 from the start, so no other user can ever read it). An existing token file is used
only if it is ours and nobody else can write it: a token planted by another user would let
them drive this API (see :mod:`webhook_studio.private_files`).

Apart from the server (no aiohttp here): the window's Settings page shows the token without
loading the API server.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path

from webhook_studio import paths
from webhook_studio.private_files import (
    UnsafeFileError,
    check_private_file,
    make_private_dir,
    write_private,
)

__all__ = ["TOKEN_FILE", "UnsafeFileError", "is_loopback", "load_or_create_token", "token_path"]

TOKEN_FILE = paths.TOKEN_FILENAME


def token_path(data_dir: Path) -> Path:
    return paths.token_file(data_dir)


def load_or_create_token(data_dir: Path) -> str:
    """The stored token, or a new ``secrets.token_urlsafe(32)`` written with mode 0600.

    Raises :class:`UnsafeFileError` for a token file another user owns or can write."""
    path = token_path(data_dir)
    make_private_dir(data_dir)
    token = secrets.token_urlsafe(32)
    try:
        write_private(path, (token + "\n").encode("ascii"), exclusive=True)
        return token
    except FileExistsError:
        pass
    check_private_file(path, "API token file")
    try:
        stored = path.read_text(encoding="ascii").strip()
    except (UnicodeDecodeError, ValueError):
        stored = ""
    if stored and stored.isprintable() and " " not in stored:
        return stored
    path.unlink()  # empty or garbled (ours, checked above): make a fresh one
    return load_or_create_token(data_dir)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
