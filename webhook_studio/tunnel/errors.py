"""Tunnel errors (a branch of the tree in :mod:`webhook_studio.errors`).

    TunnelError          a tunnel could not be opened or was lost
     └── TunnelGaveUp    retrying cannot help (bad credentials, no such program)
"""

from __future__ import annotations

from webhook_studio.core.errors import WebhookStudioError


class TunnelError(WebhookStudioError):
    """A tunnel could not be opened; the message is a sentence for people."""


class TunnelGaveUp(TunnelError):
    """Retrying cannot help (bad credentials, no such program): stop reconnecting."""
