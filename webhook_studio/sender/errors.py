"""Sender errors and the translation of HTTP client failures into attempt outcomes.

    SenderError
     └── DeliveryStateError   the action does not fit the delivery's state (e.g. cancel a
                              delivered one)
"""

from __future__ import annotations

import ssl

import httpx


class SenderError(Exception):
    """Base of sender errors; the message is a sentence for the user."""


class DeliveryStateError(SenderError):
    pass


def classify_transport_error(exc: BaseException, timeout: float) -> tuple[str, str]:
    """``(outcome, sentence)`` for a failed request: timeout, tls_error or connection_error."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout", f"No response within {timeout:g} s ({type(exc).__name__})."
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return "tls_error", f"TLS failed: {cause}."
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectError):
        return "connection_error", f"Could not connect: {exc or 'connection refused'}."
    return "connection_error", f"{type(exc).__name__}: {exc or 'the connection failed'}."
