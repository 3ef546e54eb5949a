"""The contract every signature scheme implements.

A scheme is a small object: it signs a :class:`SignInput` into the headers a provider would
send, and verifies an :class:`IncomingRequest` into an explained :class:`Verdict`. Schemes are
pure: no I/O, the current time is passed in by the caller (who owns the clock).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from enum import StrEnum

from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.verdict import Verdict


class ToleranceRule(StrEnum):
    """Which direction of clock skew a scheme rejects."""

    NONE = "none"  # the scheme signs no timestamp
    OLD_ONLY = "old_only"  # Stripe: only too-old timestamps fail
    BOTH = "both"  # Standard Webhooks, Slack: too old and too new both fail


class Scheme(ABC):
    """A signature scheme. Subclasses set the class attributes and implement both methods."""

    #: The name used on the CLI and in profiles, e.g. ``"stripe"``.
    name: str
    #: Seconds of skew accepted when the caller gives no tolerance; None when unsigned time.
    default_tolerance: int | None = None
    tolerance_rule: ToleranceRule = ToleranceRule.NONE
    #: Whether sign() needs ``SignInput.id`` / ``timestamp`` / ``url`` to be set.
    needs_id: bool = False
    needs_timestamp: bool = False
    needs_url: bool = False
    #: Whether the signature covers the body (static tokens and Plivo V2 do not).
    signs_body: bool = True
    #: Whether ``sign`` can produce what the provider sends (not when the signature or the
    #: shared secret lives inside the body).
    can_emulate: bool = True

    @abstractmethod
    def sign(self, secrets: str | Sequence[str], data: SignInput) -> dict[str, str]:
        """Return the headers to send. Several secrets sign together where the scheme allows
        several signatures (rotation overlap); single-signature schemes use the first one."""

    @abstractmethod
    def verify(
        self,
        request: IncomingRequest,
        secrets: Sequence[str],
        *,
        now: float,
        tolerance: int | None = None,
        previous_secrets: Sequence[str] = (),
    ) -> Verdict:
        """Verify a request against one or more secrets (newest first) and explain the result.

        Never raises on anything found in the request: garbage gives an invalid verdict with a
        reason. A malformed configured secret is a verdict too (``Reason.INVALID_SECRET``), so a
        receiver never crashes on its own configuration. ``sign`` raises
        :class:`~webhook_studio.core.errors.SecretError` for a malformed secret instead.

        ``previous_secrets`` are secrets rotated out: never accepted, but when one of them
        reproduces the signature the verdict says so (the sender has not rotated yet).
        ``tolerance`` None means the scheme's default; a negative tolerance disables the check.
        """

    def generate_secret(self) -> str:
        """A fresh random secret in the format this scheme expects (override where special)."""
        import secrets as _secrets

        return _secrets.token_urlsafe(32)
