"""Providers that sign nothing and send a shared secret instead (family F12, and F9 when the
secret is a body field): a static token header (GitLab, Telegram), HTTP Basic auth (Postmark,
Chargebee), or a passcode inside the body (Figma). Verifying is a constant-time equality.

Options: ``header`` (where the token is; Authorization by default), ``prefix`` (text before
it, e.g. ``"Bearer "``), ``basic = true`` (``Authorization: Basic base64(user:password)``,
the secret is ``user:password``), or ``field`` (a dotted path into the JSON body, or a form field).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from webhook_studio.core.errors import SchemeError, SecretError
from webhook_studio.core.message import IncomingRequest, SignInput
from webhook_studio.core.schemes import _parts
from webhook_studio.core.schemes._mac import malformed, missing, same, valid
from webhook_studio.core.schemes.base import Scheme
from webhook_studio.core.verdict import Reason, Verdict

OPTIONS = ("header", "prefix", "basic", "field")


class StaticToken(Scheme):
    name = "token"

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        opts = dict(options or {})
        unknown = sorted(set(opts) - set(OPTIONS))
        if unknown:
            raise SchemeError(f"Unknown option {unknown[0]!r} for the token scheme; known "
                              f"options: {', '.join(OPTIONS)}.")
        self.basic = opts.get("basic", False) is True
        self.field = str(opts["field"]).strip() if opts.get("field") else None
        header = opts.get("header", "Authorization")
        if not self.field and (not isinstance(header, str) or not header.strip()):
            raise SchemeError("Option header= must name the header that carries the token.")
        self.header = str(header or "").strip()
        self.prefix = "Basic " if self.basic else str(opts.get("prefix", ""))
        self.can_emulate = not self.field

    signs_body = False

    def generate_secret(self) -> str:
        import secrets

        token = secrets.token_urlsafe(24)
        return f"webhooks:{token}" if self.basic else token

    def _expected(self, secret: str) -> str:
        if not secret:
            raise SecretError("The secret is empty; give the token (or user:password).")
        if self.basic:
            if ":" not in secret:
                raise SecretError("Basic auth needs the secret as user:password.")
            return base64.b64encode(secret.encode("utf-8")).decode("ascii")
        return secret

    def sign(self, secrets: str | Sequence[str], data: SignInput) -> dict[str, str]:
        secret = secrets if isinstance(secrets, str) else (list(secrets) or [""])[0]
        if self.field:
            raise SecretError(f"This provider sends its secret inside the body ({self.field}); "
                              "put it in the event data to send one.")
        return {self.header: self.prefix + self._expected(secret)}

    def verify(
        self,
        request: IncomingRequest,
        secrets: Sequence[str],
        *,
        now: float,
        tolerance: int | None = None,
        previous_secrets: Sequence[str] = (),
    ) -> Verdict:
        where = self.field or self.header
        if self.field:
            value = _parts.body_value(request.body, self.field)
            if value is None:
                return Verdict(False, self.name, Reason.MALFORMED_BODY,
                               f"The body has no {self.field} field holding the shared secret.",
                               details={"field": self.field})
        else:
            value = request.header(self.header)
            if value is None:
                return missing(self.name, self.header)
            value = value.strip()
            if not value.startswith(self.prefix.strip()):
                return malformed(self.name, self.header,
                                 f"expected it to start with {self.prefix.strip()!r}")
            value = value[len(self.prefix.strip()):].strip()
        if not secrets:
            return Verdict(False, self.name, Reason.NO_SECRET,
                           "No secret is configured, so the token cannot be checked.")
        index, problems = self._first_match(secrets, value)
        if index is not None:
            return valid(self.name, index, len(secrets),
                         " The provider sends a shared secret, not a signature: the body "
                         "itself is not protected.")
        if len(problems) == len(secrets):
            return Verdict(False, self.name, Reason.INVALID_SECRET, problems[0])
        index, _ = self._first_match(previous_secrets, value)
        if index is not None:
            return Verdict(False, self.name, Reason.NO_SIGNATURE_MATCHED,
                           f"The {where} value is previous secret #{index + 1}: the "
                           "sender has not picked up the rotated secret yet.")
        return Verdict(False, self.name, Reason.NO_SIGNATURE_MATCHED,
                       f"The {where} value does not equal the configured "
                       f"{'user:password' if self.basic else 'secret'}"
                       f"{self._basic_hint(value, secrets)}.")

    def _first_match(self, candidates: Sequence[str], value: str
                     ) -> tuple[int | None, list[str]]:
        """The index of the first secret whose token equals ``value`` (constant-time), and
        why the secrets before it could not be used (empty, not ``user:password``)."""
        problems: list[str] = []
        for index, secret in enumerate(candidates):
            try:
                if same(self._expected(secret), value):
                    return index, problems
            except SecretError as exc:
                problems.append(str(exc))
        return None, problems

    def _basic_hint(self, value: str, secrets: Sequence[str]) -> str:
        if not self.basic:
            return ""
        try:
            user = base64.b64decode(value, validate=True).decode("utf-8").partition(":")[0]
        except (binascii.Error, ValueError):
            return " (the Basic credentials are not valid base64)"
        if any(s.partition(":")[0] == user for s in secrets):
            return f" (the user {user!r} matches; the password differs)"
        return f" (the request's user is {user!r})"
