"""Receiver errors.

    ReceiverError
     └── BindError     the address or port cannot be bound (in use, not permitted)

Store failures while capturing are :class:`webhook_studio.store.StoreUnavailable`; the server
answers them with 503 and never 2xx.
"""

from __future__ import annotations


class ReceiverError(Exception):
    """Base of receiver errors; the message is a sentence for the user."""


class BindError(ReceiverError):
    """The server could not listen where it was asked to."""
