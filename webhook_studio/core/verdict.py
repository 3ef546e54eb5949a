"""The explained verdict every verification returns.

A verdict is data (``valid``, ``reason``, details) plus one sentence for people. The reason
codes are stable strings: the CLI's ``--json`` output, the store and the UI all use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any


class Reason(StrEnum):
    """Why a verification came out the way it did."""

    VALID = "valid"
    MISSING_HEADER = "missing_header"
    MALFORMED_HEADER = "malformed_header"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    TIMESTAMP_TOO_NEW = "timestamp_too_new"
    NO_SIGNATURE_MATCHED = "no_signature_matched"
    INVALID_SECRET = "invalid_secret"
    NO_SECRET = "no_secret"
    MISSING_URL = "missing_url"
    REPLAYED_NONCE = "replayed_nonce"
    UNSUPPORTED_VERSION = "unsupported_version"
    MALFORMED_BODY = "malformed_body"


class Mistake(StrEnum):
    """A common mistake that reproduces the received signature (see ``core/diagnose``)."""

    BODY_REFORMATTED_COMPACT = "body_reformatted_compact"
    BODY_REFORMATTED_PRETTY = "body_reformatted_pretty"
    BODY_RESERIALIZED = "body_reserialized"
    TRAILING_NEWLINE_ADDED = "trailing_newline_added"
    TRAILING_NEWLINE_REMOVED = "trailing_newline_removed"
    CRLF_LINE_ENDINGS = "crlf_line_endings"
    LF_LINE_ENDINGS = "lf_line_endings"
    UNICODE_ESCAPED = "unicode_escaped"
    UNICODE_UNESCAPED = "unicode_unescaped"
    UNICODE_ESCAPE_CASE = "unicode_escape_case"
    SECRET_USED_LITERALLY = "secret_used_literally"
    SECRET_DECODED_WRONGLY = "secret_decoded_wrongly"
    HEX_INSTEAD_OF_BASE64 = "hex_instead_of_base64"
    BASE64_INSTEAD_OF_HEX = "base64_instead_of_hex"
    TIMESTAMP_IN_MILLISECONDS = "timestamp_in_milliseconds"
    SIGNED_WITH_PREVIOUS_SECRET = "signed_with_previous_secret"
    WRONG_URL = "wrong_url"


@dataclass(frozen=True)
class Verdict:
    """The outcome of verifying one request under one scheme.

    ``matched_secret`` is the 0-based index into the secrets tried (the sentence says "#1" for
    index 0). ``details`` carries numbers behind the sentence, e.g. ``skew_seconds``.
    """

    valid: bool
    scheme: str
    reason: Reason
    message: str
    matched_secret: int | None = None
    mistake: Mistake | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, as the CLI and the store use it."""
        return {**self.stored, "details": dict(self.details)}

    @cached_property
    def stored(self) -> dict[str, Any]:
        """:meth:`to_dict` made once per verdict, for callers that only read or encode it (the
        receiver stores one per capture, and the valid verdict is one shared object); never
        change it: use :meth:`to_dict` for a copy of your own."""
        return {
            "valid": self.valid,
            "scheme": self.scheme,
            "reason": str(self.reason),
            "message": self.message,
            "matched_secret": self.matched_secret,
            "mistake": str(self.mistake) if self.mistake else None,
            "details": dict(self.details),
        }
