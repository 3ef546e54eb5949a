"""Relay errors: import, replay and forwarding (a branch of the tree in
:mod:`webhook_studio.errors`).

    RelayError
     ├── BadHarFile          a HAR file that cannot be imported (not JSON, a bad entry);
     │                       nothing of it was stored (exit 2)
     ├── BadReplayTarget     a replay target that is not a URL one can send to (exit 2)
     ├── NotAReplay          "replay again" on a subscription's delivery (exit 2)
     ├── ForwardTargetError  a forward retried by hand to a target the capture does not
     │                       forward to, or with no target named when it has several (exit 2)
     └── TargetUnreachable   a forwarding target broke off its answer (also a
                             ConnectionResetError, so the proxied client's connection drops)

A target that cannot be reached during a replay is not an error: it is recorded as the
attempt's outcome (timeout, connection_error, tls_error) like any delivery.
"""

from __future__ import annotations

from webhook_studio.core.errors import WebhookStudioError


class RelayError(WebhookStudioError):
    """Base of relay errors; the message is a sentence for the user."""


class BadHarFile(RelayError):
    """A file that cannot be imported; the message says why and that nothing was stored."""

    exit_code = 2


class BadReplayTarget(RelayError):
    """The replay target is not a URL that can be sent to; the message says why."""

    exit_code = 2


class NotAReplay(RelayError):
    """The delivery is a subscription's delivery, not a replay; retry it the usual way."""

    exit_code = 2


class ForwardTargetError(RelayError):
    """A forward retried by hand names no target, or one the capture is not forwarded to;
    the message names the targets it has."""

    exit_code = 2


class TargetUnreachable(RelayError, ConnectionResetError):
    """A forwarding target's answer broke off mid-stream."""
