"""The rows the window's lazy tables show; the queries live in ``store/pages.py``."""

from webhook_studio.store.pages import CaptureRow, CaptureSource, DeliveryRow, DeliverySource

__all__ = ["CaptureRow", "CaptureSource", "DeliveryRow", "DeliverySource"]
