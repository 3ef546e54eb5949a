"""Receiver errors (a branch of the tree in :mod:`webhook_studio.errors`).

    ReceiverError
     └── BindError     the address or port cannot be bound (in use, not permitted)

Store failures while capturing are :class:`webhook_studio.store.StoreUnavailable`; the server
answers them with 503 and never 2xx.
"""

from __future__ import annotations

from webhook_studio.core.errors import WebhookStudioError


class ReceiverError(WebhookStudioError):
    """Base of receiver errors; the message is a sentence for the user."""


class BindError(ReceiverError):
    """The server could not listen where it was asked to."""
