"""Errors raised by the pure core.

    CoreError
     ├── SecretError       a secret or key is malformed for its scheme
     ├── SchemeError       unknown scheme name or invalid scheme options
     ├── ProfileError      a provider profile file is invalid (names file and field)
     └── PolicyError       a retry schedule, policy or event pattern is invalid

Every message is a sentence a user can act on: what was wrong and what to do.
"""

from __future__ import annotations


class CoreError(Exception):
    """Base of every error the core raises on bad input."""


class SecretError(CoreError):
    """A secret or key cannot be used with the chosen scheme."""


class SchemeError(CoreError):
    """A scheme name is unknown or its options are invalid."""


class ProfileError(CoreError):
    """A provider profile is invalid; the message names the file, the field and the problem."""


class PolicyError(CoreError):
    """A retry schedule, retry policy or event-type pattern is invalid."""
