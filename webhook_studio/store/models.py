"""Imports every model module so that ``Base.metadata`` knows all tables.

Receiver-side tables live in ``receiver_models``, sender-side tables in ``sender_models``.
"""

from webhook_studio.store import receiver_models, sender_models
from webhook_studio.store.base import Base

__all__ = ["Base", "receiver_models", "sender_models"]
