"""The local receiver: captures every request byte-exactly, verifies it, answers as configured.

Public API::

    receiver = Receiver(store, clock, host="127.0.0.1", port=0,
                        default_endpoint=EndpointConfig(scheme_name="github", secrets=("s",)))
    url = await receiver.start()          # "http://127.0.0.1:54321"
    receiver.hub.subscribe(callback)      # CaptureStored / EndpointsChanged value objects
    receiver.reload_endpoints()           # after editing endpoints in the store
    await receiver.stop()                 # finishes in-flight requests, flushes captures

Runs on whatever asyncio loop is running (plain asyncio headless, qasync in the GUI).
"""

from webhook_studio.receiver.endpoints import EndpointConfig, Router
from webhook_studio.receiver.errors import BindError, ReceiverError
from webhook_studio.receiver.events import (
    CaptureStored,
    EndpointsChanged,
    EventHub,
    ReceiverStateChanged,
)
from webhook_studio.receiver.server import Limits, Receiver

__all__ = [
    "BindError",
    "CaptureStored",
    "EndpointConfig",
    "EndpointsChanged",
    "EventHub",
    "Limits",
    "Receiver",
    "ReceiverError",
    "ReceiverStateChanged",
    "Router",
]
