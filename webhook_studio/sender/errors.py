"""Sender errors and the translation of HTTP client failures into attempt outcomes (the
errors are a branch of the tree in :mod:`webhook_studio.errors`).

    SenderError
     ├── DeliveryStateError   the action does not fit the delivery's state (e.g. cancel a
     │                        delivered one)
     └── UnknownSubscriptions events aimed at subscriptions that do not exist (a batch that
                              must be taken whole)
"""

from __future__ import annotations

import ssl

import aiohttp
import httpx

from webhook_studio.core.errors import WebhookStudioError
from webhook_studio.core.vocabulary import AttemptOutcome


class SenderError(WebhookStudioError):
    """Base of sender errors; the message is a sentence for the user."""


class DeliveryStateError(SenderError):
    pass


class UnknownSubscriptions(SenderError):
    """``missing`` maps each subscription id that does not exist to the positions of the
    events aimed at it."""

    def __init__(self, missing: dict[str, list[int]]) -> None:
        super().__init__("No subscription with id " + ", ".join(missing)
                         + ". Nothing was stored.")
        self.missing = missing


def _chain(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    return chain


TLS, TIMEOUT, CONNECTION = (AttemptOutcome.TLS_ERROR, AttemptOutcome.TIMEOUT,
                            AttemptOutcome.CONNECTION_ERROR)


def classify_transport_error(exc: BaseException, timeout: float
                             ) -> tuple[AttemptOutcome, str]:
    """``(outcome, sentence)`` for a failed request: timeout, tls_error or connection_error.

    Looks through the whole cause chain, not just the httpx class: httpx-aiohttp maps every
    aiohttp connection error (refused included) to ``httpx.ConnectTimeout``, so the aiohttp
    exception underneath is the one that tells what really happened.
    """
    chain = _chain(exc)
    for cause in chain:
        if isinstance(cause, ssl.SSLError | aiohttp.ClientSSLError):
            return TLS, f"TLS failed: {cause}. Check the certificate of the target."
    root: BaseException | None = next(
        (c for c in chain if isinstance(c, aiohttp.ClientError)), None)
    if root is None:
        root = next((c for c in chain if not isinstance(c, httpx.HTTPError)), exc)
        if isinstance(exc, httpx.TimeoutException) and not isinstance(exc, httpx.ConnectTimeout):
            return TIMEOUT, f"No response within {timeout:g} s ({type(exc).__name__})."
    if any(isinstance(c, TimeoutError | httpx.ConnectTimeout) for c in chain) and not \
            isinstance(root, aiohttp.ClientConnectorError | ConnectionError):
        return TIMEOUT, f"No response within {timeout:g} s ({type(root).__name__})."
    if isinstance(root, aiohttp.ClientConnectorError | ConnectionRefusedError) or \
            isinstance(exc, httpx.ConnectError):
        return CONNECTION, f"Could not connect: {root or 'connection refused'}."
    if isinstance(root, aiohttp.ServerDisconnectedError | httpx.RemoteProtocolError):
        return CONNECTION, ("The target closed the connection before answering "
                                    f"({type(root).__name__}).")
    return CONNECTION, f"{type(root).__name__}: {root or 'the connection failed'}."
