"""Turning any error into one sentence for the user (CLI and UI share this).

Each package has its own ``errors.py``; this maps their base classes to exit codes and keeps
library errors (sqlite3, aiohttp, httpx, OS errors) from ever reaching a user as a traceback.
"""

from __future__ import annotations

import logging

from webhook_studio.core.errors import CoreError
from webhook_studio.store.errors import StoreError

log = logging.getLogger(__name__)


def describe_error(exc: BaseException) -> tuple[str, int]:
    """A sentence and an exit code (2 = the user's input was wrong, 1 = it failed)."""
    if isinstance(exc, CoreError):
        return str(exc), 2
    if isinstance(exc, StoreError):
        return str(exc), 1
    from webhook_studio.receiver.errors import ReceiverError
    from webhook_studio.sender.errors import SenderError

    if isinstance(exc, (ReceiverError, SenderError)):
        return str(exc), 1
    if isinstance(exc, PermissionError):
        return f"Permission denied: {exc.filename or exc}. Check the file's permissions.", 1
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename or 'system call'}).", 1
    log.debug("unexpected error", exc_info=exc)
    return (f"Unexpected error ({type(exc).__name__}: {exc}). This is a bug; please report it "
            "with the command you ran."), 1
