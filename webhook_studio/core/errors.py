"""Errors raised by the pure core, and the root of every error Webhook Studio raises.

The whole tree is drawn in :mod:`webhook_studio.errors`; the root lives here because the core
is the lowest layer and imports nothing of ours.

    CoreError
     ├── SecretError       a secret or key is malformed for its scheme
     ├── SchemeError       unknown scheme name or invalid scheme options
     ├── ProfileError      a provider profile file is invalid (names file and field)
     └── PolicyError       a retry schedule, policy or event pattern is invalid

Every message is a sentence a user can act on: what was wrong and what to do.
"""

from __future__ import annotations


class WebhookStudioError(Exception):
    """Root of every error Webhook Studio raises on purpose: ``str()`` is a sentence for the
    user (what was wrong, what to do), never a traceback."""

    #: The CLI's exit code: 2 when the user's input was wrong (fix it and run again),
    #: 1 when something failed that the input did not cause.
    exit_code = 1


class CoreError(WebhookStudioError):
    """Base of every error the core raises on bad input."""

    exit_code = 2


class SecretError(CoreError):
    """A secret or key cannot be used with the chosen scheme."""


class SchemeError(CoreError):
    """A scheme name is unknown or its options are invalid."""


class ProfileError(CoreError):
    """A provider profile is invalid; the message names the file, the field and the problem."""


class PolicyError(CoreError):
    """A retry schedule, retry policy or event-type pattern is invalid."""
